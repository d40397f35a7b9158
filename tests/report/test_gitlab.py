"""GitLab container-scanning report 15.0.7: every required field, in the required shape."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hullscan.policy import Assessment
from hullscan.report import RenderOptions, ReportFormat, render_report

REQUIRED = Path(__file__).parent / "data" / "gitlab-container-scanning-15.0.7.required.json"


def _report(assessment: Assessment) -> dict[str, Any]:
    return dict(json.loads(render_report(ReportFormat.GITLAB, assessment, RenderOptions())))


def _errors(schema: dict[str, Any], report: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(report)]


@pytest.mark.parametrize("which", ["assessment", "single"])
def test_report_has_every_required_field(which: str, request: pytest.FixtureRequest) -> None:
    report = _report(request.getfixturevalue(which))
    schema = json.loads(REQUIRED.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    assert _errors(schema, report) == []
    assert report["version"] == "15.0.7"


@pytest.mark.skipif(
    not os.environ.get("HULLSCAN_GITLAB_SCHEMA"),
    reason="HULLSCAN_GITLAB_SCHEMA (a copy of GitLab's 15.0.7 schema file) is not set",
)
def test_report_validates_against_gitlabs_schema(assessment: Assessment) -> None:
    schema = json.loads(Path(os.environ["HULLSCAN_GITLAB_SCHEMA"]).read_text())
    assert _errors(schema, _report(assessment)) == []


def test_content(assessment: Assessment) -> None:
    report = _report(assessment)
    vulns = report["vulnerabilities"]
    # Only what remains after the policy, across both images.
    assert sorted(
        (v["identifiers"][0]["value"], v["location"]["dependency"]["package"]["name"])
        for v in vulns
    ) == [
        ("CVE-2010-0928", "openssl"),
        ("CVE-2020-8203", "lodash"),
        ("CVE-2021-35042", "Django"),
    ]
    django = next(v for v in vulns if v["identifiers"][0]["value"] == "CVE-2021-35042")
    assert django["severity"] == "Critical"
    assert django["solution"] == "Upgrade Django from 3.2 to 3.2.5."
    assert django["location"]["operating_system"] == "debian 12"
    assert django["location"]["image"] == "docker.io/hullscan/debian-python-app:latest"
    assert [i["type"] for i in django["identifiers"]] == ["cve", "ghsa", "pysec"]
    assert django["cvss_vectors"] == [
        {"vendor": "nvd@nist.gov", "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
        {"vendor": "nvd@nist.gov", "vector": "AV:N/AC:L/Au:N/C:P/I:P/A:P"},
    ]
    assert uuid.UUID(django["id"]).version == 5
    assert report["scan"]["messages"][0]["level"] == "warn"
    assert "CVE-2020-8203" in report["scan"]["messages"][0]["value"]


def test_ids_are_stable_between_runs(assessment: Assessment) -> None:
    first = [v["id"] for v in _report(assessment)["vulnerabilities"]]
    second = [v["id"] for v in _report(assessment)["vulnerabilities"]]
    assert first == second and len(set(first)) == len(first)
