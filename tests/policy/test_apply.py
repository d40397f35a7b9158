"""The seed policy on real findings: what remains, what is excluded and why, the exit code."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hullscan.match.interface import ScanResult, Severity
from hullscan.policy import FirstSeenFrom, Policy, SuppressionKind, assess, load_policy
from tests.policy.seed import seed_policy

from .conftest import NOW
from .realdata import SCANNED_AT

# The seed policy, with one exclusion live (2099) and one expired (2025) on 2026-12-03.
SEED = seed_policy(
    '{cve: "CVE-2021-35042", reason: "assessed as false positive", expires: "2099-12-31"}',
    '{cve: "CVE-2020-8203", reason: "lodash only runs at build time", expires: "2025-06-30"}',
    '{package: "libssl3", reason: "internal patch applied"}',
    extra="  exit_code: 1\n",
)


def _ids(items) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{f.finding.id} {f.finding.package.name}" for f in items]


def test_seed_policy_live_and_expired_exclusions(write, app_result: ScanResult) -> None:  # type: ignore[no-untyped-def]
    policy = load_policy(write("hullscan.yaml", SEED))
    assessment = assess([app_result], policy, now=NOW)
    target = assessment.targets[0]

    # Remaining: urllib3 (HIGH, no rule) and lodash (HIGH, its exclusion expired).
    assert _ids(target.findings) == ["CVE-2020-8203 lodash", "CVE-2021-33503 urllib3"]
    # Excluded, with the reason and where the rule is written.
    [excluded] = target.suppressed
    assert _ids([excluded]) == ["CVE-2021-35042 Django"]
    assert excluded.suppression is not None
    assert excluded.suppression.kind is SuppressionKind.POLICY
    assert excluded.suppression.reason == "assessed as false positive"
    assert excluded.suppression.source.endswith("hullscan.yaml:8")
    # Filtered before any rule: Django's MEDIUM (from its CVSS 4.9) by severity, the two
    # unfixed openssl issues by ignore_unfixed.
    assert (target.filtered_severity, target.filtered_unfixed) == (1, 2)
    # The expired rule is reported with what it would have excluded.
    [expired] = assessment.expired
    assert expired.exclusion.vuln_id == "CVE-2020-8203"
    assert expired.matched == ("CVE-2020-8203 in lodash",)
    # The gate: findings remain, exit_code 1 from the policy.
    assert assessment.gate.exit_code == 1
    assert assessment.gate.failing == 2


def test_package_rule_without_the_filters(write, app_result: ScanResult) -> None:  # type: ignore[no-untyped-def]
    policy = load_policy(write("hullscan.yaml", SEED))
    policy = replace(policy, severity_levels=(), ignore_unfixed=False)
    target = assess([app_result], policy, now=NOW).targets[0]
    assert _ids(target.suppressed) == ["CVE-2021-35042 Django", "CVE-2010-0928 libssl3"]
    assert target.suppressed[1].suppression is not None
    assert target.suppressed[1].suppression.rule == "package libssl3"
    # The openssl binary package is not libssl3: it stays.
    assert "CVE-2010-0928 openssl" in _ids(target.findings)


def test_version_range_and_ecosystem_limit_a_package_rule(write, app_result: ScanResult) -> None:  # type: ignore[no-untyped-def]
    policy = load_policy(
        write(
            "hullscan.yaml",
            "scan_policy:\n  exclusions:\n"
            "    - {package: django, version: '>=3.2, <3.2.4', ecosystem: pypi, reason: a}\n"
            "    - {package: urllib3, version: '>=1.24', reason: b}\n"
            "    - {package: lodash, ecosystem: PyPI, reason: c}\n",
        )
    )
    target = assess([app_result], policy, now=NOW).targets[0]
    assert _ids(target.suppressed) == ["CVE-2021-35042 Django", "CVE-2021-33203 Django"]


def test_every_finding_gets_class_due_date_and_overdue(app_result: ScanResult) -> None:
    target = assess([app_result], Policy(), now=NOW).targets[0]
    by_id = {(f.finding.id, f.finding.package.name): f for f in target.findings}

    critical = by_id[("CVE-2021-35042", "Django")]
    assert critical.severity is Severity.CRITICAL
    assert critical.severity_class is not None
    assert critical.severity_class.action == "block deployment / fix immediately"
    assert critical.first_seen == SCANNED_AT
    assert critical.due == SCANNED_AT + timedelta(hours=24)
    assert critical.overdue is False

    # No vendor severity: derived from CVSS 4.9 with the MEDIUM range, 30 days.
    medium = by_id[("CVE-2021-33203", "Django")]
    assert medium.severity is Severity.MEDIUM
    assert medium.due == SCANNED_AT + timedelta(days=30)

    low = by_id[("CVE-2010-0928", "libssl3")]
    assert low.due == SCANNED_AT + timedelta(days=90)


def test_due_dates_from_image_creation_become_overdue(app_result: ScanResult) -> None:
    policy = Policy(first_seen_from=FirstSeenFrom.IMAGE_CREATED)
    later = datetime(2026, 12, 20, tzinfo=UTC)
    target = assess([app_result], policy, now=later).targets[0]
    created = datetime(2026, 12, 3, 19, 20, 32, tzinfo=UTC)
    overdue = {(f.finding.id, f.overdue) for f in target.findings}
    assert ("CVE-2021-35042", True) in overdue  # CRITICAL, due after 24h
    assert ("CVE-2021-33503", True) in overdue  # HIGH, due after 7d
    assert ("CVE-2021-33203", False) in overdue  # MEDIUM, 30d
    assert all(f.first_seen == created for f in target.findings)


def test_image_without_creation_time_falls_back_with_a_warning(app_result: ScanResult) -> None:
    assert app_result.image is not None
    no_created = replace(app_result, image=replace(app_result.image, config={}))
    policy = Policy(first_seen_from=FirstSeenFrom.IMAGE_CREATED)
    target = assess([no_created], policy, now=NOW).targets[0]
    assert all(f.first_seen == SCANNED_AT for f in target.findings)
    assert "image creation time unknown" in target.warnings[0]


def test_first_seen_hook_wins(app_result: ScanResult) -> None:
    seen = datetime(2026, 1, 1, tzinfo=UTC)
    target = assess([app_result], Policy(), now=NOW, first_seen=lambda r, f: seen).targets[0]
    assert all(f.first_seen == seen and f.overdue for f in target.findings)


def test_version_ranges_use_the_ecosystems_own_ordering(write, app_result: ScanResult) -> None:  # type: ignore[no-untyped-def]
    # dpkg order: 3.0.20-1~deb12u2 < 3.0.20-1 < 3.0.21 (a PEP 440 parser could not read these).
    policy = load_policy(
        write(
            "hullscan.yaml",
            "scan_policy:\n  exclusions:\n"
            "    - {package: libssl3, version: '<3.0.20-1', ecosystem: debian, reason: a}\n"
            "    - {package: openssl, version: '>=3.0.20-1', reason: b}\n"
            "    - {package: lodash, version: '>=4.17.15, <4.17.19', ecosystem: npm, reason: c}\n",
        )
    )
    target = assess([app_result], policy, now=NOW).targets[0]
    assert _ids(target.suppressed) == ["CVE-2020-8203 lodash", "CVE-2010-0928 libssl3"]
