"""What every npm package source shares: the Package it builds."""

from __future__ import annotations

from typing import Any

from packageurl import PackageURL

from hullscan.inventory.interface import Ecosystem, Package, PackageType, Relationship

__all__ = ["MergedPackages", "licenses_of", "mapping", "npm_package", "split_spec"]


def npm_package(
    name: str,
    version: str,
    found_in: str,
    *,
    licenses: tuple[str, ...] = (),
    relationship: Relationship = Relationship.UNKNOWN,
    dev: bool = False,
) -> Package:
    """An npm package; a scope (``@babel/core``) becomes the purl namespace."""
    scope, _, bare = name.rpartition("/") if name.startswith("@") else ("", "", name)
    purl = PackageURL(
        type="npm", namespace=scope or None, name=bare, version=version or None
    ).to_string()
    return Package(
        type=PackageType.NPM,
        name=name,
        version=version,
        found_in=found_in,
        ecosystem=Ecosystem.NPM.value,
        licenses=licenses,
        purl=purl,
        relationship=relationship,
        dev=dev,
    )


def mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON/YAML object, else an empty one: lock files are untrusted."""
    return value if isinstance(value, dict) else {}


def split_spec(spec: str) -> tuple[str, str]:
    """``name@rest`` split at the ``@`` that ends the name (a scope starts with one too)."""
    at = spec.find("@", 1)
    return (spec, "") if at < 0 else (spec[:at], spec[at + 1 :])


def licenses_of(entry: dict[str, Any]) -> tuple[str, ...]:
    """Licence names from ``license`` and the legacy ``licenses``.

    Each may be a string, a ``{"type": ..., "url": ...}`` object or a list of either; old
    packages and the lock files that copy them write all of these.
    """
    found: list[str] = []
    for field in ("license", "licenses"):
        value = entry.get(field)
        for item in value if isinstance(value, list) else [value]:
            text = item.get("type") if isinstance(item, dict) else item
            if isinstance(text, str) and text.strip():
                found.append(text.strip())
    return tuple(dict.fromkeys(found))


class MergedPackages:
    """Packages keyed by (name, version): one lock file can list a package at many places.

    The merged package is direct if any copy is, dev only if every copy is (a package that a
    production dependency needs is installed in production, whatever else needs it).
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._found: dict[tuple[str, str], tuple[Relationship, bool, tuple[str, ...]]] = {}

    def add(
        self,
        name: str,
        version: str,
        relationship: Relationship,
        dev: bool = False,
        licenses: tuple[str, ...] = (),
    ) -> None:
        old = self._found.get((name, version))
        if old is not None:
            if old[0] is Relationship.DIRECT:
                relationship = Relationship.DIRECT
            dev = dev and old[1]
            licenses = old[2] or licenses
        self._found[(name, version)] = (relationship, dev, licenses)

    def packages(self) -> list[Package]:
        """The merged packages, in the order first seen."""
        return [
            npm_package(name, version, self._path, licenses=lic, relationship=rel, dev=dev)
            for (name, version), (rel, dev, lic) in self._found.items()
        ]
