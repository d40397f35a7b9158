"""Packagist (Composer) versions: Composer's normalisation, then PHP's ``version_compare``.

Composer orders versions by normalising them (``VersionParser::normalize``, documented under
"Versions and constraints") and comparing the results with PHP's ``version_compare``:

* normalisation pads to four numbers (``1.2`` -> ``1.2.0.0``), drops a ``v`` prefix and
  build metadata, and spells stability suffixes canonically: ``a``/``alpha`` -> ``alpha``,
  ``b``/``beta`` -> ``beta``, ``rc`` -> ``RC``, ``p``/``pl``/``patch`` -> ``patch``, an
  optional number after them, then an optional ``-dev`` (``1.0.0-beta.2`` ->
  ``1.0.0.0-beta2``); ``stable`` is dropped; date versions (``2010.01.02``) keep their parts;
  numeric branches (``2.1.x-dev``) become ``2.1.9999999.9999999-dev``;
* ``version_compare`` (PHP manual) splits on ``.``, ``-``, ``_``, ``+`` and at every change
  between digits and letters, compares numbers numerically and words by their special-form
  rank "any string not found in this list < dev < alpha = a < beta = b < RC = rc < # < pl = p"
  where ``#`` is any number; when one version has more parts, an extra number makes it
  greater and an extra word is ranked against ``#``.

Named branches (``dev-main``) are refused: Composer itself never orders them against numbered
versions. Written here because there is no Python implementation of Composer's semver rules.
"""

from __future__ import annotations

import functools
import re

from hullscan.versions._common import CACHE_SIZE, Comparator, Scheme, invalid, keyed_compare

__all__ = ["COMPARATOR", "key", "normalize"]

_MODIFIER = r"[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?[0-9]+)*+)?)?([.-]?dev)?"
_CLASSICAL = re.compile(
    rf"v?([0-9]{{1,5}}+)(\.[0-9]++)?(\.[0-9]++)?(\.[0-9]++)?{_MODIFIER}", re.IGNORECASE
)
_DATE = re.compile(
    rf"v?([0-9]{{4}}(?:[.:-]?[0-9]{{2}}){{1,6}}(?:[.:-]?[0-9]{{1,3}}){{0,2}}){_MODIFIER}",
    re.IGNORECASE,
)
_ALIAS = re.compile(r"([^,\s]++) ++as ++([^,\s]++)")
_STABILITY_FLAG = re.compile(r"@(?:stable|RC|beta|alpha|dev)$", re.IGNORECASE)
_BUILD = re.compile(r"([^,\s+]++)\+[^\s]++")
_DEV_SUFFIX = re.compile(r"(.*?)[.-]?dev", re.IGNORECASE)
_BRANCH = re.compile(
    r"v?([0-9]++)(\.(?:[0-9]++|[xX*]))?(\.(?:[0-9]++|[xX*]))?(\.(?:[0-9]++|[xX*]))?",
    re.IGNORECASE,
)
_STABILITY = {"a": "alpha", "b": "beta", "p": "patch", "pl": "patch", "rc": "RC"}

# PHP canonicalisation: non-alphanumerics separate parts, and so does a digit/letter change.
_PART = re.compile(r"[0-9]+|[A-Za-z]+")
_FORMS = (
    ("dev", 0),
    ("alpha", 1),
    ("a", 1),
    ("beta", 2),
    ("b", 2),
    ("RC", 3),
    ("rc", 3),
    ("#", 4),
    ("pl", 5),
    ("p", 5),
)
_NUMBER_RANK = 4
_END = (_NUMBER_RANK, 0)

Token = tuple[int] | tuple[int, int] | tuple[int, int, int]


class _BranchError(ValueError):
    """A named dev branch, which Composer does not order."""


def _numeric_branch(m: re.Match[str]) -> str:
    parts = (m[i] if m[i] else ".x" for i in range(1, 5))
    text = "".join(p.replace("*", "x").replace("X", "x") for p in parts)
    return text.replace("x", "9999999") + "-dev"


def _with_modifiers(m: re.Match[str], normalized: str, index: int) -> str:
    stability, number, dev = m[index], m[index + 1], m[index + 2]
    if stability:
        if stability == "stable":
            return normalized
        lowered = stability.lower()
        normalized += "-" + _STABILITY.get(lowered, lowered) + (number or "").lstrip(".-")
    if dev:
        normalized += "-dev"
    return normalized


def normalize(version: str) -> str:
    """``VersionParser::normalize``; ValueError for branches and unparseable strings."""
    text = version.strip()
    m = _ALIAS.fullmatch(text)
    if m:
        text = m[1]
    text = _STABILITY_FLAG.sub("", text, count=1)
    if text in ("master", "trunk", "default") or text[:4].lower() == "dev-":
        raise _BranchError(text)
    m = _BUILD.fullmatch(text)
    if m:
        text = m[1]
    m = _CLASSICAL.fullmatch(text)
    if m:
        return _with_modifiers(m, m[1] + "".join(m[i] or ".0" for i in (2, 3, 4)), 5)
    m = _DATE.fullmatch(text)
    if m:
        return _with_modifiers(m, re.sub(r"[^0-9]", ".", m[1]), 2)
    m = _DEV_SUFFIX.fullmatch(text)
    branch = _BRANCH.fullmatch(m[1].strip()) if m else None
    if branch:
        return _numeric_branch(branch)
    raise ValueError(text)


def _rank(word: str) -> int:
    return next((rank for form, rank in _FORMS if word.startswith(form)), -1)


@functools.lru_cache(maxsize=CACHE_SIZE)
def key(version: str) -> tuple[Token, ...]:
    """Sort key of a Composer version; VersionError for branches and invalid strings."""
    try:
        normalized = normalize(version)
    except _BranchError:
        raise invalid(Scheme.COMPOSER, version, "a dev branch has no order") from None
    except ValueError:
        raise invalid(Scheme.COMPOSER, version, "Composer cannot normalize it") from None
    tokens: list[Token] = []
    for part in _PART.findall(normalized):
        if part.isdigit():
            # Above a missing part, ranked as "#" against words.
            tokens.append((_NUMBER_RANK, 1, int(part)))
        else:
            tokens.append((_rank(part),))
    tokens.append(_END)
    return tuple(tokens)


COMPARATOR = Comparator(Scheme.COMPOSER, key, keyed_compare(key))
