"""dpkg status, status.d and info files against Trivy and Syft expectations."""

from __future__ import annotations

import csv
import gzip
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from hullscan.inventory.dpkg import DpkgAnalyzer, parse_owned_files, parse_status
from hullscan.inventory.interface import AnalyzerOptions, FileMeta, FileResult, Package

from .analyze import analyze_file, analyze_tree, packages_of

ANALYZER = DpkgAnalyzer()


@pytest.fixture(scope="module")
def dpkgdir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "dpkg"


def _expected(dpkgdir: Path, name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((dpkgdir / f"{name}.expected.json").read_text())
    return data


def _owned(results: dict[tuple[str, str], FileResult]) -> dict[str, set[str]]:
    owned: dict[str, set[str]] = {}
    for result in results.values():
        for name, paths in result.owned_files:
            owned.setdefault(name, set()).update("/" + p for p in paths)
    return owned


def _ours(pkg: Package) -> dict[str, str]:
    return {
        "name": pkg.name,
        "version": pkg.version,
        "arch": pkg.arch,
        "source_name": pkg.source_name,
        "source_version": pkg.source_version,
    }


def _full(version: str, release: str | None, epoch: int | None) -> str:
    out = f"{epoch}:{version}" if epoch else version
    return f"{out}-{release}" if release else out


# --- Trivy: versions split into epoch / version / release ----------------------------------


def _trivy_view(p: dict[str, Any]) -> dict[str, str]:
    """Trivy's split fields joined back into full Debian version strings."""
    assert p["full_version"] == _full(p["version"], p.get("release"), p.get("epoch"))
    return {
        "name": p["name"],
        "version": p["full_version"],
        "arch": p["arch"],
        "source_name": p["src_name"],
        "source_version": _full(p["src_version"], p.get("src_release"), p.get("src_epoch")),
    }


TRIVY = ["trivy-corrupted", "trivy-digest", "trivy-md5sums", "trivy-third-party", "trivy-valid"]


SYFT = [
    "syft-distroless",
    "syft-image-dpkg",
    "syft-info/util-linux.conffiles",
    "syft-info/zlib1g.md5sums",
    "syft-status-d/deinstall",
    "syft-status-d/multiple",
    "syft-status-d/single",
]


def test_every_fixture_is_covered(dpkgdir: Path) -> None:
    found = [
        p.relative_to(dpkgdir).as_posix().removesuffix(".expected.json")
        for p in dpkgdir.rglob("*.expected.json")
    ]
    assert sorted(found) == sorted([*TRIVY, *SYFT])


@pytest.mark.parametrize("fixture", TRIVY)
def test_trivy(dpkgdir: Path, fixture: str) -> None:
    expected = _expected(dpkgdir, fixture)
    results = analyze_tree(dpkgdir / fixture, [ANALYZER])
    got = sorted((_ours(p) for p in packages_of(results)), key=lambda d: d["name"])
    want = sorted((_trivy_view(p) for p in expected), key=lambda d: d["name"])
    assert got == want
    owned = _owned(results)
    for p in expected:
        if "installed_files" in p:
            assert owned[p["name"]] == set(p["installed_files"])


def test_trivy_corrupted_warns_about_broken_stanzas(dpkgdir: Path) -> None:
    results = analyze_tree(dpkgdir / "trivy-corrupted", [ANALYZER])
    assert results[("dpkg", "var/lib/dpkg/status")].warnings == (
        "var/lib/dpkg/status: skipped package(s) with a bad version: "
        "brokenPackageWithNoVersionThatShouldGetThrownOut (no version), "
        "invalidpkg (version '1:5.#')",
    )


def test_trivy_valid_skips_config_files_only_package(dpkgdir: Path) -> None:
    text = (dpkgdir / "trivy-valid" / "var/lib/dpkg/status").read_text()
    assert "Package: git\nStatus: deinstall ok config-files" in text
    names = {p.name for p in parse_status(text, "status")[0]}
    assert "git" not in names and len(names) == 90


# --- Syft: whole Debian version in `version`, source name only when it differs ------------


def _syft_view(p: dict[str, Any]) -> dict[str, str]:
    """Syft leaves the source name empty when there is no Source field; we default it."""
    return {
        "name": p["name"],
        "version": p.get("version", ""),
        "arch": p.get("arch", ""),
        "source_name": p.get("src_name") or p["name"],
    }


def _syft_compare(packages: list[Package], expected: list[dict[str, Any]]) -> None:
    got = [{k: v for k, v in _ours(p).items() if k != "source_version"} for p in packages]
    assert got == [_syft_view(p) for p in expected]


SYFT_NO_VERSION = pytest.mark.xfail(
    strict=True,
    reason=(
        "Syft lists the stanza 'Package: no-version', which has neither Status nor Version: "
        "nothing about it can be matched or located, dpkg itself rejects a stanza without "
        "Version, and Trivy's corrupted-status test drops the same shape "
        "(brokenPackageWithNoVersionThatShouldGetThrownOut); hullscan skips it with a warning"
    ),
)


@pytest.mark.parametrize(
    "fixture",
    [
        "deinstall",
        pytest.param("multiple", marks=SYFT_NO_VERSION),
        "single",
    ],
)
def test_syft_status_d(dpkgdir: Path, fixture: str) -> None:
    path = dpkgdir / "syft-status-d" / fixture
    result = analyze_file(path, f"var/lib/dpkg/status.d/{fixture}", ANALYZER)
    _syft_compare(list(result.packages), _expected(dpkgdir, f"syft-status-d/{fixture}"))


def test_syft_status_d_multiple_without_disputed_entry(dpkgdir: Path) -> None:
    """Everything in Syft's 'multiple' expectation except the disputed no-version stanza."""
    path = dpkgdir / "syft-status-d" / "multiple"
    result = analyze_file(path, "var/lib/dpkg/status.d/multiple", ANALYZER)
    expected = [p for p in _expected(dpkgdir, "syft-status-d/multiple") if "version" in p]
    _syft_compare(list(result.packages), expected)
    assert result.warnings == (
        "var/lib/dpkg/status.d/multiple: skipped package(s) with a bad version: "
        "no-version (no version)",
        "var/lib/dpkg/status.d/multiple: skipped 1 stanza(s) without a Package name",
    )


@pytest.mark.parametrize(
    ("fixture", "files_key"), [("syft-distroless", "files"), ("syft-image-dpkg", "file_paths")]
)
def test_syft_trees(dpkgdir: Path, fixture: str, files_key: str) -> None:
    expected = _expected(dpkgdir, fixture)
    results = analyze_tree(dpkgdir / fixture, [ANALYZER])
    _syft_compare(packages_of(results), expected)
    owned = _owned(results)
    for p in expected:
        want = {f["path"] if isinstance(f, dict) else f for f in p[files_key]}
        assert owned[p["name"]] == want


@pytest.mark.parametrize("fixture", ["util-linux.conffiles", "zlib1g.md5sums"])
def test_syft_info_files(dpkgdir: Path, fixture: str) -> None:
    path = dpkgdir / "syft-info" / fixture
    rel = f"var/lib/dpkg/info/{fixture}"
    assert ANALYZER.wants(rel, FileMeta(rel, 1, 0o644))
    result = analyze_file(path, rel, ANALYZER)
    name, paths = result.owned_files[0]
    assert name == fixture.partition(".")[0]
    assert ["/" + p for p in paths] == [
        e["path"] for e in _expected(dpkgdir, f"syft-info/{fixture}")
    ]


# --- parser details -------------------------------------------------------------------------


def test_list_file_drops_directories_and_arch_suffix() -> None:
    text = "/.\n/usr\n/usr/bin\n/usr/bin/tar\n/usr/share/doc\n/usr/share/doc/tar/copyright\n"
    body = io.BytesIO(text.encode())
    result = ANALYZER.analyze("var/lib/dpkg/info/tar:amd64.list", body, AnalyzerOptions())
    assert result.owned_files == (("tar", ("usr/bin/tar", "usr/share/doc/tar/copyright")),)


def test_conffiles_with_flags() -> None:
    text = "/etc/a.conf\nremove-on-upgrade /etc/b.conf\n\n"
    assert parse_owned_files(text, ".conffiles") == ("etc/a.conf", "etc/b.conf")


@pytest.mark.parametrize(
    ("status", "present"),
    [
        ("install ok installed", True),
        ("hold ok installed", True),
        ("deinstall ok installed", True),  # marked for removal, files still on disk
        ("install ok unpacked", True),
        ("install ok half-configured", True),
        ("install ok triggers-pending", True),
        ("deinstall ok config-files", False),
        ("purge ok not-installed", False),
        ("install reinstreq half-installed", False),
    ],
)
def test_status_states(status: str, present: bool) -> None:
    text = f"Package: a\nStatus: {status}\nVersion: 1.0-1\nArchitecture: amd64\n"
    assert bool(parse_status(text, "s")[0]) is present


def test_binnmu_source_version() -> None:
    text = (
        "Package: bash\nVersion: 5.2.15-2+b2\nSource: bash (5.2.15-2)\n"
        "Status: install ok installed\n"
    )
    (pkg,), _ = parse_status(text, "s")
    assert (pkg.version, pkg.source_name, pkg.source_version) == (
        "5.2.15-2+b2",
        "bash",
        "5.2.15-2",
    )


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\xff" * 500, b"garbage\n\nmore garbage: yes\n", b"\n\n\n", b"Package: x\n" * 3],
)
def test_garbage_status_never_raises(data: bytes) -> None:
    result = ANALYZER.analyze("var/lib/dpkg/status", io.BytesIO(data), AnalyzerOptions())
    assert len(result.warnings) <= 2
    if data.strip() and not result.packages:
        assert result.warnings and result.warnings[0].startswith("var/lib/dpkg/status: ")


def test_many_bad_versions_make_one_warning() -> None:
    text = "".join(f"Package: p{i}\nVersion: #bad\n\n" for i in range(100))
    packages, warnings = parse_status(text, "s")
    assert not packages and len(warnings) == 1 and warnings[0].endswith(" and 90 more")


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("var/lib/dpkg/status", True),
        ("var/lib/dpkg/status-old", False),
        ("var/lib/dpkg/available", False),
        ("var/lib/dpkg/status.d/libssl3", True),
        ("var/lib/dpkg/status.d/libssl3.md5sums", True),
        ("var/lib/dpkg/status.d/libssl3.preinst", False),
        ("var/lib/dpkg/status.d/python3.11", True),
        ("var/lib/dpkg/info/bash.list", True),
        ("var/lib/dpkg/info/bash.md5sums", True),
        ("var/lib/dpkg/info/bash.postinst", False),
        ("var/lib/dpkg/info/sub/bash.list", False),
        ("usr/share/doc/bash/copyright", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert ANALYZER.wants(path, FileMeta(path, 1, 0o644)) is wanted


# --- the shared Debian image: status file of layer 2 ---------------------------------------


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    handle = archive.extractfile(name)
    assert handle is not None
    return handle.read()


def _layer_file(oci_tar: Path, ref_name: str, layer: int, member: str) -> bytes:
    """One file out of one layer of an image in an OCI layout tar."""

    def blob(digest: str) -> str:
        return "blobs/sha256/" + digest.removeprefix("sha256:")

    with tarfile.open(oci_tar) as outer:
        index = json.loads(_member(outer, "index.json"))
        ref = "org.opencontainers.image.ref.name"
        desc = next(m for m in index["manifests"] if m["annotations"][ref] == ref_name)
        manifest = json.loads(_member(outer, blob(desc["digest"])))
        layer_bytes = gzip.decompress(
            _member(outer, blob(manifest["layers"][layer - 1]["digest"]))
        )
    with tarfile.open(fileobj=io.BytesIO(layer_bytes)) as inner:
        for info in inner:
            if info.name.removeprefix("./") == member:
                return _member(inner, info.name)
    raise AssertionError(f"{member} not in layer {layer}")


def test_debian_minbase_status_matches_dpkg_query(images_dir: Path) -> None:
    status = _layer_file(
        images_dir / "debian-images.oci.tar", "debian-bookworm-minbase", 2, "var/lib/dpkg/status"
    )
    result = ANALYZER.analyze("var/lib/dpkg/status", io.BytesIO(status), AnalyzerOptions())
    with (images_dir / "debian-bookworm-minbase.dpkg.tsv").open() as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    want = sorted(
        (r["package"], r["version"], r["source"], r["source_version"], r["arch"]) for r in rows
    )
    got = sorted(
        (p.name, p.version, p.source_name, p.source_version, p.arch) for p in result.packages
    )
    assert len(got) == 110 and got == want and not result.warnings


def test_stanza_named_by_a_bare_first_line_is_kept_with_a_warning() -> None:
    # The shared busybox images' status file has this shape: the name without "Package: ".
    text = (
        "base-files\nStatus: install ok installed\nVersion: 12.4+deb12u15\n"
        "Architecture: amd64\n\nPackage: ok-pkg\nStatus: install ok installed\nVersion: 1.0\n"
    )
    packages, warnings = parse_status(text, "var/lib/dpkg/status")
    assert [(p.name, p.version) for p in packages] == [
        ("base-files", "12.4+deb12u15"),
        ("ok-pkg", "1.0"),
    ]
    assert warnings == [
        "var/lib/dpkg/status: stanza(s) without a 'Package:' field, named by their first line: "
        "base-files"
    ]
