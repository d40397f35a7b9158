"""RPM versions: ``[epoch:]version[-release]`` compared with rpm's ``rpmvercmp``.

``rpmvercmp`` skips separators (anything but ASCII letters, digits, ``~`` and ``^``) and walks
both strings one segment at a time. Reading its branches off gives one total order of segment
kinds, which is what the key encodes:

    ``~``  <  end of string  <  ``^``  <  letters (compared as strings)  <  digits (as numbers)

``~`` sorts before everything, even the end (``1.0~rc1 < 1.0``); ``^`` sorts after the end but
before any further segment (``1.0 < 1.0^git1 < 1.0.1``); a numeric segment beats an alphabetic
one. Written here (not via the rpm bindings, which need the C library) so that the key is a flat
tuple compared in C.

Epochs compare as numbers with a missing epoch equal to 0. A missing release sorts before every
release: rpm's ``rpmverCmp`` instead skips the release when either side lacks one, which is not
a total order (``1.0`` would equal both ``1.0-1`` and ``1.0-2``). Any answer rpm gives with both
releases present is unchanged.
"""

from __future__ import annotations

import functools
import re

from hullscan.versions._common import CACHE_SIZE, Comparator, Scheme, invalid, keyed_compare

__all__ = ["COMPARATOR", "key", "segments_key"]

_SEGMENT = re.compile(r"~|\^|[0-9]+|[A-Za-z]+")
_TILDE, _END, _CARET, _ALPHA, _NUM = 0, 1, 2, 3, 4

RpmKey = tuple[int, tuple[int | str, ...], tuple[int | str, ...]]


def segments_key(text: str) -> tuple[int | str, ...]:
    """Sort key of one version or release string under ``rpmvercmp``."""
    out: list[int | str] = []
    for seg in _SEGMENT.findall(text):
        if seg == "~":
            out.append(_TILDE)
        elif seg == "^":
            out.append(_CARET)
        elif seg[0].isdigit():
            out += (_NUM, int(seg))
        else:
            out += (_ALPHA, seg)
    out.append(_END)
    return tuple(out)


@functools.lru_cache(maxsize=CACHE_SIZE)
def key(version: str) -> RpmKey:
    """Sort key ``(epoch, version, release)`` of an RPM EVR string, split as rpm splits it."""
    if not version or any(c.isspace() for c in version):
        raise invalid(Scheme.RPM, version, "empty or contains whitespace")
    digits = len(version) - len(version.lstrip("0123456789"))
    epoch = 0
    rest = version
    if version[digits : digits + 1] == ":":
        epoch = int(version[:digits] or "0")
        rest = version[digits + 1 :]
    ver, hyphen, release = rest.rpartition("-")
    if not hyphen:
        ver, release = rest, ""
    if not ver:
        raise invalid(Scheme.RPM, version, "version part is empty")
    return (epoch, segments_key(ver), segments_key(release))


COMPARATOR = Comparator(Scheme.RPM, key, keyed_compare(key))
