"""Packages in, findings out: look each package up in the vulnerability database.

OS packages are looked up by their distro ecosystem with release (``Debian:12``) and their
SOURCE package name and version, which is what distro advisories name (the binary name only
when the package has no source); language packages by ecosystem and normalised name.

Everything is cached on the `Matcher`, so a long-lived matcher gets faster as it goes:
the package names each ecosystem has advisories for (most packages have none and never reach
SQLite), the compiled advisories of each (ecosystem, name), and the findings of each
(ecosystem, name, version), which many binary packages of one source share.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hullscan.errors import VersionError
from hullscan.inventory.interface import Package
from hullscan.match import severity
from hullscan.match.interface import CVSS, Finding, Status
from hullscan.match.ranges import Advisory, Entry, KeyFn, SimpleIndex, simple_fix
from hullscan.versions import key_function
from hullscan.vulndb.model import SPEC_DECODER, RecordDoc
from hullscan.vulndb.names import OS_ECOSYSTEMS, base_ecosystem, normalizer
from hullscan.vulndb.store import CveInfo, VulnDB

_CVE = re.compile(r"CVE-\d{4}-\d+")
_TITLE_MAX = 120
LookupKey = tuple[str, str, str]


class _Advisories:
    """The compiled advisories of one (ecosystem, package name)."""

    __slots__ = ("key_fn", "others", "simple")

    def __init__(self, key_fn: KeyFn, simple: SimpleIndex, others: list[Entry]) -> None:
        self.key_fn = key_fn
        self.simple = simple
        self.others = others


_Hit = tuple[Advisory, str]  # a matched row and the fix it names ("" if none)


def lookup_key(package: Package) -> LookupKey | None:
    """(ecosystem, normalised name, version) a package is matched by, or None if unmatchable."""
    ecosystem = package.ecosystem
    normalize = normalizer(ecosystem) if ecosystem else None
    if normalize is None:
        return None
    if base_ecosystem(ecosystem) in OS_ECOSYSTEMS and package.source_name:
        return ecosystem, normalize(package.source_name), package.source_version or package.version
    return ecosystem, normalize(package.name), package.version


class Matcher:
    """Matches packages against one open database, caching as it goes (see module doc)."""

    def __init__(self, db: VulnDB) -> None:
        self.db = db
        self._names: dict[str, frozenset[str]] = {}
        self._advisories: dict[tuple[str, str], _Advisories] = {}
        self._findings: dict[LookupKey, tuple[Finding, ...]] = {}
        self._records: dict[str, RecordDoc | None] = {}
        self._cves: dict[str, CveInfo | None] = {}
        self._aliases: dict[str, tuple[str, ...]] = {}

    def match(self, packages: Iterable[Package]) -> list[Finding]:
        """Every finding for every package, in package order."""
        out: list[Finding] = []
        for package in packages:
            out.extend(self.match_package(package))
        return out

    def match_package(self, package: Package) -> list[Finding]:
        """The findings of one package, sorted by vulnerability id."""
        key = lookup_key(package)
        if key is None:
            return []
        cached = self._findings.get(key)
        if cached is None:
            cached = self._findings[key] = self._build_findings(key, package)
        if not cached or cached[0].package is package:
            return list(cached)
        return [dataclasses.replace(f, package=package) for f in cached]

    def _build_findings(self, key: LookupKey, package: Package) -> tuple[Finding, ...]:
        ecosystem, name, version = key
        names = self._names.get(ecosystem)
        if names is None:
            names = self._names[ecosystem] = self.db.names(ecosystem)
        if name not in names:
            return ()
        advisories = self._advisories.get((ecosystem, name))
        if advisories is None:
            advisories = self._advisories[(ecosystem, name)] = self._compile(ecosystem, name)
        hits = _hits(advisories, version)
        if not hits:
            return ()
        by_vuln: dict[str, list[_Hit]] = {}
        for hit in hits:
            for vuln in hit[0].vulns:
                by_vuln.setdefault(vuln, []).append(hit)
        self._prefetch(by_vuln)
        findings = [
            self._finding(vuln, vhits, package, advisories.key_fn)
            for vuln, vhits in sorted(by_vuln.items())
        ]
        return tuple(findings)

    def _compile(self, ecosystem: str, name: str) -> _Advisories:
        key_fn = key_function(ecosystem)
        simple: list[tuple[Any, str, Advisory]] = []
        others: list[Entry] = []
        for record, vulns, raw in self.db.lookup(ecosystem, name):
            spec = SPEC_DECODER.decode(raw)
            advisory = Advisory(record, tuple(vulns.split()), spec)
            fixed = simple_fix(spec)
            if fixed is None:
                others.append(Entry(advisory, spec, key_fn))
                continue
            try:
                simple.append((key_fn(fixed), fixed, advisory))
            except VersionError:
                continue  # checked by the builder; a newer parser may disagree
        return _Advisories(key_fn, SimpleIndex(simple), others)

    def _prefetch(self, by_vuln: dict[str, list[_Hit]]) -> None:
        """Load the records, aliases and CVE data these findings need, a query per table."""
        records = {a.record for hits in by_vuln.values() for a, _ in hits}
        records = {r for r in records if r not in self._records}
        if records:
            found = self.db.records(records)
            self._records.update({rid: found.get(rid) for rid in records})
        vulns = [v for v in by_vuln if v not in self._aliases]
        if vulns:
            found_aliases = self.db.aliases_of(vulns)
            self._aliases.update({v: found_aliases.get(v, ()) for v in vulns})
        cves = {c for v in by_vuln for c in (v, *self._aliases[v]) if _CVE.fullmatch(c)}
        cves = {c for c in cves if c not in self._cves}
        if cves:
            found_cves = self.db.cves(cves)
            self._cves.update({c: found_cves.get(c) for c in cves})

    def _finding(self, vuln: str, hits: list[_Hit], package: Package, key_fn: KeyFn) -> Finding:
        advisories = [advisory for advisory, _ in hits]
        record_ids = sorted({a.record for a in advisories})
        docs = [(rid, doc) for rid in record_ids if (doc := self._records[rid]) is not None]
        own = {a.record for a in advisories if len(a.vulns) == 1}
        # Texts of a record about this vulnerability alone beat a DSA's text about ten.
        docs.sort(key=lambda d: d[0] not in own)
        aliases = self._aliases[vuln]
        cve = next(
            (info for c in (vuln, *aliases) if _CVE.fullmatch(c) and (info := self._cves[c])),
            None,
        )
        nvd = cve.doc if cve else None
        labels = [(a.record, a.severity) for a in advisories]
        labels += [(rid, doc.severity) for rid, doc in docs if doc.severity]
        vendor_cvss: list[CVSS] = []
        for advisory in advisories:
            vendor_cvss += severity.record_cvss(advisory.record, advisory.cvss)
        for rid, doc in docs:
            vendor_cvss += severity.record_cvss(rid, doc.cvss)
        nvd_cvss = severity.nvd_cvss(nvd.cvss) if nvd else []
        level, source = severity.choose(labels, vendor_cvss, nvd_cvss)
        description = next((d.details for rid, d in docs if rid in own and d.details), "")
        description = description or (nvd.description if nvd else "")
        description = description or next((d.details for _, d in docs if d.details), "")
        # A DSA's summary ("openssl - security update") only names the package: a line of
        # the vulnerability's own description says more.
        title = next((d.summary for rid, d in docs if rid in own and d.summary), "")
        title = title or _first_line(description)
        title = title or next((d.summary for _, d in docs if d.summary), "")
        return Finding(
            id=vuln,
            package=package,
            status=_status(hits),
            severity=level,
            aliases=tuple(sorted({*aliases, *record_ids} - {vuln})),
            records=tuple(record_ids),
            fixed_versions=_fixed_versions(hits, key_fn),
            severity_source=source,
            cvss=tuple(dict.fromkeys([*vendor_cvss, *nvd_cvss])),
            kev=bool(cve and cve.kev_date),
            kev_date_added=cve.kev_date if cve else "",
            epss=cve.epss if cve else None,
            epss_percentile=cve.epss_percentile if cve else None,
            title=title,
            description=description,
            published=next((d.published for _, d in docs if d.published), "")
            or (nvd.published if nvd else ""),
            modified=next((d.modified for _, d in docs if d.modified), "")
            or (nvd.modified if nvd else ""),
            cwes=tuple(
                sorted({c for _, d in docs for c in d.cwes} | set(nvd.cwes if nvd else ()))
            ),
            url=next((d.url for _, d in docs if d.url), "")
            or f"https://osv.dev/vulnerability/{vuln}",
            references=tuple(
                dict.fromkeys(
                    [*(r for _, d in docs for r in d.references), *(nvd.references if nvd else ())]
                )
            ),
        )


def _hits(advisories: _Advisories, version: str) -> list[_Hit]:
    try:
        key = advisories.key_fn(version)
    except VersionError:
        key = None  # only exact `versions` entries and npm ranges can still match
    hits: list[_Hit] = advisories.simple.affected(key) if key is not None else []
    for entry in advisories.others:
        affected, fixed = entry.check(version, key, advisories.key_fn)
        if affected:
            hits.append((entry.advisory, fixed))
    return hits


def _fixed_versions(hits: list[_Hit], key_fn: KeyFn) -> tuple[str, ...]:
    """Every fix the matched records name, lowest first."""
    texts = {fixed for _, fixed in hits if fixed}
    try:
        return tuple(sorted(texts, key=key_fn))
    except VersionError:
        return tuple(sorted(texts))


def _status(hits: list[_Hit]) -> Status:
    if any(fixed for _, fixed in hits):
        return Status.FIXED
    for advisory, _ in hits:
        if advisory.status:
            return Status(advisory.status)
    return Status.AFFECTED


def _first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= _TITLE_MAX else line[: _TITLE_MAX - 1].rstrip() + "…"


def match_packages(packages: Iterable[Package], db: VulnDB | Path | str) -> list[Finding]:
    """Every finding for ``packages``; ``db`` is an open database or the path of one."""
    if isinstance(db, VulnDB):
        return Matcher(db).match(packages)
    with VulnDB(db) as opened:
        return Matcher(opened).match(packages)
