"""OSV records: decode, check, and turn into the rows the database stores.

Decoding uses msgspec structs that name only the fields hullscan reads, so the decoder skips
everything else in C and rejects wrongly typed fields; a record that fails is counted as
malformed by the builder and never aborts a build. One bad ``affected`` entry (unknown
ecosystem, a version its ecosystem cannot parse) drops that entry only; a record left with no
usable entry is skipped.
"""

from __future__ import annotations

import collections
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from hullscan.errors import VersionError
from hullscan.versions import Scheme, key_function, scheme_of
from hullscan.versions.npm_range import parse_range
from hullscan.vulndb import model
from hullscan.vulndb.names import base_ecosystem, normalizer

_EVENT_KINDS = {
    "introduced": model.INTRODUCED,
    "fixed": model.FIXED,
    "last_affected": model.LAST_AFFECTED,
    "limit": model.LIMIT,
}
_RANGE_TYPES = frozenset({"ECOSYSTEM", "SEMVER"})
_SEMVER_SCHEMES = frozenset({Scheme.NPM, Scheme.SEMVER})
_TRUNCATED = re.compile(r"[0-9]+(?:\.[0-9]+)?")
#: Go stamps ``modified`` with the zero time in its repository copy; treat it as unknown.
_ZERO_TIMES = frozenset({"", "0001-01-01T00:00:00Z"})
#: Vendor status words seen in OSV ``*_specific`` fields, spelt as `Status` values.
_STATUS_WORDS = {
    "affected": "affected",
    "fixed": "fixed",
    "will_not_fix": "will_not_fix",
    "wont_fix": "will_not_fix",
    "wontfix": "will_not_fix",
    "ignored": "will_not_fix",
    "no-dsa": "will_not_fix",
    "fix_deferred": "fix_deferred",
    "deferred": "fix_deferred",
    "postponed": "fix_deferred",
    "end_of_life": "end_of_life",
    "end-of-life": "end_of_life",
}


class _Package(msgspec.Struct):
    ecosystem: str
    name: str


class _Range(msgspec.Struct):
    type: str
    events: list[dict[str, str]]


class _Severity(msgspec.Struct):
    type: str
    score: str


class _Affected(msgspec.Struct):
    package: _Package | None = None
    severity: list[_Severity] | None = None
    ranges: list[_Range] | None = None
    versions: list[str] | None = None
    ecosystem_specific: dict[str, Any] | None = None
    database_specific: dict[str, Any] | None = None


class _Reference(msgspec.Struct):
    url: str = ""


class OsvRecord(msgspec.Struct):
    """The fields of an OSV record that hullscan uses."""

    id: str
    modified: str = ""
    published: str = ""
    withdrawn: str | None = None
    aliases: list[str] | None = None
    upstream: list[str] | None = None
    summary: str = ""
    details: str = ""
    severity: list[_Severity] | None = None
    affected: list[_Affected] | None = None
    references: list[_Reference] | None = None
    database_specific: dict[str, Any] | None = None


DECODER = msgspec.json.Decoder(OsvRecord)


@dataclass
class Tally:
    """What an import read, kept and skipped, with the reasons for skips."""

    read: int = 0
    imported: int = 0
    withdrawn: int = 0
    malformed: int = 0
    unusable: int = 0
    entries_skipped: int = 0
    reasons: collections.Counter[str] = field(default_factory=collections.Counter)

    def add(self, other: Tally) -> None:
        self.read += other.read
        self.imported += other.imported
        self.withdrawn += other.withdrawn
        self.malformed += other.malformed
        self.unusable += other.unusable
        self.entries_skipped += other.entries_skipped
        self.reasons.update(other.reasons)


@dataclass(frozen=True, slots=True)
class Converted:
    """One record ready to store: its ids, its document and one Spec per affected package."""

    id: str
    aliases: tuple[str, ...]
    upstream: tuple[str, ...]
    modified: str
    doc: model.RecordDoc
    affected: tuple[tuple[str, str, model.Spec], ...]


class _BadEntry(Exception):
    """An affected entry that cannot be stored; the message is the tally reason.

    ``malformed`` is false for entries that are valid OSV but give hullscan nothing to match
    on (only GIT ranges, say), so a record with only such entries counts as unusable instead.
    """

    def __init__(self, reason: str, *, malformed: bool = True) -> None:
        super().__init__(reason)
        self.malformed = malformed


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


@functools.cache
def _checker(ecosystem: str) -> Callable[[str], object]:
    """The ecosystem's version parser (cached: one lookup per ecosystem string per build)."""
    return key_function(ecosystem)


def complete_semver(version: str) -> str | None:
    """``1`` -> ``1.0.0``, ``1.2`` -> ``1.2.0``; None for anything else."""
    if not _TRUNCATED.fullmatch(version):
        return None
    return ".".join((*version.split("."), "0", "0")[:3])


def _checked(ecosystem: str, check: Callable[[str], object], version: str) -> str:
    """``version`` if its ecosystem can order it, else _BadEntry.

    SemVer ecosystems get one repair: GHSA writes truncated bounds such as ``1.0``, which
    SemVer rejects; like osv-scanner, they are read as ``1.0.0`` (missing parts are zero).
    """
    candidates = [version]
    if scheme_of(ecosystem) in _SEMVER_SCHEMES and (padded := complete_semver(version)):
        candidates.append(padded)
    for candidate in candidates:
        try:
            check(candidate)
        except VersionError:
            continue
        return candidate
    raise _BadEntry(f"bad {base_ecosystem(ecosystem)} version")


def _ranges(ecosystem: str, ranges: list[_Range]) -> tuple[model.Range, ...]:
    check = _checker(ecosystem)
    out: list[model.Range] = []
    for rng in ranges:
        if rng.type not in _RANGE_TYPES:
            continue  # GIT ranges name commits, which an installed package does not have.
        events: list[model.Event] = []
        for event in rng.events:
            if len(event) != 1:
                raise _BadEntry("range event without exactly one version")
            ((name, version),) = event.items()
            kind = _EVENT_KINDS.get(name)
            if kind is None:
                raise _BadEntry("unknown range event")
            if kind == model.LIMIT and "*" in version:
                version = "*"  # OSV's "infinity"
            elif version != "0" or kind != model.INTRODUCED:
                version = _checked(ecosystem, check, version)
            events.append(model.Event(kind, version))
        if events:
            out.append(tuple(events))
    return tuple(out)


def _status(*extras: dict[str, Any] | None) -> str:
    for extra in extras:
        if extra and "status" in extra:
            word = _text(extra["status"]).lower().replace(" ", "_")
            if word in _STATUS_WORDS:
                return _STATUS_WORDS[word]
    return ""


def _npm_range(ecosystem: str, extra: dict[str, Any]) -> tuple[str, str]:
    """The raw node-semver (vulnerable, patched) strings of an npm entry without ranges."""
    npm_range = _text(extra.get("vulnerable_versions"))
    if not npm_range or base_ecosystem(ecosystem) != "npm":
        return "", ""
    try:
        parse_range(npm_range)
    except VersionError as exc:
        raise _BadEntry("bad npm range") from exc
    return npm_range, _text(extra.get("patched_versions"))


def _spec(ecosystem: str, entry: _Affected) -> model.Spec:
    ranges = _ranges(ecosystem, entry.ranges) if entry.ranges else ()
    versions = tuple(v for v in entry.versions if v) if entry.versions else ()
    npm_range = npm_patched = ""
    specific, extra = entry.ecosystem_specific, entry.database_specific
    if not ranges and extra:
        npm_range, npm_patched = _npm_range(ecosystem, extra)
    if not ranges and not versions and not npm_range:
        raise _BadEntry("no version ranges", malformed=False)
    severity = status = ""
    if specific:
        severity = _text(specific.get("urgency")) or _text(specific.get("severity"))
    if specific or extra:
        status = _status(specific, extra)
    cvss = tuple((s.type, s.score) for s in entry.severity if s.score) if entry.severity else ()
    return model.Spec(ranges, versions, npm_range, npm_patched, status, severity, cvss)


def _doc(record: OsvRecord) -> model.RecordDoc:
    extra = record.database_specific or {}
    cwes = extra.get("cwe_ids")
    return model.RecordDoc(
        summary=record.summary.strip(),
        details=record.details.strip(),
        published="" if record.published in _ZERO_TIMES else record.published,
        modified="" if record.modified in _ZERO_TIMES else record.modified,
        references=tuple(r.url for r in record.references or () if r.url),
        cvss=tuple((s.type, s.score) for s in record.severity or () if s.score),
        severity=_text(extra.get("severity")),
        cwes=tuple(c for c in cwes if isinstance(c, str)) if isinstance(cwes, list) else (),
        url=_text(extra.get("url")),
    )


def convert(record: OsvRecord, tally: Tally) -> Converted | None:
    """The storable form of ``record``, or None (counted in ``tally``) if it cannot be used."""
    if record.withdrawn:
        tally.withdrawn += 1
        return None
    if not record.id.strip():
        tally.malformed += 1
        tally.reasons["record without id"] += 1
        return None
    affected: list[tuple[str, str, model.Spec]] = []
    bad = 0
    for entry in record.affected or ():
        try:
            if entry.package is None or not entry.package.name or not entry.package.ecosystem:
                raise _BadEntry("affected entry without package")
            ecosystem = entry.package.ecosystem
            normalize = normalizer(ecosystem)
            if normalize is None:
                raise _BadEntry(f"unknown ecosystem {base_ecosystem(ecosystem)}")
            affected.append((ecosystem, normalize(entry.package.name), _spec(ecosystem, entry)))
        except _BadEntry as exc:
            tally.entries_skipped += 1
            tally.reasons[str(exc)] += 1
            bad += exc.malformed
    if not affected:
        if bad:
            tally.malformed += 1
        else:
            tally.unusable += 1
        return None
    tally.imported += 1
    return Converted(
        id=record.id.strip(),
        aliases=tuple(a for a in record.aliases or () if a),
        upstream=tuple(u for u in record.upstream or () if u),
        modified="" if record.modified in _ZERO_TIMES else record.modified,
        doc=_doc(record),
        affected=tuple(affected),
    )


def decode(body: bytes, tally: Tally) -> Converted | None:
    """Decode and convert one record's JSON; malformed JSON is counted, not raised."""
    tally.read += 1
    try:
        record = DECODER.decode(body)
    except msgspec.ValidationError:
        tally.malformed += 1
        tally.reasons["record field missing or of the wrong type"] += 1
        return None
    except msgspec.DecodeError:
        tally.malformed += 1
        tally.reasons["invalid JSON"] += 1
        return None
    return convert(record, tally)
