"""Matching the shared images' packages against the shared advisory data.

Every pinned finding below was checked by reading the record in
shared/data/advisories/<Ecosystem>/all.zip: the comment gives the record's range for the
package's ecosystem and the installed version from the image's package list.
"""

from __future__ import annotations

import dataclasses

import pytest

from hullscan.inventory.interface import Package, PackageType
from hullscan.match.interface import Finding, Severity, Status
from hullscan.match.matcher import Matcher, lookup_key, match_packages
from hullscan.vulndb.store import VulnDB

# One pinned finding per line: package list, package name, installed version, finding id,
# record that matched, status, fixed versions ("-": none). Comments give the record's range.
PINNED_TABLE = """
# Debian:12 DEBIAN-CVE-* records with only `introduced 0`: open in bookworm, no fix yet.
# They name source packages (apt, glibc, coreutils, openssl, openldap, krb5, ...).
debian apt 2.6.1 CVE-2011-3374 DEBIAN-CVE-2011-3374 affected -
debian libc6 2.36-9+deb12u14 CVE-2019-9192 DEBIAN-CVE-2019-9192 affected -
debian libc-bin 2.36-9+deb12u14 CVE-2010-4756 DEBIAN-CVE-2010-4756 affected -
debian coreutils 9.1-1 CVE-2016-2781 DEBIAN-CVE-2016-2781 affected -
debian coreutils 9.1-1 CVE-2017-18018 DEBIAN-CVE-2017-18018 affected -
debian libssl3 3.0.20-1~deb12u2 CVE-2007-6755 DEBIAN-CVE-2007-6755 affected -
debian openssl 3.0.20-1~deb12u2 CVE-2010-0928 DEBIAN-CVE-2010-0928 affected -
debian libldap-2.5-0 2.5.13+dfsg-5 CVE-2023-2953 DEBIAN-CVE-2023-2953 affected -
debian libldap-2.5-0 2.5.13+dfsg-5 CVE-2015-3276 DEBIAN-CVE-2015-3276 affected -
debian libkrb5-3 1.20.1-2+deb12u5 CVE-2018-5709 DEBIAN-CVE-2018-5709 affected -
debian python3.11-minimal 3.11.2-6+deb12u8 CVE-2023-24329 DEBIAN-CVE-2023-24329 affected -
debian libpython3.11-minimal 3.11.2-6+deb12u8 CVE-2023-27043 DEBIAN-CVE-2023-27043 affected -
debian tar 1.34+dfsg-1.2+deb12u1 CVE-2005-2541 DEBIAN-CVE-2005-2541 affected -
debian login 1:4.13+dfsg1-1+deb12u2 CVE-2023-29383 DEBIAN-CVE-2023-29383 affected -
debian libsystemd0 252.39-1~deb12u2 CVE-2023-31439 DEBIAN-CVE-2023-31439 affected -
debian perl-base 5.36.0-7+deb12u3 CVE-2023-31484 DEBIAN-CVE-2023-31484 affected -
debian libgnutls30 3.7.9-2+deb12u7 CVE-2011-3389 DEBIAN-CVE-2011-3389 affected -
# Alpine:v3.18 openssl (origin of libssl3 and libcrypto3): introduced 0, fixed 3.1.7-r1
alpine-3.18 libssl3 3.1.7-r0 CVE-2024-9143 ALPINE-CVE-2024-9143 fixed 3.1.7-r1
alpine-3.18 libcrypto3 3.1.7-r0 CVE-2024-9143 ALPINE-CVE-2024-9143 fixed 3.1.7-r1
# PYSEC-2021-7: 2.2->2.2.21, 3.1->3.1.9, 3.2->3.2.1
pypi Django 3.2 CVE-2021-31542 PYSEC-2021-7 fixed 3.2.1
# PYSEC-2021-109: 3.1->3.1.13, 3.2->3.2.5
pypi Django 3.2 CVE-2021-35042 PYSEC-2021-109 fixed 3.2.5
# PYSEC-2022-190: 4.0->4.0.4, 3.2->3.2.13, 2.2->2.2.28 (events not in order in the record)
pypi Django 3.2 CVE-2022-28346 PYSEC-2022-190 fixed 3.2.13
# PYSEC-2022-213: 3.2->3.2.14, 4.0->4.0.6
pypi Django 3.2 CVE-2022-34265 PYSEC-2022-213 fixed 3.2.14
# PYSEC-2023-61: 3.2->3.2.19, 4.0->4.1.9, 4.2->4.2.1
pypi Django 3.2 CVE-2023-31047 PYSEC-2023-61 fixed 3.2.19
# PYSEC-2024-47: 3.2->3.2.25, 4.2->4.2.11, 5.0->5.0.3
pypi Django 3.2 CVE-2024-27351 PYSEC-2024-47 fixed 3.2.25
# PYSEC-2019-217: 0->2.10.1
pypi Jinja2 2.10 CVE-2019-10906 PYSEC-2019-217 fixed 2.10.1
# PYSEC-2024-60: 0.1->3.7
pypi idna 2.7 CVE-2024-3651 PYSEC-2024-60 fixed 3.7
# PYSEC-2022-42986: 2017.11.5->2022.12.7
pypi certifi 2018.4.16 CVE-2022-23491 PYSEC-2022-42986 fixed 2022.12.7
# PYSEC-2023-175 has no CVE alias, so its id names the finding: 0->10.0.1
pypi Pillow 9.3.0 PYSEC-2023-175 PYSEC-2023-175 fixed 10.0.1
# PYSEC-2023-227: 0->10.0.0
pypi Pillow 9.3.0 CVE-2023-44271 PYSEC-2023-227 fixed 10.0.0
# PYSEC-2020-96: 5.1->5.3.1 (PyYAML 5.3 is in layer 3; its later removal is the merge's job)
pypi PyYAML 5.3 CVE-2020-1747 PYSEC-2020-96 fixed 5.3.1
# PYSEC-2018-28: 0->2.20.0
pypi requests 2.19.1 CVE-2018-18074 PYSEC-2018-28 fixed 2.20.0
# PYSEC-2023-74: 2.3.0->2.31.0
pypi requests 2.19.1 CVE-2023-32681 PYSEC-2023-74 fixed 2.31.0
# PYSEC-2021-333: 0.4.0->0.4.2
pypi sqlparse 0.4.1 CVE-2021-32839 PYSEC-2021-333 fixed 0.4.2
# PYSEC-2023-192: two ranges, 2.0.0->2.0.6 and 0->1.26.17; 1.23 is in the second
pypi urllib3 1.23 CVE-2023-43804 PYSEC-2023-192 fixed 1.26.17
# PYSEC-2019-133: 0->1.24.2
pypi urllib3 1.23 CVE-2019-11324 PYSEC-2019-133 fixed 1.24.2
# GHSA-wf5p-g6vw-rhxx: 0.8.1->1.6.0
npm axios 0.21.0 CVE-2023-45857 GHSA-wf5p-g6vw-rhxx fixed 1.6.0
# NSWG-ECO-516: SEMVER 4.17.15->4.17.19, no CVE alias
npm lodash 4.17.15 NSWG-ECO-516 NSWG-ECO-516 fixed 4.17.19
# GHSA-xvch-5gv4-984h: two entries, 1.0.0->1.2.6 and 0->0.2.4 (minimist 1.2.0 of layer 4)
npm minimist 1.2.0 CVE-2021-44906 GHSA-xvch-5gv4-984h fixed 1.2.6
# GHSA-r683-j2x4-v87g: entries `1.0` (read as 1.0.0)->3.1.1 and 0->2.6.7, both hold 2.6.0
npm node-fetch 2.6.0 CVE-2022-0235 GHSA-r683-j2x4-v87g fixed 2.6.7,3.1.1
"""
PINNED = [
    tuple(line.split())
    for line in PINNED_TABLE.splitlines()
    if line.strip() and not line.startswith("#")
]


def _package(
    image_packages: dict[str, list[Package]], group: str, name: str, version: str
) -> Package:
    return next(p for p in image_packages[group] if p.name == name and p.version == version)


def _ids(findings: list[Finding]) -> set[str]:
    return {f.id for f in findings}


def test_pinned_count() -> None:
    assert len(PINNED) >= 30
    assert {row[0] for row in PINNED} >= {"debian", "alpine-3.18", "pypi", "npm"}


@pytest.mark.parametrize(("group", "name", "version", "vuln", "record", "status", "fixed"), PINNED)
def test_pinned_finding(
    matcher: Matcher,
    image_packages: dict[str, list[Package]],
    group: str,
    name: str,
    version: str,
    vuln: str,
    record: str,
    status: str,
    fixed: str,
) -> None:
    package = _package(image_packages, group, name, version)
    found = {f.id: f for f in matcher.match_package(package)}
    assert vuln in found, sorted(found)
    finding = found[vuln]
    assert record in finding.records
    assert finding.status == Status(status)
    assert finding.fixed_versions == (() if fixed == "-" else tuple(fixed.split(",")))
    assert finding.package is package
    assert finding.installed_version == version


def test_debian_open_issues_match_the_readme_count(
    matcher: Matcher, image_packages: dict[str, list[Package]]
) -> None:
    # shared/data/advisories/nvd/README.md counts 35 open Debian:12 CVEs for these packages,
    # computed independently with dpkg --compare-versions over the same records.
    findings = matcher.match(image_packages["debian"])
    assert len(_ids(findings)) == 35
    assert all(f.status is Status.AFFECTED and not f.fixed_versions for f in findings)
    assert all(f.records[0].startswith("DEBIAN-CVE-") for f in findings)


def test_pypi_findings_match_the_readme(
    matcher: Matcher, image_packages: dict[str, list[Package]]
) -> None:
    # The README's 42 PyPI CVEs are 40 from records plus two taken by hand from the
    # `related` field of PYSEC-2023-175, which names no alias (so it is its own finding).
    ids = _ids(matcher.match(image_packages["pypi"]))
    assert len(ids) == 41
    assert "PYSEC-2023-175" in ids
    assert sum(1 for i in ids if i.startswith("CVE-")) == 40


def test_one_finding_per_vulnerability_with_every_alias(
    matcher: Matcher, image_packages: dict[str, list[Package]]
) -> None:
    findings = matcher.match(image_packages["pypi"] + image_packages["npm"])
    keys = [(f.package.name, f.package.version, f.id) for f in findings]
    assert len(keys) == len(set(keys))
    minimist = next(f for f in findings if f.id == "CVE-2021-44906")
    # GHSA record, and the Debian OVAL record of the same CVE (another ecosystem) as alias
    assert {"GHSA-xvch-5gv4-984h", "DEBIAN-CVE-2021-44906"} <= set(minimist.aliases)
    assert minimist.id not in minimist.aliases


def test_severity_vendor_first_then_nvd(
    matcher: Matcher, image_packages: dict[str, list[Package]]
) -> None:
    findings = {(f.package.name, f.id): f for f in matcher.match(image_packages["npm"])}
    minimist = findings[("minimist", "CVE-2021-44906")]
    # GHSA's database_specific.severity wins; NVD's 9.8 is still listed
    assert minimist.severity is Severity.CRITICAL
    assert minimist.severity_source == "GHSA-xvch-5gv4-984h"
    assert any(c.source == "nvd@nist.gov" and c.score == 9.8 for c in minimist.cvss)
    lodash = findings[("lodash", "NSWG-ECO-516")]
    # NSWG record: CVSS 3.x vector in `severity`, scored here
    assert lodash.severity_source.startswith("NSWG-ECO-516 CVSS 3.")
    pypi = {f.id: f for f in matcher.match(image_packages["pypi"])}
    # PYSEC records carry no severity: NVD's Primary v3.1 metric decides
    assert pypi["CVE-2021-35042"].severity is Severity.CRITICAL
    assert pypi["CVE-2021-35042"].severity_source == "NVD (nvd@nist.gov) CVSS 3.1"
    # NVD itself has only a v2 score (5.0) for CVE-2021-32839; GitHub's (CNA) v3.1 7.5 ranks
    assert pypi["CVE-2021-32839"].severity is Severity.HIGH
    assert "security-advisories@github.com" in pypi["CVE-2021-32839"].severity_source
    assert pypi["CVE-2021-32052"].cwes == ("CWE-79",)


def test_finding_texts_and_link(
    matcher: Matcher, image_packages: dict[str, list[Package]]
) -> None:
    finding = next(f for f in matcher.match(image_packages["npm"]) if f.id == "CVE-2023-45857")
    assert finding.title == "Axios Cross-Site Request Forgery Vulnerability"
    assert finding.url == "https://osv.dev/vulnerability/CVE-2023-45857"
    assert finding.references
    assert finding.published.startswith("2023-11-08")


NON_FINDINGS = [
    # another release: DEBIAN-CVE-2013-0340 is open for Debian:11 expat, fixed for Debian:12
    ("debian", "libexpat1", "2.5.0-1+deb12u2", "CVE-2013-0340"),
    # DEBIAN-CVE-2022-3715 bash: open in Debian:11, fixed in 12
    ("debian", "bash", "5.2.15-2+b13", "CVE-2022-3715"),
    # version exactly at `fixed`: DEBIAN-CVE-2022-1271 gzip, Debian:12 fixed 1.12-1
    ("debian", "gzip", "1.12-1", "CVE-2022-1271"),
    # exactly at fixed: ALPINE-CVE-2023-0465, v3.14 openssl fixed 1.1.1t-r2
    ("alpine-3.14", "libssl1.1", "1.1.1t-r2", "CVE-2023-0465"),
    # exactly at fixed: ALPINE-CVE-2024-6119, v3.18 openssl fixed 3.1.7-r0
    ("alpine-3.18", "libcrypto3", "3.1.7-r0", "CVE-2024-6119"),
    # exactly at fixed: ALPINE-CVE-2023-42363, v3.18 busybox fixed 1.36.1-r7
    ("alpine-3.18", "busybox", "1.36.1-r7", "CVE-2023-42363"),
    # past fixed: ALPINE-CVE-2022-28391, v3.14 busybox fixed 1.33.1-r7, installed -r8
    ("alpine-3.14", "busybox", "1.33.1-r8", "CVE-2022-28391"),
    # minimist 1.2.8 (the final image's) is past both GHSA-xvch-5gv4-984h fixes
    ("npm", "minimist", "1.2.8", "CVE-2021-44906"),
    # below `introduced`: PYSEC-2021-59 is ECOSYSTEM 1.26.0->1.26.4 plus a GIT range from
    # introduced 0 (GIT ranges name commits and are ignored), so urllib3 1.23 is not affected
    ("pypi", "urllib3", "1.23", "CVE-2021-28363"),
    # PyYAML 5.3 is past PYSEC-2018-49's fix (5.1)
    ("pypi", "PyYAML", "5.3", "CVE-2017-18342"),
]


@pytest.mark.parametrize(("group", "name", "version", "vuln"), NON_FINDINGS)
def test_non_finding(
    matcher: Matcher,
    image_packages: dict[str, list[Package]],
    group: str,
    name: str,
    version: str,
    vuln: str,
) -> None:
    package = _package(image_packages, group, name, version)
    assert vuln not in _ids(matcher.match_package(package))


def test_withdrawn_record_is_not_matched(matcher: Matcher) -> None:
    # PYSEC-2023-73 (redis, introduced 0, no fix) was withdrawn on 2023-06-06
    redis = Package(PackageType.PYTHON, "redis", "4.5.0", "x", ecosystem="PyPI")
    findings = matcher.match_package(redis)
    assert "CVE-2023-31655" not in _ids(findings)
    assert all("PYSEC-2023-73" not in f.all_ids() for f in findings)


def test_binary_name_is_not_looked_up_when_the_source_differs(matcher: Matcher) -> None:
    # gzip's Debian:12 record names the source "gzip"; a binary "gzip" of source "other"
    # must not pick it up, while a package without a source falls back to its own name.
    with_other_source = Package(
        PackageType.DEB, "gzip", "1.10-4", "x", ecosystem="Debian:12", source_name="other"
    )
    assert "CVE-2022-1271" not in _ids(matcher.match_package(with_other_source))
    no_source = dataclasses.replace(with_other_source, source_name="")
    assert "CVE-2022-1271" in _ids(matcher.match_package(no_source))


def test_source_version_is_compared_not_binary_version(matcher: Matcher) -> None:
    # libbrotli1 1.0.9-2+b6 is a binNMU of source brotli 1.0.9-2: the source version counts
    binary = Package(
        PackageType.DEB,
        "libbrotli1",
        "1.0.9-2+b6",
        "x",
        ecosystem="Debian:12",
        source_name="brotli",
        source_version="1.0.9-2",
    )
    assert lookup_key(binary) == ("Debian:12", "brotli", "1.0.9-2")


def test_merged_records_keep_fixed_versions_from_each(matcher: Matcher) -> None:
    # CVE-2020-1927 in Debian:10 apache2: DEBIAN-CVE-2020-1927 and DSA-4757-1 fix it in
    # 2.4.38-3+deb10u4, DLA-3351-1 names 2.4.38-3+deb10u9.
    apache = Package(
        PackageType.DEB, "apache2", "2.4.38-3", "x", ecosystem="Debian:10", source_name="apache2"
    )
    finding = next(f for f in matcher.match_package(apache) if f.id == "CVE-2020-1927")
    assert finding.records == ("DEBIAN-CVE-2020-1927", "DLA-3351-1", "DSA-4757-1")
    assert finding.fixed_versions == ("2.4.38-3+deb10u4", "2.4.38-3+deb10u9")
    assert finding.status is Status.FIXED
    # DSA-4630-1 and DEBIAN-CVE-2020-5390 disagree on the fix: both are kept, lowest first
    saml = Package(
        PackageType.DEB,
        "python3-saml2",
        "4.5.0-4",
        "x",
        ecosystem="Debian:10",
        source_name="python-pysaml2",
    )
    finding = next(f for f in matcher.match_package(saml) if f.id == "CVE-2020-5390")
    assert finding.fixed_versions == ("4.5.0-4+deb10u1", "5.4.1-2+deb10u1")


def test_multi_cve_advisory_gives_one_finding_per_cve(matcher: Matcher) -> None:
    # DSA-5448-1 (linux, Debian:12, fixed 6.1.37-1) lists 12 CVEs: each is its own finding,
    # merged with that CVE's DEBIAN-CVE record.
    linux = Package(
        PackageType.DEB, "linux-image", "6.1.27-1", "x", ecosystem="Debian:12", source_name="linux"
    )
    findings = [f for f in matcher.match_package(linux) if "DSA-5448-1" in f.records]
    assert len(findings) == 12
    cve_2124 = next(f for f in findings if f.id == "CVE-2023-2124")
    assert cve_2124.records == ("DEBIAN-CVE-2023-2124", "DSA-5448-1")
    assert cve_2124.fixed_versions == ("6.1.37-1",)


def test_kev_and_other_ecosystems(matcher: Matcher) -> None:
    log4j = Package(
        PackageType.JAVA,
        "org.apache.logging.log4j:log4j-core",
        "2.14.1",
        "x",
        ecosystem="Maven",
    )
    (finding,) = matcher.match_package(log4j)
    assert finding.id == "CVE-2021-44228"
    assert finding.kev and finding.kev_date_added == "2021-12-10"
    assert finding.severity is Severity.CRITICAL
    stdlib = Package(PackageType.GOLANG, "stdlib", "go1.19.8", "x", ecosystem="Go")
    go_ids = _ids(matcher.match_package(stdlib))
    assert "CVE-2023-24539" in go_ids  # GO-2023-1751: introduced 0, fixed 1.19.9


def test_pep503_names_and_unknown_ecosystems(matcher: Matcher) -> None:
    django = Package(PackageType.PYTHON, "DJANGO", "3.2", "x", ecosystem="PyPI")
    assert "CVE-2021-31542" in _ids(matcher.match_package(django))
    assert matcher.match_package(dataclasses.replace(django, ecosystem="")) == []
    assert matcher.match_package(dataclasses.replace(django, ecosystem="Hackage")) == []


def test_unparsable_installed_version_matches_nothing_by_range(matcher: Matcher) -> None:
    django = Package(PackageType.PYTHON, "Django", "not a version", "x", ecosystem="PyPI")
    assert matcher.match_package(django) == []


def test_cached_findings_are_rebound_to_each_package(
    matcher: Matcher, image_packages: dict[str, list[Package]]
) -> None:
    # libssl3 and openssl share source openssl 3.0.20-1~deb12u2: one evaluation, two packages
    debian = image_packages["debian"]
    libssl = next(p for p in debian if p.name == "libssl3")
    openssl = next(p for p in debian if p.name == "openssl")
    first, second = matcher.match_package(libssl), matcher.match_package(openssl)
    assert [f.id for f in first] == [f.id for f in second]
    assert all(f.package is openssl for f in second)


def test_match_packages_opens_a_path(
    vulndb_path: object, image_packages: dict[str, list[Package]]
) -> None:
    findings = match_packages(image_packages["npm"], str(vulndb_path))
    assert {f.id for f in findings} == {
        "CVE-2021-44906",
        "CVE-2022-0235",
        "CVE-2023-45857",
        "NSWG-ECO-516",
    }


def test_open_database_is_reusable(vulndb: VulnDB) -> None:
    assert vulndb.info().schema_version == 1
