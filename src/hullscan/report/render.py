"""Pick the writer for a format and put its text where ``-o`` says (stdout otherwise)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from hullscan.errors import UsageError
from hullscan.policy.interface import Assessment
from hullscan.report.cyclonedx import render_cyclonedx, render_cyclonedx_sbom
from hullscan.report.gitlab import render_gitlab
from hullscan.report.html import render_html
from hullscan.report.interface import Inventory, RenderOptions, ReportFormat, SbomFormat
from hullscan.report.jsonreport import inventory_document, render_json
from hullscan.report.junit import render_junit
from hullscan.report.markdown import render_markdown
from hullscan.report.sarif import render_sarif
from hullscan.report.spdx import render_spdx, render_spdx_sbom
from hullscan.report.table import render_table
from hullscan.report.template import render_template

Renderer = Callable[[Assessment, RenderOptions], str]

RENDERERS: dict[ReportFormat, Renderer] = {
    ReportFormat.TABLE: render_table,
    ReportFormat.JSON: render_json,
    ReportFormat.SARIF: render_sarif,
    ReportFormat.CYCLONEDX: render_cyclonedx,
    ReportFormat.SPDX_JSON: render_spdx,
    ReportFormat.JUNIT: render_junit,
    ReportFormat.GITLAB: render_gitlab,
    ReportFormat.HTML: render_html,
    ReportFormat.MARKDOWN: render_markdown,
    ReportFormat.TEMPLATE: render_template,
}


def render_report(fmt: ReportFormat, assessment: Assessment, options: RenderOptions) -> str:
    """The report text of one format: one combined report for every target in the run."""
    return RENDERERS[fmt](assessment, options)


def render_sbom(
    fmt: SbomFormat, inventory: Inventory, generated_at: datetime | None = None
) -> str:
    """An SBOM of one target's inventory (no vulnerabilities)."""
    when = generated_at or datetime.now().astimezone()
    if fmt is SbomFormat.CYCLONEDX:
        return render_cyclonedx_sbom(inventory, when)
    if fmt is SbomFormat.SPDX_JSON:
        return render_spdx_sbom(inventory, when)
    document = inventory_document(
        inventory.target, inventory.packages, inventory.os, inventory.image, when
    )
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_output(text: str, output: Path | None, stdout: TextIO) -> None:
    """Write the report to ``output``, or to ``stdout`` when no file was given."""
    if output is None:
        stdout.write(text)
        stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        raise UsageError(f"-o {output}: cannot write the report: {err.strerror or err}") from None
