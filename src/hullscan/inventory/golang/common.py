"""What the Go analyzers share: the package and purl shape, and Go's string unquoting."""

from __future__ import annotations

import codecs

from packageurl import PackageURL

from hullscan.inventory.interface import Ecosystem, Package, PackageType, Relationship


def go_purl(module: str, version: str) -> str:
    """``pkg:golang/<namespace>/<name>@<version>``, namespace and name lowercased.

    The purl spec's golang type says namespace and name must be lowercased (packageurl-go and
    Trivy do so); the version keeps its ``v`` as Go writes it.
    """
    namespace, _, name = module.lower().strip("/").rpartition("/")
    if not name:  # not a module path go would accept: no purl rather than a broken one
        return ""
    purl = PackageURL(
        type="golang", namespace=namespace or None, name=name, version=version or None
    )
    return str(purl.to_string())


def go_package(
    name: str,
    version: str,
    found_in: str,
    relationship: Relationship = Relationship.UNKNOWN,
    extra: tuple[tuple[str, str], ...] = (),
    purl_version: str | None = None,
) -> Package:
    """One Go module (or ``stdlib``) as a `Package`; ``purl_version`` overrides the purl's."""
    return Package(
        type=PackageType.GOLANG,
        name=name,
        version=version,
        found_in=found_in,
        ecosystem=Ecosystem.GO,
        purl=go_purl(name, version if purl_version is None else purl_version),
        relationship=relationship,
        extra=extra,
    )


def go_unquote(text: str) -> str:
    """The value of a Go string literal (``"..."`` with escapes, or raw ```...```).

    Raises ValueError for a literal that is not well formed. Escapes are decoded with Python's
    ``unicode_escape``, which agrees with Go for the escapes Go's ``strconv.Quote`` writes.
    """
    if len(text) < 2 or text[0] != text[-1] or text[0] not in '"`':
        raise ValueError(f"not a Go string literal: {text!r}")
    inner = text[1:-1]
    if text[0] == "`":
        if "`" in inner:
            raise ValueError(f"not a Go string literal: {text!r}")
        return inner
    if "\\" not in inner:
        if '"' in inner:
            raise ValueError(f"not a Go string literal: {text!r}")
        return inner
    try:
        # latin-1 + backslashreplace keeps every character as itself through unicode_escape.
        return codecs.decode(inner.encode("latin-1", "backslashreplace"), "unicode_escape")
    except UnicodeDecodeError as err:
        raise ValueError(f"bad escape in Go string literal {text!r}") from err
