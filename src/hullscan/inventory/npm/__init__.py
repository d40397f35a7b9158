"""npm packages: installed ``node_modules`` trees and the lock files of Node.js projects.

Both are reported when an image holds both (as Trivy and Syft do): installed packages say
what is on disk, a lock file says what a project pins, and each lock file is its own target
(``found_in``). Lock files inside ``node_modules`` are not read: npm's hidden lock file
``node_modules/.package-lock.json`` only repeats the ``package.json`` of every folder beside
it (which are read directly, and which whiteouts and later layers keep exact where the hidden
lock file could go stale), and a published package's own ``yarn.lock`` or
``pnpm-lock.yaml`` describes its authors' checkout, not what is installed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO

from hullscan.inventory.interface import Analyzer, AnalyzerOptions, FileMeta, FileResult, Package
from hullscan.inventory.npm.packagejson import PackageJsonAnalyzer

__all__ = ["ANALYZERS", "NpmLockAnalyzer", "PackageJsonAnalyzer"]

_Parser = Callable[[str, str], tuple[list[Package], list[str]]]


# Each parser's module is imported with the first file it parses: most images hold no yarn or
# pnpm lock, and the YAML library alone is 10 ms of every scan's start.


def _package_lock(path: str, text: str) -> tuple[list[Package], list[str]]:
    from hullscan.inventory.npm.package_lock import parse_package_lock

    return parse_package_lock(path, json.loads(text)), []


def _yarn(path: str, text: str) -> tuple[list[Package], list[str]]:
    from hullscan.inventory.npm.yarn import parse_yarn_lock

    return parse_yarn_lock(path, text)


def _pnpm(path: str, text: str) -> tuple[list[Package], list[str]]:
    from hullscan.inventory.npm.pnpm import parse_pnpm_lock

    return parse_pnpm_lock(path, text), []


_PARSERS: dict[str, _Parser] = {
    "package-lock.json": _package_lock,
    "npm-shrinkwrap.json": _package_lock,
    "yarn.lock": _yarn,
    "pnpm-lock.yaml": _pnpm,
}
_SUFFIXES = tuple(_PARSERS)
# json, YAML (the parsers raise ValueError for it) and UTF-8 errors; deep nesting is a
# RecursionError
_ERRORS = (ValueError, RecursionError)


class NpmLockAnalyzer(Analyzer):
    """``package-lock.json``, ``npm-shrinkwrap.json``, ``yarn.lock``, ``pnpm-lock.yaml``."""

    name = "npm-lock"
    file_names = frozenset(_PARSERS)
    version = 1
    max_size = 64 * 1024 * 1024

    def wants(self, path: str, meta: FileMeta) -> bool:
        if not path.endswith(_SUFFIXES):
            return False
        base = path.rpartition("/")[2]
        return base in _PARSERS and "node_modules/" not in path

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        base = path.rpartition("/")[2]
        try:
            text = body.read().decode("utf-8")  # the layer walk holds bodies to max_size
            packages, warnings = _PARSERS[base](path, text)
        except _ERRORS as err:
            return FileResult(warnings=(f"{path}: not a valid {base} ({_brief(err)})",))
        if not options.include_dev:
            packages = [p for p in packages if not p.dev]
        return FileResult(packages=tuple(packages), warnings=tuple(warnings))


def _brief(err: BaseException) -> str:
    """The first line of an error message, so a warning stays on one line."""
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__


ANALYZERS: list[Analyzer] = [PackageJsonAnalyzer(), NpmLockAnalyzer()]
