"""SARIF 2.1.0: Microsoft's SARIF Multitool finds no errors; suppressions carry the reason."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from hullscan.policy import Assessment
from hullscan.report import RenderOptions, ReportFormat, render_report


def test_multitool_validates(
    sarif_multitool: list[str], assessment: Assessment, tmp_path: Path
) -> None:
    path = tmp_path / "hullscan.sarif"
    path.write_text(render_report(ReportFormat.SARIF, assessment, RenderOptions()))
    run = subprocess.run(
        [*sarif_multitool, "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = run.stdout + run.stderr
    errors = [line for line in output.splitlines() if re.search(r"\berror\b", line)]
    assert run.returncode == 0, output
    assert errors == [], output
    assert "Analysis completed successfully" in output


def test_rules_results_and_suppressions(assessment: Assessment) -> None:
    log = json.loads(render_report(ReportFormat.SARIF, assessment, RenderOptions()))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    by_rule = {r["id"]: r for r in rules}
    assert by_rule["CVE-2021-35042"]["properties"]["security-severity"] == "9.8"
    assert by_rule["CVE-2021-35042"]["defaultConfiguration"]["level"] == "error"
    results = run["results"]
    assert len(results) == 7  # 3 remaining + 4 suppressed (kept, marked as such)
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    suppressed = [r for r in results if r.get("suppressions")]
    assert len(suppressed) == 4
    django_vex = next(r for r in suppressed if r["ruleId"] == "CVE-2021-33203")
    assert "vulnerable_code_not_in_execute_path" in django_vex["suppressions"][0]["justification"]
    location = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {
        "uri": "usr/local/lib/python3.11/dist-packages/Django-3.2.dist-info/METADATA",
        "uriBaseId": "ROOTPATH",
    }
