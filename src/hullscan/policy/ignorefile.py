"""``.trivyignore`` and ``.hullscanignore``: one vulnerability id per line.

The format is Trivy's, so an existing ``.trivyignore`` works unchanged::

    # Django admindocs is not installed in this service
    CVE-2021-33203
    CVE-2021-33503 exp:2024-12-31   # waiting for the requests upgrade
    GHSA-p6mc-m468-83gw pkg:npm/lodash

An ``exp:YYYY-MM-DD`` field ends the rule after that day; a ``pkg:`` purl limits it to one
package (a hullscan extension). The reason kept in reports is the comment on the line, else
the comment lines just above it.
"""

from __future__ import annotations

from pathlib import Path

from hullscan.errors import PolicyError
from hullscan.policy.interface import Exclusion, SuppressionKind
from hullscan.policy.purl import purl_key
from hullscan.policy.values import parse_day, read_text

DEFAULT_IGNORE_FILES = (".hullscanignore", ".trivyignore")


def parse_ignorefile(text: str, source: str) -> tuple[Exclusion, ...]:
    """The rules of one ignore file; ``source`` names it in errors and reports."""
    rules: list[Exclusion] = []
    comment: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        body, _, note = raw.partition("#")
        body = body.strip()
        if not body:
            comment = [*comment, note.strip()] if note.strip() else []
            continue
        fields = body.split()
        vuln_id, package, expires = fields[0], "", None
        where = f"{source}:{number}"
        for field in fields[1:]:
            if field.startswith("exp:"):
                expires = parse_day(field[4:], source=where)
            elif field.startswith("pkg:") and purl_key(field):
                package = field
            else:
                raise PolicyError(
                    f"{where}: unexpected field {field!r}; expected exp:YYYY-MM-DD or a pkg: purl"
                )
        reason = note.strip() or " ".join(comment) or f"listed in {Path(source).name}"
        rules.append(
            Exclusion(
                kind=SuppressionKind.IGNOREFILE,
                source=where,
                reason=reason,
                vuln_id=vuln_id,
                package=package,
                expires=expires,
            )
        )
        comment = []
    return tuple(rules)


def load_ignorefile(path: Path) -> tuple[Exclusion, ...]:
    return parse_ignorefile(read_text(path, "ignore file"), str(path))
