"""``yarn.lock``: Yarn classic (v1, its own indented format) and Yarn berry (v2+, YAML).

Only packages from the npm registry are reported: entries resolved from files, links,
workspaces, patches, git or tarball URLs name no registry release (Trivy skips them too); an
unknown protocol is skipped with a warning. An npm alias (``alias@npm:real@^1``) is reported
under the real package's name, which is what advisories name. Classic lock files do not say
which packages the project asked for, so their relationship stays ``unknown``; berry lock
files list the workspaces' own dependencies, which makes those ``direct``.
"""

from __future__ import annotations

import yaml

from hullscan.inventory.interface import Package, Relationship
from hullscan.inventory.npm._common import MergedPackages, split_spec

__all__ = ["parse_yarn_lock"]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_SKIPPED_PROTOCOLS = frozenset(
    {"file", "link", "workspace", "patch", "portal", "exec", "git", "github", "gitlab"}
    | {"bitbucket", "http", "https", "git+ssh", "git+http", "git+https", "git+file", "ssh"}
)


class _Skip(Exception):
    """An entry that names no registry package; the message, when set, is a warning."""


def _registry_spec(pattern: str) -> tuple[str, str]:
    """(name, range or version) of an npm-registry pattern; `_Skip` for anything else."""
    name, rest = split_spec(pattern.strip().strip('"'))
    protocol, colon, value = rest.partition(":")
    if not colon:
        return name, rest
    if protocol != "npm":
        raise _Skip("" if protocol in _SKIPPED_PROTOCOLS else f"unsupported protocol {protocol!r}")
    if value.find("@", 1) > 0:  # npm alias: the real name follows
        return split_spec(value)
    return name, value


class _Lock:
    """What a yarn.lock gives: merged packages and one-line warnings."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.packages = MergedPackages(path)
        self.warnings: list[str] = []

    def skip(self, pattern: str, reason: str) -> None:
        if reason:
            self.warnings.append(f"{self.path}: {reason} in {pattern[:200]!r}; entry skipped")


def _unquote(text: str) -> str:
    return text.strip().strip('"')


def _parse_classic(out: _Lock, text: str) -> None:
    """Blocks of ``"a@^1", a@~1.2:`` headers with two-space indented fields."""
    patterns: list[str] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            patterns = [p for p in line.rstrip().removesuffix(":").split(",") if p.strip()]
            continue
        if not patterns or line[2:3].isspace():
            continue  # a field of a skipped entry, or a dependency line (four spaces)
        key, _, value = line.strip().partition(" ")
        if _unquote(key) != "version":
            continue
        try:
            name, _range = _registry_spec(patterns[0])
        except _Skip as skip:
            out.skip(patterns[0], str(skip))
        else:
            out.packages.add(name, _unquote(value), Relationship.UNKNOWN)
        patterns = []


def _parse_berry(out: _Lock, text: str) -> None:
    """The YAML document: ``"a@npm:^1, a@npm:^1.2": {version, resolution, dependencies}``."""
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as err:
        raise ValueError(str(err)) from err
    if not isinstance(doc, dict):
        raise ValueError("not a mapping")
    entries = {k: v for k, v in doc.items() if k != "__metadata" and isinstance(v, dict)}
    resolved: dict[str, tuple[str, str]] = {}
    workspace_deps: list[tuple[str, str]] = []
    for key, entry in entries.items():
        resolution = str(entry.get("resolution") or str(key).split(",")[0])
        try:
            name, version = _registry_spec(resolution)
        except _Skip as skip:
            if "@workspace:" in resolution:
                deps = entry.get("dependencies")
                if isinstance(deps, dict):
                    workspace_deps.extend((str(n), str(r)) for n, r in deps.items())
            out.skip(resolution, str(skip))
            continue
        for pattern in str(key).split(","):
            resolved[pattern.strip()] = (name, version)
    direct = {
        found
        for name, spec in workspace_deps
        if (found := resolved.get(f"{name}@{spec}") or resolved.get(f"{name}@npm:{spec}"))
    }
    for name, version in resolved.values():
        if not workspace_deps:
            relationship = Relationship.UNKNOWN
        elif (name, version) in direct:
            relationship = Relationship.DIRECT
        else:
            relationship = Relationship.INDIRECT
        out.packages.add(name, version, relationship)


def parse_yarn_lock(path: str, text: str) -> tuple[list[Package], list[str]]:
    """Packages and warnings of one yarn.lock; ValueError when it cannot be read."""
    out = _Lock(path)
    berry = text.startswith("__metadata:") or "\n__metadata:" in text
    (_parse_berry if berry else _parse_classic)(out, text)
    return out.packages.packages(), out.warnings
