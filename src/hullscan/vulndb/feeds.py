"""CVE-keyed feeds: NVD CVE API 2.0 JSON, CISA KEV JSON and FIRST EPSS CSV.

Each reader yields what it could read and counts what it could not in a `Tally`: a bad entry
is skipped, never fatal. Files may be gzip-compressed whatever their name says.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from hullscan.errors import DatabaseError
from hullscan.vulndb.model import CveDoc, CvssEntry
from hullscan.vulndb.osv import Tally

_CVE = re.compile(r"CVE-\d{4}-\d{4,}")
_CWE = re.compile(r"CWE-\d+")
#: NVD metric keys, newest CVSS first; the version is the metric's own ``cvssData.version``.
_METRIC_KEYS = ("cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2")
#: vulnStatus of CVEs withdrawn by their CNA.
_REJECTED = frozenset({"Rejected", "REJECTED"})


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped if it starts with the gzip magic."""
    try:
        data = path.read_bytes()
        return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DatabaseError(f"{path}: cannot read ({exc})") from exc


class _CvssData(msgspec.Struct):
    version: str
    vectorString: str
    baseScore: float


class _Metric(msgspec.Struct):
    cvssData: _CvssData
    source: str = ""
    type: str = ""


class _Text(msgspec.Struct):
    value: str
    lang: str = "en"


class _Weakness(msgspec.Struct):
    description: list[_Text] = []


class _Reference(msgspec.Struct):
    url: str = ""


class _Metrics(msgspec.Struct):
    """CVSS metric lists by NVD key; other keys (``ssvcV203``...) are not CVSS and skipped."""

    cvssMetricV40: list[_Metric] = []
    cvssMetricV31: list[_Metric] = []
    cvssMetricV30: list[_Metric] = []
    cvssMetricV2: list[_Metric] = []


class _Cve(msgspec.Struct):
    id: str
    published: str = ""
    lastModified: str = ""
    vulnStatus: str = ""
    descriptions: list[_Text] = []
    metrics: _Metrics = msgspec.field(default_factory=_Metrics)
    weaknesses: list[_Weakness] = []
    references: list[_Reference] = []


class _Item(msgspec.Struct):
    cve: msgspec.Raw


class _Feed(msgspec.Struct):
    vulnerabilities: list[_Item] = []
    timestamp: str = ""


_FEED = msgspec.json.Decoder(_Feed)
_CVE_DECODER = msgspec.json.Decoder(_Cve)


def _cve_doc(cve: _Cve) -> CveDoc:
    cvss: list[CvssEntry] = []
    for key in _METRIC_KEYS:
        for metric in getattr(cve.metrics, key):
            data = metric.cvssData
            primary = metric.type == "Primary"
            cvss.append(
                CvssEntry(data.version, data.vectorString, data.baseScore, metric.source, primary)
            )
    cwes = {d.value for w in cve.weaknesses for d in w.description if _CWE.fullmatch(d.value)}
    english = [d.value for d in cve.descriptions if d.lang == "en"]
    return CveDoc(
        description=(english or [""])[0].strip(),
        published=cve.published,
        modified=cve.lastModified,
        status=cve.vulnStatus,
        cvss=tuple(cvss),
        cwes=tuple(sorted(cwes)),
        references=tuple(r.url for r in cve.references if r.url),
    )


def read_nvd(path: Path, tally: Tally) -> tuple[str, Iterator[tuple[str, CveDoc]]]:
    """The feed's timestamp and its CVEs. Accepts a feed/API response or one bare ``cve``."""
    data = read_bytes(path)
    try:
        feed = _FEED.decode(data)
    except msgspec.DecodeError as exc:
        raise DatabaseError(f"{path}: not NVD CVE API 2.0 JSON ({exc})") from exc
    bodies: list[bytes] = [bytes(item.cve) for item in feed.vulnerabilities]
    if not bodies and b'"metrics"' in data:
        bodies = [data]

    def cves() -> Iterator[tuple[str, CveDoc]]:
        for body in bodies:
            tally.read += 1
            try:
                cve = _CVE_DECODER.decode(body)
            except msgspec.DecodeError:
                tally.malformed += 1
                tally.reasons["NVD entry malformed"] += 1
                continue
            if not _CVE.fullmatch(cve.id):
                tally.malformed += 1
                tally.reasons["NVD entry without CVE id"] += 1
                continue
            if cve.vulnStatus in _REJECTED:
                tally.withdrawn += 1
                continue
            tally.imported += 1
            yield cve.id, _cve_doc(cve)

    return feed.timestamp, cves()


def read_kev(path: Path, tally: Tally) -> tuple[str, list[tuple[str, str]]]:
    """The catalog's release date and its (CVE, date added) entries."""
    try:
        data: Any = msgspec.json.decode(read_bytes(path))
    except msgspec.DecodeError as exc:
        raise DatabaseError(f"{path}: not JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("vulnerabilities"), list):
        raise DatabaseError(f"{path}: not a KEV catalog (no 'vulnerabilities' list)")
    out: list[tuple[str, str]] = []
    for item in data["vulnerabilities"]:
        tally.read += 1
        cve = item.get("cveID") if isinstance(item, dict) else None
        if not isinstance(cve, str) or not _CVE.fullmatch(cve):
            tally.malformed += 1
            tally.reasons["KEV entry without CVE id"] += 1
            continue
        tally.imported += 1
        added = item.get("dateAdded")
        out.append((cve, added if isinstance(added, str) else ""))
    date = data.get("dateReleased") or data.get("catalogVersion") or ""
    return str(date), out


def read_epss(path: Path, tally: Tally) -> tuple[str, list[tuple[str, float, float]]]:
    """The score date from the ``#model_version:...,score_date:...`` line, and the scores."""
    text = read_bytes(path).decode("utf-8", errors="replace")
    date = ""
    rows: list[tuple[str, float, float]] = []
    lines = io.StringIO(text)
    body: list[str] = []
    for line in lines:
        if line.startswith("#"):
            for part in line[1:].strip().split(","):
                key, _, value = part.partition(":")
                if key.strip() == "score_date":
                    date = value.strip()
        else:
            body.append(line)
    for row in csv.DictReader(body):
        tally.read += 1
        try:
            cve = row["cve"].strip()
            score, percentile = float(row["epss"]), float(row["percentile"])
        except (KeyError, AttributeError, TypeError, ValueError):
            tally.malformed += 1
            tally.reasons["EPSS row malformed"] += 1
            continue
        if not _CVE.fullmatch(cve) or not (0 <= score <= 1 and 0 <= percentile <= 1):
            tally.malformed += 1
            tally.reasons["EPSS row malformed"] += 1
            continue
        tally.imported += 1
        rows.append((cve, score, percentile))
    return date, rows
