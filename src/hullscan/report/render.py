"""Pick the writer for a format and put its text where ``-o`` says (stdout otherwise)."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO, cast

from hullscan.errors import UsageError
from hullscan.policy.interface import Assessment
from hullscan.report.interface import Inventory, RenderOptions, ReportFormat, SbomFormat
from hullscan.report.jsonreport import inventory_document

Renderer = Callable[[Assessment, RenderOptions], str]

#: Each format's writer as (module, function), imported only when that format is asked for:
#: the CycloneDX and SPDX libraries alone take longer to import than a cached rescan.
RENDERERS: dict[ReportFormat, tuple[str, str]] = {
    ReportFormat.TABLE: ("table", "render_table"),
    ReportFormat.JSON: ("jsonreport", "render_json"),
    ReportFormat.SARIF: ("sarif", "render_sarif"),
    ReportFormat.CYCLONEDX: ("cyclonedx", "render_cyclonedx"),
    ReportFormat.SPDX_JSON: ("spdx", "render_spdx"),
    ReportFormat.JUNIT: ("junit", "render_junit"),
    ReportFormat.GITLAB: ("gitlab", "render_gitlab"),
    ReportFormat.HTML: ("html", "render_html"),
    ReportFormat.MARKDOWN: ("markdown", "render_markdown"),
    ReportFormat.TEMPLATE: ("template", "render_template"),
}


def _writer(module: str, function: str) -> Callable[..., str]:
    return cast(
        "Callable[..., str]",
        getattr(importlib.import_module(f"hullscan.report.{module}"), function),
    )


def render_report(fmt: ReportFormat, assessment: Assessment, options: RenderOptions) -> str:
    """The report text of one format: one combined report for every target in the run."""
    return _writer(*RENDERERS[fmt])(assessment, options)


def render_sbom(
    fmt: SbomFormat, inventory: Inventory, generated_at: datetime | None = None
) -> str:
    """An SBOM of one target's inventory (no vulnerabilities)."""
    when = generated_at or datetime.now().astimezone()
    if fmt is SbomFormat.CYCLONEDX:
        return _writer("cyclonedx", "render_cyclonedx_sbom")(inventory, when)
    if fmt is SbomFormat.SPDX_JSON:
        return _writer("spdx", "render_spdx_sbom")(inventory, when)
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
