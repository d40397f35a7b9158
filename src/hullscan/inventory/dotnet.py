"""NuGet packages of .NET applications: ``*.deps.json`` and ``packages.lock.json``.

``<app>.deps.json`` sits beside a built application. Following Trivy:

- libraries of type ``package``, ``project`` and ``runtimepack`` count (``reference`` and
  others do not); the ``runtimepack.`` prefix of a self-contained app's bundled runtime is
  dropped, so it is reported under its NuGet name (``Microsoft.NETCore.App.Runtime.linux-x64``);
- when the ``runtimeTarget`` names a target, only libraries that ship assets in it
  (``runtime``, ``runtimeTargets`` or ``native``) or that it does not list are kept: a
  compile-time-only reference is not in the application;
- the one project no other library depends on is the ``root``; the libraries it lists are
  ``direct``, every other one ``indirect``. Without a target or a root with dependencies the
  relationship stays unknown. Other projects of the solution are marked ``kind=project``.

``packages.lock.json`` (NuGet lock file, one section per target framework): every ``Direct``
package is ``direct``, ``Transitive`` and ``CentralTransitive`` ones ``indirect``; ``Project``
entries are the solution's own projects and are skipped. A package locked for several
frameworks is reported once, ``direct`` if any framework has it so.
"""

from __future__ import annotations

import json
from typing import IO, Any

from packageurl import PackageURL

from hullscan.inventory.interface import (
    Analyzer,
    AnalyzerOptions,
    Ecosystem,
    FileMeta,
    FileResult,
    Package,
    PackageType,
    Relationship,
)

__all__ = ["ANALYZERS", "DepsJsonAnalyzer", "NugetLockAnalyzer"]

_MAX_SIZE = 32 * 1024 * 1024
_RUNTIME_PACK = "runtimepack."
_LIBRARY_TYPES = frozenset({"package", "project", "runtimepack"})
_ASSET_KEYS = ("runtime", "runtimeTargets", "native")


class _Malformed(ValueError):
    """A JSON document whose shape is not the expected one."""


def nuget_package(
    name: str,
    version: str,
    found_in: str,
    relationship: Relationship = Relationship.UNKNOWN,
    extra: tuple[tuple[str, str], ...] = (),
) -> Package:
    """One NuGet package as a `Package` (purl ``pkg:nuget/<Name>@<version>``)."""
    return Package(
        type=PackageType.NUGET,
        name=name,
        version=version,
        found_in=found_in,
        ecosystem=Ecosystem.NUGET,
        purl=str(PackageURL(type="nuget", name=name, version=version or None).to_string()),
        relationship=relationship,
        extra=extra,
    )


def _load(path: str, body: IO[bytes], what: str) -> dict[str, Any] | FileResult:
    try:
        doc = json.loads(body.read())
    except (UnicodeDecodeError, ValueError) as err:
        return FileResult(warnings=(f"{path}: not a valid {what}: {err}",))
    if not isinstance(doc, dict):
        return FileResult(warnings=(f"{path}: not a valid {what}: top level is not an object",))
    return doc


def _object(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Malformed(f"{what} is not an object")
    return value


def _key(name: str, version: str) -> str:
    return f"{name.removeprefix(_RUNTIME_PACK)}/{version}"


def _deps_json_packages(doc: dict[str, Any], found_in: str) -> list[Package]:
    runtime_target = _object(doc.get("runtimeTarget"), "runtimeTarget").get("name", "")
    targets = _object(doc.get("targets"), "targets")
    target_found = isinstance(runtime_target, str) and runtime_target in targets
    target: dict[str, dict[str, Any]] = {}
    if target_found:
        for key, lib in _object(targets[runtime_target], "target").items():
            name, _, version = key.partition("/")
            target[_key(name, version)] = _object(lib, f"target library {key}")

    found: dict[str, tuple[str, str, bool]] = {}  # key -> (name, version, is project)
    for key, lib in _object(doc.get("libraries"), "libraries").items():
        name, slash, version = key.partition("/")
        lib_type = _object(lib, f"library {key}").get("type", "")
        if not (name and slash and version) or not isinstance(lib_type, str):
            continue
        if lib_type.lower() not in _LIBRARY_TYPES:
            continue
        ident = _key(name, version)
        if target_found and not _ships_assets(target.get(ident)):
            continue
        found[ident] = (name.removeprefix(_RUNTIME_PACK), version, lib_type.lower() == "project")

    referenced = {
        _key(dep, str(ver))
        for lib in target.values()
        for dep, ver in _object(lib.get("dependencies"), "dependencies").items()
    }
    projects = [k for k, (_n, _v, is_project) in found.items() if is_project]
    roots = [k for k in projects if k not in referenced]
    root = roots[0] if len(roots) == 1 else ""
    direct = {
        _key(dep, str(ver))
        for dep, ver in _object(target.get(root, {}).get("dependencies"), "dependencies").items()
    }

    packages = []
    for ident, (name, version, is_project) in found.items():
        rel = Relationship.UNKNOWN
        if ident == root:
            rel = Relationship.ROOT
        elif target_found and direct:
            rel = Relationship.DIRECT if ident in direct else Relationship.INDIRECT
        # LIMITATION: Relationship has no "workspace" member; other projects carry kind=project.
        extra = (("kind", "project"),) if is_project and ident != root else ()
        packages.append(nuget_package(name, version, found_in, rel, extra))
    return packages


def _ships_assets(lib: dict[str, Any] | None) -> bool:
    """Whether a target library puts files into the app (or is not listed: keep it)."""
    if lib is None:
        return True
    return any(lib.get(key) for key in _ASSET_KEYS)


def _lock_packages(doc: dict[str, Any], found_in: str) -> list[Package]:
    found: dict[tuple[str, str], bool] = {}  # (name, resolved) -> direct anywhere
    for framework, entries in _object(doc.get("dependencies"), "dependencies").items():
        for name, raw in _object(entries, f"dependencies of {framework}").items():
            entry = _object(raw, f"{framework}/{name}")
            kind = entry.get("type", "")
            if kind == "Project" or not name:
                continue
            resolved = entry.get("resolved", "")
            if not isinstance(resolved, str) or not resolved:
                raise _Malformed(f"{framework}/{name} has no resolved version")
            key = (name, resolved)
            found[key] = found.get(key, False) or kind == "Direct"
    return [
        nuget_package(
            name, version, found_in, Relationship.DIRECT if direct else Relationship.INDIRECT
        )
        for (name, version), direct in found.items()
    ]


class DepsJsonAnalyzer(Analyzer):
    name = "dotnet-deps"
    file_suffixes = (".deps.json",)
    version = 1
    max_size = _MAX_SIZE

    def wants(self, path: str, meta: FileMeta) -> bool:
        return path.endswith(".deps.json")

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        doc = _load(path, body, ".deps.json")
        if isinstance(doc, FileResult):
            return doc
        try:
            return FileResult(packages=tuple(_deps_json_packages(doc, path)))
        except _Malformed as err:
            return FileResult(warnings=(f"{path}: not a valid .deps.json: {err}",))


class NugetLockAnalyzer(Analyzer):
    name = "nuget-lock"
    file_names = frozenset({"packages.lock.json"})
    version = 1
    max_size = _MAX_SIZE

    def wants(self, path: str, meta: FileMeta) -> bool:
        return path[-18:] == "packages.lock.json" and (len(path) == 18 or path[-19] == "/")

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        doc = _load(path, body, "packages.lock.json")
        if isinstance(doc, FileResult):
            return doc
        try:
            return FileResult(packages=tuple(_lock_packages(doc, path)))
        except _Malformed as err:
            return FileResult(warnings=(f"{path}: not a valid packages.lock.json: {err}",))


ANALYZERS: list[Analyzer] = [DepsJsonAnalyzer(), NugetLockAnalyzer()]
