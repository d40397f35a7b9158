"""JUnit XML parses with junitparser: a suite per image, failures and skips as the policy says."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from junitparser import Failure, JUnitXml, Skipped

from hullscan.match.interface import ScanResult
from hullscan.policy import Assessment, Policy, assess
from hullscan.report import RenderOptions, ReportFormat, render_report

from .conftest import NOW


def _parse(assessment: Assessment, tmp_path: Path) -> JUnitXml:
    path = tmp_path / "junit.xml"
    path.write_text(render_report(ReportFormat.JUNIT, assessment, RenderOptions()))
    return JUnitXml.fromfile(str(path))


def test_suites_cases_failures_and_skips(assessment: Assessment, tmp_path: Path) -> None:
    xml = _parse(assessment, tmp_path)
    suites = list(xml)
    assert [s.name for s in suites] == [t.target for t in assessment.targets]
    app, minbase = suites
    assert (app.tests, app.failures, app.skipped) == (6, 3, 3)
    assert (minbase.tests, minbase.failures, minbase.skipped) == (1, 0, 1)
    cases = {case.name: case for case in app}
    critical = cases["[CRITICAL] CVE-2021-35042 Django@3.2"]
    [failure] = critical.result
    assert isinstance(failure, Failure) and failure.type == "CRITICAL"
    assert "Fixed in: 3.2.5" in (failure.text or "")
    assert "Due: 2026-12-04" in (failure.text or "")
    [skip] = cases["[MEDIUM] CVE-2021-33203 Django@3.2"].result
    assert isinstance(skip, Skipped) and "vex: not_affected" in (skip.message or "")


def test_clean_image_has_one_passing_case(minbase_result: ScanResult, tmp_path: Path) -> None:
    clean = assess([replace(minbase_result, findings=())], Policy(), now=NOW)
    [suite] = list(_parse(clean, tmp_path))
    assert (suite.tests, suite.failures) == (1, 0)
    [case] = list(suite)
    assert case.name == "no vulnerabilities" and case.is_passed
