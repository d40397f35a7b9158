"""Reports: every output format of a scan, and SBOMs of an inventory.

The CLI calls `add_policy_and_report_args` / `run_policy_and_reports` (scan commands) and
`add_sbom_args` / `run_sbom_report` (``hullscan sbom``); library users call `render_report`
and `render_sbom` directly.
"""

from hullscan.report.interface import Inventory, RenderOptions, ReportFormat, SbomFormat
from hullscan.report.jsonreport import REPORT_SCHEMA_VERSION, report_document
from hullscan.report.render import render_report, render_sbom, write_output
from hullscan.report.stage import (
    add_policy_and_report_args,
    add_sbom_args,
    check_policy_and_report_args,
    report_format,
    resolve_policy,
    run_policy_and_reports,
    run_sbom_report,
)

__all__ = [
    "REPORT_SCHEMA_VERSION",
    "Inventory",
    "RenderOptions",
    "ReportFormat",
    "SbomFormat",
    "add_policy_and_report_args",
    "add_sbom_args",
    "check_policy_and_report_args",
    "render_report",
    "render_sbom",
    "report_document",
    "report_format",
    "resolve_policy",
    "run_policy_and_reports",
    "run_sbom_report",
    "write_output",
]
