"""The database file: its schema, and the read side the matcher and ``db status`` use.

One SQLite file. ``PRAGMA user_version`` and ``meta.schema_version`` both hold
`SCHEMA_VERSION`; a file without them, of another version, or that SQLite cannot read is
refused with one line that says to run ``hullscan db update``.

The matcher's only hot query is "every affected row of (ecosystem, name)". ``affected`` is a
WITHOUT ROWID table whose primary key starts with (ecosystem, name), so those rows sit next
to each other in the table's own B-tree and one index descent reads them all; a plain rowid
table with a secondary index needs a second descent per row (see bench/bench_db.py and
bench/RESULTS.md for the measured difference).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import zstandard

from hullscan.errors import DatabaseError
from hullscan.match.interface import DatabaseInfo
from hullscan.vulndb import model

SCHEMA_VERSION = 1
#: Ids per ``IN (...)`` query, well under SQLite's bound-parameter limit.
_BATCH = 500

_HINT = "run `hullscan db update`"

AFFECTED_CLUSTERED = """
CREATE TABLE affected (
  ecosystem TEXT NOT NULL,
  name TEXT NOT NULL,
  record TEXT NOT NULL,
  seq INTEGER NOT NULL,
  vulns TEXT NOT NULL,
  spec BLOB NOT NULL,
  PRIMARY KEY (ecosystem, name, record, seq)
) WITHOUT ROWID"""

#: The same table as an ordinary rowid table plus an index: only built by the benchmark.
AFFECTED_PLAIN = (
    """
CREATE TABLE affected (
  ecosystem TEXT NOT NULL,
  name TEXT NOT NULL,
  record TEXT NOT NULL,
  seq INTEGER NOT NULL,
  vulns TEXT NOT NULL,
  spec BLOB NOT NULL
)""",
    "CREATE INDEX affected_lookup ON affected (ecosystem, name)",
)

SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    """CREATE TABLE sources (
  name TEXT PRIMARY KEY,
  date TEXT NOT NULL,
  location TEXT NOT NULL,
  records INTEGER NOT NULL,
  skipped INTEGER NOT NULL
) WITHOUT ROWID""",
    "CREATE TABLE records (id TEXT PRIMARY KEY, doc BLOB NOT NULL) WITHOUT ROWID",
    # The zstd dictionary that records and cves documents are compressed with, if any.
    "CREATE TABLE zdict (data BLOB NOT NULL)",
    "CREATE TABLE vulns (id TEXT PRIMARY KEY, aliases TEXT NOT NULL) WITHOUT ROWID",
    """CREATE TABLE cves (
  id TEXT PRIMARY KEY,
  nvd BLOB,
  kev_date TEXT,
  epss REAL,
  epss_percentile REAL
) WITHOUT ROWID""",
)

AffectedRow = tuple[str, str, bytes]


@dataclass(frozen=True)
class SourceSummary:
    """One source as recorded in the database: ``date`` is the newest data it held."""

    name: str
    date: str
    location: str
    records: int
    skipped: int


class CveInfo:
    """What the database knows about one CVE from NVD, KEV and EPSS."""

    __slots__ = ("doc", "epss", "epss_percentile", "kev_date")

    def __init__(
        self,
        doc: model.CveDoc | None,
        kev_date: str,
        epss: float | None,
        epss_percentile: float | None,
    ) -> None:
        self.doc = doc
        self.kev_date = kev_date
        self.epss = epss
        self.epss_percentile = epss_percentile


class VulnDB:
    """An open, checked, read-only vulnerability database."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise DatabaseError(f"{self.path}: no vulnerability database there; {_HINT}")
        try:
            self._conn = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise DatabaseError(f"{self.path}: cannot open database ({exc}); {_HINT}") from exc
        try:
            # Reads come straight from the page cache instead of being copied in.
            self._conn.execute("PRAGMA mmap_size = 268435456")
            self.meta = self._check()
            rows = self._query("SELECT data FROM zdict", ())
        except BaseException:
            self._conn.close()
            raise
        zdict = None
        if rows and isinstance(rows[0][0], bytes):
            zdict = zstandard.ZstdCompressionDict(rows[0][0])
        self._decompressor = zstandard.ZstdDecompressor(dict_data=zdict)

    def _check(self) -> dict[str, str]:
        try:
            version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
            has_meta = self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
            ).fetchone()
            if version == 0 or not has_meta:
                raise DatabaseError(f"{self.path}: not a hullscan vulnerability database; {_HINT}")
            if version > SCHEMA_VERSION:
                raise DatabaseError(
                    f"{self.path}: database schema {version} is newer than this hullscan reads "
                    f"({SCHEMA_VERSION}); {_HINT} or upgrade hullscan"
                )
            if version < SCHEMA_VERSION:
                raise DatabaseError(
                    f"{self.path}: database schema {version} is older than this hullscan reads "
                    f"({SCHEMA_VERSION}); {_HINT}"
                )
            meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as exc:
            raise self._corrupt(exc) from exc
        if meta.get("schema_version") != str(version):
            raise DatabaseError(f"{self.path}: database metadata is inconsistent; {_HINT}")
        return meta

    def _corrupt(self, exc: sqlite3.Error) -> DatabaseError:
        return DatabaseError(f"{self.path}: corrupt vulnerability database ({exc}); {_HINT}")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> VulnDB:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _query(self, sql: str, args: tuple[object, ...]) -> list[tuple[object, ...]]:
        try:
            return self._conn.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise self._corrupt(exc) from exc

    def verify_integrity(self) -> None:
        """SQLite's page-level check of the whole file; DatabaseError if it finds damage."""
        result = self._query("PRAGMA quick_check", ())
        if not result or result[0][0] != "ok":
            problem = result[0][0] if result else "no answer"
            raise DatabaseError(
                f"{self.path}: corrupt vulnerability database ({problem}); {_HINT}"
            )

    def info(self) -> DatabaseInfo:
        sources = self._query("SELECT name, date FROM sources ORDER BY name", ())
        return DatabaseInfo(
            path=str(self.path),
            schema_version=int(self.meta["schema_version"]),
            built_at=self.meta.get("built_at", ""),
            sources=tuple((str(n), str(d)) for n, d in sources),
        )

    def sources(self) -> list[SourceSummary]:
        """Every source the build read, by name."""
        rows = self._query(
            "SELECT name, date, location, records, skipped FROM sources ORDER BY name", ()
        )
        return [
            SourceSummary(str(a), str(b), str(c), int(str(d)), int(str(e)))
            for a, b, c, d, e in rows
        ]

    def names(self, ecosystem: str) -> frozenset[str]:
        """Every package name with advisories in ``ecosystem`` (release suffix included)."""
        rows = self._query("SELECT DISTINCT name FROM affected WHERE ecosystem = ?", (ecosystem,))
        return frozenset(str(r[0]) for r in rows)

    def lookup(self, ecosystem: str, name: str) -> list[AffectedRow]:
        """(record id, space-separated vulnerability ids, Spec JSON) per affected row."""
        try:
            return self._conn.execute(
                "SELECT record, vulns, spec FROM affected WHERE ecosystem = ? AND name = ?",
                (ecosystem, name),
            ).fetchall()
        except sqlite3.Error as exc:
            raise self._corrupt(exc) from exc

    def _by_id(self, sql: str, ids: Iterable[str]) -> list[tuple[object, ...]]:
        """Rows of ``sql`` (``... WHERE id IN ({})``) for every id, a few queries at most."""
        unique = list(dict.fromkeys(ids))
        rows: list[tuple[object, ...]] = []
        for start in range(0, len(unique), _BATCH):
            chunk = unique[start : start + _BATCH]
            rows += self._query(sql.format(", ".join("?" * len(chunk))), tuple(chunk))
        return rows

    def records(self, record_ids: Iterable[str]) -> dict[str, model.RecordDoc]:
        """The documents of the records that exist among ``record_ids``."""
        rows = self._by_id("SELECT id, doc FROM records WHERE id IN ({})", record_ids)
        return {
            str(rid): model.unpack_record(blob, self._decompressor)
            for rid, blob in rows
            if isinstance(blob, bytes)
        }

    def record(self, record_id: str) -> model.RecordDoc | None:
        return self.records((record_id,)).get(record_id)

    def aliases_of(self, vuln_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Every other id of each vulnerability (keyed by primary id; others are absent)."""
        rows = self._by_id("SELECT id, aliases FROM vulns WHERE id IN ({})", vuln_ids)
        return {str(vid): tuple(str(aliases).split()) for vid, aliases in rows}

    def aliases(self, vuln_id: str) -> tuple[str, ...]:
        return self.aliases_of((vuln_id,)).get(vuln_id, ())

    def cves(self, cve_ids: Iterable[str]) -> dict[str, CveInfo]:
        """NVD, KEV and EPSS data of the CVEs the database has among ``cve_ids``."""
        rows = self._by_id(
            "SELECT id, nvd, kev_date, epss, epss_percentile FROM cves WHERE id IN ({})", cve_ids
        )
        out: dict[str, CveInfo] = {}
        for cve_id, blob, kev_date, epss, percentile in rows:
            doc = model.unpack_cve(blob, self._decompressor) if isinstance(blob, bytes) else None
            out[str(cve_id)] = CveInfo(
                doc,
                str(kev_date or ""),
                float(epss) if isinstance(epss, float) else None,
                float(percentile) if isinstance(percentile, float) else None,
            )
        return out

    def cve(self, cve_id: str) -> CveInfo | None:
        return self.cves((cve_id,)).get(cve_id)

    def count(self, table: str) -> int:
        """Rows in one of the schema's tables (for ``db status``)."""
        if table not in {"affected", "records", "vulns", "cves"}:
            raise ValueError(table)
        return int(str(self._query(f"SELECT count(*) FROM {table}", ())[0][0]))

    def ecosystems(self) -> list[tuple[str, int]]:
        """(ecosystem, affected rows) for every ecosystem in the database."""
        rows = self._query(
            "SELECT ecosystem, count(*) FROM affected GROUP BY ecosystem ORDER BY ecosystem", ()
        )
        return [(str(e), int(str(n))) for e, n in rows]
