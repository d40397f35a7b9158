"""Markdown for pull-request and merge-request comments.

A summary table first (what a reviewer reads), then per target the findings in a collapsed
``<details>`` block. Comment bodies are limited (GitHub: 65,536 characters), so when the full
list would not fit, each target's table is cut to its most severe rows and says how many were
left out; the summary always has every count.
"""

from __future__ import annotations

from collections.abc import Sequence

from hullscan.policy.interface import AssessedFinding, Assessment, TargetAssessment
from hullscan.report.interface import SEVERITY_ORDER, RenderOptions, fix_text

MAX_COMMENT = 65_000
_ROW_LIMITS = (None, 200, 50, 10, 0)


def _cell(text: str) -> str:
    """Table-safe text: pipes escaped, newlines folded."""
    return " ".join(text.replace("|", "\\|").split())


def _summary(assessment: Assessment) -> list[str]:
    header = ["Target", *(s.value for s in SEVERITY_ORDER), "Suppressed", "Overdue"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for target in assessment.targets:
        counts = target.counts()
        overdue = sum(1 for f in target.findings if f.overdue)
        row = [
            f"`{_cell(target.target)}`",
            *(str(counts[s]) for s in SEVERITY_ORDER),
            str(len(target.suppressed)),
            str(overdue),
        ]
        lines.append("| " + " | ".join(row) + " |")
    if len(assessment.targets) > 1:
        totals = assessment.counts()
        row = [
            "**All targets**",
            *(f"**{totals[s]}**" for s in SEVERITY_ORDER),
            f"**{assessment.suppressed}**",
            f"**{assessment.overdue}**",
        ]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _finding_rows(items: Sequence[AssessedFinding], limit: int | None) -> list[str]:
    lines = [
        "| Severity | Vulnerability | Package | Installed | Fixed | Due |",
        "|---|---|---|---|---|---|",
    ]
    shown = items if limit is None else items[:limit]
    for item in shown:
        finding = item.finding
        vuln = f"[{finding.id}]({finding.url})" if finding.url else finding.id
        due = item.due.date().isoformat() if item.due else ""
        if item.overdue:
            due = f"**{due} overdue**"
        lines.append(
            f"| {item.severity.value} | {vuln} | {_cell(finding.package.name)} | "
            f"{_cell(finding.package.version)} | {_cell(fix_text(finding))} | {due} |"
        )
    if len(shown) < len(items):
        lines.append(f"\n_{len(items) - len(shown)} more not shown; see the full report._")
    return lines


def _target(target: TargetAssessment, limit: int | None) -> list[str]:
    lines = [
        f"<details><summary><code>{target.target}</code>: "
        f"{len(target.findings)} finding(s)</summary>",
        "",
    ]
    if target.findings:
        lines.extend(_finding_rows(target.findings, limit))
    else:
        lines.append("No findings remain after the policy.")
    if target.suppressed:
        lines.extend(["", "Suppressed:", ""])
        for item in target.suppressed:
            assert item.suppression is not None
            lines.append(
                f"- {item.finding.id} in {item.finding.package.name}: "
                f"{_cell(item.suppression.reason)} ({item.suppression.kind.value})"
            )
    lines.extend(["", "</details>", ""])
    return lines


def _document(assessment: Assessment, limit: int | None) -> str:
    gate = assessment.gate
    verdict = f"**Gate failed** ({gate.reason})" if gate.exit_code else "**Gate passed**"
    lines = ["## hullscan vulnerability report", "", verdict, "", *_summary(assessment), ""]
    for target in assessment.targets:
        lines.extend(_target(target, limit))
    if assessment.expired:
        lines.append("**Expired exclusions** (no longer applied):")
        lines.append("")
        for expired in assessment.expired:
            rule = expired.exclusion
            lines.append(f"- `{rule.source}`: {rule.describe()}, expired {rule.expires}")
        lines.append("")
    return "\n".join(lines)


def render_markdown(assessment: Assessment, options: RenderOptions) -> str:
    text = ""
    for limit in _ROW_LIMITS:
        text = _document(assessment, limit)
        if len(text) <= MAX_COMMENT:
            break
    return text
