"""Severity classes: the built-in table, a classification file, and CVSS-derived severities."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from hullscan.errors import PolicyError
from hullscan.match.interface import ScanResult, Severity
from hullscan.policy import DEFAULT_CLASSIFICATION, load_classification
from hullscan.policy.classify import effective_severity
from hullscan.policy.values import parse_duration


def test_builtin_classes() -> None:
    rows = [
        (c.severity, c.cvss_min, c.cvss_max, c.response_time)
        for c in DEFAULT_CLASSIFICATION.classes
    ]
    assert rows == [
        (Severity.CRITICAL, 9.0, 10.0, timedelta(hours=24)),
        (Severity.HIGH, 7.0, 8.9, timedelta(days=7)),
        (Severity.MEDIUM, 4.0, 6.9, timedelta(days=30)),
        (Severity.LOW, 0.1, 3.9, timedelta(days=90)),
        (Severity.UNKNOWN, None, None, timedelta(days=30)),
    ]


@pytest.mark.parametrize(
    ("score", "severity"),
    [
        (10.0, "CRITICAL"),
        (9.0, "CRITICAL"),
        (8.9, "HIGH"),
        (7.0, "HIGH"),
        (6.9, "MEDIUM"),
        (4.0, "MEDIUM"),
        (3.9, "LOW"),
        (0.1, "LOW"),
        (0.0, "UNKNOWN"),
    ],
)
def test_score_ranges(score: float, severity: str) -> None:
    assert DEFAULT_CLASSIFICATION.severity_for_score(score) is Severity(severity)


def test_file_overrides_ranges_and_vendor_severity_wins(write, app_result: ScanResult) -> None:  # type: ignore[no-untyped-def]
    path = write(
        "classes.yaml",
        "severity_classes:\n"
        "  HIGH: {cvss_range: [4.5, 8.9], response_time: 14d, action: next sprint}\n"
        "  MEDIUM: {cvss_range: '1.0-4.4', response_time: 60d}\n"
        "  LOW: {cvss_range: '0.1-0.9'}\n",
    )
    classification = load_classification(path)
    high = classification.for_severity(Severity.HIGH)
    assert high is not None and (high.action, high.response_text) == ("next sprint", "14d")

    django = next(f for f in app_result.findings if f.id == "CVE-2021-33203")
    assert django.severity is Severity.UNKNOWN and django.cvss_score == 4.9
    assert effective_severity(django, classification) is Severity.HIGH
    # A vendor severity is never overruled by the ranges.
    assert (
        effective_severity(replace(django, severity=Severity.LOW), classification) is Severity.LOW
    )


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (
            "severity_classes:\n  URGENT: {action: x}\n",
            2,
            "severity_classes.URGENT: unknown severity",
        ),
        ("severity_classes:\n  HIGH: {cvss_range: '9-7'}\n", 2, "must lie within 0.0-10.0"),
        ("severity_classes:\n  HIGH: {response_time: soon}\n", 2, "'soon' is not a duration"),
        ("severity_classes:\n  HIGH: {cvss_range: high}\n", 2, "'high' is not a range"),
        ("classes: {}\n", 1, "classes: unknown key"),
    ],
)
def test_bad_classification_file(write, text: str, line: int, problem: str) -> None:  # type: ignore[no-untyped-def]
    path = write("classes.yaml", text)
    with pytest.raises(PolicyError) as info:
        load_classification(path)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert problem in str(info.value)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("24h", 86400), ("7d", 604800), ("1h30m", 5400), ("2w", 1209600)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "30", "m30", "1.5h", "30 minutes"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)
