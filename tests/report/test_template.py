"""``--template``: Jinja2 over the JSON report document, sandboxed, errors as one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hullscan.errors import UsageError
from hullscan.policy import Assessment
from hullscan.report import RenderOptions, ReportFormat, render_report

CSV = """\
target,id,package,severity,due
{% for r in results %}{% for f in r.findings %}{{ r.target }},{{ f.id }},{{ f.package.name }},\
{{ f.severity }},{{ f.due[:10] }}
{% endfor %}{% endfor %}"""


def _render(assessment: Assessment, path: Path) -> str:
    return render_report(ReportFormat.TEMPLATE, assessment, RenderOptions(template=path))


def test_csv_template(assessment: Assessment, tmp_path: Path) -> None:
    path = tmp_path / "findings.csv.tpl"
    path.write_text(CSV)
    lines = _render(assessment, path).splitlines()
    assert lines[0] == "target,id,package,severity,due"
    assert (
        lines[1]
        == "docker.io/hullscan/debian-python-app:latest,CVE-2021-35042,Django,CRITICAL,2026-12-04"
    )
    assert len(lines) == 4


def test_html_templates_are_autoescaped(assessment: Assessment, tmp_path: Path) -> None:
    path = tmp_path / "mine.html.j2"
    path.write_text("{{ report.results[0].suppressed[0].suppression.reason }}|{{ '<b>' }}")
    assert _render(assessment, path).endswith("|&lt;b&gt;")


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "template not allowed"),
        ("line one\n{{ report.no_such_key }}", "template failed"),
        ("ok\n{% for x in results %}\n", "template syntax error"),
    ],
)
def test_unsafe_or_broken_templates_are_usage_errors(
    assessment: Assessment, tmp_path: Path, source: str, problem: str
) -> None:
    path = tmp_path / "bad.tpl"
    path.write_text(source)
    with pytest.raises(UsageError) as info:
        _render(assessment, path)
    message = str(info.value)
    assert message.startswith(f"{path}:") and problem in message and "\n" not in message


def test_syntax_error_names_the_line(assessment: Assessment, tmp_path: Path) -> None:
    path = tmp_path / "bad.tpl"
    path.write_text("a\nb\n{% if %}\n")
    with pytest.raises(UsageError, match=r"bad\.tpl:3: template syntax error"):
        _render(assessment, path)
