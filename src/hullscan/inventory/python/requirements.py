"""pip ``requirements.txt``: the pinned lines, the way Trivy reads them.

Only ``name==version`` pins say what gets installed, so by default only they become packages
(extras, environment markers, ``--hash`` options and comments are dropped around them). With
the ``pip_min_version`` option (``AnalyzerOptions.extra``) the lowest version a range allows
(``>=``, ``~=``, ``==1.2.*``) is taken instead when there is no exact pin, which finds more
but may name a version that is not the installed one.
"""

from __future__ import annotations

import codecs
import re

from packaging.version import InvalidVersion, Version

from hullscan.inventory.interface import FileResult, Package
from hullscan.inventory.python._common import python_package

__all__ = ["MIN_VERSION_OPTION", "decode_requirements", "parse_requirements"]

MIN_VERSION_OPTION = "pip_min_version"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_OPERATOR_START = frozenset("=<>!~")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_requirements(data: bytes) -> str:
    """The text, honouring a UTF-8 or UTF-16 byte order mark (Windows editors write them)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    return data.decode("utf-8", errors="replace")


def _logical_lines(text: str) -> list[str]:
    """Lines with backslash continuations joined, as pip reads them."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.rstrip()
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + raw)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


def _is_version(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def _pinned(specifiers: list[str], use_min: bool) -> str | None:
    """The version a specifier list pins; with ``use_min`` the lowest one a range allows."""
    candidates: dict[str, str] = {}
    for spec in specifiers:
        for op in ("===", "==", ">=", "~="):
            if spec.startswith(op):
                candidates.setdefault(op, spec[len(op) :])
                break
    exact = candidates.get("===") or candidates.get("==")
    if exact and "*" not in exact and (_is_version(exact) or "===" in candidates):
        return exact
    if not use_min:
        return None
    for op in (">=", "~="):
        if op in candidates and _is_version(candidates[op]):
            return candidates[op]
    wildcard = candidates.get("==", "")
    if wildcard.endswith(".*") and "*" not in wildcard[:-2]:
        lowest = wildcard[:-1] + "0"
        if _is_version(lowest):
            return lowest
    return None


def _requirement(line: str, use_min: bool) -> tuple[str, str] | None:
    """(name, version) of one requirement line, or None when it pins nothing."""
    line = line.split("#", 1)[0].split(";", 1)[0]
    line = "".join(line.split())  # pip allows spaces anywhere around operators
    if not line or line.startswith("-"):
        return None  # options: -r/-c includes, -e editables, --index-url, ...
    line = line.split("--", 1)[0]  # per-requirement options such as --hash=
    if "[" in line:  # extras: name[a,b]==1.0
        head, _, tail = line.partition("[")
        line = head + tail.partition("]")[2]
    cut = next((i for i, ch in enumerate(line) if ch in _OPERATOR_START), len(line))
    name, rest = line[:cut], line[cut:]
    if not rest or not _NAME.fullmatch(name):
        return None
    version = _pinned(rest.split(","), use_min)
    return (name, version) if version else None


def parse_requirements(path: str, text: str, use_min: bool = False) -> FileResult:
    """Packages of a requirements file, in file order."""
    # LIMITATION: -r/-c includes are not followed; each included file is analysed on its own.
    packages: list[Package] = []
    for line in _logical_lines(text):
        found = _requirement(line, use_min)
        if found:
            packages.append(python_package(found[0], found[1], path))
    return FileResult(packages=tuple(packages))
