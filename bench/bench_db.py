"""Database build speed and size, and the clustered (WITHOUT ROWID) layout against a plain one.

Builds the database from everything in shared/data/advisories (every OSV zip, nvd/, kev/)
``--runs`` times and reports the median wall and CPU time, advisories per second and the file
size. Then builds the same data with ``affected`` as a plain rowid table plus an index on
(ecosystem, name), and times the matcher's query, "every row of (ecosystem, name)", on both:
every (ecosystem, name) the database has, plus as many names it does not have, in random
order, through a fresh connection, median of ``--runs``.

    python bench/bench_db.py [--runs 3] > table.md
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.conftest import shared_dir  # noqa: E402

from hullscan.vulndb import BuildResult, build_database  # noqa: E402

#: Packages with at least this many affected rows (linux, chromium, ...) are "heavy".
_HEAVY = 50
_QUERY = "SELECT record, vulns, spec FROM affected WHERE ecosystem = ? AND name = ?"


def _lookups(path: Path, keys: list[tuple[str, str]]) -> tuple[float, int]:
    """Seconds for one query per key on a fresh read-only connection, and rows read."""
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA mmap_size = 268435456")
        rows = 0
        start = time.perf_counter()
        for key in keys:
            rows += len(conn.execute(_QUERY, key).fetchall())
        return time.perf_counter() - start, rows
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    source = shared_dir() / "data" / "advisories"
    with tempfile.TemporaryDirectory() as tmp:
        clustered = Path(tmp) / "clustered.db"
        plain = Path(tmp) / "plain.db"
        builds: list[tuple[BuildResult, float]] = []
        for _ in range(args.runs):
            cpu = time.process_time()
            result = build_database(source, clustered, offline=True)
            builds.append((result, time.process_time() - cpu))
        plain_build = build_database(source, plain, offline=True, clustered=False)
        conn = sqlite3.connect(clustered)
        counts = conn.execute(
            "SELECT ecosystem, name, count(*) FROM affected GROUP BY ecosystem, name"
        ).fetchall()
        conn.close()
        rng = random.Random(3)
        keys = [(eco, name) for eco, name, _ in counts]
        queries = keys + [(eco, f"{name}-absent") for eco, name in keys]
        rng.shuffle(queries)
        heavy = [(eco, name) for eco, name, n in counts if n >= _HEAVY]
        rng.shuffle(heavy)
        timings = {}
        for label, path in (("clustered", clustered), ("plain", plain)):
            for kind, keyset in (("all", queries), ("heavy", heavy)):
                _lookups(path, keyset)  # page cache warm-up, as a second scan would find it
                runs = [_lookups(path, keyset) for _ in range(args.runs)]
                timings[label, kind] = (statistics.median(r[0] for r in runs), runs[0][1])
        sizes = {"clustered": clustered.stat().st_size, "plain": plain.stat().st_size}
    result = builds[0][0]
    wall = statistics.median(b.seconds for b, _ in builds)
    cpu = statistics.median(c for _, c in builds)
    print(f"Build of {source.name}/ (all OSV zips, nvd/, kev/), median of {args.runs}:\n")
    print("| advisories read | imported | wall s | CPU s | advisories/s (wall) | size MB |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {result.advisories_read:,} | {result.advisories_imported:,} | {wall:.2f} | "
        f"{cpu:.2f} | {result.advisories_read / wall:,.0f} | {result.size_bytes / 1e6:.1f} |"
    )
    print(
        f"\nSkipped: {result.withdrawn} withdrawn, {result.malformed} malformed, "
        f"{result.unusable} without version ranges, {result.entries_skipped} affected entries "
        f"({', '.join(f'{n} {r}' for r, n in result.skip_reasons)}); "
        f"{result.affected_rows:,} affected rows, {result.vulnerabilities:,} vulnerabilities, "
        f"{result.cves} CVEs with NVD/KEV data. Plain-layout build: {plain_build.seconds:.2f} s."
    )
    print(
        f"\nLookups: 'all' is every (ecosystem, name) plus as many absent names "
        f"({len(queries):,} queries); 'heavy' the {len(heavy):,} names with {_HEAVY}+ rows:\n"
    )
    print("| layout | size MB | queries | seconds | lookups/s | rows read |")
    print("|---|---:|---|---:|---:|---:|")
    for label in ("clustered", "plain"):
        for kind, keyset in (("all", queries), ("heavy", heavy)):
            seconds, rows = timings[label, kind]
            print(
                f"| {label} | {sizes[label] / 1e6:.1f} | {kind} | {seconds:.3f} | "
                f"{len(keyset) / seconds:,.0f} | {rows:,} |"
            )
    for kind in ("all", "heavy"):
        speedup = timings["plain", kind][0] / timings["clustered", kind][0]
        print(f"\nClustered over plain rowid + index, {kind} lookups: {speedup:.2f}x faster")


if __name__ == "__main__":
    main()
