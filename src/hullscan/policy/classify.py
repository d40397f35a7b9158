"""Severity classes: which CVSS range makes a severity, how soon it must be fixed, and how.

A classification file maps each severity to a CVSS range, a response time and an action::

    severity_classes:
      CRITICAL: {cvss_range: "9.0-10.0", response_time: 24h, action: "block deployment"}

Severities the file leaves out keep the built-in class. A finding's severity is the vendor's;
only when the vendor gives none is it derived from the CVSS score with these ranges, so a
team's ranges never overrule a distribution that rated the issue for its own build.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from hullscan.match.interface import Finding, Severity
from hullscan.policy.interface import Classification, SeverityClass
from hullscan.policy.values import read_text

if TYPE_CHECKING:
    from hullscan.policy.nodes import Cursor

DEFAULT_CLASSIFICATION = Classification(
    classes=(
        SeverityClass(
            Severity.CRITICAL,
            "block deployment / fix immediately",
            timedelta(hours=24),
            "24h",
            9.0,
            10.0,
        ),
        SeverityClass(Severity.HIGH, "fix within sprint", timedelta(days=7), "7d", 7.0, 8.9),
        SeverityClass(
            Severity.MEDIUM, "fix in a planned release", timedelta(days=30), "30d", 4.0, 6.9
        ),
        SeverityClass(
            Severity.LOW,
            "fix when convenient or accept the risk",
            timedelta(days=90),
            "90d",
            0.1,
            3.9,
        ),
        SeverityClass(
            Severity.UNKNOWN, "triage: assess and assign a severity", timedelta(days=30), "30d"
        ),
    ),
)

_ENTRY_KEYS = ("cvss_range", "response_time", "action")


def _cvss_range(cursor: Cursor) -> tuple[float, float]:
    if cursor.is_sequence:
        items = cursor.sequence()
        if len(items) != 2:
            raise cursor.error("expected two numbers [min, max]")
        low, high = items[0].number(), items[1].number()
    else:
        text = cursor.string()
        parts = text.split("-")
        try:
            if len(parts) != 2:
                raise ValueError(text)
            low, high = float(parts[0]), float(parts[1])
        except ValueError:
            raise cursor.error(f"{text!r} is not a range (e.g. '7.0-8.9')") from None
    if not 0.0 <= low <= high <= 10.0:
        raise cursor.error(f"range {low}-{high} must lie within 0.0-10.0, low end first")
    return low, high


def _entry(severity: Severity, cursor: Cursor, base: SeverityClass | None) -> SeverityClass:
    values = cursor.mapping(_ENTRY_KEYS)
    low, high = (base.cvss_min, base.cvss_max) if base else (None, None)
    if "cvss_range" in values:
        low, high = _cvss_range(values["cvss_range"])
    response, response_text = (base.response_time, base.response_text) if base else (None, "")
    if "response_time" in values:
        response = values["response_time"].duration()
        response_text = values["response_time"].string()
    action = values["action"].string() if "action" in values else (base.action if base else "")
    return SeverityClass(severity, action, response, response_text, low, high)


def parse_classification(cursor: Cursor, source: str) -> Classification:
    """Classes from a ``severity_classes`` mapping, laid over the built-in ones."""
    classes = {cls.severity: cls for cls in DEFAULT_CLASSIFICATION.classes}
    for name, entry in cursor.mapping().items():
        if name not in Severity.__members__:
            raise entry.error(f"unknown severity; expected one of: {', '.join(Severity)}")
        severity = Severity(name)
        classes[severity] = _entry(severity, entry, classes.get(severity))
    ranked = sorted(
        (c for c in classes.values() if c.cvss_min is not None and c.cvss_max is not None),
        key=lambda c: c.cvss_min or 0.0,
    )
    for lower, upper in itertools.pairwise(ranked):
        if (upper.cvss_min or 0.0) <= (lower.cvss_max or 0.0):
            raise cursor.error(f"CVSS ranges of {lower.severity} and {upper.severity} overlap")
    ordered = tuple(classes[sev] for sev in reversed(Severity) if sev in classes)
    return Classification(classes=ordered, source=source)


def load_classification(path: Path) -> Classification:
    """A classification file (``severity_classes:`` at the top)."""
    from hullscan.policy.nodes import (
        compose_yaml,
    )  # YAML loads with the first file

    root = compose_yaml(path, read_text(path, "classification file"))
    if root is None:
        return Classification(DEFAULT_CLASSIFICATION.classes, source=str(path))
    top = root.mapping(("severity_classes",), required=("severity_classes",))
    return parse_classification(top["severity_classes"], str(path))


def effective_severity(finding: Finding, classification: Classification) -> Severity:
    """The vendor's severity, else the one the CVSS score falls in, else UNKNOWN."""
    if finding.severity is not Severity.UNKNOWN:
        return finding.severity
    score = finding.cvss_score
    if score is None:
        return Severity.UNKNOWN
    return classification.severity_for_score(score)
