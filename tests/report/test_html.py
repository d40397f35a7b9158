"""The HTML page: self-contained, and it renders in headless Chromium with the right counts."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

from hullscan.match.interface import ScanResult
from hullscan.policy import Assessment, Policy, assess
from hullscan.report import RenderOptions, ReportFormat, render_report

from .conftest import NOW

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _Assets(HTMLParser):
    """Every attribute that would make the browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.fetches: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if (tag, name) in {("link", "href"), ("script", "src"), ("img", "src")}:
                self.fetches.append(f"{tag} {value}")
        if tag in {"script", "iframe", "object", "embed"}:
            self.fetches.append(tag)


def test_page_is_self_contained(assessment: Assessment) -> None:
    page = render_report(ReportFormat.HTML, assessment, RenderOptions())
    parser = _Assets()
    parser.feed(page)
    assert parser.fetches == []
    assert "<style>" in page and not re.search(r"url\(|@import", page)


def test_untrusted_text_is_escaped(app_result: ScanResult) -> None:
    hostile = replace(app_result.findings[0], title='<img src=x onerror="alert(1)">')
    assessment = assess([replace(app_result, findings=(hostile,))], Policy(), now=NOW)
    page = render_report(ReportFormat.HTML, assessment, RenderOptions())
    assert "<img" not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page


def _count(dom: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}"[^>]*data-count="(\d+)"[^>]*>(\d+)<', dom)
    assert match, element_id
    assert match.group(1) == match.group(2)
    return int(match.group(1))


def test_renders_in_headless_chromium(
    chromium: Path, assessment: Assessment, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_report(ReportFormat.HTML, assessment, RenderOptions()))
    shot = tmp_path / "report.png"
    run = subprocess.run(
        [
            str(chromium),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    counts = assessment.counts()
    for severity, n in counts.items():
        assert _count(dom, f"total-{severity.value}") == n
    assert _count(dom, "total-all") == assessment.remaining == 3
    assert _count(dom, "total-suppressed") == assessment.suppressed == 4
    assert _count(dom, "total-overdue") == 0
    assert 'id="gate" data-exit-code="1"' in dom
    assert dom.count('<section class="target"') == 2
    assert shot.read_bytes()[:8] == PNG_MAGIC
    assert shot.stat().st_size > 10_000
