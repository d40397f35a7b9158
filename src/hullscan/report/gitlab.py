"""GitLab's container-scanning report, schema version 15.0.7.

GitLab reads it from a job's ``artifacts:reports:container_scanning`` and shows the findings in
merge requests and the vulnerability report. Only findings that remain after the policy are
listed (GitLab has no place for a suppression reason; its own dismissals live in GitLab).
Ids are UUIDs derived from target, package and vulnerability, so the same finding keeps its id
from pipeline to pipeline and GitLab can track it. Expired exclusions become ``warn`` messages.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from hullscan.inventory.interface import OSInfo
from hullscan.policy.interface import AssessedFinding, Assessment
from hullscan.report.interface import TOOL_NAME, TOOL_VERSION, RenderOptions, recommendation

GITLAB_SCHEMA_VERSION = "15.0.7"
GITLAB_SCHEMA_URL = (
    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
    f"v{GITLAB_SCHEMA_VERSION}/dist/container-scanning-report-format.json"
)
_NAMESPACE = uuid.UUID("6f1c4c1e-8a4b-4b0e-9d55-5f3f2a7d1c01")
_URL = re.compile(r"^(https?|ftp)://.+")
# GitLab accepts CVSS v2 and v3.x vectors only; v3 must carry its CVSS:3.x/ prefix.
_CVSS3 = re.compile(r"^CVSS:3\.[01]/([A-Z]{1,3}:[A-Z]{1,3}/)*[A-Z]{1,3}:[A-Z]{1,3}$")
_CVSS2 = re.compile(r"^([A-Za-z]{1,3}:[A-Z]{1,3}/)*[A-Za-z]{1,3}:[A-Z]{1,3}$")


def _time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _identifier(vuln_id: str, url: str = "") -> dict[str, str]:
    kind = vuln_id.split("-", 1)[0].lower() if "-" in vuln_id else TOOL_NAME
    out = {"type": kind, "name": vuln_id, "value": vuln_id}
    if url and _URL.match(url):
        out["url"] = url
    return out


def _os_name(os: OSInfo | None) -> str:
    if os is None:
        return "Unknown"
    return f"{os.family} {os.version}".strip()


def _vulnerability(item: AssessedFinding, image: str, os: OSInfo | None) -> dict[str, Any]:
    finding = item.finding
    package = finding.package
    key = f"{item.target}|{package.name}|{package.version}|{finding.id}"
    vectors = [
        {"vendor": c.source or "unknown", "vector": c.vector}
        for c in finding.cvss
        if (c.version.startswith("3") and _CVSS3.match(c.vector))
        or (c.version.startswith("2") and _CVSS2.match(c.vector) and len(c.vector) >= 16)
    ][:10]
    out: dict[str, Any] = {
        "id": str(uuid.uuid5(_NAMESPACE, key)),
        "name": (finding.title or f"{finding.id} in {package.name}")[:255],
        "description": (finding.description or finding.title or finding.id)[:1048576],
        "severity": item.severity.value.capitalize(),
        "solution": recommendation(finding)[:7000],
        "identifiers": [
            _identifier(finding.id, finding.url),
            *(_identifier(alias) for alias in finding.aliases),
        ],
        "links": [{"url": url} for url in (finding.url, *finding.references) if _URL.match(url)],
        "location": {
            "dependency": {"package": {"name": package.name}, "version": package.version},
            "operating_system": _os_name(os),
            "image": image,
        },
    }
    if vectors:
        out["cvss_vectors"] = vectors
    return out


def render_gitlab(assessment: Assessment, options: RenderOptions) -> str:
    """The container-scanning report of every target's remaining findings."""
    vulnerabilities: list[dict[str, Any]] = []
    for target in assessment.targets:
        result = target.result
        image = (result.image.name if result.image else "") or result.target
        vulnerabilities.extend(_vulnerability(i, image, result.os) for i in target.findings)
    starts = [t.result.scanned_at for t in assessment.targets] or [assessment.generated_at]
    messages = [
        {
            "level": "warn",
            "value": f"exclusion {e.exclusion.describe()} ({e.exclusion.source}) expired on "
            f"{e.exclusion.expires}",
        }
        for e in assessment.expired
    ]
    tool = {
        "id": TOOL_NAME,
        "name": TOOL_NAME,
        "version": TOOL_VERSION,
        "vendor": {"name": TOOL_NAME},
    }
    report = {
        "version": GITLAB_SCHEMA_VERSION,
        "schema": GITLAB_SCHEMA_URL,
        "scan": {
            "analyzer": tool,
            "scanner": tool,
            "type": "container_scanning",
            "start_time": _time(min(starts)),
            "end_time": _time(assessment.generated_at),
            "status": "success",
            "messages": messages,
        },
        "vulnerabilities": vulnerabilities,
        "remediations": [],
    }
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
