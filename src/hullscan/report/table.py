"""The terminal table (rich): per target, counts per severity, then the findings.

Colour only when asked (the caller asks when stdout is a terminal and NO_COLOR is unset), so a
redirected report is plain text. ``--list-packages`` adds each target's inventory with the layer
that brought each package in.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from hullscan.image.interface import ImageMeta
from hullscan.inventory.interface import Package
from hullscan.match.interface import Severity
from hullscan.policy.interface import AssessedFinding, Assessment, TargetAssessment
from hullscan.report.interface import (
    SEVERITY_ORDER,
    RenderOptions,
    fix_text,
    layer_numbers,
    short_digest,
)

_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "blue",
    Severity.UNKNOWN: "dim",
}
PLAIN_WIDTH = 160


def _console(options: RenderOptions) -> Console:
    return Console(
        file=io.StringIO(),
        force_terminal=options.color,
        no_color=not options.color,
        color_system="auto" if options.color else None,
        width=options.width or (None if options.color else PLAIN_WIDTH),
        highlight=False,
        markup=False,
        emoji=False,
    )


def counts_line(counts: dict[Severity, int]) -> str:
    total = sum(counts.values())
    parts = ", ".join(f"{sev.value}: {counts[sev]}" for sev in SEVERITY_ORDER)
    return f"Total: {total} ({parts})"


def _heading(target: TargetAssessment) -> str:
    result = target.result
    os_name = f" ({result.os.family} {result.os.version})" if result.os else ""
    return f"{result.target}{os_name}"


def _findings_table(items: Sequence[AssessedFinding]) -> Table:
    table = Table(show_lines=False, header_style="bold")
    for column in ("Library", "Vulnerability", "Severity", "Status", "Installed", "Fixed"):
        table.add_column(column, overflow="fold")
    table.add_column("Due", no_wrap=True)
    table.add_column("Title", overflow="fold", ratio=1)
    for item in items:
        finding = item.finding
        due = item.due.date().isoformat() if item.due else ""
        table.add_row(
            finding.package.name,
            finding.id,
            Text(item.severity.value, style=_STYLE[item.severity]),
            finding.status.value,
            finding.package.version,
            fix_text(finding),
            Text(f"{due} overdue", style="bold red") if item.overdue else due,
            finding.title,
        )
    return table


def _suppressed_table(items: Sequence[AssessedFinding]) -> Table:
    table = Table(title="Suppressed", title_justify="left", header_style="bold")
    for column in ("Library", "Vulnerability", "Severity", "By", "Reason", "Rule at"):
        table.add_column(column, overflow="fold")
    for item in items:
        assert item.suppression is not None
        table.add_row(
            item.finding.package.name,
            item.finding.id,
            item.severity.value,
            item.suppression.kind.value,
            item.suppression.reason,
            item.suppression.source,
        )
    return table


def packages_table(packages: Sequence[Package], image: ImageMeta | None) -> Table:
    """The inventory with the layer each package came from (``--list-packages``)."""
    layers = layer_numbers(image)
    table = Table(title=f"Packages ({len(packages)})", title_justify="left", header_style="bold")
    for column in ("Name", "Version", "Type", "Layer", "Found in"):
        table.add_column(column, overflow="fold")
    for package in sorted(packages, key=lambda p: (p.type.value, p.name.lower(), p.version)):
        number = layers.get(package.layer)
        layer = (
            f"{number} {short_digest(package.layer)}" if number else short_digest(package.layer)
        )
        table.add_row(package.name, package.version, package.type.value, layer, package.found_in)
    return table


def _summary_table(assessment: Assessment) -> Table:
    table = Table(title="Summary", title_justify="left", header_style="bold")
    table.add_column("Target", overflow="fold")
    for sev in SEVERITY_ORDER:
        table.add_column(sev.value, justify="right")
    for column in ("Suppressed", "Overdue"):
        table.add_column(column, justify="right")
    for target in assessment.targets:
        counts = target.counts()
        overdue = sum(1 for f in target.findings if f.overdue)
        table.add_row(
            target.target,
            *(str(counts[s]) for s in SEVERITY_ORDER),
            str(len(target.suppressed)),
            str(overdue),
        )
    totals = assessment.counts()
    table.add_row(
        Text("All targets", style="bold"),
        *(str(totals[s]) for s in SEVERITY_ORDER),
        str(assessment.suppressed),
        str(assessment.overdue),
    )
    return table


def render_table(assessment: Assessment, options: RenderOptions) -> str:
    console = _console(options)
    for target in assessment.targets:
        console.print(Text(_heading(target), style="bold underline"))
        extra = []
        if target.suppressed:
            extra.append(f"suppressed: {len(target.suppressed)}")
        filtered = target.filtered_severity + target.filtered_unfixed
        if filtered:
            extra.append(f"filtered: {filtered}")
        line = counts_line(target.counts()) + (f" [{', '.join(extra)}]" if extra else "")
        console.print(line)
        console.print()
        if target.findings:
            console.print(_findings_table(target.findings))
        if target.suppressed:
            console.print(_suppressed_table(target.suppressed))
        for warning in (*target.result.warnings, *target.warnings):
            console.print(Text(f"warning: {warning}", style="yellow"))
        if options.list_packages:
            console.print(packages_table(target.result.packages, target.result.image))
        console.print()
    if assessment.expired:
        console.print(Text("Expired exclusions (no longer applied)", style="bold yellow"))
        for expired in assessment.expired:
            rule = expired.exclusion
            hits = f": {', '.join(expired.matched)}" if expired.matched else ""
            console.print(f"  {rule.source}: {rule.describe()} expired {rule.expires}{hits}")
        console.print()
    if len(assessment.targets) > 1:
        console.print(_summary_table(assessment))
    file = console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()
