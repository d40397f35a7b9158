"""Package URLs for packages and images, and purl matching the way VEX tools match them.

A VEX statement or a policy rule names a package by purl; a scanned package may carry one from
its analyzer or not (OS packages get theirs in the merge step). Matching compares type,
namespace, name and, when the rule gives one, version; qualifiers (``arch``, ``distro``) and
subpath are ignored, as Trivy does, so ``pkg:deb/debian/libssl3`` matches every build of it.
"""

from __future__ import annotations

import re

from packageurl import PackageURL

from hullscan.image.interface import ImageMeta
from hullscan.inventory.interface import OSInfo, Package, PackageType

_PURL_TYPES = {
    PackageType.DEB: "deb",
    PackageType.APK: "apk",
    PackageType.RPM: "rpm",
    PackageType.PYTHON: "pypi",
    PackageType.NPM: "npm",
    PackageType.GOLANG: "golang",
    PackageType.JAVA: "maven",
    PackageType.GEM: "gem",
    PackageType.CARGO: "cargo",
    PackageType.COMPOSER: "composer",
    PackageType.NUGET: "nuget",
}
# Types whose names the purl spec declares case-insensitive.
_CASE_FOLDED = frozenset({"pypi", "deb", "apk", "npm", "github", "bitbucket", "composer", "hex"})
_PYPI_SEPARATORS = re.compile(r"[-_.]+")

PurlKey = tuple[str, str, str, str]


def package_purl(package: Package, os: OSInfo | None = None) -> str:
    """The package's purl: the analyzer's if it set one, else built from type, name, version."""
    if package.purl:
        return package.purl
    purl_type = _PURL_TYPES[package.type]
    namespace: str | None = None
    name = package.name
    qualifiers: dict[str, str] = {}
    if package.type in (PackageType.DEB, PackageType.APK, PackageType.RPM):
        namespace = os.family if os else {"deb": "debian", "apk": "alpine"}.get(purl_type)
        if package.arch:
            qualifiers["arch"] = package.arch
        if os and os.version:
            qualifiers["distro"] = f"{os.family}-{os.version}"
    elif package.type is PackageType.JAVA:
        group = package.extra_value("group")
        if group:
            namespace = group
        elif ":" in name:
            namespace, name = name.split(":", 1)
    elif package.type in (PackageType.NPM, PackageType.GOLANG, PackageType.COMPOSER) and (
        "/" in name
    ):
        namespace, name = name.rsplit("/", 1)
    return str(
        PackageURL(
            type=purl_type,
            namespace=namespace,
            name=name,
            version=package.version or None,
            qualifiers=qualifiers or None,
        ).to_string()
    )


def image_purl(image: ImageMeta) -> str:
    """``pkg:oci/NAME@DIGEST?repository_url=...`` for an image, as Trivy and Syft write it."""
    reference = image.name or (image.repo_tags[0] if image.repo_tags else image.source)
    repository = reference.split("@", 1)[0]
    last = repository.rsplit("/", 1)[-1]
    if ":" in last:
        repository = repository[: repository.rindex(":")]
    name = repository.rsplit("/", 1)[-1].lower() or "image"
    qualifiers = {"arch": image.platform.architecture}
    if "/" in repository:
        qualifiers["repository_url"] = repository
    return str(
        PackageURL(
            type="oci",
            name=name,
            version=image.manifest_digest or None,
            qualifiers=qualifiers,
        ).to_string()
    )


def purl_key(text: str) -> PurlKey | None:
    """(type, namespace, name, version) in canonical case, or None when not a purl."""
    try:
        purl = PackageURL.from_string(text.strip())
    except ValueError:
        return None
    purl_type = str(purl.type).lower()
    namespace = str(purl.namespace or "")
    name = str(purl.name)
    if purl_type in _CASE_FOLDED:
        namespace, name = namespace.lower(), name.lower()
    if purl_type == "pypi":
        name = _PYPI_SEPARATORS.sub("-", name)
    return (purl_type, namespace, name, str(purl.version or ""))


def purl_matches(pattern: str, purl: str) -> bool:
    """Whether ``purl`` is the package ``pattern`` names (its version too, if it has one)."""
    want, have = purl_key(pattern), purl_key(purl)
    if want is None or have is None:
        return False
    if want[:3] != have[:3]:
        return False
    return not want[3] or want[3] == have[3]
