"""Scan speed and memory on the shared images: hullscan cold and warm, the gunzip floor, Syft.

Each measurement runs in a fresh process (so import time counts, as it does for a user) and
its peak RSS is read from that child's rusage. Cold = empty layer cache; warm = the same scan
again with the cache it left. The floor is the time `gzip -dc` takes to inflate the image's
gzip layers (`cat` for uncompressed ones), with nothing parsed. Syft is run as
`syft <scheme>:<file> -o syft-json`; for the two-image Debian OCI file, which Syft cannot pick
from, and the nested multi-arch index, which it cannot resolve, it gets a single-image copy
made with skopeo beforehand; for the gzip-wrapped docker archive, which it cannot read, a
gunzipped copy (all untimed). "in process" is the inventory call alone, timed inside the
same processes: the scan without interpreter start and imports. "OS only" is a cold scan
with the OS analyzers alone (`--pkg-types os`), as a process and in process: the language
analyzers' cost is the full cold time over it, each way.

    python bench/bench_scan.py [--runs 3] [--syft PATH] > table.md
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(os.environ.get("HULLSCAN_SHARED", Path(__file__).resolve().parents[2] / "shared"))
IMAGES = SHARED / "data" / "images"


@dataclass(frozen=True)
class Case:
    label: str
    file: str
    image: str | None = None
    platform: str | None = None


CASES = [
    Case("debian-python-app (docker .tar.gz)", "debian-python-app.docker.tar.gz"),
    Case("debian-python-app (OCI)", "debian-images.oci.tar", "debian-python-app"),
    Case("debian-bookworm-minbase (OCI)", "debian-images.oci.tar", "debian-bookworm-minbase"),
    Case("alpine-3.18.9 (docker)", "alpine-3.18.9.docker.tar"),
    Case("alpine-3.14.10 (OCI)", "alpine-images.oci.tar", "alpine-3.14.10"),
    Case("busybox-amd64 (docker)", "busybox-amd64.docker.tar"),
    Case("busybox arm64 (OCI index)", "busybox-multiarch.oci.tar", None, "linux/arm64/v8"),
    Case("go-hello (OCI)", "go-hello.oci.tar"),
]

SCAN = """
import sys
import time
from pathlib import Path
from hullscan.image.interface import Platform
from hullscan.inventory.interface import AnalyzerKind
from hullscan.pipeline import InventoryOptions, inventory_target
target, image, platform, cache, kinds = sys.argv[1:6]
options = InventoryOptions(
    image=image or None,
    platform=Platform.parse(platform) if platform else None,
    cache_dir=Path(cache),
    kinds=frozenset(AnalyzerKind(kind) for kind in kinds.split(",")),
)
start = time.perf_counter()
result = inventory_target(target, options)
print(len(result.inventory.packages), time.perf_counter() - start)
"""


def timed(cmd: list[str], stdout: int | None = subprocess.DEVNULL) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) and stdout of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE if stdout is None else stdout)
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd[:3]} failed")
    return elapsed, usage.ru_maxrss, out


def layer_blobs(case: Case, workdir: Path) -> list[Path]:
    """The image's layer blobs as separate files (untimed), for the floor measurement."""
    path = IMAGES / case.file
    dest = workdir / "blobs" / case.file
    if not dest.exists():
        dest.mkdir(parents=True)
        if path.name.endswith(".tar.gz"):
            return [path]
        with tarfile.open(path) as tar:
            tar.extractall(dest, filter="data")
    if (dest / "manifest.json").exists():
        manifest = json.loads((dest / "manifest.json").read_text())[0]
        return [dest / layer for layer in manifest["Layers"]]
    index = json.loads((dest / "index.json").read_text())
    desc = index["manifests"][0]
    if case.image:
        desc = next(
            d
            for d in index["manifests"]
            if d.get("annotations", {}).get("org.opencontainers.image.ref.name") == case.image
        )
    blob = json.loads((dest / "blobs/sha256" / desc["digest"].split(":")[1]).read_text())
    if "manifests" in blob:  # an index: take the platform's manifest
        arch = (case.platform or "linux/amd64").split("/")[1]
        desc = next(d for d in blob["manifests"] if d["platform"]["architecture"] == arch)
        blob = json.loads((dest / "blobs/sha256" / desc["digest"].split(":")[1]).read_text())
    return [dest / "blobs/sha256" / layer["digest"].split(":")[1] for layer in blob["layers"]]


def floor_seconds(blobs: list[Path]) -> float:
    start = time.perf_counter()
    for blob in blobs:
        with blob.open("rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b"
        tool = ["gzip", "-dc"] if gz else ["cat"]
        subprocess.run([*tool, str(blob)], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def syft_target(case: Case, workdir: Path) -> str:
    path = IMAGES / case.file
    if case.file.endswith(".docker.tar.gz"):  # Syft cannot read a gzip-wrapped archive
        plain = workdir / case.file.removesuffix(".gz")
        if not plain.exists():
            with plain.open("wb") as out:
                subprocess.run(["gzip", "-dc", str(path)], stdout=out, check=True)
        return f"docker-archive:{plain}"
    if case.file.endswith(".docker.tar"):
        return f"docker-archive:{path}"
    if case.image or case.platform:  # Syft picks neither by ref name nor from a nested index
        name = case.image or "latest"
        single = workdir / f"{name}-{(case.platform or '').replace('/', '-')}.oci.tar"
        override = []
        if case.platform:
            _, arch, *variant = case.platform.split("/")
            override = [
                "--override-arch",
                arch,
                *(["--override-variant", *variant] if variant else []),
            ]
        if not single.exists():
            subprocess.run(
                [
                    "skopeo",
                    *override,
                    "copy",
                    f"oci-archive:{path}:{name}",
                    f"oci-archive:{single}:{name}",
                ],
                check=True,
                capture_output=True,
            )
        return f"oci-archive:{single}"
    return f"oci-archive:{path}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--syft", default=shutil.which("syft") or "")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="hullscan-bench-"))
    # An installed package has byte code; an editable checkout under PYTHONDONTWRITEBYTECODE
    # would recompile every module in every measured process.
    src = Path(__file__).resolve().parents[1] / "src"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], check=True)
    env_note = f"load average before: {os.getloadavg()[0]:.2f}"
    rows = []
    for case in CASES:
        blobs = layer_blobs(case, workdir)
        floor = statistics.median(floor_seconds(blobs) for _ in range(args.runs))
        colds, warms, rss_cold, rss_warm, syfts, rss_syft = [], [], [], [], [], []
        os_only, os_only_inner = [], []
        inner_colds, inner_warms = [], []
        packages = ""
        for run in range(args.runs):
            cache = workdir / f"cache-{case.label}-{run}".replace(" ", "_")
            cmd = [
                sys.executable,
                "-c",
                SCAN,
                str(IMAGES / case.file),
                case.image or "",
                case.platform or "",
                str(cache),
                "os,library",
            ]
            t, rss, out = timed(cmd, stdout=None)
            packages, inner = out.split()
            colds.append(t)
            inner_colds.append(float(inner))
            rss_cold.append(rss)
            t, rss, out = timed(cmd, stdout=None)
            warms.append(t)
            inner_warms.append(float(out.split()[1]))
            rss_warm.append(rss)
            t, _, out = timed([*cmd[:-2], str(cache) + "-os", "os"], stdout=None)
            os_only.append(t)
            os_only_inner.append(float(out.split()[1]))
            if args.syft:
                syft_cmd = [args.syft, syft_target(case, workdir), "-o", "syft-json"]
                t, rss, _ = timed([*syft_cmd, "-q"])
                syfts.append(t)
                rss_syft.append(rss)
        cold = statistics.median(colds)
        warm = statistics.median(warms)
        base = statistics.median(os_only)
        base_inner = statistics.median(os_only_inner)
        inner_cold = statistics.median(inner_colds)
        inner_warm = statistics.median(inner_warms)
        syft = statistics.median(syfts) if syfts else float("nan")
        rows.append(
            f"| {case.label} | {packages} | {floor:.2f} | {cold:.2f} | {cold / floor:.2f} "
            f"| {warm:.3f} | {warm / cold:.3f} "
            f"| {inner_cold:.3f} | {inner_warm:.4f} | {inner_warm / inner_cold:.3f} "
            f"| {base:.2f} | {cold / base - 1:+.0%} "
            f"| {base_inner:.3f} | {inner_cold / base_inner - 1:+.0%} "
            f"| {max(rss_cold) // 1024} | {max(rss_warm) // 1024} "
            f"| {syft:.2f} | {cold / syft:.2f} | {max(rss_syft or [0]) // 1024} |"
        )
    print(f"runs per cell: {args.runs} (median); {env_note}; CPU: {os.cpu_count()} cores\n")
    print(
        "| image | packages | gunzip floor s | cold s | cold/floor | warm s | warm/cold "
        "| in process: cold s | warm s | warm/cold | OS-only cold s | full over OS-only "
        "| in process: OS-only cold s | full over OS-only "
        "| cold RSS MiB | warm RSS MiB | Syft s | cold/Syft | Syft RSS MiB |"
    )
    print("|---" + "|---:" * 18 + "|")
    print("\n".join(rows))
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
