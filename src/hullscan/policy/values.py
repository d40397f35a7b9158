"""Values that policy inputs spell as text (durations, days, timestamps), and reading a file.

Kept apart from the YAML reader (`hullscan.policy.nodes`) so that what only needs these, such
as applying a policy or reading an ignore file, does not import the YAML library.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from hullscan.errors import PolicyError

if TYPE_CHECKING:
    from hullscan.policy.nodes import Cursor

__all__ = ["parse_day", "parse_duration", "parse_timestamp", "read_text"]


def read_text(path: Path, what: str) -> str:
    """The file's text, or a PolicyError naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise PolicyError(f"{path}: cannot read {what}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: {what} is not UTF-8 text") from None


_DURATION_PART = re.compile(r"(\d+)\s*([smhdw])")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``24h``, ``7d``, ``2w`` or a sum such as ``1h30m``; ValueError else."""
    value = text.strip().lower().replace(" ", "")
    parts = _DURATION_PART.findall(value)
    if not value or "".join(n + u for n, u in parts) != value:
        raise ValueError(f"{text!r} is not a duration (e.g. 90s, 30m, 24h, 7d, 1h30m)")
    return timedelta(seconds=sum(int(n) * _DURATION_UNITS[u] for n, u in parts))


def parse_day(text: str, where: Cursor | None = None, source: str = "") -> date:
    """``YYYY-MM-DD`` as a date; anything else is a PolicyError naming where it was."""
    value = text.strip()
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        problem = f"{text!r} is not a date (expected YYYY-MM-DD)"
        if where is not None:
            raise where.error(problem) from None
        raise PolicyError(f"{source}: {problem}") from None


def parse_timestamp(text: str) -> datetime | None:
    """An RFC 3339 timestamp (nanoseconds and ``Z`` allowed), timezone-aware; None if invalid."""
    value = text.strip()
    if not value:
        return None
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    head, dot, rest = value.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        value = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.astimezone()
