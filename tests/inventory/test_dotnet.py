""".deps.json and packages.lock.json against Trivy's expectations, plus malformed files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packageurl import PackageURL

from hullscan.inventory.dotnet import DepsJsonAnalyzer, NugetLockAnalyzer
from hullscan.inventory.interface import AnalyzerOptions, FileMeta, PackageType

from .analyze import analyze_file
from .test_golang import (
    fixture_params,
    listed_fixtures_are_all,
    package_view,
    run_fixture,
    trivy_view,
)

DEPS = DepsJsonAnalyzer()
LOCK = NugetLockAnalyzer()
OPTIONS = AnalyzerOptions()

DOTNET_FIXTURES = {
    "trivy-core_deps-ambiguous-root.deps": "ambiguous-root.deps.json",
    "trivy-core_deps-happy.deps": "happy.deps.json",
    "trivy-core_deps-missing-target.deps": "missing-target.deps.json",
    "trivy-core_deps-multi-project.deps": "multi-project.deps.json",
    "trivy-core_deps-self-contained.deps": "self-contained.deps.json",
    "trivy-core_deps-without-runtime.deps": "without-runtime.deps.json",
    "trivy-lock-packages_lock_legacy": "packages.lock.json",
    "trivy-lock-packages_lock_multi": "packages.lock.json",
    "trivy-lock-packages_lock_simple": "packages.lock.json",
    "trivy-lock-packages_lock_subdependencies": "packages.lock.json",
}
NO_WORKSPACE = (
    "Trivy's TestParseMultiProject marks the projects Api and Data RelationshipWorkspace; "
    "hullscan's Relationship (inventory/interface.py) has no workspace member, so they are "
    "direct/indirect by the dependency graph with extra kind=project "
    "(test_multi_project_without_workspace pins that)"
)


@pytest.fixture(scope="module")
def dotnetdir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "dotnet"


def test_every_dotnet_fixture_is_tested(dotnetdir: Path) -> None:
    listed_fixtures_are_all(dotnetdir, DOTNET_FIXTURES)


@pytest.mark.parametrize(
    ("folder", "name"),
    fixture_params(DOTNET_FIXTURES, {"trivy-core_deps-multi-project.deps": NO_WORKSPACE}),
)
def test_dotnet_fixture(dotnetdir: Path, folder: str, name: str) -> None:
    analyzer = LOCK if name == "packages.lock.json" else DEPS
    result, want = run_fixture(dotnetdir / folder, name, analyzer)
    assert result.warnings == ()
    assert sorted(map(package_view, result.packages)) == sorted(map(trivy_view, want))
    for pkg in result.packages:
        assert (pkg.type, pkg.ecosystem, pkg.found_in) == (PackageType.NUGET, "NuGet", name)
        purl = PackageURL.from_string(pkg.purl)
        assert (purl.type, purl.name, purl.version) == ("nuget", pkg.name, pkg.version)


def test_multi_project_without_workspace(dotnetdir: Path) -> None:
    folder = dotnetdir / "trivy-core_deps-multi-project.deps"
    result = analyze_file(folder / "multi-project.deps.json", "app/Web.deps.json", DEPS)
    got = sorted((*package_view(p), p.extra_value("kind")) for p in result.packages)
    assert got == [
        ("Api", "1.0.0", "direct", "project"),
        ("Data", "1.0.0", "indirect", "project"),
        ("Newtonsoft.Json", "13.0.3", "direct", None),
        ("Web", "1.0.0", "root", None),
    ]


def _deps(doc: object) -> list[tuple[str, str, str]]:
    result = DEPS.analyze("a.deps.json", io.BytesIO(json.dumps(doc).encode()), OPTIONS)
    assert result.warnings == ()
    return [package_view(p) for p in result.packages]


def test_reference_libraries_and_bad_keys_are_skipped() -> None:
    doc = {
        "runtimeTarget": {"name": "t"},
        "targets": {"t": {"App/1.0.0": {"dependencies": {"A": "2.0.0"}, "runtime": {"x": {}}}}},
        "libraries": {
            "App/1.0.0": {"type": "project"},
            "A/2.0.0": {"type": "Package"},
            "Ref/1.0.0": {"type": "reference"},
            "NoSlash": {"type": "package"},
        },
    }
    assert _deps(doc) == [("App", "1.0.0", "root"), ("A", "2.0.0", "direct")]


def test_no_libraries_is_empty() -> None:
    assert _deps({"runtimeTarget": {"name": "t"}, "targets": {}}) == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"libraries": {', "not a valid .deps.json: "),
        (b"[1, 2]", "not a valid .deps.json: top level is not an object"),
        (b'{"libraries": []}', "not a valid .deps.json: libraries is not an object"),
        (b'{"libraries": {"A/1": 3}}', "not a valid .deps.json: library A/1 is not an object"),
        (
            b'{"runtimeTarget": {"name": "t"}, "targets": {"t": []}, "libraries": {}}',
            "not a valid .deps.json: target is not an object",
        ),
        (b"\xff\xfe\x00", "not a valid .deps.json: "),
    ],
)
def test_malformed_deps_json_warns(body: bytes, problem: str) -> None:
    result = DEPS.analyze("app/x.deps.json", io.BytesIO(body), OPTIONS)
    assert result.packages == ()
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(f"app/x.deps.json: {problem}")


def test_lock_direct_anywhere_wins_and_central_transitive_is_indirect() -> None:
    doc = {
        "version": 2,
        "dependencies": {
            "net6.0": {
                "A": {"type": "Transitive", "resolved": "1.0.0"},
                "B": {"type": "CentralTransitive", "requested": "[2.0.0, )", "resolved": "2.0.0"},
                "me": {"type": "Project"},
            },
            "net8.0": {"A": {"type": "Direct", "requested": "[1.0.0, )", "resolved": "1.0.0"}},
        },
    }
    result = LOCK.analyze("packages.lock.json", io.BytesIO(json.dumps(doc).encode()), OPTIONS)
    assert [package_view(p) for p in result.packages] == [
        ("A", "1.0.0", "direct"),
        ("B", "2.0.0", "indirect"),
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"version": 1, "dependencies": ', "not a valid packages.lock.json: "),
        (b'"text"', "not a valid packages.lock.json: top level is not an object"),
        (b'{"dependencies": {"net6.0": 1}}', "not a valid packages.lock.json: dependencies of"),
        (
            b'{"dependencies": {"net6.0": {"A": {"type": "Direct"}}}}',
            "not a valid packages.lock.json: net6.0/A has no resolved version",
        ),
    ],
)
def test_malformed_packages_lock_warns(body: bytes, problem: str) -> None:
    result = LOCK.analyze("src/packages.lock.json", io.BytesIO(body), OPTIONS)
    assert result.packages == ()
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(f"src/packages.lock.json: {problem}")


_KEYS = st.sampled_from(
    [
        "runtimeTarget",
        "name",
        "targets",
        "t",
        "libraries",
        "A/1",
        "/1",
        "A/",
        "B",
        "type",
        "package",
        "project",
        "dependencies",
        "runtime",
        "resolved",
        "Direct",
        "version",
        "1",
    ]
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _KEYS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_any_json_gives_packages_or_warnings_never_an_exception(doc: object) -> None:
    body = json.dumps(doc).encode()
    for analyzer in (DEPS, LOCK):
        result = analyzer.analyze("x.json", io.BytesIO(body), OPTIONS)
        assert all(p.name for p in result.packages)


def test_wants() -> None:
    def meta(path: str) -> FileMeta:
        return FileMeta(path=path, size=100, mode=0o644)

    assert DEPS.wants("app/Web.deps.json", meta("app/Web.deps.json"))
    assert not DEPS.wants("app/Web.runtimeconfig.json", meta("app/Web.runtimeconfig.json"))
    assert LOCK.wants("packages.lock.json", meta("packages.lock.json"))
    assert LOCK.wants("src/packages.lock.json", meta("src/packages.lock.json"))
    assert not LOCK.wants("src/mypackages.lock.json", meta("src/mypackages.lock.json"))
