"""npm analyzers against Trivy's expectations, the debian-python-app image and bad input."""

from __future__ import annotations

import csv
import io
import json
import tarfile
from pathlib import Path

import pytest

from hullscan.image.walk import walk_tar
from hullscan.inventory import all_analyzers
from hullscan.inventory.interface import (
    AnalyzerOptions,
    FileMeta,
    Package,
    PackageType,
    Relationship,
)
from hullscan.inventory.npm import ANALYZERS, NpmLockAnalyzer, PackageJsonAnalyzer

from .analyze import analyze_file, analyze_tree, packages_of
from .test_python import (
    expected_rows,
    fixture_folders,
    layer_packages,
    package_rows,
)

PACKAGE_JSON = PackageJsonAnalyzer()
LOCKS = NpmLockAnalyzer()
PRODUCTION = AnalyzerOptions(include_dev=False)

# Trivy's pnpm parser drops the `dev: true` packages of v5/v6 lock files while parsing
# (parse.go: `if info.IsDev { continue }`); hullscan marks them dev and drops them only when
# include_dev is off, so these fixtures are compared without dev packages.
_OPTIONS = {
    "trivy-pnpm-pnpm-lock_many": PRODUCTION,
    "trivy-pnpm-pnpm-lock_with_dev": PRODUCTION,
    "trivy-pnpm-pnpm-lock_v6_with_dev": PRODUCTION,
}

_XFAIL = {
    "trivy-pnpm-pnpm-lock_v6": (
        "the expectation lists react, redux and their dependencies, which do not occur in "
        "this lock file (it locks jquery 3.6.0, promise 8.1.0 and asap 2.0.6); Trivy's "
        "parse_testcase.go (read at 6d8783f) defines pnpmV6 = pnpmNormal, so the "
        "transcription took the pnpmV6WithDev list. test_pnpm_v6_lists_what_the_file_locks "
        "checks the real content."
    ),
    "trivy-pnpm-pnpm-lock_v9_same-vers-diff-peers": (
        "Trivy reports jest-pnp-resolver 1.2.3 twice (a dev and a non-dev copy, one per peer "
        "variant); hullscan reports a name@version once per lock file, dev only if every copy "
        "is, as Trivy's own npm parser does (package-lock_v3_with-same-dev-and-non-dev). "
        "test_pnpm_same_version_different_peers_merged checks the merged result."
    ),
}


def _param(fixture: str) -> object:
    if fixture in _XFAIL:
        return pytest.param(fixture, marks=pytest.mark.xfail(strict=True, reason=_XFAIL[fixture]))
    return fixture


@pytest.mark.parametrize("fixture", [_param(f) for f in fixture_folders("npm")])
def test_trivy_fixture(fixture: str, fixtures_dir: Path) -> None:
    folder = fixtures_dir / "npm" / fixture
    (expected_file,) = folder.rglob("*.expected.json")
    results = analyze_tree(folder, ANALYZERS, _OPTIONS.get(fixture))
    fields, expected = expected_rows(expected_file)
    packages = packages_of(results)
    assert package_rows(packages, fields) == expected
    source = expected_file.relative_to(folder).as_posix().removesuffix(".expected.json")
    assert {p.found_in for p in packages} == {source}
    assert all(p.type is PackageType.NPM and p.ecosystem == "npm" for p in packages)


@pytest.mark.parametrize("fixture", sorted(_OPTIONS))
def test_pnpm_dev_packages_are_marked(fixture: str, fixtures_dir: Path) -> None:
    """With dev packages included, what Trivy leaves out is exactly the dev packages."""
    path = fixtures_dir / "npm" / fixture / "pnpm-lock.yaml"
    everything = analyze_file(path, "pnpm-lock.yaml", LOCKS).packages
    production = analyze_file(path, "pnpm-lock.yaml", LOCKS, PRODUCTION).packages
    assert set(everything) - set(production) == {p for p in everything if p.dev}
    assert any(p.dev for p in everything)
    mocha = [p for p in everything if p.name == "mocha"]
    assert [(p.relationship, p.dev) for p in mocha] == [(Relationship.DIRECT, True)]


def test_pnpm_v6_lists_what_the_file_locks(fixtures_dir: Path) -> None:
    path = fixtures_dir / "npm" / "trivy-pnpm-pnpm-lock_v6" / "pnpm-lock.yaml"
    found = analyze_file(path, "pnpm-lock.yaml", LOCKS).packages
    assert sorted((p.name, p.version, p.relationship.value) for p in found) == [
        ("asap", "2.0.6", "indirect"),
        ("jquery", "3.6.0", "direct"),
        ("promise", "8.1.0", "direct"),
    ]


def test_pnpm_same_version_different_peers_merged(fixtures_dir: Path) -> None:
    path = fixtures_dir / "npm" / "trivy-pnpm-pnpm-lock_v9_same-vers-diff-peers" / "pnpm-lock.yaml"
    found = analyze_file(path, "pnpm-lock.yaml", LOCKS).packages
    assert sorted((p.name, p.version, p.relationship.value, p.dev) for p in found) == [
        ("jest-config", "30.0.3", "direct", False),
        ("jest-pnp-resolver", "1.2.3", "indirect", False),
        ("jest-resolve", "27.5.1", "indirect", True),
        ("jest-resolve", "30.0.2", "indirect", False),
        ("jest-runner", "27.5.1", "direct", True),
        ("jest-runner", "30.0.3", "indirect", False),
    ]


def test_lock_licenses_and_scoped_purl(fixtures_dir: Path) -> None:
    path = fixtures_dir / "npm" / "trivy-npm-package-lock_v3_with_legacy_licenses"
    by_name = {
        p.name: p
        for p in analyze_file(path / "package-lock.json", "a/package-lock.json", LOCKS).packages
    }
    assert by_name["tv4"].licenses == ("Public Domain", "MIT")
    assert by_name["pause-stream"].licenses == ("MIT", "Apache2")
    v3 = fixtures_dir / "npm" / "trivy-npm-package-lock_v3" / "package-lock.json"
    by_name = {p.name: p for p in analyze_file(v3, "package-lock.json", LOCKS).packages}
    assert (
        by_name["@babel/helper-string-parser"].purl
        == "pkg:npm/%40babel/helper-string-parser@7.19.4"
    )


def test_yarn_berry_relationships(fixtures_dir: Path) -> None:
    """Berry lock files list the workspace's own dependencies: those are direct."""
    path = fixtures_dir / "npm" / "trivy-yarn-yarn_v2_deps_with_protocol" / "yarn.lock"
    found = analyze_file(path, "yarn.lock", LOCKS).packages
    assert sorted((p.name, p.relationship.value) for p in found) == [
        ("debug", "direct"),
        ("ms", "indirect"),
    ]


def test_yarn_aliases_use_the_real_name() -> None:
    classic = (
        '"string-width-cjs@npm:string-width@^4.2.0":\n  version "4.2.3"\n\n'
        '"@scope/alias@npm:@babel/core@^7":\n  version "7.1.0"\n'
    )
    berry = (
        '__metadata:\n  version: 8\n\n"string-width-cjs@npm:string-width@^4.2.0":\n'
        '  version: 4.2.3\n  resolution: "string-width@npm:4.2.3"\n'
    )
    for text, expected in (
        (classic, [("string-width", "4.2.3"), ("@babel/core", "7.1.0")]),
        (berry, [("string-width", "4.2.3")]),
    ):
        result = LOCKS.analyze("yarn.lock", io.BytesIO(text.encode()), AnalyzerOptions())
        assert [(p.name, p.version) for p in result.packages] == expected


def test_package_lock_v1_alias_and_nested() -> None:
    doc = {
        "lockfileVersion": 1,
        "dependencies": {
            "a": {"version": "1.0.0", "dependencies": {"b": {"version": "2.0.0", "dev": True}}},
            "b": {"version": "2.0.0"},
            "old-b": {"version": "npm:b@3.0.0", "dev": True},
        },
    }
    result = LOCKS.analyze(
        "package-lock.json", io.BytesIO(json.dumps(doc).encode()), AnalyzerOptions()
    )
    assert sorted((p.name, p.version, p.dev) for p in result.packages) == [
        ("a", "1.0.0", False),
        ("b", "2.0.0", False),
        ("b", "3.0.0", True),
    ]


# --- the shared image -----------------------------------------------------------------------


def _tsv_rows(images_dir: Path, layer: int) -> list[tuple[str, str, str]]:
    with (images_dir / "debian-python-app.npm.tsv").open() as tsv:
        rows = list(csv.DictReader(tsv, delimiter="\t"))
    return sorted(
        (r["name"], r["version"], r["path"].lstrip("/") + "/package.json")
        for r in rows
        if r["added_in_layer"] == str(layer)
    )


def _installed(packages: list[Package]) -> list[tuple[str, str, str]]:
    return sorted(
        (p.name, p.version, p.found_in) for p in packages if "node_modules/" in p.found_in
    )


def test_debian_python_app_layer4(images_dir: Path) -> None:
    """node_modules of layer 4 give exactly the tsv rows added in layer 4; the lock agrees."""
    packages = layer_packages(images_dir, "debian-python-app", 4, ANALYZERS)
    expected = _tsv_rows(images_dir, 4)
    assert _installed(packages) == expected
    assert len(expected) == 20
    locked = {(p.name, p.version) for p in packages if p.found_in == "app/package-lock.json"}
    assert locked == {(name, version) for name, version, _ in expected}
    direct = {p.name for p in packages if p.relationship is Relationship.DIRECT}
    assert direct == {"axios", "jsonwebtoken", "lodash", "minimist", "node-fetch"}
    (root,) = [p for p in packages if p.relationship is Relationship.ROOT]
    assert (root.name, root.found_in) == ("hullscan-fixture-node-app", "app/package.json")
    assert not any(p.dev for p in packages)  # npm install --omit=dev


def test_debian_python_app_layer5(images_dir: Path) -> None:
    packages = layer_packages(images_dir, "debian-python-app", 5, ANALYZERS)
    assert _installed(packages) == _tsv_rows(images_dir, 5)
    assert _installed(packages) == [
        ("minimist", "1.2.8", "app/node_modules/minimist/package.json")
    ]
    locked = {
        p.version
        for p in packages
        if p.name == "minimist" and p.found_in == "app/package-lock.json"
    }
    assert locked == {"1.2.8"}


# --- bad input ------------------------------------------------------------------------------


def _tar_with(tmp_path: Path, files: dict[str, Path]) -> Path:
    tar_path = tmp_path / "layer.tar"
    with tarfile.open(tar_path, "w") as tar:
        for name, source in files.items():
            tar.add(source, arcname=name)
    return tar_path


def test_huge_package_json_is_skipped_by_the_walk(tmp_path: Path) -> None:
    """A 50 MB package.json is wanted by path, then skipped for its size, not parsed."""
    huge = tmp_path / "huge.json"
    with huge.open("wb") as out:
        out.write(b'{"name": "huge", "version": "1.0.0", "description": "')
        chunk = b"x" * (1 << 20)
        for _ in range(50):
            out.write(chunk)
        out.write(b'"}')
    small = tmp_path / "small.json"
    small.write_text('{"name": "small", "version": "2.0.0"}')
    path = "app/node_modules/huge/package.json"
    assert PACKAGE_JSON.wants(path, FileMeta(path=path, size=huge.stat().st_size, mode=0o644))
    assert huge.stat().st_size > PACKAGE_JSON.max_size

    tar_path = _tar_with(tmp_path, {path: huge, "app/node_modules/small/package.json": small})
    with tar_path.open("rb") as stream:
        layer = walk_tar(stream, "sha256:test", ANALYZERS, AnalyzerOptions(), "test layer")
    found = [p for r in layer.results.values() for p in r.packages]
    assert [(p.name, p.version) for p in found] == [("small", "2.0.0")]
    assert (PACKAGE_JSON.name, path) not in layer.results
    assert [w for w in layer.warnings if w.startswith(f"{path}: ")]


def test_deeply_nested_package_json_warns() -> None:
    data = b'{"name": "deep", "version": "1.0.0", "x": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    path = "app/node_modules/deep/package.json"
    result = PACKAGE_JSON.analyze(path, io.BytesIO(data), AnalyzerOptions())
    assert result.packages == ()
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(f"{path}: not valid JSON")


@pytest.mark.parametrize(
    "data",
    [
        b'{"name": "x", "version": "1.0.0",',
        b"\xff\xfe\x00\x00 binary",
        b'["not", "an", "object"]',
        b'{"name": "Bad Name With Spaces", "version": "1.0.0"}',
    ],
)
def test_malformed_package_json_warns(data: bytes) -> None:
    path = "app/node_modules/x/package.json"
    result = PACKAGE_JSON.analyze(path, io.BytesIO(data), AnalyzerOptions())
    assert result.packages == ()
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(f"{path}: ")


def test_package_json_without_version_is_no_package() -> None:
    result = PACKAGE_JSON.analyze(
        "app/package.json", io.BytesIO(b'{"name": "app", "private": true}'), AnalyzerOptions()
    )
    assert result.packages == ()
    assert result.warnings == ()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("package-lock.json", b'{"lockfileVersion": 3, "packages": {"node_modules/a": {'),
        ("package-lock.json", b"\x00\x01binary\xff"),
        ("npm-shrinkwrap.json", b"[" * 100_000),
        ("yarn.lock", b'__metadata:\n  version: 8\n"a@npm:1":\n  version: [unclosed\n'),
        ("yarn.lock", b"__metadata:\n  version: 8\n\xff\xfe\n"),
        ("pnpm-lock.yaml", b"lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {resolution: [\n"),
        ("pnpm-lock.yaml", b"importers: {}\n"),
        ("pnpm-lock.yaml", b"lockfileVersion: banana\n"),
    ],
)
def test_malformed_lock_files_warn(name: str, data: bytes) -> None:
    path = f"srv/app/{name}"
    result = LOCKS.analyze(path, io.BytesIO(data), AnalyzerOptions())
    assert result.packages == ()
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(f"{path}: not a valid {name}")
    assert "\n" not in result.warnings[0]


def test_classic_yarn_lock_junk_gives_nothing() -> None:
    """Yarn classic is line based: lines that are not entries are not packages."""
    junk = b"\x89PNG\r\n\x1a\n\x00\x00garbage: yes\n  version\n    nested\n"
    result = LOCKS.analyze("yarn.lock", io.BytesIO(junk), AnalyzerOptions())
    assert result.packages == ()


# --- wants() --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "package_json", "lock"),
    [
        ("app/node_modules/lodash/package.json", True, False),
        ("node_modules/lodash/package.json", True, False),
        ("app/node_modules/@babel/core/package.json", True, False),
        ("app/node_modules/a/node_modules/b/package.json", True, False),
        ("app/node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json", True, False),
        ("usr/lib/node_modules/npm/package.json", True, False),
        ("app/package.json", True, False),
        ("package.json", True, False),
        ("app/node_modules/lodash/fp/package.json", False, False),
        ("app/node_modules/@babel/core/lib/package.json", False, False),
        ("app/node_modules/.bin/package.json", False, False),
        ("app/node_modules/package.json", False, False),
        ("app/node_modules/x/apackage.json", False, False),
        ("app/package-lock.json", False, True),
        ("package-lock.json", False, True),
        ("app/npm-shrinkwrap.json", False, True),
        ("app/yarn.lock", False, True),
        ("app/pnpm-lock.yaml", False, True),
        ("app/node_modules/.package-lock.json", False, False),
        ("app/node_modules/some-pkg/yarn.lock", False, False),
        ("app/node_modules/some-pkg/package-lock.json", False, False),
        ("app/my-package-lock.json", False, False),
    ],
)
def test_wants(path: str, package_json: bool, lock: bool) -> None:
    meta = FileMeta(path=path, size=1, mode=0o644)
    assert (PACKAGE_JSON.wants(path, meta), LOCKS.wants(path, meta)) == (package_json, lock)


def test_package_json_relationship_by_place() -> None:
    body = b'{"name": "@scope/app", "version": "1.0.0", "license": {"type": "MIT"}}'
    root = PACKAGE_JSON.analyze("srv/package.json", io.BytesIO(body), AnalyzerOptions()).packages
    installed = PACKAGE_JSON.analyze(
        "srv/node_modules/@scope/app/package.json", io.BytesIO(body), AnalyzerOptions()
    ).packages
    assert [(p.relationship, p.purl, p.licenses) for p in root] == [
        (Relationship.ROOT, "pkg:npm/%40scope/app@1.0.0", ("MIT",))
    ]
    assert [p.relationship for p in installed] == [Relationship.UNKNOWN]


def test_registered() -> None:
    names = {a.name for a in all_analyzers()}
    assert {"npm-package", "npm-lock"} <= names
