"""Registry pulls: resolve latency and requests, blob throughput, against skopeo on the same host.

Starts Debian's docker-registry on 127.0.0.1 (shared/tools/local-registry.sh) with the shared
images pushed, once anonymous and once behind htpasswd, and measures in this process:

- resolve: ``RegistrySource.resolve()`` in a fresh source each run (new connection, /v2/
  check, manifest(s), config), median of ``--runs``, and the requests the registry logged;
- pull: resolve plus every layer blob read through ``open_blob`` and hashed, in MB/s;
- skopeo: ``skopeo copy docker://… dir:…`` of the same image, the daemonless reference.

    python bench/bench_registry.py [--runs 5] > table.md
"""

from __future__ import annotations

import argparse
import hashlib
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
    USER,
    LocalRegistry,
    push_all,
    start_registry,
    stop_registry,
)

from hullscan.image.interface import Platform  # noqa: E402
from hullscan.image.registry import RegistryOptions, open_registry_source  # noqa: E402

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
    finally:
        stop_registry(anonymous)
        if protected is not None:
            stop_registry(protected)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
