"""What every Python package source shares: the Package it builds."""

from __future__ import annotations

from packageurl import PackageURL

from hullscan.inventory.interface import Ecosystem, Package, PackageType, Relationship
from hullscan.vulndb.names import normalize_name

__all__ = ["python_package"]


def python_package(
    name: str,
    version: str,
    found_in: str,
    *,
    licenses: tuple[str, ...] = (),
    relationship: Relationship = Relationship.UNKNOWN,
    dev: bool = False,
) -> Package:
    """A PyPI package with the name as its source writes it and the PEP 503 name in the purl.

    Advisories (OSV, GHSA) key PyPI packages by the normalised name, so it goes into the purl
    and ``extra``; the display name stays as written (``Django``, ``PyYAML``).
    """
    normalized = normalize_name(Ecosystem.PYPI, name)
    purl = PackageURL(type="pypi", name=normalized, version=version or None).to_string()
    return Package(
        type=PackageType.PYTHON,
        name=name,
        version=version,
        found_in=found_in,
        ecosystem=Ecosystem.PYPI.value,
        licenses=licenses,
        purl=purl,
        relationship=relationship,
        dev=dev,
        extra=(("normalized_name", normalized),),
    )
