"""Fixtures for the report tests: real-data assessments, external validators, chromium."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hullscan.match.interface import ScanResult
from hullscan.policy import Assessment, Policy, assess, load_ignorefile, load_policy, load_vex

from ..policy import realdata

NOW = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
POLICY_DATA = Path(__file__).parent.parent / "policy" / "data"
NPM_CACHE = Path.home() / ".cache" / "hullscan-test" / "npm"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def app_result(shared: Path) -> ScanResult:
    return realdata.python_app(shared)


@pytest.fixture(scope="session")
def minbase_result(shared: Path) -> ScanResult:
    return realdata.minbase(shared)


@pytest.fixture(scope="session")
def assessment(
    app_result: ScanResult, minbase_result: ScanResult, tmp_path_factory: pytest.TempPathFactory
) -> Assessment:
    """Two images, one report: a VEX statement, a live and an expired exclusion, an ignore file."""
    folder = tmp_path_factory.mktemp("policy")
    (folder / "hullscan.yaml").write_text(
        "scan_policy:\n"
        "  fail_on: HIGH\n"
        "  exclusions:\n"
        "    - {package: libssl3, reason: internal patch applied, expires: 2099-12-31}\n"
        "    - {cve: CVE-2020-8203, reason: build-time only, expires: 2025-06-30}\n"
    )
    (folder / ".trivyignore").write_text("# accepted until the requests upgrade\nCVE-2021-33503\n")
    policy = load_policy(folder / "hullscan.yaml")
    ignored = load_ignorefile(folder / ".trivyignore")
    policy = replace(policy, exclusions=policy.exclusions + ignored)
    vex = load_vex(POLICY_DATA / "django.openvex.json")
    return assess(
        [app_result, minbase_result],
        policy,
        vex=vex,
        vex_documents=[str(POLICY_DATA / "django.openvex.json")],
        now=NOW,
    )


@pytest.fixture(scope="session")
def single(app_result: ScanResult) -> Assessment:
    """One image, no policy: every finding remains."""
    return assess([app_result], Policy(), now=NOW)


@pytest.fixture(scope="session")
def sarif_multitool() -> list[str]:
    """Microsoft's SARIF Multitool, installed once into a cache outside the repo."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot install @microsoft/sarif-multitool")
    NPM_CACHE.mkdir(parents=True, exist_ok=True)
    tool = NPM_CACHE / "node_modules" / ".bin" / "sarif-multitool"
    # xdist workers share the cache: one installs while the others wait on the lock.
    with (NPM_CACHE / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not tool.exists():
            subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "@microsoft/sarif-multitool"],
                cwd=NPM_CACHE,
                check=True,
                capture_output=True,
                timeout=600,
            )
    native = NPM_CACHE / "node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
    if native.exists():
        native.chmod(native.stat().st_mode | 0o100)
    return [str(tool)]


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (Debian package chromium)")
    return CHROMIUM
