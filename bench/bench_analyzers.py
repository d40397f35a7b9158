"""Per-file costs of the analyzers: `wants` on every file of a real image, and a few parses.

`wants` is asked about every file of every layer, so its cost is paid ~10,000 times per
image; the walk asks only the analyzers whose file-name hints admit a file
(`AnalyzerDispatch`). This measures, over every regular file in debian-images.oci.tar:
nanoseconds per `wants` call for each analyzer, and per file for all analyzers asked
directly and through the dispatch. Then the parse time of the three largest real inputs of
their kind: debian-bookworm-minbase's dpkg status (110 packages), the largest Java fixture,
and go-hello's binary. CPU time, best of ``--rounds``.

    python bench/bench_analyzers.py [--rounds 9] > table.md
"""

from __future__ import annotations

import argparse
import io
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_scan import IMAGES, SHARED

from hullscan.image.walk import AnalyzerDispatch
from hullscan.inventory import all_analyzers
from hullscan.inventory.interface import AnalyzerOptions, FileMeta

FIXTURES = SHARED / "data" / "fixtures"


def image_files(archive: Path) -> list[tuple[FileMeta, tarfile.TarFile, tarfile.TarInfo]]:
    """Every regular file of every layer blob in an OCI tar, with where to read it."""
    outer = tarfile.open(archive)  # noqa: SIM115 - kept open for the bodies read later
    found = []
    for member in outer.getmembers():
        if not member.isfile() or member.size < 4096:
            continue
        try:
            layer = tarfile.open(fileobj=outer.extractfile(member))  # noqa: SIM115
        except tarfile.TarError:
            continue  # a config or manifest blob
        for entry in layer.getmembers():
            if entry.isfile():
                path = entry.name.removeprefix("./")
                found.append((FileMeta(path=path, size=entry.size, mode=entry.mode), layer, entry))
    return found


def _read(layer: tarfile.TarFile, entry: tarfile.TarInfo) -> bytes:
    body = layer.extractfile(entry)
    assert body is not None
    return body.read()


def best_of(rounds: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(rounds):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    analyzers = all_analyzers()
    files = image_files(IMAGES / "debian-images.oci.tar")
    metas = [meta for meta, _, _ in files]
    n = len(metas)

    print(f"{n:,} files of debian-images.oci.tar, CPU time, best of {args.rounds}\n")
    print("| analyzer | file-name hints | wants ns/call |")
    print("|---|---|---:|")
    for analyzer in analyzers:
        wants = analyzer.wants
        seconds = best_of(args.rounds, lambda wants=wants: [wants(m.path, m) for m in metas])
        hinted = "yes" if analyzer.file_names or analyzer.file_suffixes else "no"
        print(f"| {analyzer.name} | {hinted} | {seconds / n * 1e9:.0f} |")
    every = best_of(
        args.rounds, lambda: [[a for a in analyzers if a.wants(m.path, m)] for m in metas]
    )
    dispatch = AnalyzerDispatch(analyzers)
    hinted = best_of(args.rounds, lambda: [dispatch.wanting(m.path, m) for m in metas])
    print(
        f"\nAll {len(analyzers)} analyzers, per file: {every / n * 1e9:.0f} ns asking every "
        f"`wants`, {hinted / n * 1e9:.0f} ns through the dispatch ({every * 1e3:.1f} ms and "
        f"{hinted * 1e3:.1f} ms for the {n:,} files).\n"
    )

    by_name = {a.name: a for a in analyzers}
    status = next(
        (layer, entry) for meta, layer, entry in files if meta.path == "var/lib/dpkg/status"
    )
    java_fixtures = sorted(FIXTURES.glob("java/*/*.[jwe]ar"), key=lambda p: p.stat().st_size)
    go_meta, go_layer, go_entry = max(
        image_files(IMAGES / "go-hello.oci.tar"), key=lambda f: f[0].size
    )
    cases = [
        ("dpkg", "var/lib/dpkg/status", _read(*status)),
        ("java-archive", java_fixtures[-1].name, java_fixtures[-1].read_bytes()),
        ("go-binary", go_meta.path, _read(go_layer, go_entry)),
    ]
    print("| analyzer | input | bytes | analyze ms |")
    print("|---|---|---:|---:|")
    options = AnalyzerOptions()
    for name, path, data in cases:
        analyzer = by_name[name]
        seconds = best_of(
            args.rounds, lambda a=analyzer, p=path, d=data: a.analyze(p, io.BytesIO(d), options)
        )
        print(f"| {name} | {path} | {len(data):,} | {seconds * 1e3:.2f} |")


if __name__ == "__main__":
    main()
