"""The terminal table: grouped by target with counts, plain text unless stdout is a terminal."""

from __future__ import annotations

from hullscan.policy import Assessment
from hullscan.report import RenderOptions, ReportFormat, render_report

ESC = "\x1b["


def test_plain_text_grouped_by_target(assessment: Assessment) -> None:
    text = render_report(ReportFormat.TABLE, assessment, RenderOptions())
    assert ESC not in text
    app = text.index("docker.io/hullscan/debian-python-app:latest (debian 12)")
    base = text.index("docker.io/hullscan/debian-bookworm-minbase:latest (debian 12)")
    assert app < base < text.index("Summary")
    assert "Total: 3 (CRITICAL: 1, HIGH: 1, MEDIUM: 0, LOW: 1, UNKNOWN: 0) [suppressed: 3]" in text
    assert "Expired exclusions (no longer applied)" in text
    assert "CVE-2021-35042" in text[app:base]
    assert "internal patch applied" in text[base:]


def test_colour_only_when_asked(assessment: Assessment) -> None:
    text = render_report(ReportFormat.TABLE, assessment, RenderOptions(color=True, width=160))
    assert ESC in text


def test_list_packages_shows_layers(single: Assessment) -> None:
    text = render_report(ReportFormat.TABLE, single, RenderOptions(list_packages=True))
    assert f"Packages ({len(single.targets[0].result.packages)})" in text
    packages = text[text.index("Packages (") :]
    django = next(line for line in packages.splitlines() if "│ Django " in line)
    assert "3 sha256:afdf10001965" in django
