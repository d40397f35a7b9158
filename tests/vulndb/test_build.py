"""The database built from all shared advisory data, and builds from small crafted inputs."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from hullscan.errors import DatabaseError
from hullscan.vulndb import SCHEMA_VERSION, VulnDB, build_database
from hullscan.vulndb.model import SPEC_DECODER
from tests.vulndb.osvdata import affected, record, write_zip


def test_full_build_counts(vulndb_path: Path, advisories_dir: Path) -> None:
    with VulnDB(vulndb_path) as db:
        sources = {s.name: (s.date, s.records, s.skipped) for s in db.sources()}
        assert db.count("records") == 46365
        assert db.count("affected") > 150_000
        ecosystems = dict(db.ecosystems())
    # counts per zip from shared/data/advisories/README.md, less withdrawn and malformed ones
    assert sources["osv:Debian"] == ("2023-07-14T07:39:10Z", 31816, 0)
    assert sources["osv:PyPI"][1:] == (2384, 11)  # 10 withdrawn + 1 with a date as a version
    assert sources["osv:npm"][1] == 423
    assert sources["osv:Maven"][1] == 4
    assert sources["kev"] == ("2025-08-25T17:04:19.9796Z", 1404, 0)
    assert sources["nvd"][1] == 26
    assert sources["osv:Go"][0]  # every Go `modified` is the zero time: `published` dates it
    assert {"Debian:10", "Debian:11", "Debian:12", "Alpine:v3.18", "PyPI", "npm"} <= set(
        ecosystems
    )


def test_schema_version_and_layout(vulndb_path: Path) -> None:
    conn = sqlite3.connect(vulndb_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        assert meta["schema_version"] == str(SCHEMA_VERSION)
        assert meta["layout"] == "clustered"
        ddl = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'affected'").fetchone()[0]
        assert "WITHOUT ROWID" in ddl
        assert "PRIMARY KEY (ecosystem, name, record, seq)" in ddl
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT spec FROM affected WHERE ecosystem = ? AND name = ?",
            ("Debian:12", "openssl"),
        ).fetchall()
        assert "USING PRIMARY KEY" in plan[0][-1]
    finally:
        conn.close()
    assert vulndb_path.stat().st_size < 40_000_000


def test_aliases_are_merged_into_one_vulnerability(vulndb_path: Path) -> None:
    with VulnDB(vulndb_path) as db:
        aliases = set(db.aliases("CVE-2021-44906"))
        assert {"GHSA-xvch-5gv4-984h", "DEBIAN-CVE-2021-44906"} <= aliases
        # PYSEC aliases CVE and GHSA; ALPINE-CVE/DEBIAN-CVE join through their one upstream
        assert {"PYSEC-2021-7", "GHSA-rxjp-mfm9-w4wr", "DEBIAN-CVE-2021-31542"} <= set(
            db.aliases("CVE-2021-31542")
        )
        rows = {r: v for r, v, _ in db.lookup("Debian:12", "linux") if r == "DSA-5448-1"}
        assert len(rows["DSA-5448-1"].split()) == 12  # one vulnerability per listed CVE
        assert db.aliases("GHSA-xvch-5gv4-984h") == ()  # only primaries are keyed


def test_debian_no_fix_record_is_stored_as_open_range(vulndb_path: Path) -> None:
    with VulnDB(vulndb_path) as db:
        (row,) = [r for r in db.lookup("Debian:12", "apt") if r[0] == "DEBIAN-CVE-2011-3374"]
    spec = SPEC_DECODER.decode(row[2])
    assert [[(e.kind, e.version) for e in r] for r in spec.ranges] == [[("i", "0")]]


def test_npm_raw_ranges_are_kept(vulndb_path: Path) -> None:
    with VulnDB(vulndb_path) as db:
        (row,) = [r for r in db.lookup("npm", "express") if r[0] == "NSWG-ECO-8"]
    spec = SPEC_DECODER.decode(row[2])
    assert spec.ranges == ()
    assert spec.npm_range == "<3.11 || >= 4 <4.5"


def test_cve_data_from_nvd_and_kev(vulndb_path: Path) -> None:
    with VulnDB(vulndb_path) as db:
        nvd = db.cve("CVE-2022-0235")  # has v3.1 (NVD and CNA), v3.0, v2 and an SSVC entry
        log4shell = db.cve("CVE-2021-44228")
    assert nvd is not None and nvd.doc is not None
    versions = {(c.version, c.primary) for c in nvd.doc.cvss}
    assert {("3.1", True), ("3.0", False), ("2.0", True)} <= versions
    assert nvd.doc.description.startswith("node-fetch is vulnerable")
    assert log4shell is not None and log4shell.kev_date == "2021-12-10"
    assert log4shell.doc is None  # not in the NVD sample


def test_malformed_records_are_skipped_and_counted(tmp_path: Path) -> None:
    good = record("GOOD-1", affected("PyPI", "Demo", {"introduced": "0"}, {"fixed": "1.0"}))
    records: list[dict[str, Any] | bytes] = [
        good,
        b"{not json",
        json.dumps({"modified": "2024-01-01T00:00:00Z"}).encode(),  # no id
        json.dumps({"id": 5, "affected": []}).encode(),  # id of the wrong type
        record("BAD-ECO", affected("Hackage", "x", {"introduced": "0"})),
        record(
            "BAD-VERSION",
            affected("PyPI", "demo", {"introduced": "0"}, {"fixed": "not a version"}),
        ),
        record("BAD-EVENT", affected("PyPI", "demo", {"introduced": "0", "fixed": "1.0"})),
        record("NO-PACKAGE", {"ranges": []}),
        record("WITHDRAWN", affected("PyPI", "demo", {"introduced": "0"}), withdrawn="2024-01-01"),
        record(
            "GIT-ONLY",
            {
                "package": {"ecosystem": "PyPI", "name": "demo"},
                "ranges": [{"type": "GIT", "repo": "r", "events": [{"introduced": "0"}]}],
            },
        ),
        # one bad entry of two: the record is kept with the good one
        record(
            "HALF-GOOD",
            affected("PyPI", "demo", {"introduced": "0"}, {"fixed": "2.0"}),
            affected("PyPI", "demo", {"introduced": "0"}, {"fixed": "2019-09-12 build"}),
        ),
    ]
    write_zip(tmp_path / "data" / "PyPI" / "all.zip", records)
    result = build_database(tmp_path / "data", tmp_path / "out.db")
    assert result.advisories_read == len(records)
    assert result.advisories_imported == 2
    assert result.withdrawn == 1
    assert result.unusable == 1  # GIT-only
    assert result.malformed == len(records) - 4
    reasons = dict(result.skip_reasons)
    assert reasons["invalid JSON"] == 1
    assert reasons["record field missing or of the wrong type"] == 2
    assert reasons["unknown ecosystem Hackage"] == 1
    assert reasons["bad PyPI version"] == 2
    with VulnDB(result.path) as db:
        # GOOD-1's "Demo" is PEP 503 "demo"; HALF-GOOD keeps its one good entry
        assert [r for r, _, _ in db.lookup("PyPI", "demo")] == ["GOOD-1", "HALF-GOOD"]
        assert db.record("GOOD-1") is not None


def test_folder_of_json_records_and_duplicates(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    shared = record(
        "GHSA-aaaa-bbbb-cccc",
        affected("npm", "left-pad", {"introduced": "0"}, {"fixed": "1.3.0"}),
        affected("PyPI", "left_pad", {"introduced": "0"}, {"fixed": "2.0"}),
        aliases=["CVE-2099-0001"],
    )
    (folder / "a.json").write_text(json.dumps(shared))
    newer = dict(shared, modified="2025-01-01T00:00:00Z", summary="newer copy")
    sub = folder / "copy"
    sub.mkdir()
    (sub / "a.json").write_text(json.dumps(newer))
    result = build_database(folder, tmp_path / "out.db")
    assert result.advisories_read == 2 and result.advisories_imported == 2
    with VulnDB(result.path) as db:
        assert [r for r, _, _ in db.lookup("PyPI", "left-pad")] == ["GHSA-aaaa-bbbb-cccc"]
        assert [r for r, _, _ in db.lookup("npm", "left-pad")] == ["GHSA-aaaa-bbbb-cccc"]
        doc = db.record("GHSA-aaaa-bbbb-cccc")
        assert doc is not None and doc.summary == "newer copy"
        assert db.aliases("CVE-2099-0001") == ("GHSA-aaaa-bbbb-cccc",)


def test_feeds_are_imported_for_known_cves_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_zip(
        data / "PyPI" / "all.zip",
        [
            record(
                "PYSEC-1", affected("PyPI", "demo", {"introduced": "0"}), aliases=["CVE-2099-0001"]
            )
        ],
    )
    (data / "epss").mkdir()
    lines = [
        "#model_version:v2023.03.01,score_date:2024-05-01T00:00:00+0000",
        "cve,epss,percentile",
        "CVE-2099-0001,0.97000,0.99900",
        "CVE-2099-0002,0.10000,0.50000",
        "CVE-2099-0003,not-a-number,0.5",
    ]
    (data / "epss" / "epss_scores.csv.gz").write_bytes(gzip.compress("\n".join(lines).encode()))
    (data / "kev").mkdir()
    kev = {
        "catalogVersion": "2024.05.01",
        "dateReleased": "2024-05-01T00:00:00Z",
        "vulnerabilities": [{"cveID": "CVE-2099-0001", "dateAdded": "2024-04-30"}, {"cveID": 7}],
    }
    (data / "kev" / "known_exploited_vulnerabilities.json").write_text(json.dumps(kev))
    result = build_database(data, tmp_path / "out.db")
    sources = {s.name: s for s in result.sources}
    assert sources["epss"].date == "2024-05-01T00:00:00+0000"
    assert (sources["epss"].records, sources["epss"].skipped) == (2, 1)
    assert (sources["kev"].records, sources["kev"].skipped) == (1, 1)
    assert result.cves == 1  # CVE-2099-0002 is in no advisory: not stored
    with VulnDB(result.path) as db:
        info = db.cve("CVE-2099-0001")
        assert info is not None
        assert (info.epss, info.epss_percentile, info.kev_date) == (0.97, 0.999, "2024-04-30")
        assert db.cve("CVE-2099-0002") is None


def test_nvd_metrics_of_every_cvss_version(tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_zip(
        data / "PyPI" / "all.zip",
        [
            record(
                "PYSEC-1", affected("PyPI", "demo", {"introduced": "0"}), aliases=["CVE-2099-0009"]
            )
        ],
    )
    metric = {
        "cvssMetricV40": [
            {
                "source": "cna@example",
                "type": "Secondary",
                "cvssData": {
                    "version": "4.0",
                    "vectorString": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H"
                    "/SC:N/SI:N/SA:N",
                    "baseScore": 9.3,
                },
            }
        ],
        "cvssMetricV2": [
            {
                "source": "nvd@nist.gov",
                "type": "Primary",
                "cvssData": {
                    "version": "2.0",
                    "vectorString": "AV:N/AC:L/Au:N/C:P/I:P/A:P",
                    "baseScore": 7.5,
                },
            }
        ],
    }
    cve = {
        "id": "CVE-2099-0009",
        "vulnStatus": "Analyzed",
        "descriptions": [{"lang": "es", "value": "no"}, {"lang": "en", "value": "Demo bug."}],
        "metrics": metric,
        "weaknesses": [
            {
                "description": [
                    {"lang": "en", "value": "CWE-787"},
                    {"lang": "en", "value": "NVD-CWE-noinfo"},
                ]
            }
        ],
    }
    rejected = {"id": "CVE-2099-0008", "vulnStatus": "Rejected"}
    feed = {
        "timestamp": "2024-06-01T00:00:00.000",
        "vulnerabilities": [{"cve": cve}, {"cve": rejected}, {"cve": {"id": 1}}],
    }
    (data / "nvd").mkdir()
    (data / "nvd" / "feed.json").write_text(json.dumps(feed))
    result = build_database(data, tmp_path / "out.db")
    nvd = next(s for s in result.sources if s.name == "nvd")
    assert (nvd.date, nvd.records, nvd.skipped) == ("2024-06-01T00:00:00.000", 1, 2)
    with VulnDB(result.path) as db:
        info = db.cve("CVE-2099-0009")
    assert info is not None and info.doc is not None
    assert info.doc.description == "Demo bug."
    assert info.doc.cwes == ("CWE-787",)
    assert [(c.version, c.score, c.primary) for c in info.doc.cvss] == [
        ("4.0", 9.3, False),
        ("2.0", 7.5, True),
    ]


def test_empty_or_missing_source_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="no OSV, NVD, KEV or EPSS data"):
        build_database(tmp_path, tmp_path / "out.db")
    with pytest.raises(DatabaseError, match="not a folder"):
        build_database(tmp_path / "missing", tmp_path / "out.db")
    (tmp_path / "PyPI").mkdir()
    (tmp_path / "PyPI" / "all.zip").write_bytes(b"not a zip")
    with pytest.raises(DatabaseError, match="not a readable zip"):
        build_database(tmp_path, tmp_path / "out.db")
    assert not (tmp_path / "out.db").exists()
    assert not list(tmp_path.glob(".out.db.*"))  # no temporary file left behind
