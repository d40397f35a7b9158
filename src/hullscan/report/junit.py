"""JUnit XML, for CI systems that chart test results (Jenkins, GitLab, Azure).

One ``testsuite`` per target, one ``testcase`` per finding: a remaining finding is a
``failure`` (type = severity), a suppressed one is ``skipped`` with its reason. A target with
nothing left gets one passing case, so its suite is never empty and the chart shows it green.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hullscan.policy.interface import AssessedFinding, Assessment
from hullscan.report.interface import TOOL_NAME, RenderOptions, fix_text, recommendation


def _case(suite: ET.Element, item: AssessedFinding) -> None:
    finding = item.finding
    package = finding.package
    case = ET.SubElement(
        suite,
        "testcase",
        classname=f"{item.target}.{package.name}",
        name=f"[{item.severity.value}] {finding.id} {package.name}@{package.version}",
        time="0",
    )
    if item.suppression is not None:
        ET.SubElement(
            case,
            "skipped",
            message=f"{item.suppression.kind.value}: {item.suppression.reason}",
        )
        return
    failure = ET.SubElement(
        case,
        "failure",
        message=f"{finding.id} ({item.severity.value}) in {package.name} {package.version}",
        type=item.severity.value,
    )
    lines = [
        f"Package: {package.name} {package.version} ({package.found_in})",
        f"Fixed in: {fix_text(finding) or 'no fix yet'}",
        f"Severity: {item.severity.value}"
        + (f", CVSS {finding.cvss_score}" if finding.cvss_score is not None else ""),
    ]
    if item.due is not None:
        lines.append(
            f"Due: {item.due.date().isoformat()}" + (" (OVERDUE)" if item.overdue else "")
        )
    if item.severity_class:
        lines.append(f"Action: {item.severity_class.action}")
    lines.append(recommendation(finding))
    if finding.title:
        lines.append(finding.title)
    if finding.url:
        lines.append(finding.url)
    failure.text = "\n".join(lines)


def render_junit(assessment: Assessment, options: RenderOptions) -> str:
    root = ET.Element("testsuites", name=TOOL_NAME)
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for target in assessment.targets:
        tests = len(target.findings) + len(target.suppressed) or 1
        suite = ET.SubElement(
            root,
            "testsuite",
            name=target.target,
            tests=str(tests),
            failures=str(len(target.findings)),
            errors="0",
            skipped=str(len(target.suppressed)),
            time="0",
            timestamp=target.result.scanned_at.replace(microsecond=0).isoformat(),
        )
        for item in (*target.findings, *target.suppressed):
            _case(suite, item)
        if not target.findings and not target.suppressed:
            ET.SubElement(
                suite, "testcase", classname=target.target, name="no vulnerabilities", time="0"
            )
        totals["tests"] += tests
        totals["failures"] += len(target.findings)
        totals["skipped"] += len(target.suppressed)
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
