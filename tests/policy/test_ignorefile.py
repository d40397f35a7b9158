"""``.trivyignore`` / ``.hullscanignore``: Trivy's format, reasons from comments, expiry."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from hullscan.errors import PolicyError
from hullscan.match.interface import ScanResult
from hullscan.policy import Policy, SuppressionKind, assess, load_ignorefile

from .conftest import NOW

TRIVYIGNORE = """\
# Accepted until the requests upgrade lands
# (tracked in OPS-1234)
CVE-2021-33503 exp:2099-01-01

GHSA-p6mc-m468-83gw pkg:npm/lodash   # lodash is only used at build time
CVE-2021-35042 exp:2025-01-31
"""


def test_trivyignore_rules_reasons_and_expiry(write) -> None:  # type: ignore[no-untyped-def]
    path = write(".trivyignore", TRIVYIGNORE)
    rules = load_ignorefile(path)
    assert [(r.vuln_id, r.package, r.expires) for r in rules] == [
        ("CVE-2021-33503", "", date(2099, 1, 1)),
        ("GHSA-p6mc-m468-83gw", "pkg:npm/lodash", None),
        ("CVE-2021-35042", "", date(2025, 1, 31)),
    ]
    assert rules[0].reason == "Accepted until the requests upgrade lands (tracked in OPS-1234)"
    assert rules[1].reason == "lodash is only used at build time"
    assert rules[2].reason == "listed in .trivyignore"
    assert rules[0].source == f"{path}:3" and rules[0].kind is SuppressionKind.IGNOREFILE


def test_ignorefile_rules_apply_by_alias_and_expire(write, app_result: ScanResult) -> None:  # type: ignore[no-untyped-def]
    rules = load_ignorefile(write(".trivyignore", TRIVYIGNORE))
    assessment = assess([app_result], replace(Policy(), exclusions=rules), now=NOW)
    target = assessment.targets[0]
    assert {f.finding.id for f in target.suppressed} == {"CVE-2021-33503", "CVE-2020-8203"}
    assert "CVE-2021-35042" in {f.finding.id for f in target.findings}
    [expired] = assessment.expired
    assert expired.exclusion.vuln_id == "CVE-2021-35042"
    assert expired.matched == ("CVE-2021-35042 in Django",)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("CVE-2021-33503 exp:2024-02-30\n", 1, "'2024-02-30' is not a date"),
        ("# c\nCVE-2021-33503 until:2024-01-01\n", 2, "unexpected field 'until:2024-01-01'"),
    ],
)
def test_bad_ignorefile_is_one_clear_line(write, text: str, line: int, problem: str) -> None:  # type: ignore[no-untyped-def]
    path = write(".hullscanignore", text)
    with pytest.raises(PolicyError) as info:
        load_ignorefile(path)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert problem in str(info.value)
