"""The exit-code matrix of docs/exit-codes.md, run row by row through the CLI stage.

The table in the docs is the test's parameter list, so the documented behaviour and the tested
one cannot drift apart. Each row runs the flags through `add_policy_and_report_args` and
`run_policy_and_reports` the way the CLI does, turning HullscanError into its exit code and
argparse rejections into 2.
"""

from __future__ import annotations

import argparse
import re
import shlex
from dataclasses import replace
from pathlib import Path

import pytest

from hullscan.errors import HullscanError
from hullscan.match.interface import ScanResult
from hullscan.report import add_policy_and_report_args, run_policy_and_reports

from .conftest import NOW

DOC = Path(__file__).resolve().parents[2] / "docs" / "exit-codes.md"
PICK = {
    "CRITICAL": ("CVE-2021-35042", "Django"),
    "HIGH": ("CVE-2021-33503", "urllib3"),
    "MEDIUM": ("CVE-2021-33203", "Django"),
    "LOW": ("CVE-2010-0928", "libssl3"),
}
FILES = {
    "gate.yaml": "scan_policy:\n  fail_on: HIGH\n",
    "exclude.yaml": "scan_policy:\n  exclusions:\n    - {cve: CVE-2021-33503, reason: accepted}\n",
    "expired.yaml": "scan_policy:\n  exclusions:\n"
    "    - {cve: CVE-2021-33503, reason: accepted, expires: 2025-01-01}\n",
    "bad.yaml": "scan_policy:\n  fail_when: HIGH\n",
    "bad.vex.json": "statements: not json\n",
}


def _matrix() -> list[tuple[str, str, int]]:
    text = DOC.read_text(encoding="utf-8").split("## Matrix", 1)[1]
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[2].isdigit():
            continue
        flags = "" if cells[0] == "(none)" else cells[0].strip("`")
        rows.append((flags, cells[1], int(cells[2])))
    return rows


MATRIX = _matrix()


def test_matrix_is_documented() -> None:
    assert len(MATRIX) >= 25
    assert {code for _, _, code in MATRIX} >= {0, 1, 2, 4, 5}


def _result(app: ScanResult, findings: str) -> ScanResult:
    wanted = set() if findings == "none" else {PICK[s.strip()] for s in findings.split(",")}
    chosen = tuple(f for f in app.findings if (f.id, f.package.name) in wanted)
    assert len(chosen) == len(wanted)
    return replace(app, findings=chosen)


def run_cli_stage(argv: list[str], results: list[ScanResult], cwd: Path) -> int:
    """What the CLI's main does for the policy-and-report part of a scan."""
    parser = argparse.ArgumentParser(prog="hullscan image", exit_on_error=False)
    add_policy_and_report_args(parser)
    try:
        args = parser.parse_args(argv)
    except (argparse.ArgumentError, SystemExit):
        return 2
    try:
        return run_policy_and_reports(args, results, now=NOW, cwd=cwd)
    except HullscanError as err:
        assert "\n" not in str(err)
        return err.exit_code


@pytest.mark.parametrize(
    ("flags", "findings", "expected"),
    MATRIX,
    ids=[re.sub(r"\s+", " ", f"{flags or 'no-flags'} | {fs}") for flags, fs, _ in MATRIX],
)
def test_exit_code_matrix(
    app_result: ScanResult, tmp_path: Path, flags: str, findings: str, expected: int
) -> None:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    argv = [
        str(tmp_path / a) if a in FILES or a == "missing.yaml" else a for a in shlex.split(flags)
    ]
    argv += ["-o", str(tmp_path / "report.out")]
    code = run_cli_stage(argv, [_result(app_result, findings)], tmp_path)
    assert code == expected
