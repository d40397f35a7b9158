"""SPDX 2.3 JSON through spdx-tools: the document describes each scanned image (a CONTAINER
package) which CONTAINS its OS and its packages, each with its purl.

SPDX 2.3 has no vulnerability objects; as a vulnerability report the document adds, to each
affected package, a SECURITY ``advisory`` external reference per finding that remains after the
policy. Licenses that are not valid SPDX expressions are kept in the license comment and
declared NOASSERTION, because a made-up LicenseRef would claim more than the scan knows.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from collections.abc import Sequence
from datetime import datetime

from spdx_tools.common.spdx_licensing import spdx_licensing
from spdx_tools.spdx.model.actor import Actor, ActorType
from spdx_tools.spdx.model.document import CreationInfo, Document
from spdx_tools.spdx.model.package import (
    ExternalPackageRef,
    ExternalPackageRefCategory,
    Package,
    PackagePurpose,
)
from spdx_tools.spdx.model.relationship import Relationship, RelationshipType
from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion
from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

from hullscan.inventory.interface import Package as HullPackage
from hullscan.policy.interface import AssessedFinding, Assessment
from hullscan.policy.purl import image_purl, package_purl
from hullscan.report.interface import (
    TOOL_NAME,
    TOOL_VERSION,
    Inventory,
    RenderOptions,
    layer_numbers,
)

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")
_HTTP = re.compile(r"^https?://")


def _spdx_id(kind: str, *parts: str) -> str:
    """``SPDXRef-<kind>-<name>-<hash>``: readable, and unique by the hash of all parts."""
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:12]
    name = _ID_UNSAFE.sub("-", parts[-1] if parts else "")[:60].strip("-")
    return f"SPDXRef-{kind}-{name}-{digest}" if name else f"SPDXRef-{kind}-{digest}"


def _license(package: HullPackage) -> tuple[object, str | None]:
    """(declared license, comment): a valid SPDX expression, else NOASSERTION and the text."""
    if not package.licenses:
        return SpdxNoAssertion(), None
    text = " AND ".join(f"({t})" if " " in t else t for t in package.licenses)
    info = spdx_licensing.validate(text)
    if info.errors or info.invalid_symbols:
        return SpdxNoAssertion(), "declared: " + "; ".join(package.licenses)
    return spdx_licensing.parse(info.normalized_expression), None


def _package(
    package: HullPackage,
    inventory: Inventory,
    spdx_id: str,
    layers: dict[str, int],
    advisories: Sequence[AssessedFinding],
) -> Package:
    declared, license_comment = _license(package)
    refs = [
        ExternalPackageRef(
            ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", package_purl(package, inventory.os)
        )
    ]
    for item in advisories:
        url = item.finding.url
        if url and _HTTP.match(url):
            refs.append(
                ExternalPackageRef(
                    ExternalPackageRefCategory.SECURITY,
                    "advisory",
                    url,
                    comment=f"{item.finding.id} ({item.severity.value})",
                )
            )
    where = [f"found in {package.found_in}"] if package.found_in else []
    if package.layer:
        number = layers.get(package.layer)
        where.append(f"layer {number} ({package.layer})" if number else f"layer {package.layer}")
    return Package(
        spdx_id=spdx_id,
        name=package.name,
        download_location=SpdxNoAssertion(),
        version=package.version or None,
        files_analyzed=False,
        supplier=SpdxNoAssertion(),
        license_concluded=SpdxNoAssertion(),
        license_declared=declared,
        license_comment=license_comment,
        copyright_text=SpdxNoAssertion(),
        source_info=f"source package {package.source_name} {package.source_version}".strip()
        if package.source_name
        else None,
        comment=", ".join(where) or None,
        external_references=refs,
        primary_package_purpose=PackagePurpose.LIBRARY,
    )


def _root(inventory: Inventory, index: int) -> Package:
    image = inventory.image
    if image is None:
        return Package(
            spdx_id=_spdx_id("Filesystem", str(index), inventory.target),
            name=inventory.target,
            download_location=SpdxNoAssertion(),
            files_analyzed=False,
            primary_package_purpose=PackagePurpose.FILE,
        )
    return Package(
        spdx_id=_spdx_id("Image", str(index), image.name or inventory.target),
        name=image.name or inventory.target,
        download_location=SpdxNoAssertion(),
        version=image.manifest_digest or None,
        files_analyzed=False,
        external_references=[
            ExternalPackageRef(
                ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", image_purl(image)
            )
        ],
        primary_package_purpose=PackagePurpose.CONTAINER,
    )


def build_document(
    inventories: Sequence[Inventory],
    generated_at: datetime,
    assessment: Assessment | None = None,
) -> Document:
    """The SPDX document of these targets (advisory references when assessed)."""
    title = inventories[0].target if len(inventories) == 1 else f"{len(inventories)} targets"
    slug = _ID_UNSAFE.sub("-", title).strip("-")[:80]
    document = Document(
        CreationInfo(
            spdx_version="SPDX-2.3",
            spdx_id="SPDXRef-DOCUMENT",
            name=title,
            document_namespace=f"https://spdx.org/spdxdocs/{TOOL_NAME}-{slug}-{uuid.uuid4()}",
            creators=[Actor(ActorType.TOOL, f"{TOOL_NAME}-{TOOL_VERSION}")],
            created=generated_at.replace(microsecond=0),
        )
    )
    for index, inventory in enumerate(inventories):
        layers = layer_numbers(inventory.image)
        root = _root(inventory, index)
        document.packages.append(root)
        document.relationships.append(
            Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, root.spdx_id)
        )
        if inventory.os:
            os = inventory.os
            os_package = Package(
                spdx_id=_spdx_id("OperatingSystem", str(index), f"{os.family}-{os.version}"),
                name=os.family,
                download_location=SpdxNoAssertion(),
                version=os.version or None,
                files_analyzed=False,
                description=os.pretty_name or None,
                primary_package_purpose=PackagePurpose.OPERATING_SYSTEM,
            )
            document.packages.append(os_package)
            document.relationships.append(
                Relationship(root.spdx_id, RelationshipType.CONTAINS, os_package.spdx_id)
            )
        findings: dict[HullPackage, list[AssessedFinding]] = {}
        if assessment is not None:
            for item in assessment.targets[index].findings:
                findings.setdefault(item.finding.package, []).append(item)
        seen: set[str] = set()
        for package in inventory.packages:
            purl = package_purl(package, inventory.os)
            spdx_id = _spdx_id("Package", str(index), purl, package.found_in, package.name)
            if spdx_id in seen:
                continue
            seen.add(spdx_id)
            spdx_package = _package(package, inventory, spdx_id, layers, findings.get(package, []))
            document.packages.append(spdx_package)
            document.relationships.append(
                Relationship(root.spdx_id, RelationshipType.CONTAINS, spdx_id)
            )
    return document


def _serialize(document: Document) -> str:
    stream = io.StringIO()
    write_document_to_stream(document, stream, validate=False)
    return stream.getvalue() + "\n"


def render_spdx(assessment: Assessment, options: RenderOptions) -> str:
    """SPDX 2.3 JSON of every scanned target, with advisory references for the findings."""
    inventories = [Inventory.of(t.result) for t in assessment.targets]
    return _serialize(build_document(inventories, assessment.generated_at, assessment))


def render_spdx_sbom(inventory: Inventory, generated_at: datetime) -> str:
    """SPDX 2.3 JSON, inventory only."""
    return _serialize(build_document([inventory], generated_at))
