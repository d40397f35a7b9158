"""From per-layer analysis results to the inventory of the final filesystem.

Layers are analysed one at a time (and cached that way), so this step does what a union
filesystem would: a file written by a later layer hides the earlier copy, a whiteout deletes a
path and everything under it, an opaque directory hides everything below it from lower layers.
For each package in a file that is still visible, the layer that introduced it is the earliest
layer in that file's unbroken history holding a package of the same identity, and the layer
that last changed it is where its current version first appeared.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import replace

from packageurl import PackageURL

from hullscan import versions
from hullscan.errors import VersionError
from hullscan.image.walk import LayerResult
from hullscan.inventory.golang.mod import reconcile_go_sum
from hullscan.inventory.interface import (
    FileResult,
    Inventory,
    OSInfo,
    Package,
    PackageType,
    Relationship,
)
from hullscan.inventory.osrelease import choose_os, os_from_packages
from hullscan.vulndb.names import normalize_name

log = logging.getLogger(__name__)


def _ancestors(path: str) -> list[str]:
    """``a/b/c`` -> ``["a/b/c", "a/b", "a"]``: the path and every directory above it."""
    out = [path]
    while "/" in path:
        path = posixpath.dirname(path)
        out.append(path)
    return out


def _deleted_by(layer: LayerResult, path: str) -> bool:
    """Whether ``layer`` deletes ``path`` (a whiteout on it or above it, or an opaque parent)."""
    if not layer.whiteouts and not layer.opaque_dirs:
        return False
    chain = _ancestors(path)
    if any(p in layer.whiteouts for p in chain):
        return True
    return any(p in layer.opaque_dirs for p in chain[1:]) or "" in layer.opaque_dirs


def _history(
    layers: Sequence[LayerResult], key: tuple[str, str], top: int
) -> list[tuple[int, FileResult]]:
    """The unbroken run of earlier copies of one file that the copy in layer ``top`` replaced.

    Oldest first, ending with ``top``. The run stops at a layer that deleted the path (a later
    copy then started afresh) or that wrote the path as something the analyzer did not parse.
    """
    path = key[1]
    run = [(top, layers[top].results[key])]
    for index in range(top - 1, -1, -1):
        if _deleted_by(layers[index + 1], path):
            break
        found = layers[index].results.get(key)
        if found is None:
            if path in layers[index].paths:
                break
            continue
        run.append((index, found))
    run.reverse()
    return run


def _visible(layers: Sequence[LayerResult], index: int, path: str) -> bool:
    """Whether the copy of ``path`` written by layer ``index`` survives the layers above it."""
    for later in layers[index + 1 :]:
        if path in later.paths or _deleted_by(later, path):
            return False
    return True


def _attribute(run: list[tuple[int, FileResult]], diff_ids: Sequence[str]) -> list[Package]:
    """The final copy's packages, each with the layer that introduced and last changed it."""
    final = run[-1][1]
    # Each earlier copy's versions by package identity, newest copy first. A lock file can
    # hold one name at several versions, so a copy maps an identity to all of them.
    earlier: list[tuple[int, dict[tuple[str, str, str], set[str]]]] = []
    for index, result in reversed(run[:-1]):
        by_identity: dict[tuple[str, str, str], set[str]] = {}
        for p in result.packages:
            by_identity.setdefault(p.identity, set()).add(p.version)
        earlier.append((index, by_identity))
    out = []
    for package in final.packages:
        introduced = changed = run[-1][0]
        same_version = True
        for index, copies in earlier:
            versions = copies.get(package.identity)
            if not versions:
                break
            introduced = index
            if same_version and package.version in versions:
                changed = index
            else:
                same_version = False
        out.append(replace(package, layer=diff_ids[introduced], changed_layer=diff_ids[changed]))
    return out


def os_ecosystem(os_info: OSInfo | None, package_type: PackageType) -> str:
    """The OSV ecosystem, with release, that advisories for this OS package are filed under."""
    if os_info is None:
        return ""
    family = os_info.family
    major_minor = ".".join(os_info.version.split(".")[:2])
    if package_type is PackageType.DEB:
        if family == "ubuntu":
            return f"Ubuntu:{os_info.version}"
        return f"Debian:{os_info.version.split('.')[0]}" if os_info.version else "Debian"
    if package_type is PackageType.APK:
        name = "Wolfi" if family in ("wolfi", "chainguard") else "Alpine"
        return f"{name}:v{major_minor}" if name == "Alpine" and major_minor else name
    if package_type is PackageType.RPM:
        names = {
            "rhel": "Red Hat",
            "rocky": "Rocky Linux",
            "almalinux": "AlmaLinux",
            "mariner": "Mariner",
            "azurelinux": "Azure Linux",
            "sles": "SUSE",
            "opensuse-leap": "openSUSE",
        }
        name = names.get(family, family)
        return f"{name}:{os_info.version.split('.')[0]}" if os_info.version else name
    return ""


def os_purl(package: Package, os_info: OSInfo | None) -> str:
    """The purl of an OS package: the distro is a qualifier, the rpm epoch too."""
    qualifiers: dict[str, str] = {}
    if package.arch:
        qualifiers["arch"] = package.arch
    version = package.version
    if package.type is PackageType.RPM and ":" in version:
        epoch, _, version = version.partition(":")
        qualifiers["epoch"] = epoch
    namespace = os_info.family if os_info else ""
    if os_info and os_info.version:
        qualifiers["distro"] = f"{os_info.family}-{os_info.version}"
    if package.type is PackageType.DEB and package.source_name != package.name:
        qualifiers["upstream"] = package.source_name
    purl = PackageURL(
        type=package.type.value,
        namespace=namespace or None,
        name=package.name,
        version=version,
        qualifiers=qualifiers or None,
    )
    return str(purl.to_string())


_OS_TYPES = frozenset({PackageType.DEB, PackageType.APK, PackageType.RPM})


def merge_layers(layers: Sequence[LayerResult], fallback_os: OSInfo | None = None) -> Inventory:
    """The final filesystem's inventory from per-layer results, in layer order."""
    diff_ids = [layer.diff_id for layer in layers]
    os_candidates: dict[str, OSInfo] = {}
    packages: list[Package] = []
    owned: set[str] = set()
    warnings: list[str] = [w for layer in layers for w in layer.warnings]
    damaged: list[str] = []

    for index, layer in enumerate(layers):
        for key, result in layer.results.items():
            if not _visible(layers, index, key[1]):
                continue
            warnings.extend(result.warnings)
            if result.damaged:
                damaged.append(result.damaged)
            if result.os is not None:
                os_candidates[key[1]] = result.os
            for _name, paths in result.owned_files:
                owned.update(paths)
            if result.packages:
                packages.extend(_attribute(_history(layers, key, index), diff_ids))

    os_info = choose_os(os_candidates) or os_from_packages(packages) or fallback_os
    return Inventory(
        os=os_info,
        packages=tuple(reconcile_go_sum(fold_declared(_finish(packages, os_info, owned)))),
        warnings=tuple(dict.fromkeys(warnings)),
        damaged=tuple(damaged),
    )


def _finish(packages: list[Package], os_info: OSInfo | None, owned: set[str]) -> list[Package]:
    """Give OS packages their ecosystem and purl; drop language packages an OS package owns.

    A Python or npm package installed by the distro's package manager is the distro's to
    patch: its advisories are the distro's, and reporting it twice would double-count.
    """
    out = []
    for package in packages:
        if package.type in _OS_TYPES:
            out.append(
                replace(
                    package,
                    ecosystem=package.ecosystem or os_ecosystem(os_info, package.type),
                    purl=package.purl or os_purl(package, os_info),
                )
            )
        elif package.found_in in owned:
            log.debug("%s: owned by an OS package, not reported twice", package.found_in)
        else:
            out.append(package)
    out.sort(key=lambda p: (p.type.value, p.name.lower(), p.version, p.found_in))
    return out


# Lock files and manifests: they declare what should be installed, but the installed copy
# (a dist-info folder, a node_modules package.json, a gemspec) is the better evidence.
DECLARATION_FILES = frozenset(
    {
        "requirements.txt",
        "Pipfile.lock",
        "poetry.lock",
        "uv.lock",
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "composer.lock",
        "Gemfile.lock",
        "gems.locked",
        "packages.lock.json",
        "go.mod",
        "go.sum",
        "Cargo.lock",
    }
)


def _is_declared(package: Package) -> bool:
    return posixpath.basename(package.found_in) in DECLARATION_FILES


def _fold_key(package: Package) -> tuple[str, str, object]:
    try:
        version: object = versions.key(package.ecosystem, package.version)
    except VersionError:
        version = package.version
    return (package.ecosystem, normalize_name(package.ecosystem, package.name), version)


def fold_declared(packages: list[Package]) -> list[Package]:
    """One package per installed copy: lock-file entries fold into what they describe.

    A package a lock file declares at the same version as an installed copy in the image is
    that copy, not a second package: reporting both would double every finding. The lock
    file still knows things the installed metadata does not (direct or transitive, dev), so
    those are kept, and where it was declared is noted as ``declared_in``. Two installed
    copies are never folded: each is a separate thing to upgrade. Declarations with nothing
    installed stay as they are (an image may ship a lock file without its packages).
    """
    installed: dict[tuple[str, str, object], int] = {}
    out: list[Package] = []
    for package in packages:
        if package.ecosystem and not _is_declared(package) and package.type not in _OS_TYPES:
            installed.setdefault(_fold_key(package), len(out))
        out.append(package)

    folded: set[int] = set()
    for index, package in enumerate(out):
        if not package.ecosystem or not _is_declared(package):
            continue
        target = installed.get(_fold_key(package))
        if target is None:
            continue
        base = out[target]
        known = base.relationship is not Relationship.UNKNOWN
        out[target] = replace(
            base,
            relationship=base.relationship if known else package.relationship,
            dev=base.dev or package.dev,
            extra=(*base.extra, ("declared_in", package.found_in)),
        )
        folded.add(index)
    return [p for i, p in enumerate(out) if i not in folded]


def merge_rootfs(results: Mapping[tuple[str, str], FileResult], diff_id: str) -> Inventory:
    """The inventory of a plain directory: one layer, nothing hidden."""
    layer = LayerResult(diff_id=diff_id, results=dict(results), paths=frozenset())
    return merge_layers([layer])
