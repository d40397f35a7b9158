"""``-f template --template FILE``: a user's Jinja2 template over the JSON report document.

Templates come from whoever wrote the CI job, so they run in Jinja2's sandboxed environment:
no attribute access to Python internals, no imports. The context is the documented JSON report
(``report``; ``results`` and ``summary`` as shortcuts); autoescaping is on for ``.html``,
``.htm`` and ``.xml`` templates (``.j2``/``.jinja`` suffixes looked through).
"""

from __future__ import annotations

import traceback
from pathlib import Path

from jinja2 import StrictUndefined, TemplateSyntaxError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from hullscan.errors import UsageError
from hullscan.policy.interface import Assessment
from hullscan.report.interface import RenderOptions
from hullscan.report.jsonreport import report_document

_ESCAPED = (".html", ".htm", ".xml")


def _autoescape(path: Path) -> bool:
    suffixes = [s for s in path.suffixes if s not in (".j2", ".jinja", ".jinja2", ".tpl")]
    return bool(suffixes) and suffixes[-1].lower() in _ESCAPED


def render_template(assessment: Assessment, options: RenderOptions) -> str:
    path = options.template
    if path is None:
        raise UsageError("-f template needs --template FILE")
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(f"--template {path}: cannot read: {err.strerror or err}") from None
    env = SandboxedEnvironment(
        autoescape=_autoescape(path), undefined=StrictUndefined, keep_trailing_newline=True
    )
    document = report_document(assessment, include_packages=True)
    try:
        template = env.from_string(source)
    except TemplateSyntaxError as err:
        raise UsageError(f"{path}:{err.lineno}: template syntax error: {err.message}") from None
    try:
        return template.render(
            report=document, results=document["results"], summary=document["summary"]
        )
    except Exception as err:  # any failure of the user's template code is an input error
        line = _template_line(err)
        kind = "not allowed" if isinstance(err, SecurityError) else "failed"
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise UsageError(f"{path}:{line}: template {kind}: {message}") from None


def _template_line(err: BaseException) -> int:
    """The template line a render error came from (Jinja maps frames to ``<template>``)."""
    lines = [
        f.lineno for f in traceback.extract_tb(err.__traceback__) if f.filename == "<template>"
    ]
    return lines[-1] or 0 if lines else 0
