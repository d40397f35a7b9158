"""Apply a policy to scan results: classify, filter, suppress, date, and judge.

Order matters and is Trivy's: the severity and unfixed filters come first (a filtered finding is
only counted), then VEX statements, then exclusions, so the suppressed list holds only findings
that would otherwise have failed the gate. An expired exclusion does not apply; the findings it
would have taken out stay, and the rule is listed as expired.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from hullscan.match.interface import Finding, ScanResult
from hullscan.policy.classify import DEFAULT_CLASSIFICATION, effective_severity
from hullscan.policy.exclusions import exclusion_matches
from hullscan.policy.gate import evaluate_gate
from hullscan.policy.interface import (
    AssessedFinding,
    Assessment,
    Classification,
    Exclusion,
    ExpiredExclusion,
    FirstSeenFrom,
    Policy,
    Suppression,
    SuppressionKind,
    TargetAssessment,
    VexStatement,
)
from hullscan.policy.purl import image_purl, package_purl
from hullscan.policy.values import parse_timestamp
from hullscan.policy.vex import vex_statement_for

logger = logging.getLogger(__name__)

# The server passes its own record of when each finding was first seen; None means "not known".
FirstSeen = Callable[[ScanResult, Finding], datetime | None]


def image_created(result: ScanResult) -> datetime | None:
    """When the image was built, from its config; None when the config does not say."""
    if result.image is None:
        return None
    text = result.image.created or str(result.image.config.get("created") or "")
    return parse_timestamp(text)


def _first_seen(
    result: ScanResult, finding: Finding, policy: Policy, hook: FirstSeen | None
) -> datetime:
    if hook is not None:
        seen = hook(result, finding)
        if seen is not None:
            return seen
    if policy.first_seen_from is FirstSeenFrom.IMAGE_CREATED:
        created = image_created(result)
        if created is not None:
            return created
    return result.scanned_at


def _vex_suppression(statement: VexStatement) -> Suppression:
    reason = statement.status
    if statement.justification:
        reason = f"{reason}: {statement.justification}"
    if statement.detail:
        reason = f"{reason} ({statement.detail})"
    return Suppression(
        kind=SuppressionKind.VEX,
        source=statement.source,
        reason=reason,
        rule=statement.vuln_id,
        statement=statement,
    )


def _rule_suppression(rule: Exclusion) -> Suppression:
    return Suppression(rule.kind, rule.source, rule.reason, rule.describe(), rule.expires)


def _sort_key(item: AssessedFinding) -> tuple[int, str, str, str]:
    pkg = item.finding.package
    return (-item.severity.rank, pkg.name, pkg.version, item.finding.id)


def assess_target(
    result: ScanResult,
    policy: Policy,
    classification: Classification,
    *,
    vex: tuple[VexStatement, ...],
    now: datetime,
    first_seen: FirstSeen | None,
    expired_hits: dict[Exclusion, list[str]],
) -> TargetAssessment:
    """One target through the policy; matches of expired rules are added to ``expired_hits``."""
    kept: list[AssessedFinding] = []
    suppressed: list[AssessedFinding] = []
    filtered_severity = filtered_unfixed = 0
    warnings: list[str] = []
    if policy.first_seen_from is FirstSeenFrom.IMAGE_CREATED and image_created(result) is None:
        warnings.append(f"{result.target}: image creation time unknown; due dates use scan time")
    image = image_purl(result.image) if result.image else ""
    today = now.date()

    for finding in result.findings:
        severity = effective_severity(finding, classification)
        if policy.ignore_unfixed and not finding.fixed:
            filtered_unfixed += 1
            continue
        if policy.severity_levels and severity not in policy.severity_levels:
            filtered_severity += 1
            continue

        cls = classification.for_severity(severity)
        seen = _first_seen(result, finding, policy, first_seen)
        due = seen + cls.response_time if cls and cls.response_time is not None else None
        item = AssessedFinding(
            finding, result.target, severity, cls, seen, due, due is not None and now > due
        )

        suppression = None
        statement = vex_statement_for(
            vex, finding, package_purl(finding.package, result.os), image
        )
        if statement is not None and statement.suppresses:
            suppression = _vex_suppression(statement)
        for rule in policy.exclusions if suppression is None else ():
            if not exclusion_matches(rule, finding, result.os):
                continue
            if rule.is_expired(today):
                expired_hits[rule].append(f"{finding.id} in {finding.package.name}")
                continue
            suppression = _rule_suppression(rule)
            break

        if suppression is None:
            kept.append(item)
        else:
            suppressed.append(replace(item, suppression=suppression))

    return TargetAssessment(
        result=result,
        findings=tuple(sorted(kept, key=_sort_key)),
        suppressed=tuple(sorted(suppressed, key=_sort_key)),
        filtered_severity=filtered_severity,
        filtered_unfixed=filtered_unfixed,
        warnings=tuple(warnings),
    )


def assess(
    results: Sequence[ScanResult],
    policy: Policy,
    *,
    vex: Sequence[VexStatement] = (),
    vex_documents: Sequence[str] = (),
    now: datetime | None = None,
    first_seen: FirstSeen | None = None,
) -> Assessment:
    """Every target through the policy, with expired rules listed and the gate evaluated."""
    now = now or datetime.now().astimezone()
    classification = policy.classification or DEFAULT_CLASSIFICATION
    expired_hits: dict[Exclusion, list[str]] = {
        rule: [] for rule in policy.exclusions if rule.is_expired(now.date())
    }
    targets = tuple(
        assess_target(
            result,
            policy,
            classification,
            vex=tuple(vex),
            now=now,
            first_seen=first_seen,
            expired_hits=expired_hits,
        )
        for result in results
    )
    for rule, hits in expired_hits.items():
        logger.warning(
            "%s: exclusion %s expired on %s; %d finding(s) count again",
            rule.source,
            rule.describe(),
            rule.expires,
            len(hits),
        )
    return Assessment(
        targets=targets,
        policy=policy,
        classification=classification,
        generated_at=now,
        gate=evaluate_gate(targets, policy.fail_on, policy.exit_code),
        expired=tuple(ExpiredExclusion(rule, tuple(hits)) for rule, hits in expired_hits.items()),
        vex_documents=tuple(vex_documents),
    )
