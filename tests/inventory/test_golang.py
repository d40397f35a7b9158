"""Go binaries, go.mod and go.sum against Trivy's expectations, the go-hello image, bad input."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import struct
import tarfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packageurl import PackageURL

from hullscan.inventory.elf import ElfFile
from hullscan.inventory.golang.binary import GoBinaryAnalyzer
from hullscan.inventory.golang.buildinfo import read_build_info
from hullscan.inventory.golang.mod import (
    GoModAnalyzer,
    GoModError,
    GoSumAnalyzer,
    parse_go_mod,
)
from hullscan.inventory.interface import (
    Analyzer,
    AnalyzerOptions,
    FileMeta,
    FileResult,
    Package,
    PackageType,
)

from .analyze import analyze_file

BINARY = GoBinaryAnalyzer()
GO_MOD = GoModAnalyzer()
GO_SUM = GoSumAnalyzer()
OPTIONS = AnalyzerOptions()

STDLIB_SPELLING = (
    "stdlib is versioned as the Go vulnerability database writes it (1.15.2, as the go-hello "
    "image's gobin.tsv expects 1.19.8); Trivy prefixes a v (v1.15.2). Checked without the "
    "prefix by test_go_binary_fixture_except_stdlib_prefix"
)


# --- shared with the other test modules: Trivy's expectations as comparable tuples ------


def trivy_view(entry: dict[str, Any]) -> tuple[str, str, str]:
    """(name, version, relationship) of an expected entry; absent fields are Trivy's zeros."""
    return (entry["name"], entry.get("version", ""), entry.get("relationship", "unknown"))


def package_view(pkg: Package) -> tuple[str, str, str]:
    return (pkg.name, pkg.version, pkg.relationship.value)


def fixture_params(files: dict[str, str], xfail: dict[str, str]) -> list[Any]:
    """One pytest param (folder, file) per fixture; those in ``xfail`` strictly fail."""
    return [
        pytest.param(
            folder,
            name,
            id=folder,
            marks=[pytest.mark.xfail(reason=xfail[folder], strict=True)]
            if folder in xfail
            else [],
        )
        for folder, name in files.items()
    ]


def run_fixture(folder: Path, name: str, analyzer: Analyzer) -> tuple[FileResult, list[Any]]:
    """The analyzer's result on ``folder/name`` (seen at path ``name``) and the expectation."""
    result = analyze_file(folder / name, name, analyzer)
    return result, json.loads((folder / f"{name}.expected.json").read_text())


def listed_fixtures_are_all(kind_dir: Path, files: dict[str, str]) -> None:
    """Fail when a fixture folder of the kind is missing from the parametrised list."""
    on_disk = {
        p.parent.name: p.name.removesuffix(".expected.json")
        for p in kind_dir.glob("*/*.expected.json")
    }
    assert on_disk == files


# --- fixtures ------------------------------------------------------------------------------

GO_FIXTURES = {
    "trivy-binary-main-version-via-ldflags": "main-version-via-ldflags.elf",
    "trivy-binary-test": "test.elf",
    "trivy-mod-normal": "go.mod",
    "trivy-mod-replaced": "go.mod",
    "trivy-mod-replaced-with-version": "go.mod",
    "trivy-sum-gomod_emptyline": "go.sum",
    "trivy-sum-gomod_many": "go.sum",
    "trivy-sum-gomod_normal": "go.sum",
    "trivy-sum-gomod_trivy": "go.sum",
}
GO_BINARY_FIXTURES = {k: v for k, v in GO_FIXTURES.items() if v.endswith(".elf")}


@pytest.fixture(scope="module")
def godir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "go"


def _analyzer_for(name: str) -> Analyzer:
    return {"go.mod": GO_MOD, "go.sum": GO_SUM}.get(name, BINARY)


def test_every_go_fixture_is_tested(godir: Path) -> None:
    listed_fixtures_are_all(godir, GO_FIXTURES)


@pytest.mark.parametrize(
    ("folder", "name"),
    fixture_params(GO_FIXTURES, dict.fromkeys(GO_BINARY_FIXTURES, STDLIB_SPELLING)),
)
def test_go_fixture(godir: Path, folder: str, name: str) -> None:
    """Exactly Trivy's packages (as a set: Trivy sorts), no warnings, Go purls."""
    result, want = run_fixture(godir / folder, name, _analyzer_for(name))
    assert result.warnings == ()
    assert sorted(map(package_view, result.packages)) == sorted(map(trivy_view, want))
    for pkg in result.packages:
        assert (pkg.type, pkg.ecosystem, pkg.found_in) == (PackageType.GOLANG, "Go", name)
        purl = PackageURL.from_string(pkg.purl)
        assert purl.type == "golang"
        assert "/".join(filter(None, (purl.namespace, purl.name))) == pkg.name.lower()


@pytest.mark.parametrize(("folder", "name"), fixture_params(GO_BINARY_FIXTURES, {}))
def test_go_binary_fixture_except_stdlib_prefix(godir: Path, folder: str, name: str) -> None:
    result, want = run_fixture(godir / folder, name, BINARY)
    for entry in want:
        if entry["name"] == "stdlib":
            entry["version"] = entry["version"].removeprefix("v")
    assert sorted(map(package_view, result.packages)) == sorted(map(trivy_view, want))
    (stdlib,) = [p for p in result.packages if p.name == "stdlib"]
    assert stdlib.purl == f"pkg:golang/stdlib@v{stdlib.version}"


def test_ldflags_version_is_marked(godir: Path) -> None:
    elf = godir / "trivy-binary-main-version-via-ldflags" / "main-version-via-ldflags.elf"
    main = analyze_file(elf, "app", BINARY).packages[0]
    assert (main.name, main.version) == ("github.com/aquasecurity/test", "v1.0.0")
    assert main.extra_value("version_source") == "ldflags"


# --- the go-hello image ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hello(images_dir: Path) -> tuple[bytes, tarfile.TarInfo]:
    """``usr/local/bin/hello`` from the second layer blob of go-hello.oci.tar."""
    with tarfile.open(images_dir / "go-hello.oci.tar") as outer:

        def blob(digest: str) -> bytes:
            member = outer.extractfile(f"blobs/sha256/{digest.removeprefix('sha256:')}")
            assert member is not None
            return member.read()

        index = json.loads(outer.extractfile("index.json").read())  # type: ignore[union-attr]
        manifest = json.loads(blob(index["manifests"][0]["digest"]))
        layer = blob(manifest["layers"][1]["digest"])
    with tarfile.open(fileobj=io.BytesIO(layer), mode="r:gz") as inner:
        info = inner.getmember("usr/local/bin/hello")
        body = inner.extractfile(info)
        assert body is not None
        return body.read(), info


def test_go_hello_image_binary(hello: tuple[bytes, tarfile.TarInfo], images_dir: Path) -> None:
    data, info = hello
    path = info.name
    assert BINARY.wants(path, FileMeta(path=path, size=info.size, mode=info.mode))
    result = BINARY.analyze(path, io.BytesIO(data), OPTIONS)
    assert result.warnings == ()
    got = {p.name: p for p in result.packages}
    assert set(got) == {"example.com/hullscan-hello", "stdlib"}
    main, stdlib = got["example.com/hullscan-hello"], got["stdlib"]
    assert (main.version, main.relationship.value) == ("", "root")
    assert (stdlib.version, stdlib.relationship.value) == ("1.19.8", "direct")
    assert stdlib.purl == "pkg:golang/stdlib@v1.19.8"
    assert stdlib.extra_value("go_toolchain") == "go1.19.8"
    with (images_dir / "go-hello.gobin.tsv").open() as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert {("/" + path, p.name, p.version) for p in result.packages if p.name == "stdlib"} == {
        (r["binary"], r["module"], r["version"]) for r in rows
    }


def _without_section_headers(data: bytes) -> bytes:
    """The same ELF64 file with e_shoff, e_shnum and e_shstrndx zeroed (as strippers leave)."""
    out = bytearray(data)
    struct.pack_into("<Q", out, 0x28, 0)
    struct.pack_into("<HH", out, 0x3C, 0, 0)
    return bytes(out)


def test_build_info_found_in_data_segment_without_sections(
    hello: tuple[bytes, tarfile.TarInfo],
) -> None:
    stripped = _without_section_headers(hello[0])
    assert ElfFile(io.BytesIO(stripped)).sections == ()
    got = BINARY.analyze("hello", io.BytesIO(stripped), OPTIONS)
    want = BINARY.analyze("hello", io.BytesIO(hello[0]), OPTIONS)
    assert got == want and len(got.packages) == 2


def test_old_pointer_format_without_sections(godir: Path) -> None:
    """Go 1.15 (pointer format), located through the writable PT_LOAD segment."""
    data = (godir / "trivy-binary-test" / "test.elf").read_bytes()
    info = read_build_info(ElfFile(io.BytesIO(_without_section_headers(data))))
    assert info is not None and info.go_version == "go1.15.2"
    assert [d.path for d in info.deps][:1] == ["github.com/aquasecurity/go-pep440-version"]


# --- bad input -------------------------------------------------------------------------------


def test_truncated_binary_warns(hello: tuple[bytes, tarfile.TarInfo]) -> None:
    half = hello[0][: len(hello[0]) // 2]
    result = BINARY.analyze("usr/local/bin/hello", io.BytesIO(half), OPTIONS)
    assert result.packages == ()
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("usr/local/bin/hello: truncated ELF")


def test_truncated_header_warns() -> None:
    result = BINARY.analyze("bin/x", io.BytesIO(b"\x7fELF\x02\x01\x01" + b"\0" * 20), OPTIONS)
    assert result.packages == ()
    assert result.warnings and result.warnings[0].startswith("bin/x: truncated ELF")


def test_elf_that_is_not_go(fixtures_dir: Path) -> None:
    rust = fixtures_dir / "rust" / "trivy-binary-test" / "test.elf"
    assert analyze_file(rust, "usr/bin/rusty", BINARY) == FileResult()


def test_garbage_with_exec_bit() -> None:
    garbage = bytes(range(256)) * 16
    meta = FileMeta(path="usr/bin/blob", size=len(garbage), mode=0o755)
    assert BINARY.wants(meta.path, meta)
    assert BINARY.analyze(meta.path, io.BytesIO(garbage), OPTIONS) == FileResult()
    script = b"#!/bin/sh\n" + b"echo hi\n" * 200
    assert BINARY.analyze("usr/bin/s", io.BytesIO(script), OPTIONS) == FileResult()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_random_elf_bytes_never_raise(tail: bytes) -> None:
    result = BINARY.analyze("bin/r", io.BytesIO(b"\x7fELF" + tail), OPTIONS)
    assert result.packages == () or all(p.name for p in result.packages)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("module a\nrequire (\n\tb v1.0.0\n", "line 2: require block is not closed"),
        ("module a\nrequire b\n", "line 2: require takes a module path and a version"),
        ("module a\nreplace b v1 c v2\n", "line 2: replace without =>"),
        ('module "a\n', "line 1: unterminated quoted string"),
        ("module a\n)\n", "line 2: unexpected parenthesis"),
        ("module a b\n", "line 1: module takes one argument"),
        ("module a\nrequire b v1 ( x\n", "line 2: unexpected parenthesis"),
    ],
)
def test_malformed_go_mod_warns(text: str, problem: str) -> None:
    result = GO_MOD.analyze("src/go.mod", io.BytesIO(text.encode()), OPTIONS)
    assert result.packages == ()
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(f"src/go.mod: not a valid go.mod: {problem}")


def test_go_mod_not_utf8_warns() -> None:
    result = GO_MOD.analyze("go.mod", io.BytesIO(b"module \xff\n"), OPTIONS)
    assert result.packages == () and result.warnings[0].startswith("go.mod: not UTF-8")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('module require replace ()=>"`/\n\t/v1.0 x'))))
def test_go_mod_parser_only_raises_go_mod_error(text: str) -> None:
    with contextlib.suppress(GoModError):
        parse_go_mod(text)
    result = GO_MOD.analyze("go.mod", io.BytesIO(text.encode()), OPTIONS)
    assert not (result.packages and result.warnings)


# --- go.mod and go.sum semantics -------------------------------------------------------------


def _mod(text: str) -> list[tuple[str, str, str]]:
    result = GO_MOD.analyze("go.mod", io.BytesIO(text.encode()), OPTIONS)
    assert result.warnings == ()
    return [package_view(p) for p in result.packages]


def test_go_mod_exclude_local_replace_quotes_and_comments() -> None:
    text = """// header comment
module "example.com/app" // the module

go 1.21
toolchain go1.21.4
godebug default=go1.21
retract v1.0.0 // broken

require (
\texample.com/a v1.2.0
\texample.com/b v0.3.0 // indirect; kept for tests
\t`example.com/c` v2.0.0+incompatible
\texample.com/gone v1.0.0
)
require ()
exclude example.com/gone v1.0.0
replace example.com/a => ../a
replace example.com/b v0.2.0 => example.com/b2 v0.9.0
replace example.com/c v2.0.0+incompatible => example.com/c3 v3.0.1
"""
    assert _mod(text) == [
        ("example.com/app", "", "root"),
        ("example.com/b", "v0.3.0", "indirect"),
        ("example.com/c3", "v3.0.1", "direct"),
    ]
    mod = parse_go_mod(text)
    assert (mod.go, mod.toolchain) == ("1.21", "go1.21.4")


def test_go_mod_replacement_records_what_it_replaces() -> None:
    pkgs = GO_MOD.analyze(
        "go.mod", io.BytesIO(b"module m\nrequire a v1\nreplace a => b v2\n"), OPTIONS
    ).packages
    assert pkgs[1].extra_value("replaces") == "a@v1"
    assert pkgs[0].extra == ()  # no go or toolchain directive to record


def test_go_sum_keeps_last_version() -> None:
    text = b"a v1.0.0 h1:x=\na v1.0.0/go.mod h1:y=\na v1.2.0/go.mod h1:z=\n\nbad\nb v0.1.0 h1:q=\n"
    pkgs = GO_SUM.analyze("x/go.sum", io.BytesIO(text), OPTIONS).packages
    assert [(p.name, p.version, p.relationship.value) for p in pkgs] == [
        ("a", "v1.2.0", "unknown"),
        ("b", "v0.1.0", "unknown"),
    ]


def test_wants() -> None:
    def meta(path: str, size: int = 4096, mode: int = 0o644) -> FileMeta:
        return FileMeta(path=path, size=size, mode=mode)

    assert GO_MOD.wants("go.mod", meta("go.mod"))
    assert GO_MOD.wants("src/app/go.mod", meta("src/app/go.mod"))
    assert not GO_MOD.wants("src/app/ago.mod", meta("src/app/ago.mod"))
    assert GO_SUM.wants("app/go.sum", meta("app/go.sum"))
    assert not GO_SUM.wants("app/go.sum.bak", meta("app/go.sum.bak"))
    assert BINARY.wants("usr/bin/x", meta("usr/bin/x", mode=0o100))
    assert not BINARY.wants("usr/bin/x", meta("usr/bin/x", mode=0o644))
    assert not BINARY.wants("usr/bin/x", meta("usr/bin/x", size=1023, mode=0o755))
    assert not BINARY.wants("usr/bin/x", meta("usr/bin/x", size=257 << 20, mode=0o755))


# --- go.mod and go.sum together (the folder as hullscan rootfs reads it) ---------------------


def _folder_inventory(root: Path) -> dict[tuple[str, str], tuple[str, str]]:
    from hullscan.pipeline import InventoryOptions, inventory_rootfs

    packages = inventory_rootfs(root, InventoryOptions(use_cache=False)).inventory.packages
    return {(p.name, p.version): (p.found_in, p.relationship.value) for p in packages}


@pytest.mark.parametrize(
    "fixture", ["trivy-mod-normal", "trivy-mod-replaced", "trivy-mod-replaced-with-version"]
)
def test_go_sum_beside_a_go_1_17_go_mod_adds_nothing(fixtures_dir: Path, fixture: str) -> None:
    """Go 1.17+ go.mod files list every module; go.sum there only holds checksums (it lists
    32 modules trivy-mod-replaced does not build). Trivy's expectation is go.mod's list."""
    found = _folder_inventory(fixtures_dir / "go" / fixture)
    expected = json.loads((fixtures_dir / "go" / fixture / "go.mod.expected.json").read_text())
    assert {f for f, _ in found.values()} == {"go.mod"}
    assert sorted(found) == sorted((p["name"], p.get("version", "")) for p in expected)


def test_go_sum_completes_an_older_go_mod(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text(
        "module example.com/app\n\ngo 1.16\n\nrequire example.com/a v1.2.0\n"
    )
    (tmp_path / "go.sum").write_text(
        "example.com/a v1.1.0/go.mod h1:x=\n"
        "example.com/a v1.2.0 h1:y=\n"
        "example.com/a v1.2.0/go.mod h1:z=\n"
        "example.com/b v0.3.0 h1:w=\n"
        "example.com/b v0.3.0/go.mod h1:v=\n"
    )
    assert _folder_inventory(tmp_path) == {
        ("example.com/app", ""): ("go.mod", "root"),
        ("example.com/a", "v1.2.0"): ("go.mod", "direct"),
        ("example.com/b", "v0.3.0"): ("go.sum", "indirect"),
    }
