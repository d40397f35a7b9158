"""The policy-and-report stage as the CLI runs it: its flags, and one call after the scan.

``add_policy_and_report_args(parser)`` adds the flags of docs/exit-codes.md and CLI.md;
``run_policy_and_reports(args, results)`` loads the policy (flags over ``hullscan.yaml``),
ignore files and VEX, assesses every result, writes one combined report and returns the exit
code. Bad input raises PolicyError or UsageError (exit 2); call `check_policy_and_report_args`
before scanning to fail on them before a long scan rather than after.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from hullscan.errors import UsageError
from hullscan.match.interface import ScanResult, Severity
from hullscan.policy.classify import DEFAULT_CLASSIFICATION, load_classification
from hullscan.policy.ignorefile import DEFAULT_IGNORE_FILES, load_ignorefile
from hullscan.policy.interface import DEFAULT_POLICY_FILE, FirstSeenFrom, Policy, VexStatement
from hullscan.policy.vex import load_vex
from hullscan.report.interface import Inventory, RenderOptions, ReportFormat, SbomFormat
from hullscan.report.render import render_report, render_sbom, write_output

if TYPE_CHECKING:
    from hullscan.policy.apply import FirstSeen

logger = logging.getLogger(__name__)


def _severity(text: str) -> Severity:
    name = text.strip().upper()
    if name not in Severity.__members__:
        raise argparse.ArgumentTypeError(
            f"unknown severity {text!r}; expected one of: {', '.join(Severity)}"
        )
    return Severity(name)


def _severities(text: str) -> tuple[Severity, ...]:
    return tuple(_severity(part) for part in text.split(",") if part.strip())


def _exit_code(text: str) -> int:
    try:
        code = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an exit code (0-255)") from None
    if not 0 <= code <= 255:
        raise argparse.ArgumentTypeError(f"exit code {code} must be 0-255")
    return code


def add_policy_and_report_args(parser: argparse.ArgumentParser) -> None:
    """Add the policy, gate and report flags to a scan command (``image``, ``rootfs``)."""
    policy = parser.add_argument_group("policy")
    policy.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help=f"policy file (default ./{DEFAULT_POLICY_FILE})",
    )
    policy.add_argument(
        "--severity", type=_severities, metavar="LIST", help="keep only these severities"
    )
    policy.add_argument(
        "--ignore-unfixed",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="drop findings with no fixed version",
    )
    policy.add_argument(
        "--ignorefile",
        type=Path,
        action="append",
        metavar="FILE",
        help="ignore file (default ./.hullscanignore and ./.trivyignore); repeatable",
    )
    policy.add_argument(
        "--vex", type=Path, action="append", metavar="FILE", help="OpenVEX or CycloneDX VEX"
    )
    policy.add_argument(
        "--classification", type=Path, metavar="FILE", help="severity classes (due dates)"
    )
    policy.add_argument(
        "--first-seen-from",
        choices=[f.value for f in FirstSeenFrom],
        help="count due dates from the scan (default) or the image's creation",
    )
    gate = parser.add_argument_group("gate")
    gate.add_argument(
        "--exit-code", type=_exit_code, metavar="N", help="exit N when findings remain"
    )
    gate.add_argument(
        "--fail-on", type=_severity, metavar="SEVERITY", help="exit 1 at or above SEVERITY"
    )
    report = parser.add_argument_group("report")
    report.add_argument(
        "-f", "--format", choices=[f.value for f in ReportFormat], help="report format (table)"
    )
    report.add_argument("-o", "--output", type=Path, metavar="FILE", help="write report there")
    report.add_argument("--template", type=Path, metavar="FILE", help="Jinja2 template")
    report.add_argument("--list-packages", action="store_true", help="show the inventory too")


def add_sbom_args(parser: argparse.ArgumentParser) -> None:
    """Add ``-f`` and ``-o`` to ``hullscan sbom``."""
    parser.add_argument(
        "-f",
        "--format",
        choices=[f.value for f in SbomFormat],
        default=SbomFormat.CYCLONEDX.value,
        help="SBOM format (cyclonedx)",
    )
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write SBOM there")


def report_format(args: argparse.Namespace) -> ReportFormat:
    """The ``-f`` in force: ``--template`` alone implies ``-f template``."""
    if args.format is None:
        return ReportFormat.TEMPLATE if args.template else ReportFormat.TABLE
    fmt = ReportFormat(args.format)
    if fmt is ReportFormat.TEMPLATE and args.template is None:
        raise UsageError("-f template needs --template FILE")
    if fmt is not ReportFormat.TEMPLATE and args.template is not None:
        raise UsageError(f"--template is only used with -f template, not -f {fmt}")
    return fmt


def resolve_policy(args: argparse.Namespace, cwd: Path | None = None) -> Policy:
    """The policy in force: ``--config`` (or ./hullscan.yaml), ignore files, then the flags.

    Scalars given as flags replace the file's; VEX documents from flags are added to the
    file's, because each document is evidence, not a setting. The policy's ``timeout`` is for
    the CLI to use when ``--timeout`` is not given.
    """
    here = cwd or Path.cwd()
    config: Path | None = args.config
    if config is None and (here / DEFAULT_POLICY_FILE).is_file():
        config = here / DEFAULT_POLICY_FILE
    if config:
        from hullscan.policy.config import load_policy  # exclusions need the version rules

        policy = load_policy(config)
    else:
        policy = Policy(classification=DEFAULT_CLASSIFICATION)

    ignorefiles: list[Path] = args.ignorefile or [
        here / name for name in DEFAULT_IGNORE_FILES if (here / name).is_file()
    ]
    ignored = tuple(rule for path in ignorefiles for rule in load_ignorefile(path))

    changes: dict[str, object] = {"exclusions": policy.exclusions + ignored}
    if args.severity:
        changes["severity_levels"] = args.severity
    if args.ignore_unfixed is not None:
        changes["ignore_unfixed"] = args.ignore_unfixed
    if args.exit_code is not None:
        changes["exit_code"] = args.exit_code
    if args.fail_on is not None:
        changes["fail_on"] = args.fail_on
    if args.classification is not None:
        changes["classification"] = load_classification(args.classification)
    if args.first_seen_from is not None:
        changes["first_seen_from"] = FirstSeenFrom(args.first_seen_from)
    if args.vex:
        changes["vex"] = policy.vex + tuple(str(p) for p in args.vex)
    return replace(policy, **changes)  # type: ignore[arg-type]


def check_policy_and_report_args(args: argparse.Namespace, cwd: Path | None = None) -> Policy:
    """Validate every policy input and the report flags; call before scanning."""
    report_format(args)
    policy = resolve_policy(args, cwd)
    for path in policy.vex:
        load_vex(Path(path))
    return policy


def _color(fmt: ReportFormat, output: Path | None, stdout: TextIO) -> bool:
    if fmt is not ReportFormat.TABLE or output is not None or "NO_COLOR" in os.environ:
        return False
    isatty = getattr(stdout, "isatty", None)
    return bool(isatty and isatty())


def run_policy_and_reports(
    args: argparse.Namespace,
    results: Sequence[ScanResult],
    *,
    policy: Policy | None = None,
    stdout: TextIO | None = None,
    now: datetime | None = None,
    first_seen: FirstSeen | None = None,
    cwd: Path | None = None,
) -> int:
    """Assess ``results`` under the policy, write the report, return the exit code."""
    out = stdout or sys.stdout
    fmt = report_format(args)
    policy = policy or resolve_policy(args, cwd)
    statements: list[VexStatement] = []
    for path in policy.vex:
        statements.extend(load_vex(Path(path)))

    from hullscan.policy.apply import assess  # with the matcher's version rules; not for sboms

    assessment = assess(
        results,
        policy,
        vex=statements,
        vex_documents=policy.vex,
        now=now,
        first_seen=first_seen,
    )
    options = RenderOptions(
        list_packages=args.list_packages,
        template=args.template,
        color=_color(fmt, args.output, out),
    )
    write_output(render_report(fmt, assessment, options), args.output, out)

    logger.info(
        "%d finding(s) remain, %d suppressed, %d overdue; exit code %d%s",
        assessment.remaining,
        assessment.suppressed,
        assessment.overdue,
        assessment.gate.exit_code,
        f" ({assessment.gate.reason})" if assessment.gate.reason else "",
    )
    return assessment.gate.exit_code


def run_sbom_report(
    args: argparse.Namespace, inventory: Inventory, *, stdout: TextIO | None = None
) -> int:
    """Write the SBOM of one inventory (``hullscan sbom``); always exit code 0."""
    text = render_sbom(SbomFormat(args.format), inventory)
    write_output(text, args.output, stdout or sys.stdout)
    return 0
