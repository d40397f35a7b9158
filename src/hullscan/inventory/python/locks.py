"""Python lock files: ``Pipfile.lock``, ``poetry.lock`` (v1 and v2) and ``uv.lock``.

Each parser takes the decoded document and returns the packages it locks, with ``dev`` set
where the lock file says a package is only there for development, and the relationship where
the lock file records the project's own dependencies (uv does; Pipfile.lock and poetry.lock
do not, so their packages stay ``unknown``, as in Trivy).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from hullscan.inventory.interface import Ecosystem, Package, Relationship
from hullscan.inventory.python._common import python_package
from hullscan.vulndb.names import normalize_name

__all__ = ["parse_pipfile_lock", "parse_poetry_lock", "parse_uv_lock"]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _records(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def parse_pipfile_lock(path: str, doc: Any) -> list[Package]:
    """``default`` packages, then ``develop`` ones (dev) not already in ``default``.

    Entries without a ``==`` version (git, path or editable requirements) name no release.
    """
    packages: list[Package] = []
    seen: set[str] = set()
    for section, dev in (("default", False), ("develop", True)):
        for name, entry in _mapping(_mapping(doc).get(section)).items():
            version = _mapping(entry).get("version")
            if not isinstance(version, str) or not version.startswith("=="):
                continue
            key = normalize_name(Ecosystem.PYPI, name)
            if key in seen:
                continue
            seen.add(key)
            packages.append(python_package(name, version.removeprefix("=="), path, dev=dev))
    return packages


def parse_poetry_lock(path: str, doc: dict[str, Any]) -> list[Package]:
    """Every ``[[package]]``; dev when only dev groups (v2) or the dev category (v1) want it."""
    packages: list[Package] = []
    for entry in _records(doc.get("package")):
        name, version = entry.get("name"), entry.get("version")
        if not isinstance(name, str) or not isinstance(version, str) or not name or not version:
            continue
        groups = entry.get("groups")  # v2; v1 writes a single category
        dev = "main" not in groups if isinstance(groups, list) else entry.get("category") == "dev"
        packages.append(python_package(name, version, path, dev=dev))
    return packages


def _is_project(entry: dict[str, Any]) -> bool:
    """The project a uv.lock was made for: a virtual or editable source at the lock's folder."""
    source = _mapping(entry.get("source"))
    return source.get("virtual") == "." or source.get("editable") == "."


def _uv_edges(entry: dict[str, Any], groups: Iterable[str]) -> list[dict[str, Any]]:
    """Dependency records of ``entry`` in the given tables (each a list or a group mapping)."""
    edges: list[dict[str, Any]] = []
    for table in groups:
        value = entry.get(table)
        if isinstance(value, list):
            edges.extend(_records(value))
        else:
            for records in _mapping(value).values():
                edges.extend(_records(records))
    return edges


_PROD_TABLES = ("dependencies", "optional-dependencies")
_DEV_TABLES = ("dev-dependencies",)


def parse_uv_lock(path: str, doc: dict[str, Any]) -> list[Package]:
    """Every locked package; the project is ``root``, what it names ``direct``.

    Extras (``optional-dependencies``) count as production dependencies, as uv installs them
    on request; a package reachable from the project only through ``dev-dependencies`` is dev.
    A name locked at several versions (forked resolutions) is told apart by the ``version``
    uv then writes in the dependency record.
    """
    entries = [
        e
        for e in _records(doc.get("package"))
        if isinstance(e.get("name"), str) and isinstance(e.get("version"), str)
    ]
    by_name: dict[str, list[int]] = {}
    for index, entry in enumerate(entries):
        by_name.setdefault(normalize_name(Ecosystem.PYPI, entry["name"]), []).append(index)

    def resolve(record: dict[str, Any]) -> int | None:
        found = by_name.get(normalize_name(Ecosystem.PYPI, str(record.get("name", ""))), [])
        if len(found) > 1 and "version" in record:
            found = [i for i in found if entries[i]["version"] == record["version"]]
        return found[0] if found else None

    def targets(starts: Iterable[int], tables: Iterable[str]) -> set[int]:
        found = (resolve(d) for s in starts for d in _uv_edges(entries[s], tables))
        return {t for t in found if t is not None}

    def reach(starts: Iterable[int]) -> set[int]:
        seen: set[int] = set()
        queue = deque(starts)
        while queue:
            index = queue.popleft()
            if index in seen:
                continue
            seen.add(index)
            queue.extend(targets([index], _PROD_TABLES))
        return seen

    roots = [i for i, e in enumerate(entries) if _is_project(e)]
    direct_prod = targets(roots, _PROD_TABLES)
    direct_dev = targets(roots, _DEV_TABLES)
    production = reach([*roots, *direct_prod])

    packages: list[Package] = []
    for index, entry in enumerate(entries):
        if not roots:
            relationship, dev = Relationship.UNKNOWN, False
        elif index in roots:
            relationship, dev = Relationship.ROOT, False
        else:
            is_direct = index in direct_prod or index in direct_dev
            relationship = Relationship.DIRECT if is_direct else Relationship.INDIRECT
            dev = index not in production
        packages.append(
            python_package(
                entry["name"], entry["version"], path, relationship=relationship, dev=dev
            )
        )
    return packages
