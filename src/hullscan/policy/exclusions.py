"""Which findings a policy or ignore-file rule takes out.

A rule's ``version`` is a comma-separated list of constraints (``>=1.1.1, <1.1.1n``; a bare
version means ``==``), ordered by the package's own ecosystem rules (`hullscan.versions`:
dpkg for Debian packages, PEP 440 for PyPI, semver for npm...).
"""

from __future__ import annotations

import logging
import re

from hullscan import versions
from hullscan.errors import VersionError
from hullscan.inventory.interface import OSInfo, Package
from hullscan.match.interface import Finding
from hullscan.policy.interface import Exclusion, VersionRange
from hullscan.policy.purl import package_purl, purl_key, purl_matches

logger = logging.getLogger(__name__)

_CONSTRAINT = re.compile(r"^\s*(==|!=|<=|>=|<|>|=)?\s*([^\s<>=!,]+)\s*$")


def parse_version_range(text: str) -> VersionRange:
    """The constraints of ``text``; ValueError naming the bad part."""
    constraints = []
    for part in text.split(","):
        match = _CONSTRAINT.match(part)
        if not match:
            raise ValueError(f"{part.strip()!r} is not a version constraint (e.g. '>=1.2, <1.4')")
        op = match.group(1) or "=="
        constraints.append(("==" if op == "=" else op, match.group(2)))
    return VersionRange(text=text.strip(), constraints=tuple(constraints))


def _holds(op: str, sign: int) -> bool:
    return {
        "==": sign == 0,
        "!=": sign != 0,
        "<": sign < 0,
        "<=": sign <= 0,
        ">": sign > 0,
        ">=": sign >= 0,
    }[op]


def _ecosystem_names(package: Package, purl: str) -> set[str]:
    names = {package.type.value.casefold()}
    if package.ecosystem:
        names.add(package.ecosystem.casefold())
        names.add(package.ecosystem.split(":", 1)[0].casefold())
    key = purl_key(purl)
    if key:
        names.add(key[0])
    return names


def _package_matches(rule: Exclusion, package: Package, purl: str) -> bool:
    if rule.package.startswith("pkg:"):
        return purl_matches(rule.package, purl)
    wanted = rule.package.casefold()
    return wanted in (package.name.casefold(), package.source_name.casefold())


def _version_matches(rule: VersionRange, package: Package, ecosystem: str) -> bool:
    for op, version in rule.constraints:
        try:
            sign = versions.compare(ecosystem, package.version, version)
        except VersionError as err:
            logger.warning(
                "exclusion version %r not applied to %s: %s", rule.text, package.name, err
            )
            return False
        if not _holds(op, sign):
            return False
    return True


def exclusion_matches(rule: Exclusion, finding: Finding, os: OSInfo | None) -> bool:
    """Whether ``rule`` names this finding (every part the rule gives must match)."""
    if rule.vuln_id:
        wanted = rule.vuln_id.casefold()
        if not any(wanted == vid.casefold() for vid in finding.all_ids()):
            return False
    package = finding.package
    purl = package_purl(package, os)
    if rule.package and not _package_matches(rule, package, purl):
        return False
    if rule.ecosystem and rule.ecosystem.casefold() not in _ecosystem_names(package, purl):
        return False
    if rule.versions is None:
        return True
    key = purl_key(purl)
    ecosystem = package.ecosystem or (key[0] if key else package.type.value)
    return _version_matches(rule.versions, package, ecosystem)
