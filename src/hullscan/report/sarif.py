"""SARIF 2.1.0, the format GitHub code scanning and Azure DevOps read.

One run for the whole scan; one rule per vulnerability id, carrying ``security-severity`` (the
CVSS score GitHub sorts by) and one result per finding, located at the file the package was
found in, relative to the image root. Suppressed findings stay in the log with a
``suppressions`` entry (status accepted, the policy's or VEX statement's reason as
justification), which is how SARIF viewers show dismissed results.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from hullscan.inventory.interface import OSInfo
from hullscan.match.interface import Severity
from hullscan.policy.interface import AssessedFinding, Assessment
from hullscan.policy.purl import package_purl
from hullscan.report.interface import (
    TOOL_NAME,
    TOOL_VERSION,
    RenderOptions,
    fix_text,
    recommendation,
)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.UNKNOWN: "note",
}
# GitHub maps security-severity to its own levels; an unscored finding gets its class midpoint.
_DEFAULT_SCORE = {
    Severity.CRITICAL: 9.5,
    Severity.HIGH: 8.0,
    Severity.MEDIUM: 5.5,
    Severity.LOW: 2.0,
    Severity.UNKNOWN: 0.0,
}


def _rule(item: AssessedFinding) -> dict[str, Any]:
    finding = item.finding
    score = finding.cvss_score if finding.cvss_score is not None else _DEFAULT_SCORE[item.severity]
    summary = finding.title or f"{finding.id} in {finding.package.name}"
    help_text = finding.description or summary
    rule: dict[str, Any] = {
        "id": finding.id,
        "name": "ContainerImageVulnerability",
        "shortDescription": {"text": f"{finding.id}: {summary}"[:1000]},
        "fullDescription": {"text": help_text},
        "defaultConfiguration": {"level": _LEVEL[item.severity]},
        "help": {
            "text": f"{help_text}\n\n{recommendation(finding)}",
            "markdown": f"**{finding.id}** ({item.severity.value})\n\n{help_text}\n\n"
            f"{recommendation(finding)}",
        },
        "properties": {
            "security-severity": f"{score:.1f}",
            "tags": ["security", "vulnerability", item.severity.value],
            "precision": "very-high",
        },
    }
    if finding.url:
        rule["helpUri"] = finding.url
    return rule


def _result(item: AssessedFinding, rule_index: int, os: OSInfo | None) -> dict[str, Any]:
    finding = item.finding
    package = finding.package
    fixed = fix_text(finding) or "none"
    message = (
        f"{finding.id} ({item.severity.value}) in {package.name} {package.version}; "
        f"fixed in: {fixed}. Target: {item.target}."
    )
    result: dict[str, Any] = {
        "ruleId": finding.id,
        "ruleIndex": rule_index,
        "level": _LEVEL[item.severity],
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": package.found_in or package.name,
                        "uriBaseId": "ROOTPATH",
                    },
                    "region": {"startLine": 1},
                },
                "logicalLocations": [{"name": item.target, "kind": "module"}],
            }
        ],
        "properties": {
            "target": item.target,
            "package": package.name,
            "installedVersion": package.version,
            "fixedVersions": list(finding.fixed_versions),
            "purl": package_purl(package, os),
            "severity": item.severity.value,
            "due": item.due.isoformat() if item.due else None,
            "overdue": item.overdue,
        },
    }
    if item.suppression is not None:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{item.suppression.kind.value} ({item.suppression.source}): "
                f"{item.suppression.reason}",
            }
        ]
    return result


def render_sarif(assessment: Assessment, options: RenderOptions) -> str:
    """One SARIF run holding every target's findings, suppressed ones marked as such."""
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    for target in assessment.targets:
        for item in (*target.findings, *target.suppressed):
            if item.finding.id not in rule_index:
                rule_index[item.finding.id] = len(rules)
                rules.append(_rule(item))
            results.append(_result(item, rule_index[item.finding.id], target.result.os))
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": TOOL_VERSION,
                        "semanticVersion": TOOL_VERSION,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {
                    "ROOTPATH": {
                        "uri": "file:///",
                        "description": {"text": "The root of the scanned image filesystem."},
                    }
                },
                "results": results,
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "endTimeUtc": assessment.generated_at.astimezone(UTC).strftime(
                            "%Y-%m-%dT%H:%M:%SZ"
                        ),
                    }
                ],
                "properties": {"targets": [t.target for t in assessment.targets]},
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
