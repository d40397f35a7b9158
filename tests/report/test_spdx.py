"""SPDX 2.3 JSON: spdx-tools parses it and its full validation reports nothing."""

from __future__ import annotations

import json
from pathlib import Path

from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from hullscan.match.interface import ScanResult
from hullscan.policy import Assessment
from hullscan.report import (
    Inventory,
    RenderOptions,
    ReportFormat,
    SbomFormat,
    render_report,
    render_sbom,
)


def _validate(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "doc.spdx.json"
    path.write_text(text)
    document = parse_file(str(path))
    return [m.validation_message for m in validate_full_spdx_document(document)]


def test_report_validates_with_advisories(assessment: Assessment, tmp_path: Path) -> None:
    text = render_report(ReportFormat.SPDX_JSON, assessment, RenderOptions())
    assert _validate(text, tmp_path) == []
    doc = json.loads(text)
    assert doc["spdxVersion"] == "SPDX-2.3"
    described = [r for r in doc["relationships"] if r["relationshipType"] == "DESCRIBES"]
    assert len(described) == 2
    advisories = [
        ref
        for p in doc["packages"]
        for ref in p.get("externalRefs", [])
        if ref["referenceType"] == "advisory"
    ]
    # Only findings that remain after the policy: Django CRITICAL, lodash, openssl.
    assert sorted(a["comment"] for a in advisories) == [
        "CVE-2010-0928 (LOW)",
        "CVE-2020-8203 (HIGH)",
        "CVE-2021-35042 (CRITICAL)",
    ]


def test_sbom_validates(app_result: ScanResult, tmp_path: Path) -> None:
    text = render_sbom(SbomFormat.SPDX_JSON, Inventory.of(app_result))
    assert _validate(text, tmp_path) == []
    doc = json.loads(text)
    purls = {
        ref["referenceLocator"]
        for p in doc["packages"]
        for ref in p.get("externalRefs", [])
        if ref["referenceType"] == "purl"
    }
    assert "pkg:npm/lodash@4.17.15" in purls
    assert any(p.get("primaryPackagePurpose") == "CONTAINER" for p in doc["packages"])
    assert any(p.get("primaryPackagePurpose") == "OPERATING_SYSTEM" for p in doc["packages"])
