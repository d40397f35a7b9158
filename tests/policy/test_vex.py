"""VEX in: an OpenVEX and a CycloneDX VEX document each take out a chosen real finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from hullscan.errors import PolicyError
from hullscan.match.interface import ScanResult
from hullscan.policy import Policy, SuppressionKind, assess, load_vex
from hullscan.policy.purl import purl_matches

from .conftest import NOW

DATA = Path(__file__).parent / "data"


def _by_id(assessment, key: str):  # type: ignore[no-untyped-def]
    return [
        f for t in assessment.targets for f in (*t.findings, *t.suppressed) if f.finding.id == key
    ]


def test_openvex_suppresses_django_by_alias_and_subcomponent(app_result: ScanResult) -> None:
    statements = load_vex(DATA / "django.openvex.json")
    assert [s.status for s in statements] == ["not_affected", "under_investigation"]

    assessment = assess([app_result], Policy(), vex=statements, now=NOW)
    target = assessment.targets[0]

    suppressed = {f.finding.id: f for f in target.suppressed}
    assert set(suppressed) == {"CVE-2021-33203"}
    item = suppressed["CVE-2021-33203"]
    assert item.suppression is not None
    assert item.suppression.kind is SuppressionKind.VEX
    assert item.suppression.statement is not None
    assert item.suppression.statement.justification == "vulnerable_code_not_in_execute_path"
    assert item.suppression.source.endswith("django.openvex.json:8")
    assert "admindocs" in item.suppression.reason
    # under_investigation does not suppress; urllib3 stays.
    assert "CVE-2021-33503" in {f.finding.id for f in target.findings}


def test_cyclonedx_vex_suppresses_lodash_through_bom_link(app_result: ScanResult) -> None:
    statements = load_vex(DATA / "lodash.cdx-vex.json")
    assert [(s.vuln_id, s.status) for s in statements] == [
        ("CVE-2020-8203", "not_affected"),
        ("CVE-2021-35042", "affected"),
    ]
    assert statements[0].products == ("pkg:npm/lodash@4.17.15",)

    assessment = assess([app_result], Policy(), vex=statements, now=NOW)
    target = assessment.targets[0]
    assert [f.finding.id for f in target.suppressed] == ["CVE-2020-8203"]
    assert target.suppressed[0].suppression is not None
    assert target.suppressed[0].suppression.reason == (
        "not_affected: code_not_reachable (zipObjectDeep is never called with user input)"
    )
    assert "CVE-2021-35042" in {f.finding.id for f in target.findings}


def test_vex_for_another_image_does_not_apply(app_result: ScanResult, tmp_path: Path) -> None:
    text = (
        (DATA / "django.openvex.json")
        .read_text()
        .replace("pkg:oci/debian-python-app", "pkg:oci/some-other-app")
    )
    (tmp_path / "other.json").write_text(text)
    assessment = assess([app_result], Policy(), vex=load_vex(tmp_path / "other.json"), now=NOW)
    assert assessment.targets[0].suppressed == ()


def test_later_affected_statement_withdraws_not_affected(
    app_result: ScanResult, tmp_path: Path
) -> None:
    path = tmp_path / "v.json"
    path.write_text(
        '{"@context": "https://openvex.dev/ns/v0.2.0", "statements": ['
        '{"vulnerability": {"name": "CVE-2021-33203"}, "products": [{"@id": "pkg:pypi/django"}],'
        ' "status": "not_affected", "justification": "component_not_present",'
        ' "timestamp": "2026-01-01T00:00:00Z"},'
        '{"vulnerability": {"name": "CVE-2021-33203"}, "products": [{"@id": "pkg:pypi/django"}],'
        ' "status": "affected", "timestamp": "2026-06-01T00:00:00Z"}]}'
    )
    assessment = assess([app_result], Policy(), vex=load_vex(path), now=NOW)
    assert assessment.targets[0].suppressed == ()


def test_purl_match_ignores_qualifiers_and_normalises_pypi_names() -> None:
    assert purl_matches("pkg:deb/debian/libssl3", "pkg:deb/debian/libssl3@3.0.20?arch=amd64")
    assert purl_matches("pkg:pypi/Django@3.2", "pkg:pypi/django@3.2")
    assert purl_matches("pkg:pypi/zope_interface", "pkg:pypi/zope.interface@5.0")
    assert not purl_matches("pkg:pypi/django@3.2.4", "pkg:pypi/django@3.2")
    assert not purl_matches("pkg:npm/lodash", "pkg:pypi/lodash@4.17.15")


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ('{\n  "statements": [\n    {"status": not_affected}\n  ]\n}', 3, "is not JSON"),
        ("", 1, "is not JSON"),
        (
            '{\n  "statements": [\n    {"vulnerability": "CVE-1", "products": ["pkg:pypi/x"],\n'
            '     "status": "maybe"}\n  ]\n}',
            4,
            "statements[0].status: unknown status 'maybe'",
        ),
        (
            '{"bomFormat": "CycloneDX", "vulnerabilities": [\n {"id": "CVE-1",\n'
            '  "analysis": {"state": "wontfix"}, "affects": [{"ref": "x"}]}]}',
            3,
            "vulnerabilities[0].analysis.state: unknown analysis state 'wontfix'",
        ),
        ('{"hello": 1}', 1, "not a VEX document"),
    ],
    ids=["not-json", "empty", "openvex-status", "cdx-state", "unknown-format"],
)
def test_bad_vex_is_one_clear_line(tmp_path: Path, text: str, line: int, problem: str) -> None:
    path = tmp_path / "bad.vex.json"
    path.write_text(text)
    with pytest.raises(PolicyError) as info:
        load_vex(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}: ")
    assert problem in message
    assert info.value.exit_code == 2
