"""Every finding on the real images traces to a real advisory record in the shared data.

The check is independent of the database: each finding's record ids are looked up in the OSV
zips themselves, the record must name the package (the source package for distros) in the
package's ecosystem and release, and the installed version must fall in one of its ranges as
OSV defines them, evaluated here with nothing but `hullscan.versions`.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from hullscan import versions
from hullscan.cli import main
from hullscan.vulndb.names import normalize_name
from tests.conftest import shared_dir

# alpine-3.14.10 is the last 3.14 release: every v3.14 secdb fix is at or below what it ships,
# so no finding is the right answer (checked against the zip in test_alpine_3_14_is_clean).
IMAGES = [
    ("debian-python-app.docker.tar.gz", None),
    ("alpine-images.oci.tar", "alpine-3.18.9"),
    ("go-hello.oci.tar", None),
]


@cache
def _zip(ecosystem: str) -> zipfile.ZipFile:
    return zipfile.ZipFile(shared_dir() / "data" / "advisories" / ecosystem / "all.zip")


def _record(ecosystem: str, record_id: str) -> dict[str, Any] | None:
    archive = _zip(ecosystem)
    try:
        return dict(json.loads(archive.read(f"{record_id}.json")))
    except KeyError:
        return None


def _padded(ecosystem: str, text: str) -> str:
    """GHSA writes truncated SemVer bounds (``1.0``); OSV tools read them as ``1.0.0``."""
    if ecosystem in ("npm", "crates.io") and re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        return ".".join((*text.split("."), "0", "0")[:3])
    return text


def _events_affect(ecosystem: str, events: list[dict[str, str]], version: str) -> bool:
    """OSV range evaluation: walk the sorted events, tracking whether we are inside."""

    def cmp(a: str, b: str) -> int:
        if a == "0":
            return -1
        return versions.compare(ecosystem, _padded(ecosystem, a), b)

    affected = False
    for event in events:
        if "introduced" in event and cmp(event["introduced"], version) <= 0:
            affected = True
        elif _closes(event, version, cmp):
            affected = False
    return affected


def _closes(event: dict[str, str], version: str, cmp: Callable[[str, str], int]) -> bool:
    """Whether an end event (fixed, last_affected, limit) lies at or below `version`."""
    if "fixed" in event:
        return cmp(event["fixed"], version) <= 0
    if "last_affected" in event:
        return cmp(event["last_affected"], version) < 0
    return "limit" in event and cmp(event["limit"], version) <= 0


def _sorted_events(ecosystem: str, events: list[dict[str, str]]) -> list[dict[str, str]]:
    def value(event: dict[str, str]) -> str:
        return next(iter(event.values()))

    zeros = [e for e in events if value(e) == "0"]
    rest = [e for e in events if value(e) != "0"]
    rest.sort(key=lambda e: versions.key(ecosystem, _padded(ecosystem, value(e))))
    return zeros + rest


def _affects(entry: dict[str, Any], ecosystem: str, version: str) -> bool:
    if version in entry.get("versions", []):
        return True
    for rng in entry.get("ranges", []):
        if rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue
        if _events_affect(ecosystem, _sorted_events(ecosystem, rng["events"]), version):
            return True
    raw = (entry.get("database_specific") or {}).get("vulnerable_versions")
    return bool(raw) and not entry.get("ranges") and versions.satisfies("npm", raw, version)


@cache
def _scan(archive: str, image: str | None, db: str) -> list[dict[str, Any]]:
    out = Path(db).parent / f"{archive}-{image}.json"
    args = ["image", str(shared_dir() / "data" / "images" / archive), "--db", db]
    args += ["--offline", "--no-cache", "-q", "-f", "json", "-o", str(out)]
    if image:
        args += ["--image", image]
    assert main(args) == 0
    report = json.loads(out.read_text())
    return list(report["results"][0]["findings"])


@pytest.mark.parametrize(("archive", "image"), IMAGES)
def test_every_finding_traces_to_a_record(
    archive: str, image: str | None, vulndb_path: Path
) -> None:
    findings = _scan(archive, image, str(vulndb_path))
    assert findings, "the shared images all have known vulnerabilities"
    untraced = []
    for finding in findings:
        package = finding["package"]
        ecosystem = package["ecosystem"]
        base = ecosystem.split(":")[0]
        name = package["source_name"] or package["name"]
        version = package["source_version"] or package["version"]
        traced = False
        for record_id in finding["records"]:
            record = _record(base, record_id)
            if record is None or record.get("withdrawn"):
                continue
            for entry in record.get("affected", []):
                pkg = entry.get("package", {})
                if pkg.get("ecosystem") != ecosystem:
                    continue
                if normalize_name(base, pkg.get("name", "")) != normalize_name(base, name):
                    continue
                if _affects(entry, ecosystem, version):
                    traced = True
        if not traced:
            untraced.append((finding["id"], name, version, finding["records"]))
    assert untraced == []


def test_alpine_3_14_is_clean(vulndb_path: Path) -> None:
    """No v3.14 record has a fix above a version alpine-3.14.10 ships, so nothing is found."""
    listed = (shared_dir() / "data" / "images" / "alpine-3.14.10.apk.tsv").read_text()
    installed = [line.split("\t") for line in listed.splitlines()[1:]]
    fixes: dict[str, list[str]] = {}
    archive = _zip("Alpine")
    for member in archive.namelist():
        for entry in json.loads(archive.read(member))["affected"]:
            if entry["package"]["ecosystem"] == "Alpine:v3.14":
                for rng in entry["ranges"]:
                    fixed = [e["fixed"] for e in rng["events"] if "fixed" in e]
                    fixes.setdefault(entry["package"]["name"], []).extend(fixed)
    open_fixes = [
        (name, version, fix)
        for name, version, origin, _ in installed
        for fix in fixes.get(origin or name, [])
        if versions.compare("Alpine", version, fix) < 0
    ]
    assert open_fixes == []
    assert _scan("alpine-images.oci.tar", "alpine-3.14.10", str(vulndb_path)) == []
