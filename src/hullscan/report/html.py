"""A self-contained HTML page: inline CSS, no scripts, no external assets.

It renders the same document as the JSON report (so the page and ``-f json`` cannot disagree),
through a template shipped in the package with autoescaping on: advisory text is untrusted.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources

from jinja2 import Environment, StrictUndefined

from hullscan.policy.interface import Assessment
from hullscan.report.interface import SEVERITY_ORDER, RenderOptions
from hullscan.report.jsonreport import report_document

_ENV = Environment(
    autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
)


def _stamp(text: str) -> str:
    """An RFC 3339 timestamp to the second, for people: microseconds are noise on a page."""
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return text
    zone = stamp.strftime("%Z") or "local time"
    return f"{stamp:%Y-%m-%d %H:%M:%S} {zone}"


_ENV.filters["stamp"] = _stamp


def render_html(assessment: Assessment, options: RenderOptions) -> str:
    source = (
        resources.files("hullscan.report")
        .joinpath("templates/report.html.j2")
        .read_text(encoding="utf-8")
    )
    document = report_document(assessment, include_packages=False)
    targets = [t.target for t in assessment.targets]
    title = targets[0] if len(targets) == 1 else f"{len(targets)} targets"
    return _ENV.from_string(source).render(
        report=document, severities=[s.value for s in SEVERITY_ORDER], title=title
    )
