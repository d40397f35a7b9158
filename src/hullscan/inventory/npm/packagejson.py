"""Installed npm packages: the ``package.json`` of each folder in a ``node_modules`` tree.

A ``package.json`` is an installed package only when it sits directly in
``node_modules/<name>/`` or ``node_modules/@scope/<name>/`` (nested ``node_modules`` and
pnpm's ``node_modules/.pnpm/<id>/node_modules/<name>/`` included). Deeper ones belong to a
package's own files (test fixtures, sub-path exports) and name nothing installed. A
``package.json`` outside any ``node_modules`` is a project's own manifest: it is reported as
the ``root`` package when it has a name and a version, as Trivy does for images.
"""

from __future__ import annotations

import json
import re
from typing import IO, Any

from hullscan.inventory.interface import (
    Analyzer,
    AnalyzerOptions,
    FileMeta,
    FileResult,
    Relationship,
)
from hullscan.inventory.npm._common import licenses_of, npm_package

__all__ = ["PackageJsonAnalyzer", "parse_package_json"]

_FILE = "package.json"
_NODE_MODULES = "node_modules/"
# npm's rule for names: URL-safe characters, an optional @scope/ in front.
_VALID_NAME = re.compile(r"(@[A-Za-z0-9._-]+/)?[A-Za-z0-9._-]+")


def parse_package_json(path: str, data: bytes, relationship: Relationship) -> FileResult:
    """The package one manifest describes; nothing for a nameless or versionless one."""
    try:
        doc: Any = json.loads(data)
    except (ValueError, RecursionError) as err:
        return FileResult(warnings=(f"{path}: not valid JSON ({err})",))
    if not isinstance(doc, dict):
        return FileResult(warnings=(f"{path}: not a JSON object",))
    name, version = doc.get("name"), doc.get("version")
    if not isinstance(name, str) or not isinstance(version, str) or not name or not version:
        return FileResult()  # both fields are optional for a project that is not published
    if not _VALID_NAME.fullmatch(name):
        return FileResult(warnings=(f"{path}: invalid package name {name[:80]!r}",))
    package = npm_package(
        name, version.strip(), path, licenses=licenses_of(doc), relationship=relationship
    )
    return FileResult(packages=(package,))


class PackageJsonAnalyzer(Analyzer):
    """``package.json`` of installed packages, and of projects outside ``node_modules``."""

    name = "npm-package"
    file_names = frozenset({_FILE})
    version = 1
    max_size = 10 * 1024 * 1024

    def wants(self, path: str, meta: FileMeta) -> bool:
        if not path.endswith(_FILE):
            return False
        if len(path) == len(_FILE):
            return True
        if path[-len(_FILE) - 1] != "/":
            return False
        at = path.rfind(_NODE_MODULES)
        if at < 0:
            return True
        if at and path[at - 1] != "/":  # e.g. my_node_modules/: not npm's folder
            return True
        folder = path[at + len(_NODE_MODULES) : -len(_FILE) - 1]
        if not folder or folder[0] == ".":
            return False  # .bin, .pnpm, .cache: npm's own bookkeeping
        slashes = folder.count("/")
        return slashes == 0 or (slashes == 1 and folder[0] == "@")

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        in_tree = path.startswith(_NODE_MODULES) or f"/{_NODE_MODULES}" in path
        relationship = Relationship.UNKNOWN if in_tree else Relationship.ROOT
        return parse_package_json(path, body.read(), relationship)
