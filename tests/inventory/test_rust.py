"""Cargo.lock and cargo-auditable binaries against Trivy's expectations, plus broken input."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import pytest
from packageurl import PackageURL

from hullscan.inventory.golang.binary import GoBinaryAnalyzer
from hullscan.inventory.interface import AnalyzerOptions, FileMeta, FileResult, PackageType
from hullscan.inventory.rust import CargoAuditableAnalyzer, CargoLockAnalyzer

from .analyze import analyze_file
from .test_elf import build_elf
from .test_golang import (
    fixture_params,
    listed_fixtures_are_all,
    package_view,
    run_fixture,
    trivy_view,
)

LOCK = CargoLockAnalyzer()
AUDIT = CargoAuditableAnalyzer()
OPTIONS = AnalyzerOptions()

RUST_FIXTURES = {
    "trivy-binary-test": "test.elf",
    "trivy-cargo-cargo_mixed": "Cargo.lock",
    "trivy-cargo-cargo_normal": "Cargo.lock",
    "trivy-cargo-cargo_v3": "Cargo.lock",
}


@pytest.fixture(scope="module")
def rustdir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "rust"


def test_every_rust_fixture_is_tested(rustdir: Path) -> None:
    listed_fixtures_are_all(rustdir, RUST_FIXTURES)


@pytest.mark.parametrize(("folder", "name"), fixture_params(RUST_FIXTURES, {}))
def test_rust_fixture(rustdir: Path, folder: str, name: str) -> None:
    analyzer = LOCK if name == "Cargo.lock" else AUDIT
    result, want = run_fixture(rustdir / folder, name, analyzer)
    assert result.warnings == ()
    assert sorted(map(package_view, result.packages)) == sorted(map(trivy_view, want))
    for pkg in result.packages:
        assert (pkg.type, pkg.ecosystem, pkg.found_in) == (PackageType.CARGO, "crates.io", name)
        purl = PackageURL.from_string(pkg.purl)
        assert (purl.type, purl.name, purl.version) == ("cargo", pkg.name, pkg.version)


def test_cargo_lock_v1_metadata_and_sources(rustdir: Path) -> None:
    pkgs = analyze_file(rustdir / "trivy-cargo-cargo_normal" / "Cargo.lock", "a/Cargo.lock", LOCK)
    by_name = {p.name: p for p in pkgs.packages}
    assert by_name["normal"].extra == ()  # the workspace crate has no source
    assert by_name["libc"].extra_value("source") == (
        "registry+https://github.com/rust-lang/crates.io-index"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b'[[package]]\nname = "a"\nversion = \n', "not a valid Cargo.lock"),
        (b"package = 3\n", "not a valid Cargo.lock: 'package' is no list"),
        (b"\xff\xfe", "not a valid Cargo.lock"),
    ],
)
def test_malformed_cargo_lock_warns(text: bytes, problem: str) -> None:
    result = LOCK.analyze("app/Cargo.lock", io.BytesIO(text), OPTIONS)
    assert result.packages == ()
    assert len(result.warnings) == 1 and result.warnings[0].startswith(
        f"app/Cargo.lock: {problem}"
    )


def test_cargo_lock_entries_without_version_are_counted() -> None:
    text = b'version = 3\n[[package]]\nname = "a"\nversion = "1.0.0"\n[[package]]\nname = "b"\n'
    result = LOCK.analyze("Cargo.lock", io.BytesIO(text), OPTIONS)
    assert [p.name for p in result.packages] == ["a"]
    assert result.warnings == ("Cargo.lock: 1 [[package]] entries without name or version",)


def _audit(doc: object) -> bytes:
    return build_elf([(".dep-v0", zlib.compress(json.dumps(doc).encode()))])


def test_build_dependencies_are_left_out() -> None:
    doc = {
        "packages": [
            {
                "name": "app",
                "version": "0.1.0",
                "source": "local",
                "dependencies": [1, 2],
                "root": True,
            },
            {"name": "serde", "version": "1.0.0", "source": "crates.io"},
            {"name": "cc", "version": "1.0.83", "source": "crates.io", "kind": "build"},
        ]
    }
    result = AUDIT.analyze("usr/bin/app", io.BytesIO(_audit(doc)), OPTIONS)
    assert [package_view(p) for p in result.packages] == [
        ("app", "0.1.0", "root"),
        ("serde", "1.0.0", "unknown"),
    ]
    assert result.packages[1].extra_value("source") == "crates.io"


@pytest.mark.parametrize(
    "payload",
    [
        b"not zlib at all",
        zlib.compress(b"{not json"),
        zlib.compress(b'{"packages": 5}'),
        zlib.compress(b"[]"),
    ],
)
def test_broken_audit_data_warns(payload: bytes) -> None:
    data = build_elf([(".dep-v0", payload)])
    result = AUDIT.analyze("usr/bin/app", io.BytesIO(data), OPTIONS)
    assert result.packages == ()
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("usr/bin/app: unreadable cargo-auditable data")


def test_oversized_audit_data_warns() -> None:
    data = build_elf([(".dep-v0", zlib.compress(b" " * (9 << 20)))])
    result = AUDIT.analyze("usr/bin/app", io.BytesIO(data), OPTIONS)
    assert result.packages == () and "larger than" in result.warnings[0]


def test_audit_section_past_the_end_warns() -> None:
    data = bytearray(_audit({"packages": []}))
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    struct.pack_into("<Q", data, shoff + 64 + 32, 1 << 20)  # .dep-v0 sh_size: 1 MiB
    result = AUDIT.analyze("usr/bin/app", io.BytesIO(bytes(data)), OPTIONS)
    assert result.packages == ()
    assert result.warnings[0].startswith("usr/bin/app: unreadable cargo-auditable data: truncated")


def test_truncated_binary_is_left_to_the_go_analyzer(rustdir: Path) -> None:
    """Cut before its section table, the file is no readable ELF: the Go analyzer says so."""
    data = (rustdir / "trivy-binary-test" / "test.elf").read_bytes()
    half = io.BytesIO(data[: len(data) // 2])
    assert AUDIT.analyze("usr/bin/app", half, OPTIONS) == FileResult()
    warnings = GoBinaryAnalyzer().analyze("usr/bin/app", half, OPTIONS).warnings
    assert len(warnings) == 1 and warnings[0].startswith("usr/bin/app: truncated ELF")


def test_non_rust_and_non_elf_inputs_are_quiet(fixtures_dir: Path) -> None:
    go = fixtures_dir / "go" / "trivy-binary-test" / "test.elf"
    assert analyze_file(go, "usr/bin/go-app", AUDIT) == FileResult()
    garbage = bytes(range(256)) * 8
    assert AUDIT.analyze("usr/bin/x", io.BytesIO(garbage), OPTIONS) == FileResult()
    assert AUDIT.analyze("usr/bin/x", io.BytesIO(b"\x7fELF\x09"), OPTIONS) == FileResult()


def test_wants() -> None:
    def meta(path: str, mode: int = 0o644, size: int = 4096) -> FileMeta:
        return FileMeta(path=path, size=size, mode=mode)

    assert LOCK.wants("Cargo.lock", meta("Cargo.lock"))
    assert LOCK.wants("src/app/Cargo.lock", meta("src/app/Cargo.lock"))
    assert not LOCK.wants("src/app/NotCargo.lock", meta("src/app/NotCargo.lock"))
    assert AUDIT.wants("usr/bin/app", meta("usr/bin/app", mode=0o755))
    assert not AUDIT.wants("usr/bin/app", meta("usr/bin/app"))
    assert not AUDIT.wants("usr/bin/app", meta("usr/bin/app", mode=0o755, size=100))
