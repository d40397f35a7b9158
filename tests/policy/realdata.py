"""Scan results built by hand from real data: the shared test images and advisories.

The matcher is another stage; these tests need its output, so the findings are assembled here
from the same sources it reads: packages from the image fact files, advisory ids and fixed
versions from the OSV zips, CVSS vectors and scores from the NVD sample.
"""

from __future__ import annotations

import csv
import gzip
import json
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from hullscan.image.interface import ImageMeta, LayerRef, Platform
from hullscan.inventory.interface import OSInfo, Package, PackageType
from hullscan.match.interface import CVSS, DatabaseInfo, Finding, ScanResult, Severity, Status

SCANNED_AT = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
IMAGE_CREATED = "2026-12-03T19:20:32Z"
APP = "debian-python-app"
MINBASE = "debian-bookworm-minbase"
DEBIAN = OSInfo(
    "debian", "12", "bookworm", "Debian GNU/Linux", (), "Debian GNU/Linux 12 (bookworm)"
)


def _rows(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def image_meta(images: Path, name: str) -> ImageMeta:
    path = images / f"{name}.layers.tsv"
    digests = dict(
        line[2:].split("\t", 1) for line in path.read_text().splitlines() if line.startswith("# ")
    )
    layers = tuple(
        LayerRef(
            index=int(row["layer"]) - 1,
            digest=row["digest_gzip"],
            diff_id=row["diff_id_uncompressed"],
            media_type="application/vnd.oci.image.layer.v1.tar+gzip",
            size=int(row["size_gzip"]),
            created_by=row["created_by"],
        )
        for row in _rows(path)
    )
    return ImageMeta(
        source=str(images / "debian-images.oci.tar"),
        name=f"docker.io/hullscan/{name}:latest",
        manifest_digest=digests["manifest"].strip(),
        config_digest=digests["config"].strip(),
        platform=Platform("linux", "amd64"),
        layers=layers,
        config={"created": IMAGE_CREATED, "architecture": "amd64", "os": "linux"},
    )


def packages(images: Path, name: str) -> dict[str, Package]:
    """Every package in the final image, keyed by name (the dpkg, PyPI and npm fact files)."""
    image = image_meta(images, name)
    diff_ids = {layer.index + 1: layer.diff_id for layer in image.layers}
    out: dict[str, Package] = {}
    for row in _rows(images / f"{name}.dpkg.tsv"):
        out[row["package"]] = Package(
            type=PackageType.DEB,
            name=row["package"],
            version=row["version"],
            found_in="var/lib/dpkg/status",
            ecosystem="Debian:12",
            arch=row["arch"],
            source_name=row["source"],
            source_version=row["source_version"],
            purl=f"pkg:deb/debian/{row['package']}@{row['version']}?arch={row['arch']}"
            "&distro=debian-12",
            layer=diff_ids[int(row["layer"])],
        )
    if name != APP:
        return out
    for row in _rows(images / f"{name}.pypi.tsv"):
        if row["in_final_image"] != "yes":
            continue
        out[row["name"]] = Package(
            type=PackageType.PYTHON,
            name=row["name"],
            version=row["version"],
            found_in=row["dist_info"].lstrip("/") + "/METADATA",
            ecosystem="PyPI",
            purl=f"pkg:pypi/{row['name'].lower()}@{row['version']}",
            layer=diff_ids[int(row["added_in_layer"])],
        )
    for row in _rows(images / f"{name}.npm.tsv"):
        if row["in_final_image"] != "yes":
            continue
        out[row["name"]] = Package(
            type=PackageType.NPM,
            name=row["name"],
            version=row["version"],
            found_in=row["path"].lstrip("/") + "/package.json",
            ecosystem="npm",
            purl=f"pkg:npm/{row['name']}@{row['version']}",
            layer=diff_ids[int(row["added_in_layer"])],
        )
    return out


@cache
def _nvd(advisories: Path) -> dict[str, dict[str, Any]]:
    with gzip.open(advisories / "nvd" / "nvdcve-2.0-sample.json.gz") as fh:
        feed = json.load(fh)
    return {item["cve"]["id"]: item["cve"] for item in feed["vulnerabilities"]}


def osv_record(advisories: Path, ecosystem: str, record_id: str) -> dict[str, Any]:
    with zipfile.ZipFile(advisories / ecosystem / "all.zip") as archive:
        data: dict[str, Any] = json.loads(archive.read(f"{record_id}.json"))
    return data


def _cvss(record: dict[str, Any]) -> tuple[CVSS, ...]:
    out = []
    for key in ("cvssMetricV31", "cvssMetricV30", "cvssMetricV2"):
        for metric in record.get("metrics", {}).get(key, []):
            data = metric["cvssData"]
            out.append(
                CVSS(data["version"], data["vectorString"], data["baseScore"], metric["source"])
            )
    return tuple(out)


def _nvd_severity(record: dict[str, Any]) -> Severity:
    for key in ("cvssMetricV31", "cvssMetricV30"):
        for metric in record.get("metrics", {}).get(key, []):
            if metric["type"] == "Primary":
                return Severity.parse(metric["cvssData"]["baseSeverity"])
    return Severity.UNKNOWN


def finding(
    advisories: Path,
    package: Package,
    ecosystem: str,
    record_id: str,
    fixed: str = "",
    *,
    vendor_severity: bool = True,
    cve: str = "",
    extra_aliases: tuple[str, ...] = (),
) -> Finding:
    """A finding as the matcher would make it from one OSV record (and NVD for the CVE).

    ``cve`` links a record that has no CVE alias to its CVE (the advisories README records
    why NSWG-ECO-516 is CVE-2020-8203).
    """
    record = osv_record(advisories, ecosystem, record_id)
    aliases = [*record.get("aliases", []), *record.get("upstream", []), *extra_aliases]
    cve = cve or next((a for a in aliases if a.startswith("CVE-")), record_id)
    aliases.append(record_id)
    events = [
        e["fixed"]
        for a in record["affected"]
        for r in a.get("ranges", [])
        for e in r["events"]
        if "fixed" in e
    ]
    assert not fixed or fixed in events, (record_id, fixed, events)
    nvd = _nvd(advisories).get(cve, {})
    severity = _nvd_severity(nvd) if vendor_severity else Severity.UNKNOWN
    description = next((d["value"] for d in nvd.get("descriptions", []) if d["lang"] == "en"), "")
    return Finding(
        id=cve,
        package=package,
        status=Status.FIXED if fixed else Status.AFFECTED,
        severity=severity,
        aliases=tuple(dict.fromkeys(a for a in aliases if a != cve)),
        records=(record_id,),
        fixed_versions=(fixed,) if fixed else (),
        severity_source="nvd" if severity is not Severity.UNKNOWN else "",
        cvss=_cvss(nvd),
        title=record.get("summary", "") or description[:80],
        description=description or record.get("details", ""),
        published=nvd.get("published", ""),
        modified=nvd.get("lastModified", ""),
        cwes=tuple(
            d["value"]
            for w in nvd.get("weaknesses", [])
            for d in w["description"]
            if d["value"].startswith("CWE-")
        ),
        url=f"https://nvd.nist.gov/vuln/detail/{cve}",
        references=tuple(r["url"] for r in record.get("references", [])[:3]),
    )


def python_app(shared: Path, scanned_at: datetime = SCANNED_AT) -> ScanResult:
    """debian-python-app with real findings in Django, urllib3, lodash and openssl."""
    images, advisories = shared / "data" / "images", shared / "data" / "advisories"
    pkgs = packages(images, APP)
    findings = (
        finding(
            advisories, pkgs["Django"], "PyPI", "PYSEC-2021-98", "3.2.4", vendor_severity=False
        ),
        finding(advisories, pkgs["Django"], "PyPI", "PYSEC-2021-109", "3.2.5"),
        finding(advisories, pkgs["urllib3"], "PyPI", "PYSEC-2021-108", "1.26.5"),
        finding(
            advisories,
            pkgs["lodash"],
            "npm",
            "NSWG-ECO-516",
            "4.17.19",
            cve="CVE-2020-8203",
            extra_aliases=("GHSA-p6mc-m468-83gw",),
        ),
        replace(
            finding(advisories, pkgs["libssl3"], "Debian", "DEBIAN-CVE-2010-0928"),
            severity=Severity.LOW,
            severity_source="debian",
        ),
        replace(
            finding(advisories, pkgs["openssl"], "Debian", "DEBIAN-CVE-2010-0928"),
            severity=Severity.LOW,
            severity_source="debian",
        ),
    )
    return ScanResult(
        target=f"docker.io/hullscan/{APP}:latest",
        packages=tuple(pkgs.values()),
        findings=findings,
        image=image_meta(images, APP),
        os=DEBIAN,
        database=DatabaseInfo("hullscan.db", 1, "2026-12-03T00:00:00Z", (("PyPI", "osv"),)),
        scanned_at=scanned_at,
    )


def minbase(shared: Path, scanned_at: datetime = SCANNED_AT) -> ScanResult:
    """debian-bookworm-minbase with its open openssl issue only."""
    images, advisories = shared / "data" / "images", shared / "data" / "advisories"
    pkgs = packages(images, MINBASE)
    libssl = replace(
        finding(advisories, pkgs["libssl3"], "Debian", "DEBIAN-CVE-2007-6755"),
        severity=Severity.LOW,
        severity_source="debian",
    )
    return ScanResult(
        target=f"docker.io/hullscan/{MINBASE}:latest",
        packages=tuple(pkgs.values()),
        findings=(libssl,),
        image=image_meta(images, MINBASE),
        os=DEBIAN,
        scanned_at=scanned_at,
    )
