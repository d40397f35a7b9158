"""Composer: Trivy's composer.lock expectation, both installed.json shapes, broken files."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from hullscan.inventory.interface import AnalyzerOptions, FileMeta, FileResult, PackageType
from hullscan.inventory.php import ComposerInstalledAnalyzer, ComposerLockAnalyzer
from tests.conftest import shared_dir

from .analyze import analyze_file, analyze_tree

LOCK = ComposerLockAnalyzer()
INSTALLED = ComposerInstalledAnalyzer()
META = FileMeta(path="", size=100, mode=0o644)


def _fixtures() -> Path:
    return shared_dir() / "data" / "fixtures" / "php"


def _expected_files() -> list[str]:
    return sorted(str(p.relative_to(_fixtures())) for p in _fixtures().glob("*/*.expected.json"))


@pytest.mark.parametrize("expected_file", _expected_files())
def test_trivy_fixture(expected_file: str) -> None:
    expected_path = _fixtures() / expected_file
    source = expected_path.with_name(expected_path.name.removesuffix(".expected.json"))
    rel = f"srv/app/{source.name}"
    assert LOCK.wants(rel, META)
    result = analyze_file(source, rel, LOCK)
    want = sorted(
        (e["name"], e["version"], e.get("dev", False))
        for e in json.loads(expected_path.read_text())
    )
    assert sorted((p.name, p.version, p.dev) for p in result.packages) == want
    assert result.warnings == ()
    for pkg in result.packages:
        assert (pkg.type, pkg.ecosystem, pkg.found_in) == (
            PackageType.COMPOSER,
            "Packagist",
            rel,
        )
        assert pkg.purl == f"pkg:composer/{pkg.name}@{pkg.version}"
    licenses = {p.name: p.licenses for p in result.packages}
    assert licenses["pear/pear_exception"] == ("BSD-2-Clause",)


def test_lock_without_dev_when_asked() -> None:
    (source,) = _fixtures().glob("*/composer.lock")
    result = analyze_file(source, "composer.lock", LOCK, AnalyzerOptions(include_dev=False))
    assert len(result.packages) == 8
    assert not any(p.dev for p in result.packages)


def _entry(name: str, version: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "version": version, **more}


def _installed(document: Any, options: AnalyzerOptions | None = None) -> FileResult:
    body = io.BytesIO(json.dumps(document).encode())
    return INSTALLED.analyze("vendor/composer/installed.json", body, options or AnalyzerOptions())


def test_installed_json_v1_list() -> None:
    result = _installed(
        [_entry("monolog/monolog", "2.9.1", license=["MIT"]), _entry("psr/log", "1.1.4")]
    )
    assert [(p.name, p.version, p.licenses, p.dev) for p in result.packages] == [
        ("monolog/monolog", "2.9.1", ("MIT",), False),
        ("psr/log", "1.1.4", (), False),
    ]
    assert result.warnings == ()


def test_installed_json_v2_object_with_dev_names() -> None:
    document = {
        "packages": [
            _entry("monolog/monolog", "2.9.1", license="MIT"),
            _entry("phpunit/phpunit", "9.6.0"),
        ],
        "dev": True,
        "dev-package-names": ["phpunit/phpunit"],
    }
    result = _installed(document)
    assert [(p.name, p.licenses, p.dev) for p in result.packages] == [
        ("monolog/monolog", ("MIT",), False),
        ("phpunit/phpunit", (), True),
    ]
    assert [p.name for p in _installed(document, AnalyzerOptions(include_dev=False)).packages] == [
        "monolog/monolog"
    ]


@pytest.mark.parametrize(
    ("name", "body", "warnings"),
    [
        ("composer.lock", b'{"packages": [', ("not valid JSON",)),
        ("composer.lock", b"\xff\xfe\x00garbage", ("not valid JSON",)),
        ("composer.lock", b"[1, 2]", ("not a composer.lock (no JSON object)",)),
        ("composer.lock", b'{"packages": {"a/b": "1"}}', ("'packages' is not a list",)),
        (
            "composer.lock",
            b'{"packages": [{"name": "a/ok", "version": "1.0"}, {"version": "2"}, 7,'
            b' {"name": "a/nover"}], "packages-dev": null}',
            (
                "packages[1] has no package name",
                "packages[2] has no package name",
                "packages[3] (a/nover) has no version",
            ),
        ),
        ("vendor/composer/installed.json", b'{"packages": [{"name"', ("not valid JSON",)),
        ("vendor/composer/installed.json", b'"just a string"', ("not an installed.json",)),
        (
            "vendor/composer/installed.json",
            b'[{"name": "a/ok", "version": "1.0"}, {"name": "", "version": "1"}]',
            ("packages[1] has no package name",),
        ),
    ],
)
def test_malformed_files_warn_and_the_rest_goes_on(
    tmp_path: Path, name: str, body: bytes, warnings: tuple[str, ...]
) -> None:
    bad = tmp_path / "bad" / name
    bad.parent.mkdir(parents=True)
    bad.write_bytes(body)
    good = tmp_path / "good" / name
    good.parent.mkdir(parents=True)
    good.write_text(json.dumps({"packages": [_entry("vendor/good", "1.2.3")]}))
    results = analyze_tree(tmp_path, [LOCK, INSTALLED])
    found = {(p.found_in, p.name) for r in results.values() for p in r.packages}
    assert (f"good/{name}", "vendor/good") in found
    assert {f for f, _n in found} <= {f"good/{name}", f"bad/{name}"}
    if b'"a/ok"' in body:  # the good entries of a partly bad file are still read
        assert (f"bad/{name}", "a/ok") in found
    (bad_result,) = [r for (_a, path), r in results.items() if path == f"bad/{name}"]
    assert len(bad_result.warnings) == len(warnings)
    for got, want in zip(bad_result.warnings, warnings, strict=True):
        assert got.startswith(f"bad/{name}: {want}")


def test_wants() -> None:
    assert LOCK.wants("composer.lock", META)
    assert LOCK.wants("var/www/composer.lock", META)
    assert not LOCK.wants("var/www/mycomposer.lock", META)
    assert INSTALLED.wants("var/www/vendor/composer/installed.json", META)
    assert not INSTALLED.wants("var/www/node_modules/x/installed.json", META)
