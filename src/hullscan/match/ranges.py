"""OSV affected-version semantics over parsed version keys.

An affected row is compiled once per (ecosystem, package): every event version parsed into
its ecosystem's sort key and the events sorted. Checking an installed version is then tuple
comparisons only. The OSV evaluation rules followed (schema "Evaluation" section):

* a version is affected if it is listed in ``versions`` or lies in any range;
* within a range, walking the events in version order, ``introduced`` (``0`` = before every
  version) switches to affected when the version is at or past it, ``fixed`` switches back at
  or past the fix, ``last_affected`` past the last affected version;
* ``limit`` events bound a range from above: the version must be below at least one of them
  (``*`` is infinity); no limit means no bound.

The fixed version reported is the first ``fixed`` event above the installed version in the
range that matched; a range that matched with no such event has no fix yet.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from typing import Any

from hullscan.errors import VersionError
from hullscan.versions import satisfies
from hullscan.vulndb import model
from hullscan.vulndb.osv import complete_semver

#: Order of event kinds at equal versions: an introduced-and-fixed-at-once range is empty.
_KIND_ORDER = {model.INTRODUCED: 0, model.FIXED: 1, model.LAST_AFFECTED: 2, model.LIMIT: 3}
_LOWER_BOUND = re.compile(r">=?\s*v?([0-9][^\s|<>=]*)")

KeyFn = Callable[[str], Any]
Event = tuple[str, Any, str]  # (kind, key or None for introduced "0", version text)


class CompiledRange:
    """One range's events sorted by key, and its limits (None = ``*``)."""

    __slots__ = ("events", "limits")

    def __init__(self, events: list[Event], limits: list[Any]) -> None:
        self.events = events
        self.limits = limits

    def check(self, key: Any) -> tuple[bool, str]:
        """(affected, fixed version or "") for the installed version's key."""
        if self.limits and not any(lim is None or key < lim for lim in self.limits):
            return False, ""
        affected = False
        fixed = ""
        for kind, event_key, text in self.events:
            if event_key is not None and event_key > key:
                # Events above the version cannot change its state; the first fix above it
                # is where an upgrade leaves this range.
                if not affected or kind == model.LAST_AFFECTED:
                    break
                if kind == model.FIXED:
                    fixed = text
                    break
                continue
            if kind == model.INTRODUCED:
                affected = True
            elif kind == model.FIXED or (kind == model.LAST_AFFECTED and key > event_key):
                affected = False
        return affected, fixed


class Advisory:
    """What a finding needs from one affected row: its record, vulnerabilities and vendor
    status and severity. Shared by every version of the package that the row affects."""

    __slots__ = ("cvss", "record", "severity", "status", "vulns")

    def __init__(self, record: str, vulns: tuple[str, ...], spec: model.Spec) -> None:
        self.record = record
        self.vulns = vulns
        self.status = spec.status
        self.severity = spec.severity
        self.cvss = spec.cvss


class Entry:
    """One affected row of one record, ready to be checked against installed versions."""

    __slots__ = (
        "advisory",
        "npm_patched",
        "npm_range",
        "ranges",
        "version_keys",
        "versions",
    )

    def __init__(self, advisory: Advisory, spec: model.Spec, key: KeyFn):
        self.advisory = advisory
        self.ranges = [r for r in (_compile(events, key) for events in spec.ranges) if r]
        self.versions = frozenset(spec.versions)
        self.version_keys: set[Any] | list[Any] | None = None  # parsed on first need
        self.npm_range = spec.npm_range
        self.npm_patched = spec.npm_patched

    def check(self, version: str, key: Any, key_fn: KeyFn) -> tuple[bool, str]:
        """(affected, fixed version or "") for one installed version (key None: unparsable)."""
        if key is not None:
            for rng in self.ranges:
                affected, fixed = rng.check(key)
                if affected:
                    return True, fixed
        if version in self.versions:
            return True, ""
        if key is not None and self.versions and key in self._version_keys(key_fn):
            return True, ""
        if self.npm_range and satisfies("npm", self.npm_range, version):
            return True, _npm_fix(self.npm_patched, key, key_fn)
        return False, ""

    def _version_keys(self, key_fn: KeyFn) -> set[Any] | list[Any]:
        """The parsed ``versions``: a set where keys hash (all but Maven's), else a list."""
        if self.version_keys is None:
            keys = []
            for text in self.versions:
                try:
                    keys.append(key_fn(text))
                except VersionError:
                    continue  # an enumerated version the ecosystem cannot parse never matches
            try:
                self.version_keys = set(keys)
            except TypeError:
                self.version_keys = keys
        return self.version_keys


def _compile(events: model.Range, key_fn: KeyFn) -> CompiledRange | None:
    out: list[Event] = []
    limits: list[Any] = []
    try:
        for event in events:
            if event.kind == model.LIMIT:
                limits.append(None if event.version == "*" else key_fn(event.version))
            elif event.kind == model.INTRODUCED and event.version == "0":
                out.append((event.kind, None, event.version))
            else:
                out.append((event.kind, key_fn(event.version), event.version))
    except VersionError:
        return None  # the builder checked these; a newer parser may disagree: skip the range
    if not any(kind == model.INTRODUCED for kind, _, _ in out):
        return None  # OSV requires an introduced event; without one nothing is affected
    out.sort(key=lambda e: (e[1] is not None, e[1] if e[1] is not None else 0, _KIND_ORDER[e[0]]))
    return CompiledRange(out, limits)


def _npm_fix(patched: str, key: Any, key_fn: KeyFn) -> str:
    """The lowest lower bound in a node-semver ``patched_versions`` range above the installed
    version: where an upgrade leaves the vulnerable range."""
    candidates: list[tuple[Any, str]] = []
    for bound_text in _LOWER_BOUND.findall(patched):
        text = complete_semver(bound_text) or bound_text  # ">=3.11" means 3.11.0
        try:
            bound = key_fn(text)
        except VersionError:
            continue
        if key is None or bound > key:
            candidates.append((bound, text))
    return min(candidates, key=lambda c: c[0])[1] if candidates else ""


class SimpleIndex:
    """Rows whose only range is ``introduced 0, fixed X`` (nearly every distro row), sorted
    by X, so one bisect finds all that affect a version instead of a loop over them.
    """

    __slots__ = ("fixes", "keys")

    def __init__(self, rows: list[tuple[Any, str, Advisory]]) -> None:
        rows.sort(key=lambda r: r[0])
        self.keys = [key for key, _, _ in rows]
        self.fixes = [(advisory, fixed) for _, fixed, advisory in rows]

    def affected(self, key: Any) -> list[tuple[Advisory, str]]:
        """(advisory, fixed version) of every row whose fix is above ``key``."""
        return self.fixes[bisect.bisect_right(self.keys, key) :]


def simple_fix(spec: model.Spec) -> str | None:
    """X if ``spec`` is one ``introduced 0 -> fixed X`` range and nothing else, else None."""
    if len(spec.ranges) != 1 or spec.versions or spec.npm_range:
        return None
    events = spec.ranges[0]
    if len(events) != 2:
        return None
    first, second = events
    if first.kind == model.INTRODUCED and first.version == "0" and second.kind == model.FIXED:
        return second.version
    return None
