"""hullscan's own JSON: the vulnerability report and the inventory, versioned and documented.

docs/json-schema.md describes both; ``schemas/report-1.json`` and ``schemas/inventory-1.json``
are their JSON Schemas (tests validate every report against them). ``schema_version`` is
``MAJOR.MINOR``: a minor bump only adds fields, a major bump may change or remove them. The
report document is also what ``--template`` templates receive, so templates follow the schema.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from hullscan.image.interface import ImageMeta
from hullscan.inventory.interface import OSInfo, Package
from hullscan.policy.interface import (
    AssessedFinding,
    Assessment,
    Classification,
    ExpiredExclusion,
    Policy,
    SeverityClass,
    Suppression,
    TargetAssessment,
)
from hullscan.policy.purl import package_purl
from hullscan.report.interface import (
    SEVERITY_ORDER,
    TOOL_NAME,
    TOOL_VERSION,
    RenderOptions,
    layer_numbers,
)

REPORT_SCHEMA_VERSION = "1.0"
INVENTORY_SCHEMA_VERSION = "1.0"


def _stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _tool() -> dict[str, str]:
    return {"name": TOOL_NAME, "version": TOOL_VERSION}


def image_dict(image: ImageMeta | None) -> dict[str, Any] | None:
    if image is None:
        return None
    return {
        "name": image.name,
        "source": image.source,
        "manifest_digest": image.manifest_digest,
        "config_digest": image.config_digest,
        "platform": str(image.platform),
        "created": image.created or str(image.config.get("created") or ""),
        "repo_tags": list(image.repo_tags),
        "repo_digests": list(image.repo_digests),
        "layers": [
            {
                "number": layer.index + 1,
                "digest": layer.digest,
                "diff_id": layer.diff_id,
                "size": layer.size,
                "created_by": layer.created_by,
            }
            for layer in image.layers
        ],
    }


def package_dict(package: Package, os: OSInfo | None, layers: dict[str, int]) -> dict[str, Any]:
    """A package as `Package.to_dict` writes it, with its purl filled in and layer number."""
    out = package.to_dict()
    out["purl"] = package_purl(package, os)
    out["layer_number"] = layers.get(package.layer)
    return out


def _class_dict(cls: SeverityClass | None) -> dict[str, Any] | None:
    if cls is None:
        return None
    return {
        "severity": cls.severity.value,
        "action": cls.action,
        "response_time": cls.response_text or None,
        "cvss_range": [cls.cvss_min, cls.cvss_max] if cls.cvss_min is not None else None,
    }


def _suppression_dict(suppression: Suppression | None) -> dict[str, Any] | None:
    if suppression is None:
        return None
    statement = suppression.statement
    return {
        "kind": suppression.kind.value,
        "source": suppression.source,
        "rule": suppression.rule,
        "reason": suppression.reason,
        "expires": _day(suppression.expires),
        "statement": None
        if statement is None
        else {
            "format": statement.document_format,
            "vulnerability": statement.vuln_id,
            "aliases": list(statement.aliases),
            "products": list(statement.products),
            "subcomponents": list(statement.subcomponents),
            "status": statement.status,
            "justification": statement.justification,
            "detail": statement.detail,
            "timestamp": statement.timestamp,
        },
    }


def finding_dict(
    item: AssessedFinding, os: OSInfo | None, layers: dict[str, int]
) -> dict[str, Any]:
    finding = item.finding
    package = finding.package
    return {
        "id": finding.id,
        "aliases": list(finding.aliases),
        "records": list(finding.records),
        "package": {
            "name": package.name,
            "version": package.version,
            "type": package.type.value,
            "ecosystem": package.ecosystem,
            "purl": package_purl(package, os),
            "found_in": package.found_in,
            "source_name": package.source_name,
            "source_version": package.source_version,
            "layer": package.layer,
            "layer_number": layers.get(package.layer),
        },
        "severity": item.severity.value,
        "vendor_severity": finding.severity.value,
        "severity_source": finding.severity_source,
        "status": finding.status.value,
        "fixed_versions": list(finding.fixed_versions),
        "cvss": [
            {"version": c.version, "vector": c.vector, "score": c.score, "source": c.source}
            for c in finding.cvss
        ],
        "cvss_score": finding.cvss_score,
        "kev": finding.kev,
        "kev_date_added": finding.kev_date_added or None,
        "epss": finding.epss,
        "epss_percentile": finding.epss_percentile,
        "title": finding.title,
        "description": finding.description,
        "published": finding.published or None,
        "modified": finding.modified or None,
        "cwes": list(finding.cwes),
        "url": finding.url or None,
        "references": list(finding.references),
        "class": _class_dict(item.severity_class),
        "first_seen": _stamp(item.first_seen),
        "due": _stamp(item.due),
        "overdue": item.overdue,
        "suppression": _suppression_dict(item.suppression),
    }


def _counts(target: TargetAssessment | Assessment) -> dict[str, int]:
    counts = target.counts()
    return {sev.value: counts[sev] for sev in SEVERITY_ORDER}


def _target_dict(target: TargetAssessment, include_packages: bool) -> dict[str, Any]:
    result = target.result
    layers = layer_numbers(result.image)
    db = result.database
    out: dict[str, Any] = {
        "target": result.target,
        "image": image_dict(result.image),
        "os": result.os.to_dict() if result.os else None,
        "database": None
        if db is None
        else {
            "path": db.path,
            "schema_version": db.schema_version,
            "built_at": db.built_at,
            "sources": [{"name": n, "version": v} for n, v in db.sources],
        },
        "scanned_at": _stamp(result.scanned_at),
        "summary": {
            "counts": _counts(target),
            "total": len(target.findings),
            "suppressed": len(target.suppressed),
            "filtered": {"severity": target.filtered_severity, "unfixed": target.filtered_unfixed},
            "overdue": sum(1 for f in target.findings if f.overdue),
            "packages": len(result.packages),
        },
        "findings": [finding_dict(f, result.os, layers) for f in target.findings],
        "suppressed": [finding_dict(f, result.os, layers) for f in target.suppressed],
        "warnings": [*result.warnings, *target.warnings],
    }
    if include_packages:
        out["packages"] = [package_dict(p, result.os, layers) for p in result.packages]
    return out


def _classification_dict(classification: Classification) -> dict[str, Any]:
    return {
        "source": classification.source,
        "classes": [_class_dict(c) for c in classification.classes],
    }


def _policy_dict(policy: Policy, classification: Classification) -> dict[str, Any]:
    return {
        "source": policy.source or None,
        "severity_levels": [s.value for s in policy.severity_levels],
        "ignore_unfixed": policy.ignore_unfixed,
        "fail_on": policy.fail_on.value if policy.fail_on else None,
        "exit_code": policy.exit_code,
        "first_seen_from": policy.first_seen_from.value,
        "timeout_seconds": policy.timeout.total_seconds() if policy.timeout else None,
        "triggers": [
            {"kind": t.kind.value, "enabled": t.enabled, "schedule": t.schedule or None}
            for t in policy.triggers
        ],
        "exclusions": len(policy.exclusions),
        "classification": _classification_dict(classification),
    }


def _expired_dict(expired: ExpiredExclusion) -> dict[str, Any]:
    rule = expired.exclusion
    return {
        "kind": rule.kind.value,
        "source": rule.source,
        "rule": rule.describe(),
        "reason": rule.reason,
        "expires": _day(rule.expires),
        "matched": list(expired.matched),
    }


def report_document(assessment: Assessment, *, include_packages: bool = False) -> dict[str, Any]:
    """The JSON report as a dict (schema ``report-1.json``)."""
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "kind": "hullscan-report",
        "tool": _tool(),
        "generated_at": _stamp(assessment.generated_at),
        "policy": _policy_dict(assessment.policy, assessment.classification),
        "vex_documents": list(assessment.vex_documents),
        "summary": {
            "targets": len(assessment.targets),
            "counts": _counts(assessment),
            "total": assessment.remaining,
            "suppressed": assessment.suppressed,
            "overdue": assessment.overdue,
            "expired_exclusions": len(assessment.expired),
        },
        "gate": {
            "exit_code": assessment.gate.exit_code,
            "failed": assessment.gate.exit_code != 0,
            "reason": assessment.gate.reason or None,
            "failing": assessment.gate.failing,
        },
        "expired_exclusions": [_expired_dict(e) for e in assessment.expired],
        "results": [_target_dict(t, include_packages) for t in assessment.targets],
    }


def render_json(assessment: Assessment, options: RenderOptions) -> str:
    document = report_document(assessment, include_packages=options.list_packages)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def inventory_document(
    target: str,
    packages: Sequence[Package],
    os: OSInfo | None,
    image: ImageMeta | None,
    generated_at: datetime,
) -> dict[str, Any]:
    """The inventory JSON (schema ``inventory-1.json``): what ``hullscan sbom -f json`` writes."""
    layers = layer_numbers(image)
    return {
        "schema_version": INVENTORY_SCHEMA_VERSION,
        "kind": "hullscan-inventory",
        "tool": _tool(),
        "generated_at": _stamp(generated_at),
        "target": target,
        "image": image_dict(image),
        "os": os.to_dict() if os else None,
        "packages": [package_dict(p, os, layers) for p in packages],
    }
