"""The CLI stage: flags over the policy file, default files, streams, and the SBOM command."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from hullscan.errors import PolicyError, UsageError
from hullscan.match.interface import ScanResult, Severity
from hullscan.report import (
    Inventory,
    add_policy_and_report_args,
    add_sbom_args,
    check_policy_and_report_args,
    resolve_policy,
    run_policy_and_reports,
    run_sbom_report,
)

from .conftest import NOW, POLICY_DATA


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_policy_and_report_args(parser)
    return parser.parse_args(list(argv))


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_flags_override_the_policy_file(tmp_path: Path) -> None:
    (tmp_path / "hullscan.yaml").write_text(
        "scan_policy:\n  severity_levels: [CRITICAL]\n  ignore_unfixed: true\n"
        "  fail_on: CRITICAL\n  exit_code: 3\n  timeout: 10m\n"
        f"  vex: [{POLICY_DATA / 'django.openvex.json'}]\n"
    )
    policy = resolve_policy(
        _args(
            "--severity",
            "HIGH,critical",
            "--no-ignore-unfixed",
            "--fail-on",
            "medium",
            "--exit-code",
            "9",
            "--vex",
            str(POLICY_DATA / "lodash.cdx-vex.json"),
            "--first-seen-from",
            "image-created",
        ),
        cwd=tmp_path,
    )
    assert policy.severity_levels == (Severity.HIGH, Severity.CRITICAL)
    assert policy.ignore_unfixed is False
    assert (policy.fail_on, policy.exit_code) == (Severity.MEDIUM, 9)
    assert policy.timeout is not None and policy.timeout.total_seconds() == 600
    assert [Path(v).name for v in policy.vex] == ["django.openvex.json", "lodash.cdx-vex.json"]
    assert policy.first_seen_from.value == "image-created"


def test_default_files_are_read_from_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "hullscan.yaml").write_text("scan_policy:\n  ignore_unfixed: true\n")
    (tmp_path / ".trivyignore").write_text("CVE-2021-33503\n")
    (tmp_path / ".hullscanignore").write_text("CVE-2020-8203 pkg:npm/lodash\n")
    policy = resolve_policy(_args(), cwd=tmp_path)
    assert policy.ignore_unfixed is True
    assert [r.vuln_id for r in policy.exclusions] == ["CVE-2020-8203", "CVE-2021-33503"]
    # --ignorefile replaces the defaults.
    (tmp_path / "mine").write_text("CVE-2021-35042\n")
    policy = resolve_policy(_args("--ignorefile", str(tmp_path / "mine")), cwd=tmp_path)
    assert [r.vuln_id for r in policy.exclusions] == ["CVE-2021-35042"]


def test_no_policy_file_means_defaults(tmp_path: Path) -> None:
    policy = resolve_policy(_args(), cwd=tmp_path)
    assert policy.exclusions == () and policy.fail_on is None


def test_stdout_carries_only_the_report(app_result: ScanResult, tmp_path: Path) -> None:
    out = io.StringIO()
    code = run_policy_and_reports(
        _args("-f", "json", "--fail-on", "critical"),
        [app_result],
        stdout=out,
        now=NOW,
        cwd=tmp_path,
    )
    assert code == 1
    assert json.loads(out.getvalue())["gate"]["exit_code"] == 1


def test_output_file_and_no_colour_there(app_result: ScanResult, tmp_path: Path) -> None:
    out = _Tty()
    target = tmp_path / "report.txt"
    run_policy_and_reports(
        _args("-o", str(target)), [app_result], stdout=out, now=NOW, cwd=tmp_path
    )
    assert out.getvalue() == ""
    assert "\x1b[" not in target.read_text() and "CVE-2021-35042" in target.read_text()


def test_colour_on_a_terminal_unless_no_color(
    app_result: ScanResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = _Tty()
    run_policy_and_reports(_args(), [app_result], stdout=out, now=NOW, cwd=tmp_path)
    assert "\x1b[" in out.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    out = _Tty()
    run_policy_and_reports(_args(), [app_result], stdout=out, now=NOW, cwd=tmp_path)
    assert "\x1b[" not in out.getvalue()


def test_inputs_are_checked_before_the_scan(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(PolicyError, match=r"bad\.json:1: VEX document is not JSON"):
        check_policy_and_report_args(_args("--vex", str(tmp_path / "bad.json")), cwd=tmp_path)
    with pytest.raises(UsageError, match="--template is only used with -f template"):
        check_policy_and_report_args(_args("-f", "json", "--template", "x"), cwd=tmp_path)
    assert check_policy_and_report_args(_args(), cwd=tmp_path).exclusions == ()


def test_unwritable_output_is_a_usage_error(app_result: ScanResult, tmp_path: Path) -> None:
    args = _args("-o", str(tmp_path / "missing-dir" / "r.json"))
    with pytest.raises(UsageError, match="cannot write the report"):
        run_policy_and_reports(args, [app_result], now=NOW, cwd=tmp_path)


@pytest.mark.parametrize("fmt", ["cyclonedx", "spdx-json", "json"])
def test_sbom_command(app_result: ScanResult, tmp_path: Path, fmt: str) -> None:
    parser = argparse.ArgumentParser()
    add_sbom_args(parser)
    out = io.StringIO()
    code = run_sbom_report(parser.parse_args(["-f", fmt]), Inventory.of(app_result), stdout=out)
    document = json.loads(out.getvalue())
    assert code == 0
    assert "vulnerabilities" not in document
    assert "CVE-" not in out.getvalue()
