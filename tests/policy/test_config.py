"""The policy file: the documented shape loads, and every mistake is one line naming file,
line and key."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from hullscan.errors import PolicyError
from hullscan.match.interface import Severity
from hullscan.policy import FirstSeenFrom, SuppressionKind, TriggerKind, load_policy
from tests.policy.seed import SEED


def test_seed_policy_loads(write) -> None:  # type: ignore[no-untyped-def]
    policy = load_policy(write("hullscan.yaml", SEED))

    assert [t.kind for t in policy.triggers] == [
        TriggerKind.ON_PUSH,
        TriggerKind.ON_PR,
        TriggerKind.SCHEDULED,
    ]
    assert policy.triggers[2].schedule == "0 2 * * *"
    assert policy.severity_levels == (Severity.CRITICAL, Severity.HIGH)
    assert policy.ignore_unfixed is True
    assert policy.timeout == timedelta(minutes=30)
    first, second = policy.exclusions
    assert (first.vuln_id, first.reason, first.expires) == (
        "CVE-2021-12345",
        "assessed as false positive",
        date(2024, 12, 31),
    )
    assert first.kind is SuppressionKind.POLICY and first.source.endswith("hullscan.yaml:7")
    assert (second.package, second.reason, second.expires) == (
        "libssl1.1",
        "internal patch applied",
        None,
    )


def test_full_policy_with_classification_and_gate(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(
        "classes.yaml", "severity_classes:\n  HIGH: {cvss_range: '7.0-8.9', response_time: 3d}\n"
    )
    (tmp_path / "vex").mkdir()
    write("vex/app.openvex.json", "{}")
    policy = load_policy(
        write(
            "hullscan.yaml",
            "scan_policy:\n"
            "  classification: classes.yaml\n"
            "  fail_on: high\n"
            "  exit_code: 4\n"
            "  first_seen_from: image-created\n"
            "  vex: vex/app.openvex.json\n"
            "  exclusions:\n"
            "    - package: pkg:pypi/django\n"
            "      version: '>=3.2, <3.2.4'\n"
            "      ecosystem: PyPI\n"
            "      reason: admindocs not installed\n"
            "      expires: 2099-01-31\n",
        )
    )
    assert policy.fail_on is Severity.HIGH and policy.exit_code == 4
    assert policy.first_seen_from is FirstSeenFrom.IMAGE_CREATED
    assert policy.vex == (str(tmp_path / "vex" / "app.openvex.json"),)
    assert policy.classification is not None
    high = policy.classification.for_severity(Severity.HIGH)
    assert high is not None and high.response_time == timedelta(days=3)
    critical = policy.classification.for_severity(Severity.CRITICAL)
    assert critical is not None and critical.response_time == timedelta(hours=24)
    rule = policy.exclusions[0]
    assert rule.versions is not None
    assert rule.versions.constraints == ((">=", "3.2"), ("<", "3.2.4"))
    assert rule.expires == date(2099, 1, 31)


def test_empty_file_is_the_default_policy(write) -> None:  # type: ignore[no-untyped-def]
    policy = load_policy(write("hullscan.yaml", ""))
    assert policy.exclusions == () and policy.severity_levels == ()


BAD = [
    pytest.param(
        "scan_policy:\n  severity_level: [HIGH]\n",
        2,
        "scan_policy.severity_level",
        "unknown key; did you mean severity_levels?",
        id="unknown-key",
    ),
    pytest.param(
        'scan_policy:\n  ignore_unfixed: "yes please"\n',
        2,
        "scan_policy.ignore_unfixed",
        "expected true or false",
        id="wrong-type-bool",
    ),
    pytest.param(
        "scan_policy:\n  severity_levels: HIGH\n",
        2,
        "scan_policy.severity_levels",
        "expected a list",
        id="wrong-type-list",
    ),
    pytest.param(
        "scan_policy:\n  exclusions:\n    - cve: CVE-2021-33203\n      reason: x\n"
        "      expires: 2024-13-45\n",
        5,
        "scan_policy.exclusions[0].expires",
        "is not a date",
        id="bad-date",
    ),
    pytest.param(
        "scan_policy:\n  exclusions:\n"
        "    - {cve: CVE-2021-33203, reason: x, expires: 31/12/2024}\n",
        3,
        "scan_policy.exclusions[0].expires",
        "is not a date",
        id="bad-date-format",
    ),
    pytest.param(
        'scan_policy:\n  triggers:\n    - scheduled: "0 25 * * *"\n',
        3,
        "scan_policy.triggers[0].scheduled",
        "not a valid cron expression",
        id="bad-cron",
    ),
    pytest.param(
        "scan_policy:\n  severity_levels: [CRITICAL, SEVERE]\n",
        2,
        "scan_policy.severity_levels[1]",
        "unknown severity 'SEVERE'",
        id="bad-severity",
    ),
    pytest.param(
        "scan_policy:\n  timeout: 30 minutes\n",
        2,
        "scan_policy.timeout",
        "is not a duration",
        id="bad-duration",
    ),
    pytest.param(
        "scan_policy:\n  exclusions:\n    - {cve: CVE-2021-33203}\n",
        3,
        "scan_policy.exclusions[0]",
        "missing required key 'reason'",
        id="missing-reason",
    ),
    pytest.param(
        "scan_policy:\n  exit_code: 300\n",
        2,
        "scan_policy.exit_code",
        "must be 0-255",
        id="exit-code-range",
    ),
    pytest.param(
        "scan_policy:\n  classification:\n    HIGH: {cvss_range: '6.0-8.9'}\n",
        3,
        "scan_policy.classification",
        "overlap",
        id="overlapping-classes",
    ),
    pytest.param(
        "scan_policy:\n  exclusions: [{package: x, version: '~> 1.0', reason: r}]\n",
        2,
        "scan_policy.exclusions[0].version",
        "is not a version constraint",
        id="bad-version-range",
    ),
    pytest.param(
        "scan_policy:\n  ignore_unfixed: [true\n",
        3,
        "",
        "not valid YAML",
        id="not-yaml",
    ),
]


@pytest.mark.parametrize(("text", "line", "key", "problem"), BAD)
def test_bad_policy_is_one_clear_line(write, text: str, line: int, key: str, problem: str) -> None:  # type: ignore[no-untyped-def]
    path = write("hullscan.yaml", text)
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}: {key}")
    assert problem in message
    assert info.value.exit_code == 2


def test_missing_policy_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=re.escape(f"{tmp_path / 'nope.yaml'}: cannot read")):
        load_policy(tmp_path / "nope.yaml")
