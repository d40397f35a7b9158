"""Ruby gems: installed specifications and Bundler lock files.

Installed gems leave ``specifications/<name>-<version>.gemspec``, a Ruby file RubyGems writes
in a fixed style (``s.name = "rake".freeze``). It is read with patterns, as Trivy does, rather
than evaluated. ``Gemfile.lock`` lists every resolved gem under the ``specs:`` of its GEM, GIT
and PATH sections; its DEPENDENCIES section names the ones the Gemfile asks for directly.
"""

from __future__ import annotations

import logging
import re
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
    Relationship,
)

__all__ = [
    "ANALYZERS",
    "BundlerAnalyzer",
    "GemspecAnalyzer",
    "parse_gemfile_lock",
    "parse_gemspec",
]

log = logging.getLogger(__name__)

_SPEC_NEW = re.compile(r"Gem::Specification\.new\s+do\s*\|\s*(\w+)\s*\|")
# A Ruby string literal as RubyGems writes one: "x", 'x', %q{x} or %q(x).
# A Ruby string literal as RubyGems writes one ("x", 'x', %q{x} or %q(x)), or a comment.
_TOKEN = re.compile(r""""([^"]*)"|'([^']*)'|%q\{([^}]*)\}|%q\(([^)]*)\)|(#)""")
_ATTRIBUTE = re.compile(r"^(\w+)\.(name|version|licenses?)\s*=\s*(.*)$")
_LOCK_SPEC = re.compile(r"^ {4}(\S+) \(([^)]+)\)$")
_GEM_SECTIONS = frozenset({"GEM", "GIT", "PATH"})


def _gem(
    name: str,
    version: str,
    path: str,
    licenses: tuple[str, ...] = (),
    relationship: Relationship = Relationship.UNKNOWN,
) -> Package:
    return Package(
        type=PackageType.GEM,
        name=name,
        version=version,
        found_in=path,
        ecosystem=Ecosystem.RUBYGEMS.value,
        purl=PackageURL(type="gem", name=name, version=version).to_string(),
        licenses=licenses,
        relationship=relationship,
    )


def _strings(text: str) -> list[str]:
    """The string literals in a line of Ruby, up to a comment."""
    found: list[str] = []
    for match in _TOKEN.finditer(text):
        if match.group(5) is not None:
            break
        found.append(next(g for g in match.groups() if g is not None))
    return found


def parse_gemspec(text: str, path: str) -> FileResult:
    """The gem an installed ``.gemspec`` describes: name, version and licenses."""
    var = ""
    fields: dict[str, str] = {}
    licenses: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if match := _SPEC_NEW.search(line):
            var = match.group(1)
            continue
        if not var or not (match := _ATTRIBUTE.match(line)) or match.group(1) != var:
            continue
        _var, key, value = match.groups()
        found = _strings(value)
        if key in ("name", "version") and found and key not in fields:
            fields[key] = found[0]
        elif key.startswith("license") and not licenses:
            licenses = found
    if not fields.get("name") or not fields.get("version"):
        return FileResult(warnings=(f"{path}: no gem name and version found",))
    gem = _gem(fields["name"], fields["version"], path, licenses=tuple(licenses))
    return FileResult(packages=(gem,))


def parse_gemfile_lock(text: str, path: str) -> FileResult:
    """Every gem in a ``Gemfile.lock``, direct when DEPENDENCIES names it."""
    specs: dict[tuple[str, str], int] = {}
    direct: set[str] = set()
    warnings: list[str] = []
    section = ""
    in_specs = False
    seen_sections: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if not line[0].isspace():
            section = line.strip()
            seen_sections.add(section)
            in_specs = False
            continue
        indent = len(line) - len(line.lstrip(" "))
        if section in _GEM_SECTIONS:
            if line.strip() == "specs:":
                in_specs = True
            elif in_specs and indent == 4:
                if match := _LOCK_SPEC.match(line):
                    # Drop the platform: nokogiri (1.13.6-x86_64-linux) is nokogiri 1.13.6.
                    version = match.group(2).split("-", 1)[0]
                    specs.setdefault((match.group(1), version), number)
                else:
                    warnings.append(f"{path}: line {number}: unrecognised spec {line.strip()!r}")
        elif section == "DEPENDENCIES" and indent == 2:
            # A trailing ! marks a gem from a GIT or PATH source.
            direct.add(line.split()[0].rstrip("!"))
    if not seen_sections & (_GEM_SECTIONS | {"DEPENDENCIES"}):
        return FileResult(warnings=(f"{path}: not a Gemfile.lock (no GEM or DEPENDENCIES)",))
    known = "DEPENDENCIES" in seen_sections
    packages = tuple(
        _gem(
            name,
            version,
            path,
            relationship=(
                (Relationship.DIRECT if name in direct else Relationship.INDIRECT)
                if known
                else Relationship.UNKNOWN
            ),
        )
        for name, version in specs
    )
    return FileResult(packages=packages, warnings=tuple(warnings))


def _text(body: IO[bytes]) -> str:
    return body.read().decode("utf-8", errors="replace")


class GemspecAnalyzer(Analyzer):
    """Installed gems, from ``.../specifications/*.gemspec`` (``default/`` included)."""

    name = "ruby-gemspec"
    file_suffixes = (".gemspec",)
    version = 1
    max_size = 4 * 1024 * 1024

    def wants(self, path: str, meta: FileMeta) -> bool:
        return path.endswith(".gemspec") and (
            "/specifications/" in path or path.startswith("specifications/")
        )

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        return parse_gemspec(_text(body), path)


class BundlerAnalyzer(Analyzer):
    """Bundler lock files (``Gemfile.lock``, or ``gems.locked`` for a ``gems.rb``)."""

    name = "ruby-bundler"
    file_names = frozenset({"Gemfile.lock", "gems.locked"})
    version = 1
    max_size = 16 * 1024 * 1024

    def wants(self, path: str, meta: FileMeta) -> bool:
        base = path.rpartition("/")[2]
        return base in ("Gemfile.lock", "gems.locked")

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        return parse_gemfile_lock(_text(body), path)


ANALYZERS: list[Analyzer] = [GemspecAnalyzer(), BundlerAnalyzer()]
