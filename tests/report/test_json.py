"""The JSON report and the inventory JSON validate against their documented schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import referencing
from referencing.jsonschema import DRAFT202012

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

SCHEMAS = Path(__file__).resolve().parents[2] / "src" / "hullscan" / "report" / "schemas"


@pytest.fixture(scope="module")
def validators() -> dict[str, jsonschema.Draft202012Validator]:
    schemas = {
        n: json.loads((SCHEMAS / f"{n}-1.json").read_text()) for n in ("report", "inventory")
    }
    registry: referencing.Registry[Any] = referencing.Registry().with_resources(
        (s["$id"], DRAFT202012.create_resource(s)) for s in schemas.values()
    )
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    return {n: jsonschema.Draft202012Validator(s, registry=registry) for n, s in schemas.items()}


def _errors(validator: jsonschema.Draft202012Validator, document: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


@pytest.mark.parametrize("list_packages", [False, True])
def test_report_validates(validators, assessment: Assessment, list_packages: bool) -> None:  # type: ignore[no-untyped-def]
    text = render_report(ReportFormat.JSON, assessment, RenderOptions(list_packages=list_packages))
    document = json.loads(text)
    assert _errors(validators["report"], document) == []
    assert ("packages" in document["results"][0]) is list_packages


def test_report_content(assessment: Assessment) -> None:
    document = json.loads(render_report(ReportFormat.JSON, assessment, RenderOptions()))
    assert document["schema_version"] == "1.0"
    assert document["summary"]["targets"] == 2
    app, minbase = document["results"]
    # Remaining in the app image: Django CRITICAL, lodash HIGH (its exclusion expired),
    # openssl LOW (the libssl3 package rule does not name it).
    assert [(f["id"], f["package"]["name"]) for f in app["findings"]] == [
        ("CVE-2021-35042", "Django"),
        ("CVE-2020-8203", "lodash"),
        ("CVE-2010-0928", "openssl"),
    ]
    reasons = {f["id"] + " " + f["package"]["name"]: f["suppression"] for f in app["suppressed"]}
    assert reasons["CVE-2021-33203 Django"]["kind"] == "vex"
    assert reasons["CVE-2021-33203 Django"]["statement"]["justification"] == (
        "vulnerable_code_not_in_execute_path"
    )
    assert reasons["CVE-2021-33503 urllib3"]["reason"] == "accepted until the requests upgrade"
    assert reasons["CVE-2010-0928 libssl3"]["reason"] == "internal patch applied"
    assert minbase["findings"] == [] and len(minbase["suppressed"]) == 1
    assert document["expired_exclusions"][0]["matched"] == ["CVE-2020-8203 in lodash"]
    assert document["gate"] == {
        "exit_code": 1,
        "failed": True,
        "reason": "2 finding(s) at or above HIGH",
        "failing": 2,
    }
    django = app["findings"][0]
    assert django["class"]["action"] == "block deployment / fix immediately"
    assert django["due"] == "2026-12-04T20:00:00+00:00" and django["overdue"] is False
    assert django["package"]["layer_number"] == 3
    assert django["package"]["purl"] == "pkg:pypi/django@3.2"


def test_inventory_json_validates(validators, app_result: ScanResult) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(render_sbom(SbomFormat.JSON, Inventory.of(app_result)))
    assert _errors(validators["inventory"], document) == []
    assert document["kind"] == "hullscan-inventory"
    assert len(document["packages"]) == len(app_result.packages)
    layers = {p["name"]: p["layer_number"] for p in document["packages"]}
    assert (layers["bash"], layers["openssl"], layers["Django"], layers["lodash"]) == (1, 2, 3, 4)
