"""CycloneDX 1.6: valid per cyclonedx-python-lib's strict JSON validator; affects -> bom-refs."""

from __future__ import annotations

import json
from typing import Any

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

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

VALIDATOR = JsonStrictValidator(SchemaVersion.V1_6)


def _refs(bom: dict[str, Any]) -> set[str]:
    refs = {c["bom-ref"] for c in bom.get("components", [])}
    if "component" in bom["metadata"]:
        refs.add(bom["metadata"]["component"]["bom-ref"])
    return refs


def test_vulnerability_bom_validates_and_affects_point_at_components(
    assessment: Assessment,
) -> None:
    text = render_report(ReportFormat.CYCLONEDX, assessment, RenderOptions())
    assert VALIDATOR.validate_str(text) is None
    bom = json.loads(text)
    assert bom["specVersion"] == "1.6"
    refs = _refs(bom)
    assert len(refs) == len(bom["components"])  # every bom-ref unique
    affects = [a["ref"] for v in bom["vulnerabilities"] for a in v["affects"]]
    assert affects and set(affects) <= refs
    images = [c for c in bom["components"] if c["type"] == "container"]
    assert len(images) == 2
    # Each image depends on its packages.
    deps = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
    assert all(len(deps[image["bom-ref"]]) > 100 for image in images)


def test_suppressed_findings_carry_an_analysis(assessment: Assessment) -> None:
    bom = json.loads(render_report(ReportFormat.CYCLONEDX, assessment, RenderOptions()))
    by_id = {}
    for vuln in bom["vulnerabilities"]:
        by_id.setdefault(vuln["id"], []).append(vuln)
    [django] = by_id["CVE-2021-33203"]
    assert django["analysis"]["state"] == "not_affected"
    assert django["analysis"]["justification"] == "code_not_reachable"
    assert django["affects"][0]["ref"] == "pkg:pypi/django@3.2"
    [urllib3] = by_id["CVE-2021-33503"]
    assert "accepted until the requests upgrade" in urllib3["analysis"]["detail"]
    [critical] = by_id["CVE-2021-35042"]
    assert "analysis" not in critical
    assert {r.get("method") for r in critical["ratings"]} >= {"CVSSv31", "CVSSv2"}
    assert critical["cwes"] == [89]


def test_single_image_is_the_metadata_component(single: Assessment) -> None:
    text = render_report(ReportFormat.CYCLONEDX, single, RenderOptions())
    assert VALIDATOR.validate_str(text) is None
    bom = json.loads(text)
    assert bom["metadata"]["component"]["type"] == "container"
    assert bom["metadata"]["component"]["purl"].startswith("pkg:oci/debian-python-app@sha256")


def test_sbom_has_components_and_no_vulnerabilities(app_result: ScanResult) -> None:
    text = render_sbom(SbomFormat.CYCLONEDX, Inventory.of(app_result))
    assert VALIDATOR.validate_str(text) is None
    bom = json.loads(text)
    assert "vulnerabilities" not in bom
    libs = [c for c in bom["components"] if c["type"] == "library"]
    assert len(libs) == len(app_result.packages)
    django = next(c for c in libs if c["name"] == "Django")
    props = {p["name"]: p["value"] for p in django["properties"]}
    assert props["hullscan:layer_number"] == "3"
