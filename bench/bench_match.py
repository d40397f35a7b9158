"""Matching throughput: package lookups per second, cold (fresh matcher) and warm.

Inventories, all matched against a database built from shared/data/advisories:

- images: every package of the shared images' package lists (Debian 12, Alpine 3.14 and
  3.18, PyPI, npm; 173 packages), as one scan of them sees them;
- fleet (the realistic mix): N lookups from 100 images of N/100 packages each, drawn from a
  pool of the distinct mix below (a fifth of it, each name at one of its versions), as a CI
  or registry scanner sees a fleet whose images share base layers and libraries;
- distinct (worst case): N packages, every (name, version) different, in proportions seen in
  real images: 45% distro packages (Debian:12 and Alpine:v3.18 names that have advisories),
  15% language packages with advisories (PyPI, npm, Go, crates.io, Maven), 40% names with no
  advisory at all; versions come from the packages' own advisories, so ranges really run;
- warm: the distinct mix again on the same matcher (a rescan: everything is cached).

Times are wall-clock medians of ``--runs`` runs (a new Matcher per cold run) and CPU seconds.

    python bench/bench_match.py [--db PATH] [--packages 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.conftest import shared_dir  # noqa: E402
from tests.match.conftest import (  # noqa: E402
    apk_packages,
    dpkg_packages,
    npm_packages,
    pypi_packages,
)

from hullscan.inventory.interface import Package, PackageType  # noqa: E402
from hullscan.match.matcher import Matcher  # noqa: E402
from hullscan.vulndb import VulnDB, build_database  # noqa: E402
from hullscan.vulndb.model import SPEC_DECODER  # noqa: E402

_TYPES = {
    "Debian:12": PackageType.DEB,
    "Alpine:v3.18": PackageType.APK,
    "PyPI": PackageType.PYTHON,
    "npm": PackageType.NPM,
    "Go": PackageType.GOLANG,
    "crates.io": PackageType.CARGO,
    "Maven": PackageType.JAVA,
}
_SHARES = {
    "Debian:12": 0.35,
    "Alpine:v3.18": 0.10,
    "PyPI": 0.05,
    "npm": 0.05,
    "Go": 0.03,
    "crates.io": 0.01,
    "Maven": 0.01,
}


def image_inventory(images: Path) -> list[Package]:
    return [
        *dpkg_packages(images / "debian-python-app.dpkg.tsv"),
        *apk_packages(images / "alpine-3.14.10.apk.tsv", "v3.14"),
        *apk_packages(images / "alpine-3.18.9.apk.tsv", "v3.18"),
        *pypi_packages(images / "debian-python-app.pypi.tsv"),
        *npm_packages(images / "debian-python-app.npm.tsv"),
    ]


def _event_versions(db: VulnDB, ecosystem: str, name: str) -> list[str]:
    versions = {
        e.version
        for _, _, spec in db.lookup(ecosystem, name)
        for r in SPEC_DECODER.decode(spec).ranges
        for e in r
        if e.version not in ("0", "*")
    }
    return sorted(versions)


def mixed_inventory(db: VulnDB, count: int, seed: int = 7) -> list[Package]:
    """Packages at versions from their own advisories: 70% at the highest version any event
    names (an up-to-date package, still hit by open issues), 30% at a random one."""
    rng = random.Random(seed)
    out: list[Package] = []
    for ecosystem, share in _SHARES.items():
        names = sorted(db.names(ecosystem))
        rng.shuffle(names)
        pairs: set[tuple[str, str]] = set()
        for name in names:
            if len(pairs) >= int(count * share):
                break
            versions = _event_versions(db, ecosystem, name)
            if versions:
                pairs.add((name, versions[-1] if rng.random() < 0.7 else rng.choice(versions)))
        for name, version in sorted(pairs):
            source = name if ecosystem in ("Debian:12", "Alpine:v3.18") else ""
            out.append(
                Package(
                    _TYPES[ecosystem],
                    name,
                    version,
                    "bench",
                    ecosystem=ecosystem,
                    source_name=source,
                )
            )
    ecosystems = list(_SHARES)
    for i in range(count - len(out)):
        ecosystem = ecosystems[i % len(ecosystems)]
        out.append(
            Package(_TYPES[ecosystem], f"no-advisory-{i}", "1.0.0", "bench", ecosystem=ecosystem)
        )
    rng.shuffle(out)
    return out


def fleet_inventory(pool: list[Package], count: int, seed: int = 11) -> list[Package]:
    """``count`` lookups from 100 images, each drawing its packages from a fifth of ``pool``."""
    rng = random.Random(seed)
    shared = rng.sample(pool, len(pool) // 5)
    per_image = count // 100
    return [p for _ in range(100) for p in rng.sample(shared, min(per_image, len(shared)))]


def timed(fn: Callable[[], int]) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    findings = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, findings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", type=Path, help="database to use (default: build one)")
    parser.add_argument("--packages", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    shared = shared_dir()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "hullscan.db"
        if args.db is None:
            build_database(shared / "data" / "advisories", path)
        with VulnDB(path) as db:
            images = image_inventory(shared / "data" / "images")
            mix = mixed_inventory(db, args.packages)
            fleet = fleet_inventory(mix, args.packages)
            rows: list[tuple[str, int, float, float, int]] = []
            cases = (("images, cold", images), ("fleet, cold", fleet), ("distinct, cold", mix))
            for label, packages in cases:
                runs = [
                    timed(lambda p=packages: len(Matcher(db).match(p))) for _ in range(args.runs)
                ]
                wall = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[1] for r in runs)
                rows.append((label, len(packages), wall, cpu, runs[0][2]))
            matcher = Matcher(db)
            matcher.match(mix)
            runs = [timed(lambda: len(matcher.match(mix))) for _ in range(args.runs)]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            rows.append(("distinct, warm (rescan)", len(mix), wall, cpu, runs[0][2]))
    print("| inventory | packages | findings | wall s | CPU s | lookups/s (wall) |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, count, wall, cpu, findings in rows:
        rate = count / wall
        print(f"| {label} | {count:,} | {findings:,} | {wall:.3f} | {cpu:.3f} | {rate:,.0f} |")


if __name__ == "__main__":
    main()
