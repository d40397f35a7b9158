"""PHP packages: Composer lock files and the installed list in ``vendor/composer``.

``composer.lock`` keeps runtime packages under ``packages`` and development ones under
``packages-dev``. ``vendor/composer/installed.json`` is what is really installed: a bare list
(Composer 1) or ``{"packages": [...], "dev-package-names": [...]}`` (Composer 2).

LIMITATION: direct/indirect needs the ``composer.json`` beside the lock, which a per-file
analyzer does not see; relationships stay unknown.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO

from packageurl import PackageURL

from hullscan.inventory.interface import (
    Analyzer,
    AnalyzerOptions,
    Ecosystem,
    FileMeta,
    FileResult,
    Package,
    PackageType,
)

__all__ = [
    "ANALYZERS",
    "ComposerInstalledAnalyzer",
    "ComposerLockAnalyzer",
    "parse_composer_lock",
    "parse_installed_json",
]


class _Collector:
    """Packages and warnings from one Composer file; bad entries are skipped with a warning."""

    def __init__(self, path: str, options: AnalyzerOptions) -> None:
        self.path = path
        self.options = options
        self.packages: list[Package] = []
        self.warnings: list[str] = []

    def add_all(self, entries: object, key: str, is_dev: Callable[[str], bool]) -> None:
        if entries is None:
            return
        if not isinstance(entries, list):
            self.warnings.append(f"{self.path}: {key!r} is not a list")
            return
        for index, entry in enumerate(entries):
            self._add(entry, f"{key}[{index}]", is_dev)

    def _add(self, entry: object, where: str, is_dev: Callable[[str], bool]) -> None:
        if (
            not isinstance(entry, dict)
            or not isinstance(name := entry.get("name"), str)
            or not name
        ):
            self.warnings.append(f"{self.path}: {where} has no package name")
            return
        version = entry.get("version")
        if not isinstance(version, str) or not version:
            self.warnings.append(f"{self.path}: {where} ({name}) has no version")
            return
        dev = is_dev(name)
        if dev and not self.options.include_dev:
            return
        vendor, _, project = name.rpartition("/")
        purl = PackageURL(type="composer", namespace=vendor or None, name=project, version=version)
        self.packages.append(
            Package(
                type=PackageType.COMPOSER,
                name=name,
                version=version,
                found_in=self.path,
                ecosystem=Ecosystem.PACKAGIST.value,
                licenses=_licenses(entry.get("license")),
                purl=purl.to_string(),
                dev=dev,
            )
        )

    def result(self) -> FileResult:
        return FileResult(packages=tuple(self.packages), warnings=tuple(self.warnings))


def _licenses(value: object) -> tuple[str, ...]:
    """Composer's ``license``: a list of SPDX ids, or one id or expression as a string."""
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str) and v)
    return ()


def _load(body: IO[bytes], collector: _Collector) -> object:
    """The JSON document, or None after a warning when it does not parse."""
    try:
        return json.loads(body.read())
    except ValueError as err:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        collector.warnings.append(f"{collector.path}: not valid JSON ({err})")
        return None


def parse_composer_lock(body: IO[bytes], path: str, options: AnalyzerOptions) -> FileResult:
    """``packages`` and ``packages-dev`` (dev=True) of a ``composer.lock``."""
    collector = _Collector(path, options)
    lock = _load(body, collector)
    if isinstance(lock, dict):
        collector.add_all(lock.get("packages"), "packages", lambda _name: False)
        collector.add_all(lock.get("packages-dev"), "packages-dev", lambda _name: True)
    elif lock is not None:
        collector.warnings.append(f"{path}: not a composer.lock (no JSON object)")
    return collector.result()


def parse_installed_json(body: IO[bytes], path: str, options: AnalyzerOptions) -> FileResult:
    """Composer 1's list or Composer 2's object; dev from ``dev-package-names`` (v2 only)."""
    collector = _Collector(path, options)
    installed = _load(body, collector)
    if isinstance(installed, list):
        collector.add_all(installed, "packages", lambda _name: False)
    elif isinstance(installed, dict):
        dev_names = installed.get("dev-package-names")
        dev = frozenset(dev_names) if isinstance(dev_names, list) else frozenset()
        collector.add_all(installed.get("packages"), "packages", dev.__contains__)
    elif installed is not None:
        collector.warnings.append(f"{path}: not an installed.json (no JSON list or object)")
    return collector.result()


class ComposerLockAnalyzer(Analyzer):
    """``composer.lock`` files."""

    name = "php-composer-lock"
    file_names = frozenset({"composer.lock"})
    version = 1
    max_size = 32 * 1024 * 1024

    def wants(self, path: str, meta: FileMeta) -> bool:
        return path == "composer.lock" or path.endswith("/composer.lock")

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        return parse_composer_lock(body, path, options)


class ComposerInstalledAnalyzer(Analyzer):
    """What Composer installed: ``vendor/composer/installed.json``."""

    name = "php-composer-installed"
    file_names = frozenset({"installed.json"})
    version = 1
    max_size = 32 * 1024 * 1024

    def wants(self, path: str, meta: FileMeta) -> bool:
        return path == "composer/installed.json" or path.endswith("/composer/installed.json")

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        return parse_installed_json(body, path, options)


ANALYZERS: list[Analyzer] = [ComposerLockAnalyzer(), ComposerInstalledAnalyzer()]
