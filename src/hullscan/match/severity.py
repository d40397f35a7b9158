"""Which severity a finding gets, and where it came from.

The vendor of the matched package knows its build best, so its word comes first: an explicit
severity label in a record (GHSA's reviewed ``database_specific.severity``, a distro's
per-package urgency or severity), then a CVSS vector the record carries. Only when the
matched records say nothing does NVD's assessment decide: NVD's own (Primary) CVSS v4/v3.x
metric, else a CNA's v4/v3.x, else v2. Scores map to levels by the CVSS specification's ranges.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

from hullscan.match.interface import CVSS, Severity
from hullscan.vulndb.model import CvssEntry

#: Vendor severity words: Debian's urgencies ("not yet assigned" and "end-of-life" say
#: nothing about impact), GHSA's, Red Hat's and Ubuntu's.
_WORDS = {
    "unimportant": Severity.LOW,
    "negligible": Severity.LOW,
    "low": Severity.LOW,
    "medium": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "high": Severity.HIGH,
    "important": Severity.HIGH,
    "critical": Severity.CRITICAL,
}
_VERSION_ORDER = {"4.0": 4, "3.1": 3, "3.0": 2, "2.0": 1}


def from_score(score: float, version: str) -> Severity:
    """The CVSS qualitative rating of a base score (v2 has no Critical band)."""
    if version.startswith("2"):
        return Severity.HIGH if score >= 7 else Severity.MEDIUM if score >= 4 else Severity.LOW
    if score >= 9:
        return Severity.CRITICAL
    if score >= 7:
        return Severity.HIGH
    return Severity.MEDIUM if score >= 4 else Severity.LOW


@functools.lru_cache(maxsize=256)
def from_word(text: str) -> Severity:
    """A vendor's severity word (``moderate``, ``important``, a Debian urgency such as
    ``bug #324531; medium`` or ``low**``); UNKNOWN if it names no level."""
    for part in reversed(text.lower().split(";")):
        word = part.strip().rstrip("*").strip()
        if word in _WORDS:
            return _WORDS[word]
    return Severity.UNKNOWN


@functools.lru_cache(maxsize=4096)
def score_vector(kind: str, vector: str) -> tuple[str, float] | None:
    """(CVSS version, base score) of an OSV severity entry, or None if it cannot be scored."""
    try:
        if kind == "CVSS_V4" or vector.startswith("CVSS:4.0/"):
            return "4.0", float(CVSS4(vector).base_score)
        if kind == "CVSS_V3" or vector.startswith("CVSS:3"):
            version = "3.0" if vector.startswith("CVSS:3.0/") else "3.1"
            return version, float(CVSS3(vector).base_score)
        if kind == "CVSS_V2":
            return "2.0", float(CVSS2(vector).base_score)
    except (CVSSError, ValueError, KeyError, IndexError):
        return None
    return None


def record_cvss(source: str, entries: Iterable[tuple[str, str]]) -> list[CVSS]:
    """The scorable OSV ``severity`` entries of one record, as CVSS values."""
    out: list[CVSS] = []
    for kind, vector in entries:
        scored = score_vector(kind, vector)
        if scored:
            out.append(CVSS(scored[0], vector, scored[1], source))
    return out


def nvd_cvss(entries: Sequence[CvssEntry]) -> list[CVSS]:
    """NVD's metrics as CVSS values, the one to rank by first: NVD's own v4/v3.x, then a
    CNA's v4/v3.x, and only then v2 (retired, and it scores the same flaw differently)."""
    ordered = sorted(
        entries,
        key=lambda e: (
            e.version.startswith("2"),
            not e.primary,
            -_VERSION_ORDER.get(e.version, 0),
        ),
    )
    return [CVSS(e.version, e.vector, e.score, e.source or "nvd") for e in ordered]


def choose(
    labels: Sequence[tuple[str, str]],
    vendor_cvss: Sequence[CVSS],
    nvd: Sequence[CVSS],
) -> tuple[Severity, str]:
    """The severity and its source from vendor labels (source, word), vendor CVSS, then NVD.

    ``nvd`` must be in `nvd_cvss` order so that its first entry is the one to use.
    """
    for source, word in labels:
        level = from_word(word) if word else Severity.UNKNOWN
        if level is not Severity.UNKNOWN:
            return level, source
    if vendor_cvss:
        best = max(vendor_cvss, key=lambda c: _VERSION_ORDER.get(c.version, 0))
        return from_score(best.score, best.version), f"{best.source} CVSS {best.version}"
    if nvd:
        first = nvd[0]
        return from_score(first.score, first.version), f"NVD ({first.source}) CVSS {first.version}"
    return Severity.UNKNOWN, ""
