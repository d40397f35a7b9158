"""Python analyzers against Trivy's expectations, the debian-python-app image and bad input.

The helpers at the top (`expected_rows`, `package_rows`, `layer_packages`) are shared with
test_npm.py.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from hullscan.inventory import all_analyzers
from hullscan.inventory.interface import (
    Analyzer,
    AnalyzerOptions,
    FileMeta,
    FileResult,
    Package,
    PackageType,
    Relationship,
)
from hullscan.inventory.python import ANALYZERS, InstalledPythonAnalyzer, PythonLockAnalyzer
from hullscan.inventory.python.requirements import MIN_VERSION_OPTION
from tests.conftest import shared_dir

from .analyze import analyze_file, analyze_tree, packages_of

INSTALLED = InstalledPythonAnalyzer()
LOCKS = PythonLockAnalyzer()
_ZERO: dict[str, Any] = {"version": "", "dev": False, "relationship": "unknown"}


# --- helpers shared with test_npm.py --------------------------------------------------------


def expected_rows(expected_file: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The compared field names and the expected rows (sorted) of one ``.expected.json``.

    An entry carries only the fields the peer test asserts, and one that lacks a field
    another entry has was asserted as the zero value (fixtures/README.md), so a list is
    compared on the union of its fields. Order is not compared: peers sort differently.
    """
    entries: list[dict[str, Any]] = json.loads(expected_file.read_text())
    fields = sorted({"name", "version"}.union(*entries))
    rows = sorted(tuple(e.get(f, _ZERO.get(f)) for f in fields) for e in entries)
    return fields, rows


def package_rows(packages: Sequence[Package], fields: list[str]) -> list[tuple[Any, ...]]:
    return sorted(tuple(p.to_dict()[f] for f in fields) for p in packages)


def fixture_folders(kind: str) -> list[str]:
    return sorted(p.name for p in (shared_dir() / "data" / "fixtures" / kind).iterdir())


def layer_packages(
    images_dir: Path, image: str, layer: int, analyzers: Sequence[Analyzer]
) -> list[Package]:
    """Run analyzers over one layer blob of debian-images.oci.tar, as the layer walk would."""
    with (images_dir / f"{image}.layers.tsv").open() as tsv:
        rows = [r for r in tsv if not r.startswith("#")]
    digest = next(
        r["digest_gzip"] for r in csv.DictReader(rows, delimiter="\t") if r["layer"] == str(layer)
    )
    found: list[Package] = []
    with tarfile.open(images_dir / "debian-images.oci.tar") as oci:
        blob = oci.extractfile(f"blobs/sha256/{digest.removeprefix('sha256:')}")
        assert blob is not None
        with tarfile.open(fileobj=blob, mode="r|gz") as layer_tar:
            for member in layer_tar:
                if not member.isreg():
                    continue
                meta = FileMeta(path=member.name, size=member.size, mode=member.mode)
                wanting = [a for a in analyzers if a.wants(member.name, meta)]
                if not wanting:
                    continue
                data = layer_tar.extractfile(member).read()  # type: ignore[union-attr]
                for analyzer in wanting:
                    result = analyzer.analyze(member.name, io.BytesIO(data), AnalyzerOptions())
                    assert not result.warnings
                    found.extend(result.packages)
    return found


# --- Trivy's fixtures -----------------------------------------------------------------------

# Trivy runs its pip parser with useMinVersion=true for this file only (parse_test.go,
# "compatible versions"); hullscan's equivalent is the pip_min_version option.
_OPTIONS = {
    "trivy-pip-requirements_compatible": AnalyzerOptions(extra={MIN_VERSION_OPTION: "true"}),
}


@pytest.mark.parametrize("fixture", fixture_folders("python"))
def test_trivy_fixture(fixture: str, fixtures_dir: Path) -> None:
    folder = fixtures_dir / "python" / fixture
    (expected_file,) = folder.rglob("*.expected.json")
    results = analyze_tree(folder, ANALYZERS, _OPTIONS.get(fixture))
    fields, expected = expected_rows(expected_file)
    packages = packages_of(results)
    assert package_rows(packages, fields) == expected
    source = expected_file.relative_to(folder).as_posix().removesuffix(".expected.json")
    assert {p.found_in for p in packages} == {source}
    assert all(not r.warnings for r in results.values())
    assert all(p.type is PackageType.PYTHON and p.ecosystem == "PyPI" for p in packages)


def test_min_version_is_opt_in(fixtures_dir: Path) -> None:
    """Without the option only the exact pins count, as in Trivy's default mode."""
    path = fixtures_dir / "python" / "trivy-pip-requirements_compatible" / "requirements.txt"
    result = analyze_file(path, "requirements.txt", LOCKS)
    assert result.packages == ()


def test_purl_and_normalized_name(fixtures_dir: Path) -> None:
    path = fixtures_dir / "python" / "trivy-pip-requirements_flask" / "requirements.txt"
    by_name = {p.name: p for p in analyze_file(path, "app/requirements.txt", LOCKS).packages}
    markupsafe = by_name["MarkupSafe"]
    assert markupsafe.purl == "pkg:pypi/markupsafe@2.0.0"
    assert markupsafe.extra_value("normalized_name") == "markupsafe"
    assert markupsafe.found_in == "app/requirements.txt"


def test_metadata_licenses(fixtures_dir: Path) -> None:
    """Expression first, then classifiers (not the bare "OSI Approved"), then License."""
    folder = fixtures_dir / "python"
    cases = {
        "trivy-packaging-iniconfig-2.0.0/iniconfig-2.0.0.dist-info/METADATA": ("MIT",),
        "trivy-packaging-asyncssh-2.14.2/asyncssh-2.14.2.dist-info/METADATA": (
            "Eclipse Public License v2.0",
        ),
        "trivy-packaging-distlib-0.3.1/distlib-0.3.1.dist-info/METADATA": (
            "Python Software Foundation License",
        ),
        "trivy-packaging-pyphen-0.14.0/pyphen-0.14.0.dist-info/METADATA": (
            "GNU General Public License v2 or later (GPLv2+)",
            "GNU Lesser General Public License v2 or later (LGPLv2+)",
            "Mozilla Public License 1.1 (MPL 1.1)",
        ),
        "trivy-packaging-networkx-3.0/networkx-3.0.dist-info/METADATA": (),
        "trivy-packaging-unidecode-egg-info/unidecode.egg-info/PKG-INFO": (),
    }
    for rel, licenses in cases.items():
        (package,) = analyze_file(folder / rel, rel, INSTALLED).packages
        assert package.licenses == licenses, rel


def test_license_expression_wins_and_license_text_is_not_a_name() -> None:
    def licenses(headers: str) -> tuple[str, ...]:
        body = io.BytesIO(
            f"Metadata-Version: 2.4\nName: x\nVersion: 1\n{headers}\n\nbody".encode()
        )
        (package,) = INSTALLED.analyze("x-1.dist-info/METADATA", body, AnalyzerOptions()).packages
        return package.licenses

    assert licenses("License-Expression: MIT OR Apache-2.0\nLicense: BSD") == (
        "MIT OR Apache-2.0",
    )
    assert licenses("License: BSD-3-Clause") == ("BSD-3-Clause",)
    assert licenses("License: UNKNOWN") == ()
    assert licenses("License: Copyright (c) someone\n        Permission is hereby granted") == ()


def test_egg_info_file_and_egg_dir(tmp_path: Path) -> None:
    text = b"Metadata-Version: 1.1\nName: six\nVersion: 1.16.0\n"
    site = tmp_path / "usr/lib/python3/dist-packages"
    (site / "six-1.16.0.egg/EGG-INFO").mkdir(parents=True)
    (site / "six-1.16.0.egg/EGG-INFO/PKG-INFO").write_bytes(text)
    (site / "six-1.16.0-py3.11.egg-info").write_bytes(text)
    found = packages_of(analyze_tree(tmp_path, [INSTALLED]))
    assert [(p.name, p.version) for p in found] == [("six", "1.16.0")] * 2


def test_crlf_metadata_and_long_description() -> None:
    head = b"Metadata-Version: 2.1\r\nName: PyYAML\r\nVersion: 5.3\r\n\r\n"
    body = io.BytesIO(head + b"Version: 9.9\n" * 200_000)  # a body that looks like headers
    (package,) = INSTALLED.analyze("x.dist-info/METADATA", body, AnalyzerOptions()).packages
    assert (package.name, package.version) == ("PyYAML", "5.3")
    assert package.purl == "pkg:pypi/pyyaml@5.3"


# --- the shared image -----------------------------------------------------------------------


def test_debian_python_app_layer3(images_dir: Path) -> None:
    """Layer 3's dist-info METADATA files give exactly the 13 rows of the image's pypi.tsv."""
    with (images_dir / "debian-python-app.pypi.tsv").open() as tsv:
        rows = list(csv.DictReader(tsv, delimiter="\t"))
    expected = sorted(
        (r["name"], r["version"], r["dist_info"].lstrip("/") + "/METADATA") for r in rows
    )
    packages = layer_packages(images_dir, "debian-python-app", 3, ANALYZERS)
    installed = sorted(
        (p.name, p.version, p.found_in)
        for p in packages
        if p.found_in.endswith(".dist-info/METADATA")
    )
    assert installed == expected
    assert len(installed) == 13
    assert ("PyYAML", "5.3") in {(n, v) for n, v, _ in installed}
    pinned = {(p.name, p.version) for p in packages if p.found_in == "app/requirements.txt"}
    assert ("Django", "3.2.0") in pinned  # the requirement as written; pip installed "3.2"


# --- requirements.txt details ---------------------------------------------------------------


def _requirements(text: str, encoding: str = "utf-8") -> list[tuple[str, str]]:
    body = io.BytesIO(text.encode(encoding))
    result = LOCKS.analyze("requirements.txt", body, AnalyzerOptions())
    return [(p.name, p.version) for p in result.packages]


def test_requirements_options_includes_and_continuations() -> None:
    text = (
        "-r base.txt\n--index-url https://registry.example/simple\n-e git+https://x#egg=y\n"
        "requests[socks,security] == 2.19.1 \\\n    --hash=sha256:abc \\\n    --hash=sha256:def\n"
        "urllib3===1.23  # arbitrary equality\n"
        "pandas>=1.0\nnumpy==1.*\n"
    )
    assert _requirements(text) == [("requests", "2.19.1"), ("urllib3", "1.23")]


def test_requirements_utf16_be_and_utf8_bom() -> None:
    assert _requirements("\ufeffattrs==20.3.0\n", "utf-16-be") == [("attrs", "20.3.0")]
    assert _requirements("\ufeffattrs==20.3.0\n", "utf-8") == [("attrs", "20.3.0")]
    assert "\ufeff".encode("utf-16-be") == codecs.BOM_UTF16_BE


# --- lock file details ----------------------------------------------------------------------


def test_include_dev_false_drops_dev(fixtures_dir: Path) -> None:
    path = fixtures_dir / "python" / "trivy-uv-uv_normal" / "uv.lock"
    everything = analyze_file(path, "uv.lock", LOCKS).packages
    production = analyze_file(path, "uv.lock", LOCKS, AnalyzerOptions(include_dev=False)).packages
    assert {p.name for p in everything} - {p.name for p in production} == {
        "pytest",
        "colorama",
        "iniconfig",
        "packaging",
        "pluggy",
        "tomli",
    }
    (root,) = [p for p in production if p.relationship is Relationship.ROOT]
    assert root.name == "normal"


def test_pipfile_develop_is_dev() -> None:
    doc = {
        "default": {"Django": {"version": "==3.2"}},
        "develop": {
            "pytest": {"version": "==8.0"},
            "django": {"version": "==3.2"},
            "local": {"path": "."},
        },
    }
    body = io.BytesIO(json.dumps(doc).encode())
    result = LOCKS.analyze("Pipfile.lock", body, AnalyzerOptions())
    assert [(p.name, p.dev) for p in result.packages] == [("Django", False), ("pytest", True)]


def test_uv_forked_versions_resolved_by_version() -> None:
    text = """
version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "numpy", version = "1.26.4", marker = "python_version < '3.12'" }]
[package.dev-dependencies]
dev = [{ name = "numpy", version = "2.1.0", marker = "python_version >= '3.12'" }]
[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "https://registry.example/simple" }
[[package]]
name = "numpy"
version = "2.1.0"
source = { registry = "https://registry.example/simple" }
"""
    result = LOCKS.analyze("uv.lock", io.BytesIO(text.encode()), AnalyzerOptions())
    assert [(p.name, p.version, p.relationship.value, p.dev) for p in result.packages] == [
        ("app", "0.1.0", "root", False),
        ("numpy", "1.26.4", "direct", False),
        ("numpy", "2.1.0", "direct", True),
    ]


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("poetry.lock", b'[[package]]\nname = "flask"\nversion = "1.0\n'),
        ("uv.lock", b"version = 1\n[[package]\n"),
        ("Pipfile.lock", b'{"default": {"django": {"version": "==2.2"}'),
        ("Pipfile.lock", b"[" * 100_000 + b"]" * 100_000),
        ("poetry.lock", b"\xff\xfe\x00garbage"),
    ],
)
def test_malformed_lock_files_warn(name: str, data: bytes) -> None:
    path = f"srv/app/{name}"
    result = LOCKS.analyze(path, io.BytesIO(data), AnalyzerOptions())
    assert result.packages == ()
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(f"{path}: not a valid {name}")
    assert "\n" not in result.warnings[0]


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\x02\xff\xfe binary junk \x89PNG\r\n\x1a\n",
        b"Name: only-a-name\n\nVersion: 1.0 (in the body, so not a header)\n",
        b"this is not\nan RFC 822 header block at all\n",
        b"",
    ],
)
def test_junk_metadata_warns(data: bytes) -> None:
    path = "usr/lib/python3/dist-packages/junk-1.0.dist-info/METADATA"
    result = INSTALLED.analyze(path, io.BytesIO(data), AnalyzerOptions())
    assert result == FileResult(
        warnings=(f"{path}: no Name and Version headers; not package metadata",)
    )


def test_metadata_junk_after_headers_is_ignored() -> None:
    data = b"Name: ok\nVersion: 1.0\n\xff\xfe not a header line\nLicense: MIT\n"
    result = INSTALLED.analyze("ok-1.0.dist-info/METADATA", io.BytesIO(data), AnalyzerOptions())
    assert [(p.name, p.version) for p in result.packages] == [("ok", "1.0")]


# --- wants() --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "installed", "lock"),
    [
        ("usr/local/lib/python3.11/site-packages/Django-3.2.dist-info/METADATA", True, False),
        ("opt/venv/lib/python3.12/site-packages/x.egg-info/PKG-INFO", True, False),
        ("usr/lib/python3/dist-packages/distlib-0.3.1-py3.9.egg-info", True, False),
        ("usr/lib/python3/dist-packages/x-1.0.egg/EGG-INFO/PKG-INFO", True, False),
        ("usr/local/lib/python3.11/site-packages/Django-3.2.dist-info/RECORD", False, False),
        ("usr/share/doc/METADATA", False, False),
        ("requirements.txt", False, True),
        ("app/requirements.txt", False, True),
        ("app/dev-requirements.txt", False, False),
        ("app/Pipfile.lock", False, True),
        ("app/poetry.lock", False, True),
        ("uv.lock", False, True),
        ("app/myuv.lock", False, False),
        ("app/Pipfile", False, False),
    ],
)
def test_wants(path: str, installed: bool, lock: bool) -> None:
    meta = FileMeta(path=path, size=1, mode=0o644)
    assert (INSTALLED.wants(path, meta), LOCKS.wants(path, meta)) == (installed, lock)


def test_registered() -> None:
    names = {a.name for a in all_analyzers()}
    assert {"python-installed", "python-lock"} <= names
