"""Markdown for PR comments: summary first, per-image details, within the comment limit."""

from __future__ import annotations

from dataclasses import replace

from hullscan.match.interface import ScanResult
from hullscan.policy import Assessment, Policy, assess
from hullscan.report import RenderOptions, ReportFormat, render_report
from hullscan.report.markdown import MAX_COMMENT

from .conftest import NOW


def test_summary_and_sections(assessment: Assessment) -> None:
    text = render_report(ReportFormat.MARKDOWN, assessment, RenderOptions())
    lines = text.splitlines()
    assert lines[0] == "## hullscan vulnerability report"
    assert "**Gate failed** (2 finding(s) at or above HIGH)" in text
    assert "| `docker.io/hullscan/debian-python-app:latest` | 1 | 1 | 0 | 1 | 0 | 3 | 0 |" in lines
    assert "| **All targets** | **1** | **1** | **0** | **1** | **0** | **4** | **0** |" in lines
    assert text.count("<details>") == 2
    assert (
        "| CRITICAL | [CVE-2021-35042](https://nvd.nist.gov/vuln/detail/CVE-2021-35042) | "
        "Django | 3.2 | 3.2.5 | 2026-12-04 |" in lines
    )
    assert "- CVE-2010-0928 in libssl3: internal patch applied (policy)" in lines
    assert "expired 2025-06-30" in text


def test_huge_reports_are_cut_to_fit_a_comment(app_result: ScanResult) -> None:
    many = tuple(
        replace(f, id=f"{f.id}-{n}", title="x" * 200)
        for n in range(400)
        for f in app_result.findings
    )
    assessment = assess([replace(app_result, findings=many)], Policy(), now=NOW)
    text = render_report(ReportFormat.MARKDOWN, assessment, RenderOptions())
    assert len(text) <= MAX_COMMENT
    assert "more not shown; see the full report." in text
    assert (
        "| `docker.io/hullscan/debian-python-app:latest` | 400 | 800 | 400 | 800 | 0 | 0 | 0 |"
        in text
    )
