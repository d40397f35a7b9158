"""Debian package versions (dpkg), per Debian Policy 5.6.12 and dpkg's lib/dpkg/version.c.

A version is ``[epoch:]upstream[-revision]``: the epoch is the number before the first colon,
the revision everything after the last hyphen. Upstream and revision are compared with the same
routine (dpkg's ``verrevcmp``): alternately a run of non-digits, compared character by character
where ``~`` sorts before everything (even the end of the string), then letters, then all other
characters; and a run of digits, compared as a number (an empty run counts as 0).

Written here rather than taken from python-debian because the key is a flat tuple of ints built
once per version, so the matcher compares versions with C tuple comparison instead of re-running
the character loop on every comparison.

The key of a part is the sequence ``chars(N0) END D0 chars(N1) END D1 ... END``: the character
codes (``~`` = -1, letter = its code, other = code + 256) of each non-digit run, the end-of-run
marker 0, then the digit run's value. A part that runs out compares as if it went on with empty
runs forever, which is exactly what the single trailing END (0) does against any character of
the other side: ``~`` (-1) is smaller, every other character larger. An empty part is keyed as
``"0"``, which dpkg orders identically, so that a final END never meets a run boundary.
"""

from __future__ import annotations

import functools
import re

from hullscan.versions._common import CACHE_SIZE, Comparator, Scheme, invalid, keyed_compare

__all__ = ["COMPARATOR", "is_valid", "key", "part_key"]

_RUN = re.compile(r"([^0-9]*)([0-9]*)")
_BLANK = " \t"
_INT_MAX = 2**31 - 1

DpkgKey = tuple[int, tuple[int, ...], tuple[int, ...]]


def _char_order(c: str) -> int:
    if c == "~":
        return -1
    if c.isascii() and c.isalpha():
        return ord(c)
    return ord(c) + 256


_ORDER = {chr(i): _char_order(chr(i)) for i in range(128)}


def part_key(part: str) -> tuple[int, ...]:
    """Sort key of one upstream-version or revision string under dpkg's ``verrevcmp``."""
    out: list[int] = []
    for non_digits, digits in _RUN.findall(part or "0"):
        if not non_digits and not digits:
            continue
        out += [_ORDER.get(c) or _char_order(c) for c in non_digits]
        out.append(0)
        out.append(int(digits) if digits else 0)
    out.append(0)
    return tuple(out)


@functools.lru_cache(maxsize=CACHE_SIZE)
def key(version: str) -> DpkgKey:
    """Sort key ``(epoch, upstream, revision)`` of a Debian version.

    Rejects what dpkg's ``parseversion`` rejects as an error (empty, embedded blanks, bad or
    empty epoch, nothing after the colon, empty upstream, empty revision after a hyphen) and,
    like ``dpkg --compare-versions``, accepts what it only warns about (an upstream version not
    starting with a digit, unusual characters).
    """
    text = version.strip(_BLANK)
    if not text:
        raise invalid(Scheme.DPKG, version, "version string is empty")
    if any(c in _BLANK for c in text):
        raise invalid(Scheme.DPKG, version, "version string has embedded spaces")
    epoch = 0
    epoch_text, colon, rest = text.partition(":")
    if colon:
        if not epoch_text:
            raise invalid(Scheme.DPKG, version, "epoch in version is empty")
        if not (epoch_text.isascii() and epoch_text.isdigit()):
            raise invalid(Scheme.DPKG, version, "epoch in version is not number")
        epoch = int(epoch_text)
        if epoch > _INT_MAX:
            raise invalid(Scheme.DPKG, version, "epoch in version is too big")
        if not rest:
            raise invalid(Scheme.DPKG, version, "nothing after colon in version number")
        text = rest
    upstream, hyphen, revision = text.rpartition("-")
    if not hyphen:
        upstream, revision = text, ""
    elif not revision:
        raise invalid(Scheme.DPKG, version, "revision number is empty")
    if not upstream:
        raise invalid(Scheme.DPKG, version, "version number is empty")
    return (epoch, part_key(upstream), part_key(revision))


def is_valid(version: str) -> bool:
    """Whether dpkg can parse the version (warnings allowed, as dpkg allows them)."""
    return COMPARATOR.is_valid(version)


COMPARATOR = Comparator(Scheme.DPKG, key, keyed_compare(key))
