"""Registry pulls: resolve latency and requests, blob throughput, against skopeo on the same host.

Starts Debian's docker-registry on 127.0.0.1 (shared/tools/local-registry.sh) with the shared
images pushed, once anonymous and once behind htpasswd, and measures in this process:

- resolve: ``RegistrySource.resolve()`` in a fresh source each run (new connection, /v2/
  check, manifest(s), config), median of ``--runs``, and the requests the registry logged;
- pull: resolve plus every layer blob read through ``open_blob`` and hashed, in MB/s;
- skopeo: ``skopeo copy docker://… dir:…`` of the same image, the daemonless reference;
- scan: ``hullscan image REF`` as a user runs it (a fresh process, matched against a database
  built from the shared advisories), cold (empty layer cache) and warm (the same cache), for
  every pushed image, with the blob requests each run made as the registry logged them.

    python bench/bench_registry.py [--runs 5] > table.md
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.conftest import shared_dir  # noqa: E402
from tests.image.registry.conftest import (  # noqa: E402
    PASSWORD,
    PUSHES,
    USER,
    LocalRegistry,
    push_all,
    start_registry,
    stop_registry,
)

from hullscan.image.interface import Platform  # noqa: E402
from hullscan.image.registry import RegistryOptions, open_registry_source  # noqa: E402
from hullscan.vulndb import build_database  # noqa: E402

CASES = [
    ("busybox-amd64", None),
    ("busybox-multiarch", "linux/arm64/v8"),
    ("debian-python-app", None),
]


def _median(run: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _resolve(ref: str, options: RegistryOptions) -> None:
    with open_registry_source(ref, options) as source:
        source.resolve()


def _pull(ref: str, options: RegistryOptions) -> int:
    total = 0
    with open_registry_source(ref, options) as source:
        for layer in source.resolve().layers:
            digest = hashlib.sha256()
            with source.open_blob(layer) as blob:
                while chunk := blob.read(1 << 20):
                    digest.update(chunk)
                    total += len(chunk)
    return total


def _skopeo(ref: str, platform: str | None, creds: str) -> float:
    target = Path(tempfile.mkdtemp(prefix="bench-skopeo-"))
    cmd = ["skopeo", "copy", "-q", "--src-tls-verify=false"]
    if creds:
        cmd += ["--src-creds", creds]
    if platform:
        os_, arch, *variant = platform.split("/")
        cmd += ["--override-os", os_, "--override-arch", arch]
        cmd += ["--override-variant", variant[0]] if variant else []
    cmd += [f"docker://{ref}", f"dir:{target / 'img'}"]
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    elapsed = time.perf_counter() - start
    shutil.rmtree(target)
    return elapsed


def _measure(registry: LocalRegistry, label: str, options: RegistryOptions, runs: int) -> None:
    creds = f"{registry.username}:{registry.password}" if registry.username else ""
    for name, platform in CASES:
        ref = registry.ref(name)
        opts = replace(options, platform=Platform.parse(platform) if platform else None)
        mark = registry.log_mark()
        _resolve(ref, opts)
        requests = len(registry.accesses(mark))
        resolve_s = _median(lambda ref=ref, opts=opts: _resolve(ref, opts), runs)
        size = _pull(ref, opts)
        pull_s = _median(lambda ref=ref, opts=opts: _pull(ref, opts), max(1, runs // 2))
        skopeo_s = _median(
            lambda ref=ref, platform=platform: _skopeo(ref, platform, creds), max(1, runs // 2)
        )
        print(
            f"| {name} | {label} | {resolve_s * 1000:.1f} | {requests} | {size / 1e6:.1f} "
            f"| {pull_s:.2f} | {size / 1e6 / pull_s:.0f} | {skopeo_s:.2f} |"
        )


def _scan(registry: LocalRegistry, name: str, db: Path, cache: Path) -> tuple[float, int, int]:
    """Wall seconds, blob requests and findings of one ``hullscan image`` run."""
    out = cache.parent / f"{name}.json"
    cmd = [sys.executable, "-m", "hullscan", "image", registry.ref(name), "--db", str(db)]
    cmd += ["--cache-dir", str(cache), "-q", "-f", "json", "-o", str(out)]
    if name == "busybox-multiarch":
        cmd += ["--platform", "linux/arm64/v8"]
    env = dict(os.environ, HOME=str(cache.parent))  # no Docker config of the user's
    if registry.username:
        env |= {"HULLSCAN_USERNAME": registry.username, "HULLSCAN_PASSWORD": registry.password}
    mark = registry.log_mark()
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env)
    elapsed = time.perf_counter() - start
    blobs = sum("/blobs/" in a.path for a in registry.accesses(mark))
    findings = len(json.loads(out.read_text())["results"][0]["findings"])
    return elapsed, blobs, findings


def _measure_scans(registry: LocalRegistry, label: str, db: Path, runs: int) -> None:
    for name in PUSHES:
        colds, warms = [], []
        for _ in range(runs):
            cache = Path(tempfile.mkdtemp(prefix="bench-scan-")) / "cache"
            cold, cold_blobs, findings = _scan(registry, name, db, cache)
            warm, warm_blobs, _ = _scan(registry, name, db, cache)
            colds.append(cold)
            warms.append(warm)
            shutil.rmtree(cache.parent)
        print(
            f"| {name} | {label} | {findings} | {statistics.median(colds):.2f} | {cold_blobs} "
            f"| {statistics.median(warms):.2f} | {warm_blobs} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    shared = shared_dir()
    work = Path(tempfile.mkdtemp(prefix="bench-registry-"))
    anonymous = start_registry(shared, work / "anon")
    protected: LocalRegistry | None = None
    try:
        push_all(anonymous, shared / "data" / "images")
        htpasswd = work / "htpasswd"
        done = subprocess.run(
            ["htpasswd", "-Bbn", USER, PASSWORD], check=True, capture_output=True, text=True
        )
        htpasswd.write_text(done.stdout)
        (work / "auth").mkdir()
        (work / "auth" / "data").symlink_to(work / "anon" / "data")
        protected = start_registry(shared, work / "auth", htpasswd)
        protected.username, protected.password = USER, PASSWORD
        protected.refs = {
            n: r.replace(anonymous.host, protected.host) for n, r in anonymous.refs.items()
        }
        print("| image | auth | resolve ms (median) | requests per resolve | blob MB "
              "| pull s | pull MB/s | skopeo copy s |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|")
        options = RegistryOptions(docker_config=work / "no-config.json")
        _measure(anonymous, "anonymous", options, args.runs)
        basic = replace(options, username=USER, password=PASSWORD)
        _measure(protected, "htpasswd", basic, args.runs)

        db = work / "hullscan.db"
        build_database(shared / "data" / "advisories", db, offline=True)
        print("\n| image | auth | findings | scan cold s | blob GETs cold | scan warm s "
              "| blob GETs warm |")  # fmt: skip
        print("|---|---|---:|---:|---:|---:|---:|")
        for registry, label in ((anonymous, "anonymous"), (protected, "htpasswd")):
            _measure_scans(registry, label, db, max(1, args.runs // 2))
    finally:
        stop_registry(anonymous)
        if protected is not None:
            stop_registry(protected)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
