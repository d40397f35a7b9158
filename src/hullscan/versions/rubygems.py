"""RubyGems versions, per ``Gem::Version``.

A version is digits followed by dot-separated alphanumeric parts, optionally ``-pre.parts``;
``-`` is read as ``.pre.`` (``1.0.0-rc1`` is ``1.0.0.pre.rc1``). It splits into segments (runs
of digits as integers, runs of letters as strings); trailing zeros of the numeric part and of
the string part are dropped (``1.0 == 1.0.0``, ``0.beta.1 == 0.0.beta.1``). Comparison pads the
shorter list with 0, and a string sorts below every number, so ``1.0.a < 1.0`` and
``1.0.0-1 < 1``.

Padding with 0 makes plain tuple comparison wrong (``1`` vs ``1.0.a`` must look past the
padding), so the key folds each run of zeros into the next non-zero segment: a token records
how many zeros precede the segment, ordered so that the first segment that differs from the
padding decides exactly as Gem::Version's loop does; a final ``(0,)`` stands for padding
forever. Written here because there is no maintained Python port of Gem::Version.
"""

from __future__ import annotations

import functools
import re

from hullscan.versions._common import CACHE_SIZE, Comparator, Scheme, invalid, keyed_compare

__all__ = ["COMPARATOR", "key"]

_VALID = re.compile(
    r"\s*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)\s*", re.ASCII
)
_SEGMENT = re.compile(r"[0-9]+|[a-zA-Z]+")
_END = (0,)

Token = tuple[int, int, int] | tuple[int, int, str] | tuple[int]


def _strip_zeros(segments: list[int | str]) -> list[int | str]:
    while segments and segments[-1] == 0:
        segments.pop()
    return segments


@functools.lru_cache(maxsize=CACHE_SIZE)
def key(version: str) -> tuple[Token, ...]:
    """Sort key of a gem version; VersionError if Gem::Version would call it malformed."""
    m = _VALID.fullmatch(version)
    if m is None:
        raise invalid(Scheme.RUBYGEMS, version, "malformed version number string")
    text = m[1].replace("-", ".pre.")
    segments: list[int | str] = [int(s) if s.isdigit() else s for s in _SEGMENT.findall(text)]
    first_string = next((i for i, s in enumerate(segments) if isinstance(s, str)), None)
    if first_string is None:
        canonical = _strip_zeros(segments)
    else:
        canonical = _strip_zeros(segments[:first_string]) + _strip_zeros(segments[first_string:])
    tokens: list[Token] = []
    zeros = 0
    for segment in canonical:
        if segment == 0:
            zeros += 1
        elif isinstance(segment, int):
            # Above the padding: fewer zeros before it means it is met earlier, so greater.
            tokens.append((1, -zeros, segment))
            zeros = 0
        else:
            # Below the padding: met earlier means smaller.
            tokens.append((-1, zeros, segment))
            zeros = 0
    tokens.append(_END)
    return tuple(tokens)


COMPARATOR = Comparator(Scheme.RUBYGEMS, key, keyed_compare(key))
