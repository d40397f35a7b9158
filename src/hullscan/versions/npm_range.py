"""node-semver ranges: ``satisfies(range, version, loose, include_prerelease)``.

npm advisories and package.json constraints are node-semver ranges, and their meaning is
whatever node-semver's ``Range`` makes of them, quirks included. This module follows its
desugaring step by step (classes/range.js): split on ``||``; strip build metadata; turn a
hyphen range into ``>=a <=b``; glue operators to their versions; expand ``^`` and ``~``,
x-ranges and ``*`` into plain comparators; in loose mode drop tokens that are no comparator;
then a version satisfies a set when it passes every comparator and, if it is a pre-release
(and ``include_prerelease`` is off), some comparator of the set names a pre-release of the same
``major.minor.patch``. Like node-semver's ``satisfies``, an invalid range or version gives
False rather than an error. The regular expressions are node-semver's own (internal/re.js).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from hullscan.errors import VersionError
from hullscan.versions._common import CACHE_SIZE
from hullscan.versions.semver import NpmVersion, parse_npm

__all__ = ["NpmComparator", "parse_range", "satisfies"]

_NUM = r"0|[1-9][0-9]*"
_NUM_LOOSE = r"[0-9]+"
_NON_NUMERIC = r"[0-9]*[a-zA-Z-][a-zA-Z0-9-]*"
_PRERELEASE = rf"(?:-((?:{_NON_NUMERIC}|{_NUM})(?:\.(?:{_NON_NUMERIC}|{_NUM}))*))"
_PRERELEASE_LOOSE = (
    rf"(?:-?((?:{_NON_NUMERIC}|{_NUM_LOOSE})(?:\.(?:{_NON_NUMERIC}|{_NUM_LOOSE}))*))"
)
_BUILD = r"(?:\+([a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*))"
_FULL_PLAIN = rf"v?({_NUM})\.({_NUM})\.({_NUM}){_PRERELEASE}?{_BUILD}?"
_LOOSE_PLAIN = (
    rf"[v=\s]*({_NUM_LOOSE})\.({_NUM_LOOSE})\.({_NUM_LOOSE}){_PRERELEASE_LOOSE}?{_BUILD}?"
)
_GTLT = r"((?:<|>)?=?)"


def _xrange_plain(num: str, prerelease: str) -> str:
    xid = rf"{num}|x|X|\*"
    return rf"[v=\s]*({xid})(?:\.({xid})(?:\.({xid})(?:{prerelease})?{_BUILD}?)?)?"


_XRANGE_PLAIN = _xrange_plain(_NUM, _PRERELEASE)
_XRANGE_PLAIN_LOOSE = _xrange_plain(_NUM_LOOSE, _PRERELEASE_LOOSE)


@dataclass(frozen=True, slots=True)
class _Patterns:
    """The expressions that differ between node-semver's strict and loose modes."""

    hyphen: re.Pattern[str]
    xrange: re.Pattern[str]
    tilde: re.Pattern[str]
    caret: re.Pattern[str]
    comparator: re.Pattern[str]


def _patterns(xplain: str, plain: str) -> _Patterns:
    return _Patterns(
        hyphen=re.compile(rf"^\s*({xplain})\s+-\s+({xplain})\s*$"),
        xrange=re.compile(rf"^{_GTLT}\s*{xplain}$"),
        tilde=re.compile(rf"^(?:~>?){xplain}$"),
        caret=re.compile(rf"^(?:\^){xplain}$"),
        comparator=re.compile(rf"^{_GTLT}\s*({plain})$|^$"),
    )


@functools.cache
def _mode(loose: bool) -> _Patterns:
    """One mode's expressions, compiled on first use: compiling the large ones took 4 ms of
    every start, and most runs parse no npm range."""
    if loose:
        return _patterns(_XRANGE_PLAIN_LOOSE, _LOOSE_PLAIN)
    return _patterns(_XRANGE_PLAIN, _FULL_PLAIN)


@functools.cache
def _comparator_trim() -> re.Pattern[str]:
    return re.compile(rf"(\s*){_GTLT}\s*({_LOOSE_PLAIN}|{_XRANGE_PLAIN})")


_BUILD_RE = re.compile(_BUILD)
_TILDE_TRIM = re.compile(r"(\s*)(?:~>?)\s+")
_CARET_TRIM = re.compile(r"(\s*)(?:\^)\s+")
_STAR = re.compile(r"(<|>)?=?\s*\*")
_GTE0 = re.compile(r"^\s*>=\s*0\.0\.0\s*$")
_GTE0_PRE = re.compile(r"^\s*>=\s*0\.0\.0-0\s*$")
_SPACES = re.compile(r"\s+")
_NULL_SET = "<0.0.0-0"


@dataclass(frozen=True, slots=True)
class NpmComparator:
    """One desugared comparator: an operator ('', '<', '<=', '>', '>=') and a version.

    ``version`` None is node-semver's ANY (an empty comparator, matching everything).
    """

    operator: str
    version: NpmVersion | None

    @property
    def value(self) -> str:
        """node-semver's ``Comparator.value``, used for de-duplication and special sets."""
        return "" if self.version is None else self.operator + self.version.version

    def test(self, version: NpmVersion) -> bool:
        if self.version is None:
            return True
        a, b, op = version.key, self.version.key, self.operator
        if op == "":
            return a == b
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        return a >= b


def _is_x(part: str | None) -> bool:
    return not part or part.lower() == "x" or part == "*"


def _replace(pattern: re.Pattern[str], text: str, fn: Callable[[re.Match[str]], str]) -> str:
    return pattern.sub(fn, text, count=1)


def _hyphen(include_pre: bool) -> Callable[[re.Match[str]], str]:
    z = "-0" if include_pre else ""

    def replace(m: re.Match[str]) -> str:
        frm, f_major, f_minor, f_patch, f_pre = m.group(1, 2, 3, 4, 5)
        to, t_major, t_minor, t_patch, t_pre = m.group(7, 8, 9, 10, 11)
        if _is_x(f_major):
            frm = ""
        elif _is_x(f_minor):
            frm = f">={f_major}.0.0{z}"
        elif _is_x(f_patch):
            frm = f">={f_major}.{f_minor}.0{z}"
        elif f_pre:
            frm = f">={frm}"
        else:
            frm = f">={frm}{z}"
        if _is_x(t_major):
            to = ""
        elif _is_x(t_minor):
            to = f"<{int(t_major) + 1}.0.0-0"
        elif _is_x(t_patch):
            to = f"<{t_major}.{int(t_minor) + 1}.0-0"
        elif t_pre:
            to = f"<={t_major}.{t_minor}.{t_patch}-{t_pre}"
        elif include_pre:
            to = f"<{t_major}.{t_minor}.{int(t_patch) + 1}-0"
        else:
            to = f"<={to}"
        return f"{frm} {to}".strip()

    return replace


def _caret(comp: str, pats: _Patterns, include_pre: bool) -> str:
    z = "-0" if include_pre else ""

    def replace(m: re.Match[str]) -> str:
        major, minor, patch, pre = m.group(1, 2, 3, 4)
        if _is_x(major):
            return ""
        if _is_x(minor):
            return f">={major}.0.0{z} <{int(major) + 1}.0.0-0"
        if _is_x(patch):
            if major == "0":
                return f">={major}.{minor}.0{z} <{major}.{int(minor) + 1}.0-0"
            return f">={major}.{minor}.0{z} <{int(major) + 1}.0.0-0"
        low = f">={major}.{minor}.{patch}" + (f"-{pre}" if pre else "")
        if major == "0":
            if minor == "0":
                return f"{low} <{major}.{minor}.{int(patch) + 1}-0"
            return f"{low} <{major}.{int(minor) + 1}.0-0"
        return f"{low} <{int(major) + 1}.0.0-0"

    return " ".join(_replace(pats.caret, c, replace) for c in _SPACES.split(comp.strip()))


def _tilde(comp: str, pats: _Patterns, include_pre: bool) -> str:
    z = "-0" if include_pre else ""

    def replace(m: re.Match[str]) -> str:
        major, minor, patch, pre = m.group(1, 2, 3, 4)
        if _is_x(major):
            return ""
        if _is_x(minor):
            return f">={major}.0.0{z} <{int(major) + 1}.0.0-0"
        if _is_x(patch):
            return f">={major}.{minor}.0{z} <{major}.{int(minor) + 1}.0-0"
        low = f">={major}.{minor}.{patch}" + (f"-{pre}" if pre else "")
        return f"{low} <{major}.{int(minor) + 1}.0-0"

    return " ".join(_replace(pats.tilde, c, replace) for c in _SPACES.split(comp.strip()))


def _xrange_one(comp: str, pats: _Patterns, include_pre: bool) -> str:
    comp = comp.strip()

    def replace(m: re.Match[str]) -> str:
        gtlt, major, minor, patch = m.group(1, 2, 3, 4)
        if (_is_x(major) and not _is_x(minor)) or (_is_x(minor) and patch and not _is_x(patch)):
            return comp
        x_major = _is_x(major)
        x_minor = x_major or _is_x(minor)
        any_x = x_minor or _is_x(patch)
        if gtlt == "=" and any_x:
            gtlt = ""
        pre = "-0" if include_pre else ""
        if x_major:
            return "<0.0.0-0" if gtlt in (">", "<") else "*"
        if gtlt and any_x:
            # Missing parts become 0; ">1" means ">=2.0.0" and "<=1.2" means "<1.3.0-0".
            new_major: int | str = major
            new_minor: int | str = 0 if x_minor else minor
            if gtlt in (">", "<="):
                if x_minor:
                    new_major = int(major) + 1
                else:
                    new_minor = int(minor) + 1
                gtlt = ">=" if gtlt == ">" else "<"
            if gtlt == "<":
                pre = "-0"
            return f"{gtlt}{new_major}.{new_minor}.0{pre}"
        if x_minor:
            return f">={major}.0.0{pre} <{int(major) + 1}.0.0-0"
        if any_x:
            return f">={major}.{minor}.0{pre} <{major}.{int(minor) + 1}.0-0"
        return m.group(0)

    return _replace(pats.xrange, comp, replace)


def _parse_comparator(comp: str, pats: _Patterns, include_pre: bool) -> str:
    comp = _BUILD_RE.sub("", comp, count=1)
    comp = _caret(comp, pats, include_pre)
    comp = _tilde(comp, pats, include_pre)
    comp = " ".join(_xrange_one(c, pats, include_pre) for c in _SPACES.split(comp))
    return _STAR.sub("", comp.strip(), count=1)


def _comparator(comp: str, pats: _Patterns, loose: bool) -> NpmComparator:
    comp = " ".join(_SPACES.split(comp.strip()))
    m = pats.comparator.match(comp)
    if m is None:
        raise VersionError(f"invalid npm comparator {comp!r}")
    operator = m[1] or ""
    if operator == "=":
        operator = ""
    if not m[2]:
        return NpmComparator(operator, None)
    return NpmComparator(operator, parse_npm(m[2], loose))


def _parse_set(text: str, loose: bool, include_pre: bool) -> list[NpmComparator]:
    pats = _mode(loose)
    text = _BUILD_RE.sub("", text)
    text = _replace(pats.hyphen, text, _hyphen(include_pre))
    text = _comparator_trim().sub(r"\1\2\3", text)
    text = _TILDE_TRIM.sub(r"\1~", text)
    text = _CARET_TRIM.sub(r"\1^", text)
    expanded = " ".join(_parse_comparator(c, pats, include_pre) for c in text.split(" "))
    gte0 = _GTE0_PRE if include_pre else _GTE0
    tokens = [gte0.sub("", c.strip(), count=1) for c in _SPACES.split(expanded)]
    if loose:
        tokens = [c for c in tokens if _mode(True).comparator.match(c)]
    # All comparators are built first: an invalid one fails the range even after a null set.
    comparators = [_comparator(c, pats, loose) for c in tokens]
    by_value: dict[str, NpmComparator] = {}
    for comparator in comparators:
        if comparator.value == _NULL_SET:
            return [comparator]
        by_value[comparator.value] = comparator
    if len(by_value) > 1:
        by_value.pop("", None)
    return list(by_value.values())


@functools.lru_cache(maxsize=CACHE_SIZE)
def parse_range(
    text: str, loose: bool = False, include_prerelease: bool = False
) -> tuple[tuple[NpmComparator, ...], ...]:
    """node-semver's ``new Range(text)``: alternatives (OR) of comparator sets (AND).

    Raises VersionError where node-semver throws (an invalid range).
    """
    raw = _SPACES.sub(" ", text.strip())
    sets = [s for s in (_parse_set(r.strip(), loose, include_prerelease) for r in raw.split("||"))]
    sets = [s for s in sets if s]
    if not sets:
        raise VersionError(f"invalid npm range {text!r}")
    if len(sets) > 1:
        first = sets[0]
        sets = [s for s in sets if s[0].value != _NULL_SET] or [first]
        if len(sets) > 1:
            for s in sets:
                if len(s) == 1 and s[0].value == "":
                    sets = [s]
                    break
    return tuple(tuple(s) for s in sets)


def _test_set(
    comparators: tuple[NpmComparator, ...], version: NpmVersion, include_pre: bool
) -> bool:
    if not all(c.test(version) for c in comparators):
        return False
    if version.prerelease and not include_pre:
        # A pre-release only matches when the set names a pre-release of the same
        # major.minor.patch (so ^1.2.3-pr.1 admits 1.2.3-pr.2 but not 1.2.4-alpha).
        return any(
            c.version is not None
            and c.version.prerelease
            and (c.version.major, c.version.minor, c.version.patch)
            == (version.major, version.minor, version.patch)
            for c in comparators
        )
    return True


def satisfies(
    range_text: str, version: str, loose: bool = False, include_prerelease: bool = False
) -> bool:
    """Whether ``version`` satisfies the node-semver range, exactly as ``semver.satisfies``."""
    try:
        sets = parse_range(range_text, loose, include_prerelease)
    except VersionError:
        return False
    if not version:
        return False
    try:
        parsed = parse_npm(version, loose)
    except VersionError:
        return False
    return any(_test_set(s, parsed, include_prerelease) for s in sets)
