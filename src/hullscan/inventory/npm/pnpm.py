"""``pnpm-lock.yaml``, lockfile versions 5, 6 and 9 (pnpm 7 to 10).

Versions 5 and 6 key ``packages`` by dependency path (``/name/1.0.0_peer`` in v5,
``/name@1.0.0(peer)`` in v6, with a registry host in front for other registries) and mark
dev-only packages with ``dev: true``. Version 9 splits a package (``packages``, keyed
``name@version``) from its installs (``snapshots``, keyed ``name@version(peers)``, holding the
dependency edges) and drops the dev marks, so dev is worked out as Trivy does: a package that
no production dependency of any importer (project) reaches is dev. A version that is a file,
tarball or git reference is only used through the ``version`` field pnpm writes beside it.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from typing import Any

import yaml

from hullscan.inventory.interface import Package, Relationship
from hullscan.inventory.npm._common import MergedPackages, mapping, split_spec

__all__ = ["parse_pnpm_lock"]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SEMVER = re.compile(r"\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?")
_PROD_FIELDS = ("dependencies", "optionalDependencies")
_DEV_FIELDS = ("devDependencies",)


def _semver(version: str) -> str:
    return version if _SEMVER.fullmatch(version) else ""


def _lockfile_version(doc: dict[str, Any]) -> float:
    try:
        return float(doc.get("lockfileVersion"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"unknown lockfileVersion {doc.get('lockfileVersion')!r}") from None


def _importer_deps(doc: dict[str, Any], fields: Iterable[str]) -> list[tuple[str, str]]:
    """(name, version) a project names, from the top level (v5, v6) and every importer."""
    fields = tuple(fields)
    projects = [doc, *(mapping(v) for v in mapping(doc.get("importers")).values())]
    found: list[tuple[str, str]] = []
    for project in projects:
        for field in fields:
            for name, value in mapping(project.get(field)).items():
                version = mapping(value).get("version", value)  # v6+ writes {specifier, version}
                found.append((str(name), str(version)))
    return found


def _split_dep_path(dep_path: str, lock_version: float) -> tuple[str, str]:
    """(name, version) of a v5/v6 dependency path, with the registry and peer suffix cut."""
    rest = dep_path.partition("/")[2]  # "/a/1.0.0" or "registry.example/a/1.0.0"
    scope = ""
    if rest.startswith("@"):
        scope, _, rest = rest.partition("/")
    name, _, version = rest.partition("/" if lock_version < 6 else "@")
    version = re.split(r"[_(]" if lock_version < 6 else r"\(", version, maxsplit=1)[0]
    return (f"{scope}/{name}" if scope else name), version


def _parse_v6(path: str, doc: dict[str, Any], lock_version: float) -> list[Package]:
    direct = {name for name, _ in _importer_deps(doc, (*_PROD_FIELDS, *_DEV_FIELDS))}
    merged = MergedPackages(path)
    for dep_path, value in mapping(doc.get("packages")).items():
        info = mapping(value)
        name, version = info.get("name"), info.get("version")
        if isinstance(name, str) and name:
            version = str(version or "")
        else:
            name, raw = _split_dep_path(str(dep_path), lock_version)
            version = _semver(raw)
        relationship = Relationship.DIRECT if name in direct else Relationship.INDIRECT
        merged.add(name, version, relationship, info.get("dev") is True)
    return merged.packages()


def _reach(starts: Iterable[str], edges: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    queue = deque(starts)
    while queue:
        node = queue.popleft()
        if node not in seen:
            seen.add(node)
            queue.extend(edges.get(node, ()))
    return seen


def _parse_v9(path: str, doc: dict[str, Any]) -> list[Package]:
    packages = mapping(doc.get("packages"))
    snapshots = mapping(doc.get("snapshots")) or {key: {} for key in packages}

    def node(name: str, version: str) -> str | None:
        """The snapshot a dependency resolves to; an alias writes ``real@version``."""
        for key in (f"{name}@{version}", version):
            if key in snapshots:
                return key
        return None

    edges: dict[str, list[str]] = {}
    for key, value in snapshots.items():
        deps = [
            (n, str(v)) for f in _PROD_FIELDS for n, v in mapping(mapping(value).get(f)).items()
        ]
        edges[str(key)] = [t for n, v in deps if (t := node(str(n), v))]
    prod_roots = [t for n, v in _importer_deps(doc, _PROD_FIELDS) if (t := node(n, v))]
    all_direct = _importer_deps(doc, (*_PROD_FIELDS, *_DEV_FIELDS))
    direct = {(n, v.partition("(")[0]) for n, v in all_direct}
    production = _reach(prod_roots, edges)

    merged = MergedPackages(path)
    for key in snapshots:
        name, raw = split_spec(str(key))
        raw = raw.partition("(")[0]
        declared = mapping(packages.get(f"{name}@{raw}")).get("version")
        version = str(declared) if declared else _semver(raw)
        if not all_direct:
            merged.add(name, version, Relationship.UNKNOWN)
            continue
        relationship = Relationship.DIRECT if (name, raw) in direct else Relationship.INDIRECT
        merged.add(name, version, relationship, str(key) not in production)
    return merged.packages()


def parse_pnpm_lock(path: str, text: str) -> list[Package]:
    """Packages of one pnpm lock file; ValueError when it cannot be read.

    pnpm 10+ can put a document for its own environment (``packageManagerDependencies``)
    before the project's lock document; the last document holding a lock is the project's.
    """
    try:
        docs = [d for d in yaml.load_all(text, Loader=_Loader) if isinstance(d, dict)]
    except yaml.YAMLError as err:
        raise ValueError(str(err)) from err
    locks = [d for d in docs if "lockfileVersion" in d]
    if not locks:
        raise ValueError("no lockfileVersion")
    doc = locks[-1]
    lock_version = _lockfile_version(doc)
    if lock_version >= 9:
        return _parse_v9(path, doc)
    return _parse_v6(path, doc, lock_version)
