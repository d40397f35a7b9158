"""``hullscan db build``: read every source into memory, then write one new database file.

The file is written beside the target under a temporary name and moved over it with
`os.replace`, so a reader never sees a half-written database and a failed build leaves the
old one in place. Bulk-load settings (no journal, no fsync until the end, exclusive lock,
rows inserted in primary-key order through executemany in one transaction) make writing a
small part of the build; reading and decoding the records is the rest. Python's cyclic GC is
paused while the records are held, because its full collections over hundreds of thousands
of young containers would otherwise double the build time.
"""

from __future__ import annotations

import gc
import logging
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import zstandard

import hullscan
from hullscan.errors import DatabaseError, UsageError
from hullscan.vulndb import feeds, model, osv, sources, store
from hullscan.vulndb.aliases import AliasGroups
from hullscan.vulndb.store import SourceSummary

log = logging.getLogger(__name__)

_ZSTD_LEVEL = 3
#: Records are a few hundred bytes of JSON each: alone they compress by a quarter, with a
#: dictionary trained on a sample of them by more than half, for less time than level 6.
_DICT_SIZE = 112 * 1024
_DICT_SAMPLES = 5000
_DICT_MIN_SAMPLES = 1000


@dataclass(frozen=True)
class BuildResult:
    """What a build produced and how long it took."""

    path: Path
    schema_version: int
    built_at: str
    seconds: float
    size_bytes: int
    advisories_read: int
    advisories_imported: int
    withdrawn: int
    malformed: int
    unusable: int
    entries_skipped: int
    affected_rows: int
    vulnerabilities: int
    cves: int
    sources: tuple[SourceSummary, ...] = ()
    skip_reasons: tuple[tuple[str, int], ...] = ()

    @property
    def advisories_per_second(self) -> float:
        return self.advisories_read / self.seconds if self.seconds else 0.0


@dataclass
class _Collected:
    records: list[osv.Converted] = field(default_factory=list)
    cve_docs: dict[str, model.CveDoc] = field(default_factory=dict)
    kev: dict[str, str] = field(default_factory=dict)
    epss: dict[str, tuple[float, float]] = field(default_factory=dict)
    summaries: list[SourceSummary] = field(default_factory=list)
    tally: osv.Tally = field(default_factory=osv.Tally)


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


@contextmanager
def _gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _location(layout: sources.Layout, key: str, path: Path) -> str:
    return layout.locations.get(key, str(path))


def _read_osv(layout: sources.Layout, out: _Collected) -> None:
    """Every OSV record of every source, each id once.

    The OSV export puts an advisory that affects several ecosystems (a GHSA for a PyPI and an
    npm package) in each of their zips; the copy with the newest ``modified`` is kept.
    """
    seen: dict[str, int] = {}
    for name, path in layout.osv:
        tally = osv.Tally()
        newest = ""
        for body in sources.iter_osv(path):
            converted = osv.decode(body, tally)
            if converted is None:
                continue
            newest = max(newest, converted.modified or converted.doc.published)
            index = seen.setdefault(converted.id, len(out.records))
            if index == len(out.records):
                out.records.append(converted)
            elif converted.modified > out.records[index].modified:
                out.records[index] = converted
        skipped = tally.withdrawn + tally.malformed + tally.unusable
        location = _location(layout, name, path)
        out.summaries.append(SourceSummary(name, newest, location, tally.imported, skipped))
        log.info("%s: %d records, %d skipped (%s)", name, tally.imported, skipped, path)
        out.tally.add(tally)


def _read_feeds(layout: sources.Layout, out: _Collected) -> None:
    kinds = (("nvd", layout.nvd), ("kev", layout.kev), ("epss", layout.epss))
    for kind, paths in kinds:
        if not paths:
            continue
        tally = osv.Tally()
        dates: list[str] = []
        for path in paths:
            if kind == "nvd":
                date, cves = feeds.read_nvd(path, tally)
                out.cve_docs.update(cves)
            elif kind == "kev":
                date, entries = feeds.read_kev(path, tally)
                out.kev.update(entries)
            else:
                date, scores = feeds.read_epss(path, tally)
                out.epss.update((cve, (score, pct)) for cve, score, pct in scores)
            dates.append(date)
        location = layout.locations.get(kind, ", ".join(str(p) for p in paths))
        skipped = tally.malformed + tally.withdrawn
        out.summaries.append(SourceSummary(kind, max(dates), location, tally.imported, skipped))
        out.tally.reasons.update(tally.reasons)


def _train_dictionary(docs: list[bytes]) -> zstandard.ZstdCompressionDict | None:
    """A zstd dictionary from an even sample of ``docs``; None for too few to train on."""
    if len(docs) < _DICT_MIN_SAMPLES:
        return None
    step = max(1, len(docs) // _DICT_SAMPLES)
    samples: list[bytes | bytearray | memoryview] = list(docs[::step])
    try:
        return zstandard.train_dictionary(_DICT_SIZE, samples, level=_ZSTD_LEVEL)
    except zstandard.ZstdError:
        log.info("zstd dictionary training failed; records stored without one")
        return None


def _write(
    path: Path, out: _Collected, groups: AliasGroups, built_at: str, *, clustered: bool
) -> tuple[int, int, int]:
    """Write the database file; returns (affected rows, vulnerabilities, cves)."""
    encode = model.SPEC_ENCODER.encode
    docs = [encode(rec.doc) for rec in out.records]
    zdict = _train_dictionary(docs)
    compressor = zstandard.ZstdCompressor(level=_ZSTD_LEVEL, dict_data=zdict)
    affected: list[tuple[str, str, str, int, str, bytes]] = []
    records: list[tuple[str, bytes]] = []
    for rec, doc in zip(out.records, docs, strict=True):
        vulns = " ".join(groups.vulnerabilities(rec.id, rec.upstream))
        records.append((rec.id, compressor.compress(doc)))
        for seq, (ecosystem, name, spec) in enumerate(rec.affected):
            affected.append((ecosystem, name, rec.id, seq, vulns, encode(spec)))
    affected.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
    records.sort()
    wanted = set(groups.primaries())
    wanted.update(a for p in groups.primaries() for a in groups.aliases(p))
    vuln_rows = sorted((p, " ".join(groups.aliases(p))) for p in groups.primaries())
    cve_ids = sorted(c for c in set(out.cve_docs) | set(out.kev) | set(out.epss) if c in wanted)
    cves = [
        (
            c,
            compressor.compress(encode(out.cve_docs[c])) if c in out.cve_docs else None,
            out.kev.get(c),
            out.epss[c][0] if c in out.epss else None,
            out.epss[c][1] if c in out.epss else None,
        )
        for c in cve_ids
    ]
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in (
            "journal_mode = OFF",
            "synchronous = OFF",
            "locking_mode = EXCLUSIVE",
            "temp_store = MEMORY",
            "cache_size = -262144",
        ):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("BEGIN")
        for ddl in store.SCHEMA:
            conn.execute(ddl)
        for ddl in (store.AFFECTED_CLUSTERED,) if clustered else store.AFFECTED_PLAIN:
            conn.execute(ddl)
        if zdict is not None:
            conn.execute("INSERT INTO zdict VALUES (?)", (zdict.as_bytes(),))
        conn.executemany("INSERT INTO affected VALUES (?, ?, ?, ?, ?, ?)", affected)
        conn.executemany("INSERT INTO records VALUES (?, ?)", records)
        conn.executemany("INSERT INTO vulns VALUES (?, ?)", vuln_rows)
        conn.executemany("INSERT INTO cves VALUES (?, ?, ?, ?, ?)", cves)
        conn.executemany(
            "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?)",
            [(s.name, s.date, s.location, s.records, s.skipped) for s in out.summaries],
        )
        meta = {
            "schema_version": str(store.SCHEMA_VERSION),
            "built_at": built_at,
            "hullscan_version": hullscan.__version__,
            "layout": "clustered" if clustered else "plain",
        }
        conn.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        conn.execute(f"PRAGMA user_version = {store.SCHEMA_VERSION}")
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()
    return len(affected), len(vuln_rows), len(cves)


def _layout_for(
    source: str,
    extras: tuple[tuple[str, str], ...],
    workdir: Path,
    *,
    ecosystems: tuple[str, ...],
    offline: bool,
    client: httpx.Client | None,
) -> sources.Layout:
    """The files to read: ``source`` discovered or fetched, plus the extra feed files."""
    remote = _is_url(source) or any(_is_url(ref) for _, ref in extras)
    if remote and offline:
        raise UsageError("--offline: cannot fetch advisory data from a URL; use a local folder")
    http = client or (sources.new_client() if remote else None)
    try:
        if _is_url(source):
            assert http is not None
            layout = sources.fetch_osv(http, source, workdir / "osv", ecosystems)
        else:
            layout = sources.discover(Path(source))
        added: dict[str, list[Path]] = {"nvd": [], "kev": [], "epss": []}
        locations = dict(layout.locations)
        for kind, ref in extras:
            if _is_url(ref):
                assert http is not None
                added[kind].append(sources.fetch_file(http, ref, workdir / kind))
                locations[kind] = ref
            elif Path(ref).is_file():
                added[kind].append(Path(ref))
            else:
                raise DatabaseError(f"{ref}: no such {kind} file")
    finally:
        if http is not None and client is None:
            http.close()
    return sources.Layout(
        layout.osv,
        layout.nvd + tuple(added["nvd"]),
        layout.kev + tuple(added["kev"]),
        layout.epss + tuple(added["epss"]),
        locations,
    )


def build_database(
    source: str | Path,
    db_path: Path,
    *,
    nvd: tuple[str, ...] = (),
    kev: tuple[str, ...] = (),
    epss: tuple[str, ...] = (),
    ecosystems: tuple[str, ...] = sources.DEFAULT_ECOSYSTEMS,
    offline: bool = False,
    clustered: bool = True,
    client: httpx.Client | None = None,
) -> BuildResult:
    """Build ``db_path`` from a folder or base URL of advisory data.

    ``nvd``, ``kev`` and ``epss`` add files (paths or URLs) to what ``source`` holds.
    ``clustered=False`` writes the plain rowid layout, for the benchmark that compares them.
    """
    start = time.perf_counter()
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    extras = tuple(("nvd", u) for u in nvd) + tuple(("kev", u) for u in kev)
    extras += tuple(("epss", u) for u in epss)
    built_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{db_path.name}.", dir=db_path.parent)
    os.close(fd)
    tmp_db = Path(tmp_name)
    try:
        with tempfile.TemporaryDirectory(prefix="hullscan-fetch-") as tmp, _gc_paused():
            layout = _layout_for(
                str(source),
                extras,
                Path(tmp),
                ecosystems=ecosystems,
                offline=offline,
                client=client,
            )
            tmp_db.unlink()
            tally, summaries, counts = _build_file(tmp_db, layout, built_at, clustered=clustered)
        os.replace(tmp_db, db_path)
    finally:
        tmp_db.unlink(missing_ok=True)
    return BuildResult(
        path=db_path,
        schema_version=store.SCHEMA_VERSION,
        built_at=built_at,
        seconds=time.perf_counter() - start,
        size_bytes=db_path.stat().st_size,
        advisories_read=tally.read,
        advisories_imported=tally.imported,
        withdrawn=tally.withdrawn,
        malformed=tally.malformed,
        unusable=tally.unusable,
        entries_skipped=tally.entries_skipped,
        affected_rows=counts[0],
        vulnerabilities=counts[1],
        cves=counts[2],
        sources=summaries,
        skip_reasons=tuple(sorted(tally.reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def _build_file(
    path: Path, layout: sources.Layout, built_at: str, *, clustered: bool
) -> tuple[osv.Tally, tuple[SourceSummary, ...], tuple[int, int, int]]:
    """Read ``layout`` and write ``path``. Its own function so that the records it holds are
    freed by reference counting when it returns, before the caller turns the GC back on."""
    collected = _Collected()
    _read_osv(layout, collected)
    _read_feeds(layout, collected)
    groups = AliasGroups()
    for rec in collected.records:
        groups.add(rec.id, rec.aliases, rec.upstream)
    groups.finish()
    counts = _write(path, collected, groups, built_at, clustered=clustered)
    return collected.tally, tuple(collected.summaries), counts
