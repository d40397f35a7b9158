"""Which advisory records describe the same vulnerability.

OSV ``aliases`` say two ids are the same vulnerability (GHSA-x = CVE-y = PYSEC-z), so they
are merged with union-find across every ecosystem. ``upstream`` says what a record derives
from: a distro record with one upstream id (``DEBIAN-CVE-2023-1``, ``ALPINE-CVE-2023-1``, a
one-CVE DSA) is that vulnerability, while a DSA/DLA fixing ten CVEs stands for each of them
and so belongs to ten vulnerabilities. Each merged group is named by its best id: a CVE
(the oldest, if a group has several), else a GHSA, else the smallest id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CVE = re.compile(r"CVE-(\d{4})-(\d+)")


def _rank(vuln_id: str) -> tuple[int, int, int, str]:
    cve = _CVE.fullmatch(vuln_id)
    if cve:
        return (0, int(cve.group(1)), int(cve.group(2)), vuln_id)
    return (1 if vuln_id.startswith("GHSA-") else 2, 0, 0, vuln_id)


class AliasGroups:
    """Union-find over advisory ids; `finish` then names each group."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._primary: dict[str, str] = {}
        self._members: dict[str, tuple[str, ...]] = {}

    def _find(self, node: str) -> str:
        parent = self._parent
        root = parent.setdefault(node, node)
        while root != parent[root]:
            root = parent[root]
        while node != root:  # path compression
            parent[node], node = root, parent[node]
        return root

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[rb] = ra

    def add(self, record_id: str, aliases: Iterable[str], upstream: tuple[str, ...]) -> None:
        """Record what one advisory says about its identity."""
        self._find(record_id)
        for alias in aliases:
            self._union(record_id, alias)
        for up in upstream:
            self._find(up)
        if len(upstream) == 1:
            self._union(record_id, upstream[0])

    def finish(self) -> None:
        """Name every group; call once after the last `add`."""
        groups: dict[str, list[str]] = {}
        for node in self._parent:
            groups.setdefault(self._find(node), []).append(node)
        for root, members in groups.items():
            members.sort(key=_rank)
            self._primary[root] = members[0]
            self._members[members[0]] = tuple(members[1:])

    def vulnerabilities(self, record_id: str, upstream: tuple[str, ...]) -> tuple[str, ...]:
        """The primary ids of the vulnerabilities one record stands for."""
        if len(upstream) > 1:
            return tuple(dict.fromkeys(self._primary[self._find(u)] for u in upstream))
        return (self._primary[self._find(record_id)],)

    def aliases(self, primary: str) -> tuple[str, ...]:
        """Every other id of the vulnerability named ``primary``."""
        return self._members.get(primary, ())

    def primaries(self) -> Iterable[str]:
        return self._members.keys()
