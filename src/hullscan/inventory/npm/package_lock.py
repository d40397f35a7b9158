"""``package-lock.json`` and ``npm-shrinkwrap.json``, lockfileVersion 1, 2 and 3.

Versions 2 and 3 list every installed folder under ``packages`` keyed by its path
(``node_modules/a/node_modules/b``); ``""`` is the project, whose dependency lists make the
packages at ``node_modules/<name>`` direct. Workspaces appear as links
(``node_modules/w -> packages/w``); the link is resolved so a workspace and what it installs
under its own folder are reported as if installed at the link, and a workspace counts as a
direct dependency of the project. Version 1 has only the nested ``dependencies`` tree and no
record of what the project itself asked for, so its packages keep an ``unknown``
relationship. A package installed at several places with the same version is reported once:
direct if any copy is, dev only if every copy is.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from hullscan.inventory.interface import Package, Relationship
from hullscan.inventory.npm._common import MergedPackages, licenses_of, mapping, split_spec

__all__ = ["parse_package_lock"]

_NODE_MODULES = "node_modules/"
_ROOT_DEPENDENCY_FIELDS = (
    "dependencies",
    "optionalDependencies",
    "devDependencies",
    "peerDependencies",
)


def _path_matches(pattern: str, path: str) -> bool:
    """Whether a workspace glob (``packages/*``) matches a folder, one path part at a time."""
    want, have = pattern.strip("/").split("/"), path.split("/")
    return len(want) == len(have) and all(map(fnmatch.fnmatchcase, have, want))


def _workspace_patterns(root: dict[str, Any]) -> list[str]:
    value = root.get("workspaces")
    if isinstance(value, dict):  # {"packages": [...], "nohoist": [...]}
        value = value.get("packages")
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _resolve_links(packages: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """Packages with link targets moved under their links, and the workspace link names."""
    links = {
        path: entry["resolved"]
        for path, entry in packages.items()
        if isinstance(entry, dict) and entry.get("link") and isinstance(entry.get("resolved"), str)
    }
    if not links:
        return packages, set()
    patterns = _workspace_patterns(mapping(packages.get("")))
    moved: dict[str, Any] = {}
    workspaces: set[str] = set()
    for folder, entry in packages.items():
        if folder in links:
            continue  # replaced by its target below, or dropped when the target is not locked
        at = folder
        for link, target in links.items():
            if folder == target or folder.startswith(target + "/"):
                if folder == target and any(_path_matches(p, target) for p in patterns):
                    workspaces.add(link.rpartition(_NODE_MODULES)[2])
                at = link + folder[len(target) :]
                break
        moved[at] = entry
    return moved, workspaces


def _parse_v2(path: str, packages: dict[str, Any]) -> list[Package]:
    packages, workspaces = _resolve_links(packages)
    root = mapping(packages.get(""))
    wanted = set(workspaces)
    for field in _ROOT_DEPENDENCY_FIELDS:
        wanted.update(mapping(root.get(field)))
    collector = MergedPackages(path)
    for folder, entry in packages.items():
        if not folder.startswith(_NODE_MODULES) or not isinstance(entry, dict):
            continue
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            name = folder.rpartition(_NODE_MODULES)[2]
        version = entry.get("version")
        is_direct = folder[len(_NODE_MODULES) :] in wanted  # node_modules/<name> only
        collector.add(
            name,
            version if isinstance(version, str) else "",
            Relationship.DIRECT if is_direct else Relationship.INDIRECT,
            # devOptional means "needed as an optional dependency of a production package too"
            entry.get("dev") is True,
            licenses_of(entry),
        )
    return collector.packages()


def _parse_v1(path: str, dependencies: dict[str, Any]) -> list[Package]:
    collector = MergedPackages(path)
    stack = [dependencies]
    while stack:
        for key, entry in stack.pop().items():
            if not isinstance(entry, dict):
                continue
            name, version = key, entry.get("version")
            if isinstance(version, str):
                if version.startswith("npm:"):  # an alias: "npm:real-name@1.2.3"
                    name, version = split_spec(version.removeprefix("npm:"))
                collector.add(name, version, Relationship.UNKNOWN, entry.get("dev") is True)
            nested = entry.get("dependencies")
            if isinstance(nested, dict):
                stack.append(nested)
    return collector.packages()


def parse_package_lock(path: str, doc: Any) -> list[Package]:
    """The packages a lock document locks; the project itself is not one of them."""
    doc = mapping(doc)
    packages = doc.get("packages")
    if isinstance(packages, dict) and doc.get("lockfileVersion") != 1:
        return _parse_v2(path, packages)
    return _parse_v1(path, mapping(doc.get("dependencies")))
