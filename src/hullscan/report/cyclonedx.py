"""CycloneDX 1.6 JSON, through cyclonedx-python-lib: an SBOM, or an SBOM with vulnerabilities.

Each scanned image is a ``container`` component that depends on its OS and package components;
every component has a bom-ref (its purl, made unique when two images share a package) and each
vulnerability's ``affects`` points at those bom-refs. Findings the policy suppressed are kept
with an ``analysis`` saying why (a VEX statement's state and justification, or the exclusion's
reason), so the BOM can feed another tool's VEX handling.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.exception.factory import InvalidSpdxLicenseException
from cyclonedx.model import Property, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.impact_analysis import (
    ImpactAnalysisAffectedStatus,
    ImpactAnalysisJustification,
    ImpactAnalysisState,
)
from cyclonedx.model.license import License
from cyclonedx.model.vulnerability import (
    BomTarget,
    BomTargetVersionRange,
    Vulnerability,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilityScoreSource,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from hullscan.inventory.interface import OSInfo, Package
from hullscan.match.interface import Finding
from hullscan.policy.interface import AssessedFinding, Assessment, Suppression, SuppressionKind
from hullscan.policy.purl import image_purl, package_purl
from hullscan.policy.values import parse_timestamp
from hullscan.report.interface import (
    TOOL_NAME,
    TOOL_VERSION,
    Inventory,
    RenderOptions,
    layer_numbers,
    recommendation,
)

_MITIGATED = ImpactAnalysisJustification.PROTECTED_BY_MITIGATING_CONTROL
_OPENVEX_TO_CDX = {
    "component_not_present": ImpactAnalysisJustification.CODE_NOT_PRESENT,
    "vulnerable_code_not_present": ImpactAnalysisJustification.CODE_NOT_PRESENT,
    "vulnerable_code_not_in_execute_path": ImpactAnalysisJustification.CODE_NOT_REACHABLE,
    "vulnerable_code_cannot_be_controlled_by_adversary": _MITIGATED,
    "inline_mitigations_already_exist": _MITIGATED,
}
_CWE = re.compile(r"^CWE-(\d+)$")
_LICENSES = LicenseFactory()


def _licenses(package: Package) -> list[License]:
    """One expression alone, or a list of ids/names: CycloneDX forbids mixing the two."""
    if len(package.licenses) == 1:
        return [_LICENSES.make_from_string(package.licenses[0])]
    out: list[License] = []
    for text in package.licenses:
        try:
            out.append(_LICENSES.make_with_id(text))
        except InvalidSpdxLicenseException:
            out.append(_LICENSES.make_with_name(text))
    return out


def _package_component(
    package: Package, os: OSInfo | None, ref: str, layers: dict[str, int]
) -> Component:
    props = [
        Property(name="hullscan:package_type", value=package.type.value),
        Property(name="hullscan:found_in", value=package.found_in),
    ]
    if package.layer:
        props.append(Property(name="hullscan:layer_diff_id", value=package.layer))
    if package.layer in layers:
        props.append(Property(name="hullscan:layer_number", value=str(layers[package.layer])))
    if package.source_name and package.source_name != package.name:
        props.append(Property(name="hullscan:source_name", value=package.source_name))
        props.append(Property(name="hullscan:source_version", value=package.source_version))
    return Component(
        type=ComponentType.LIBRARY,
        name=package.name,
        version=package.version or None,
        bom_ref=ref,
        purl=PackageURL.from_string(package_purl(package, os)),
        licenses=_licenses(package),
        properties=props,
    )


class _Refs:
    """Unique bom-refs: the purl itself, suffixed only when two images share a package."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def make(self, wanted: str) -> str:
        ref, n = wanted, 1
        while ref in self._used:
            n += 1
            ref = f"{wanted}#{n}"
        self._used.add(ref)
        return ref


def _add_inventory(
    bom: Bom, inventory: Inventory, refs: _Refs, single: bool
) -> dict[Package, Component]:
    """Components of one target; returns package -> component for the vulnerabilities."""
    layers = layer_numbers(inventory.image)
    image = inventory.image
    root = Component(
        type=ComponentType.CONTAINER if image else ComponentType.FILE,
        name=(image.name or inventory.target) if image else inventory.target,
        version=(image.manifest_digest or None) if image else None,
        bom_ref=refs.make(image_purl(image) if image else f"target:{inventory.target}"),
        purl=PackageURL.from_string(image_purl(image)) if image else None,
        properties=[Property(name="hullscan:target", value=inventory.target)]
        + (
            [Property(name="hullscan:config_digest", value=image.config_digest)]
            if image and image.config_digest
            else []
        ),
    )
    members: list[Component] = []
    if inventory.os:
        os = inventory.os
        members.append(
            Component(
                type=ComponentType.OPERATING_SYSTEM,
                name=os.family,
                version=os.version or None,
                description=os.pretty_name or None,
                bom_ref=refs.make(f"os:{os.family}@{os.version}"),
            )
        )
    by_package: dict[Package, Component] = {}
    for package in inventory.packages:
        if package in by_package:
            continue
        ref = refs.make(package_purl(package, inventory.os))
        by_package[package] = _package_component(package, inventory.os, ref, layers)
        members.append(by_package[package])
    if single:
        bom.metadata.component = root
    else:
        bom.components.add(root)
    for member in members:
        bom.components.add(member)
    bom.register_dependency(root, members)
    return by_package


def _ratings(item: AssessedFinding) -> list[VulnerabilityRating]:
    finding = item.finding
    ratings = []
    for cvss in finding.cvss:
        method = VulnerabilityScoreSource.get_from_vector(cvss.vector)
        if method is VulnerabilityScoreSource.OTHER and cvss.version == "2.0":
            method = VulnerabilityScoreSource.CVSS_V2
        ratings.append(
            VulnerabilityRating(
                source=VulnerabilitySource(name=cvss.source) if cvss.source else None,
                score=Decimal(str(cvss.score)),
                method=method,
                vector=cvss.vector,
            )
        )
    ratings.append(
        VulnerabilityRating(
            source=VulnerabilitySource(name=finding.severity_source or TOOL_NAME),
            severity=VulnerabilitySeverity(item.severity.value.lower()),
            method=VulnerabilityScoreSource.OTHER,
        )
    )
    return ratings


def _analysis(suppression: Suppression | None) -> VulnerabilityAnalysis | None:
    if suppression is None:
        return None
    statement = suppression.statement
    if suppression.kind is SuppressionKind.VEX and statement is not None:
        state = (
            ImpactAnalysisState.NOT_AFFECTED
            if statement.status == "not_affected"
            else ImpactAnalysisState.RESOLVED
        )
        justification = _OPENVEX_TO_CDX.get(statement.justification)
        if justification is None and statement.justification:
            justification = ImpactAnalysisJustification(statement.justification)
        return VulnerabilityAnalysis(
            state=state, justification=justification, detail=suppression.reason
        )
    return VulnerabilityAnalysis(
        detail=f"excluded by {suppression.kind.value} rule at {suppression.source}: "
        f"{suppression.reason}"
    )


def _source(finding: Finding) -> VulnerabilitySource | None:
    if not finding.url:
        return None
    name = finding.severity_source or finding.id.split("-", 1)[0]
    return VulnerabilitySource(name=name, url=XsUri(finding.url))


def _vulnerability(
    items: Sequence[AssessedFinding], components: dict[Package, Component], ref: str
) -> Vulnerability:
    first = items[0]
    finding = first.finding
    published = parse_timestamp(finding.published)
    updated = parse_timestamp(finding.modified)
    props = [Property(name="hullscan:severity", value=first.severity.value)]
    if first.severity_class:
        props.append(Property(name="hullscan:action", value=first.severity_class.action))
    dues = [i.due for i in items if i.due is not None]
    if dues:
        props.append(Property(name="hullscan:due", value=min(dues).isoformat()))
        props.append(
            Property(name="hullscan:overdue", value=str(any(i.overdue for i in items)).lower())
        )
    return Vulnerability(
        bom_ref=ref,
        id=finding.id,
        source=_source(finding),
        references=[
            VulnerabilityReference(id=alias, source=VulnerabilitySource(name=alias.split("-")[0]))
            for alias in finding.aliases
        ],
        ratings=_ratings(first),
        cwes=[int(m.group(1)) for m in map(_CWE.match, finding.cwes) if m],
        description=finding.title or None,
        detail=finding.description or None,
        recommendation=recommendation(finding),
        published=published,
        updated=updated,
        analysis=_analysis(first.suppression),
        affects=[
            BomTarget(
                ref=components[i.finding.package].bom_ref.value or "",
                versions=[
                    BomTargetVersionRange(
                        version=i.finding.package.version,
                        status=ImpactAnalysisAffectedStatus.UNAFFECTED
                        if i.suppression
                        else ImpactAnalysisAffectedStatus.AFFECTED,
                    )
                ],
            )
            for i in items
        ],
        properties=props,
    )


def _new_bom(generated_at: datetime) -> Bom:
    bom = Bom()
    bom.metadata.timestamp = generated_at
    bom.metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name=TOOL_NAME, version=TOOL_VERSION)
    )
    return bom


def build_bom(
    inventories: Sequence[Inventory],
    generated_at: datetime,
    assessment: Assessment | None = None,
) -> Bom:
    """The BOM of these targets; with an assessment, its findings as vulnerabilities."""
    bom = _new_bom(generated_at)
    refs = _Refs()
    components = [_add_inventory(bom, inv, refs, len(inventories) == 1) for inv in inventories]
    if assessment is None:
        return bom
    for index, target in enumerate(assessment.targets):
        groups: dict[tuple[str, Suppression | None], list[AssessedFinding]] = {}
        for item in (*target.findings, *target.suppressed):
            if item.finding.package not in components[index]:
                pkg = item.finding.package
                ref = refs.make(package_purl(pkg, target.result.os))
                component = _package_component(pkg, target.result.os, ref, {})
                components[index][pkg] = component
                bom.components.add(component)
            groups.setdefault((item.finding.id, item.suppression), []).append(item)
        for (vuln_id, _), items in groups.items():
            bom.vulnerabilities.add(_vulnerability(items, components[index], refs.make(vuln_id)))
    return bom


def _serialize(bom: Bom) -> str:
    return str(JsonV1Dot6(bom).output_as_string(indent=2)) + "\n"


def render_cyclonedx(assessment: Assessment, options: RenderOptions) -> str:
    """CycloneDX 1.6 with components and vulnerabilities for every scanned target."""
    inventories = [Inventory.of(t.result) for t in assessment.targets]
    return _serialize(build_bom(inventories, assessment.generated_at, assessment))


def render_cyclonedx_sbom(inventory: Inventory, generated_at: datetime) -> str:
    """CycloneDX 1.6 inventory only: no vulnerabilities."""
    return _serialize(build_bom([inventory], generated_at))
