"""The policy stage end to end: the real image, database and matcher, then policy and VEX.

The policy tests under tests/policy assess findings built by hand; these run `hullscan image`
on debian-python-app against the database built from the shared advisories, so the ids,
severities and fixed versions the rules meet are the matcher's own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hullscan.cli import main
from tests.conftest import shared_dir
from tests.policy.seed import seed_policy

DATA = Path(__file__).parent / "data"

# The seed policy with its dates moved: one exclusion live (2099), one expired (2025),
# the package rule as written (libssl1.1 is not in bookworm, so it excludes nothing).
SEED = seed_policy(
    '{cve: "CVE-2021-35042", reason: "assessed as false positive", expires: "2099-12-31"}',
    '{cve: "CVE-2022-0235", reason: "node-fetch only runs at build time", expires: "2025-06-30"}',
    '{package: "libssl1.1", reason: "internal patch applied"}',
)


def _scan(vulndb: Path, out: Path, *flags: str) -> tuple[int, dict[str, Any]]:
    image = shared_dir() / "data" / "images" / "debian-python-app.docker.tar.gz"
    args = ["image", str(image), "--db", str(vulndb), "--offline", "--no-cache", "-q"]
    code = main([*args, "-f", "json", "-o", str(out), *flags])
    return code, json.loads(out.read_text())


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return sorted(f"{f['id']} {f['package']['name']}" for f in items)


def test_seed_policy_on_real_findings(vulndb_path: Path, tmp_path: Path) -> None:
    policy = tmp_path / "hullscan.yaml"
    policy.write_text(SEED)
    code, report = _scan(vulndb_path, tmp_path / "r.json", "--config", str(policy))
    [result] = report["results"]

    # CRITICAL and HIGH with a fix, less the live exclusion; node-fetch stays: its rule expired.
    assert _ids(result["findings"]) == [
        "CVE-2018-18074 requests",
        "CVE-2019-10906 Jinja2",
        "CVE-2019-11324 urllib3",
        "CVE-2021-31542 Django",
        "CVE-2021-32839 sqlparse",
        "CVE-2021-33503 urllib3",
        "CVE-2021-33571 Django",
        "CVE-2021-44420 Django",
        "CVE-2022-0235 node-fetch",
        "CVE-2022-28346 Django",
        "CVE-2022-34265 Django",
        "CVE-2023-43804 urllib3",
        "CVE-2023-44271 Pillow",
        "CVE-2024-3651 idna",
    ]
    [excluded] = result["suppressed"]
    assert _ids([excluded]) == ["CVE-2021-35042 Django"]
    assert excluded["suppression"]["kind"] == "policy"
    assert excluded["suppression"]["reason"] == "assessed as false positive"
    assert excluded["suppression"]["source"].endswith("hullscan.yaml:7")

    # python3.11's CVE-2023-24329 is HIGH but has no fix: dropped by ignore_unfixed.
    assert result["summary"]["filtered"]["unfixed"] > 0
    assert "CVE-2023-24329" not in {f["id"] for f in result["findings"]}
    [expired] = report["expired_exclusions"]
    assert expired["rule"] == "CVE-2022-0235"
    assert expired["expires"] == "2025-06-30"
    assert expired["matched"] == ["CVE-2022-0235 in node-fetch"]

    # The seed sets no gate, so the scan reports and exits 0; the flags turn the gate on.
    assert code == 0
    flags = ("--config", str(policy))
    assert _scan(vulndb_path, tmp_path / "a.json", *flags, "--exit-code", "5")[0] == 5
    assert _scan(vulndb_path, tmp_path / "b.json", *flags, "--fail-on", "critical")[0] == 1


@pytest.mark.parametrize(
    ("vex", "suppressed", "rule"),
    [
        ("django.openvex.json", "CVE-2021-33203 Django", "CVE-2021-33203"),
        ("lodash.cdx-vex.json", "NSWG-ECO-516 lodash", "CVE-2020-8203"),
    ],
)
def test_vex_suppresses_the_chosen_finding(
    vulndb_path: Path, tmp_path: Path, vex: str, suppressed: str, rule: str
) -> None:
    """Each document names its vulnerability by another id than the finding's primary one
    (an alias in OpenVEX, the CVE whose NSWG reference is the record in CycloneDX)."""
    _, plain = _scan(vulndb_path, tmp_path / "plain.json")
    _, with_vex = _scan(vulndb_path, tmp_path / "vex.json", "--vex", str(DATA / vex))
    before = _ids(plain["results"][0]["findings"])
    after = with_vex["results"][0]

    assert suppressed in before
    assert _ids(after["findings"]) == sorted(set(before) - {suppressed})
    [item] = after["suppressed"]
    assert _ids([item]) == [suppressed]
    assert item["suppression"]["kind"] == "vex"
    assert item["suppression"]["rule"] == rule
    assert item["suppression"]["reason"].startswith("not_affected: ")
