"""VEX documents in: OpenVEX and CycloneDX VEX, reduced to `VexStatement`s.

A statement takes a finding out when its vulnerability (id or alias) is one of the finding's
ids, its status is ``not_affected`` or ``fixed``, and it names the package: by the package's
purl (qualifiers ignored), or as a subcomponent of the scanned image. When several statements
speak of the same finding the latest one counts (OpenVEX's rule), so a later ``affected``
withdraws an earlier ``not_affected``.

CycloneDX analysis states map as Trivy maps them: ``not_affected`` and ``false_positive`` are
not affected, ``resolved`` and ``resolved_with_pedigree`` are fixed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hullscan.match.interface import Finding
from hullscan.policy.interface import VexStatement
from hullscan.policy.purl import purl_key, purl_matches
from hullscan.policy.values import parse_timestamp, read_text

if TYPE_CHECKING:
    from hullscan.policy.nodes import Cursor

OPENVEX_STATUSES = ("not_affected", "affected", "fixed", "under_investigation")
_CDX_STATES = {
    "not_affected": "not_affected",
    "false_positive": "not_affected",
    "resolved": "fixed",
    "resolved_with_pedigree": "fixed",
    "exploitable": "affected",
    "in_triage": "under_investigation",
}
_IMAGE_TYPES = frozenset({"oci", "docker"})


def _optional(entry: dict[str, Cursor], key: str) -> str:
    return entry[key].string(allow_empty=True) if key in entry and not entry[key].is_null else ""


def _product_ids(cursor: Cursor) -> tuple[list[str], list[str]]:
    """(product purls, subcomponent purls) of one OpenVEX product, either spelling."""
    if not cursor.is_mapping:
        return [cursor.string()], []
    entry = cursor.mapping()
    ids = [_optional(entry, "@id")]
    if "identifiers" in entry:
        ids.append(_optional(entry["identifiers"].mapping(), "purl"))
    subs: list[str] = []
    if "subcomponents" in entry:
        for sub in entry["subcomponents"].sequence():
            sub_ids, _ = _product_ids(sub)
            subs.extend(sub_ids)
    return [i for i in ids if i], subs


def _openvex_statement(cursor: Cursor) -> VexStatement:
    entry = cursor.mapping(required=("vulnerability", "status"))
    vuln = entry["vulnerability"]
    if vuln.is_mapping:
        fields = vuln.mapping()
        name = _optional(fields, "name") or _optional(fields, "@id")
        if not name:
            raise vuln.error("a vulnerability needs a name")
        aliases = tuple(fields["aliases"].strings()) if "aliases" in fields else ()
    else:
        name, aliases = vuln.string(), ()
    status = entry["status"].string()
    if status not in OPENVEX_STATUSES:
        raise entry["status"].error(
            f"unknown status {status!r}; expected one of: {', '.join(OPENVEX_STATUSES)}"
        )
    products: list[str] = []
    subcomponents: list[str] = []
    for product in entry["products"].sequence() if "products" in entry else []:
        ids, subs = _product_ids(product)
        products.extend(ids)
        subcomponents.extend(subs)
    if "subcomponents" in entry:
        subcomponents.extend(entry["subcomponents"].strings())
    if not products and not subcomponents:
        raise cursor.error("a statement needs products")
    return VexStatement(
        source=f"{cursor.file}:{cursor.line}",
        document_format="openvex",
        vuln_id=name,
        aliases=aliases,
        products=tuple(products),
        subcomponents=tuple(subcomponents),
        status=status,
        justification=_optional(entry, "justification"),
        detail=_optional(entry, "impact_statement")
        or _optional(entry, "action_statement")
        or _optional(entry, "status_notes"),
        timestamp=_optional(entry, "timestamp"),
    )


def _cdx_purls(root: dict[str, Cursor]) -> dict[str, str]:
    """bom-ref -> purl for every component the VEX document declares, nested ones too."""
    refs: dict[str, str] = {}
    stack: list[Cursor] = []
    if "metadata" in root:
        metadata = root["metadata"].mapping()
        if "component" in metadata:
            stack.append(metadata["component"])
    if "components" in root:
        stack.extend(root["components"].sequence())
    while stack:
        fields = stack.pop().mapping()
        ref, purl = _optional(fields, "bom-ref"), _optional(fields, "purl")
        if ref and purl:
            refs[ref] = purl
        if "components" in fields:
            stack.extend(fields["components"].sequence())
    return refs


def _cdx_statement(cursor: Cursor, purls: dict[str, str]) -> VexStatement | None:
    entry = cursor.mapping(required=("id",))
    if "analysis" not in entry:
        return None
    analysis = entry["analysis"].mapping()
    state = _optional(analysis, "state")
    if not state:
        return None
    if state not in _CDX_STATES:
        raise analysis["state"].error(
            f"unknown analysis state {state!r}; expected one of: {', '.join(_CDX_STATES)}"
        )
    aliases: list[str] = []
    for reference in entry["references"].sequence() if "references" in entry else []:
        aliases.append(reference.mapping(required=("id",))["id"].string())
    products: list[str] = []
    # LIMITATION: affects[].versions ranges are not read; the ref's purl (and its version) decides.
    for affect in entry["affects"].sequence() if "affects" in entry else []:
        ref = affect.mapping(required=("ref",))["ref"].string()
        target = ref.split("#", 1)[1] if ref.startswith("urn:cdx:") and "#" in ref else ref
        products.append(purls.get(target, target))
    if not products:
        raise cursor.error("a VEX vulnerability needs affects")
    return VexStatement(
        source=f"{cursor.file}:{cursor.line}",
        document_format="cyclonedx",
        vuln_id=entry["id"].string(),
        aliases=tuple(aliases),
        products=tuple(products),
        status=_CDX_STATES[state],
        justification=_optional(analysis, "justification"),
        detail=_optional(analysis, "detail"),
        timestamp=_optional(analysis, "lastUpdated") or _optional(analysis, "firstIssued"),
    )


def parse_vex(text: str, path: Path) -> tuple[VexStatement, ...]:
    """Statements of an OpenVEX or CycloneDX VEX document; PolicyError naming file and line."""
    from hullscan.policy.nodes import (
        compose_json,
    )  # YAML loads with the first file

    root = compose_json(path, text, "VEX document")
    fields = root.mapping()
    if "statements" in fields:
        return tuple(_openvex_statement(s) for s in fields["statements"].sequence())
    if fields.get("bomFormat") and fields["bomFormat"].string() == "CycloneDX":
        purls = _cdx_purls(fields)
        vulns = fields["vulnerabilities"].sequence() if "vulnerabilities" in fields else []
        found = (_cdx_statement(v, purls) for v in vulns)
        return tuple(s for s in found if s is not None)
    raise root.error("not a VEX document: expected OpenVEX 'statements' or CycloneDX 'bomFormat'")


def load_vex(path: Path) -> tuple[VexStatement, ...]:
    return parse_vex(read_text(path, "VEX document"), path)


def _is_image(purl: str) -> bool:
    key = purl_key(purl)
    return key is not None and key[0] in _IMAGE_TYPES


def _names_package(statement: VexStatement, package_purl: str, image_purl: str) -> bool:
    images = [p for p in statement.products if _is_image(p)]
    if images and not (image_purl and any(purl_matches(p, image_purl) for p in images)):
        return False
    if images and not statement.subcomponents:
        return True
    candidates = [p for p in statement.products if not _is_image(p)]
    candidates.extend(statement.subcomponents)
    return any(purl_matches(p, package_purl) for p in candidates)


def _names_vulnerability(statement: VexStatement, finding: Finding) -> bool:
    ids = {i.casefold() for i in finding.all_ids()}
    return any(v.casefold() in ids for v in (statement.vuln_id, *statement.aliases))


def vex_statement_for(
    statements: tuple[VexStatement, ...], finding: Finding, package_purl: str, image_purl: str
) -> VexStatement | None:
    """The statement that decides this finding (the latest one naming it), or None."""
    latest: VexStatement | None = None
    latest_key: tuple[float, int] = (float("-inf"), -1)
    for order, statement in enumerate(statements):
        if not _names_vulnerability(statement, finding):
            continue
        if not _names_package(statement, package_purl, image_purl):
            continue
        stamp = parse_timestamp(statement.timestamp)
        key = (stamp.timestamp() if stamp else float("-inf"), order)
        if key >= latest_key:
            latest, latest_key = statement, key
    return latest
