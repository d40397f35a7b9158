"""Alpine (apk) package versions, per apk-tools src/version.c.

Grammar: ``digits{.digits}...{letter}{_suffix{digits}}...{~hexhash}{-rN}`` with suffixes
``alpha beta pre rc`` (pre-releases, below the bare version) and ``cvs svn git hg p`` (above
it). apk tokenises both strings and compares token by token while the token *types* agree:
numbers numerically (a dot-separated number with a leading zero as a string, as Gentoo does),
letters by code, suffixes by their rank, commit hashes as strings. When the types first differ,
a pre-release suffix loses, otherwise the token type that comes *earlier* in the grammar wins
(``1.0.1 > 1.0a > 1.0_p1 > 1.0 > 1.0_rc1``), and the end of the string beats an invalid token.

The key is that token sequence with each token's type mapped to a rank that makes plain tuple
comparison reproduce those rules, ending at the first END or INVALID token (apk stops there
too). Written here because no maintained Python package implements apk-tools' current ordering.

apk compares strings it would not accept (``1.0bc``, ``23_foo``): it orders the valid prefix and
treats the invalid rest as a token below the end of the string. ``compare`` keeps that so it
agrees with apk; ``key`` raises for them, so the matcher never orders a version apk would
refuse to install.
"""

from __future__ import annotations

import functools

from hullscan.versions._common import CACHE_SIZE, Comparator, Scheme, invalid, sign

__all__ = ["COMPARATOR", "compare", "key", "lenient_key"]

# Token types in apk's grammar order.
_INITIAL, _DIGIT, _LETTER, _SUFFIX, _SUFFIX_NO, _HASH, _REVISION, _END, _INVALID = range(9)

_SUFFIXES = {
    "alpha": 1,
    "beta": 2,
    "pre": 3,
    "rc": 4,
    "cvs": 6,
    "svn": 7,
    "git": 8,
    "hg": 9,
    "p": 10,
}
_SUFFIX_NONE = 5

# Rank used when token types differ: later grammar position sorts lower; a pre-release suffix
# sorts below everything; END beats INVALID. Tokens of equal type share a rank, except that
# pre-release and post-release suffixes differ, consistently with their suffix values.
_RANK = {
    _INVALID: 1,
    _END: 2,
    _REVISION: 3,
    _HASH: 4,
    _SUFFIX_NO: 5,
    _SUFFIX: 6,
    _LETTER: 7,
    _DIGIT: 8,
    _INITIAL: 9,
}
_PRE_SUFFIX_RANK = 0
_HEX = frozenset("0123456789abcdef")

Token = tuple[int, ...] | tuple[int, int | str] | tuple[int, tuple[int, int | str]]
ApkKey = tuple[Token, ...]


# LIMITATION: apk-tools wraps numbers above 2**64 - 1 (uint64); they compare exactly here.
def _digits_end(text: str, pos: int) -> int:
    end = pos
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    return end


def _tokens(text: str) -> tuple[ApkKey, bool]:
    """The key of ``text`` and whether apk considers it valid (ends in END, not INVALID)."""
    out: list[Token] = []
    end = _digits_end(text, 0)
    if end == 0:
        return ((_RANK[_INVALID],),), False
    out.append((_RANK[_INITIAL], int(text[:end])))
    token, pos, n = _INITIAL, end, len(text)
    while pos < n:
        c = text[pos]
        if "a" <= c <= "z":
            if token > _DIGIT:
                break
            token = _LETTER
            out.append((_RANK[_LETTER], ord(c)))
            pos += 1
        elif c == "." or "0" <= c <= "9":
            if c == ".":
                if token > _DIGIT:
                    break
                pos += 1
            if token in (_INITIAL, _DIGIT):
                token = _DIGIT
            elif token == _SUFFIX:
                token = _SUFFIX_NO
            else:
                break
            end = _digits_end(text, pos)
            if end == pos:
                break
            digits = text[pos:end]
            pos = end
            if token == _SUFFIX_NO:
                out.append((_RANK[_SUFFIX_NO], int(digits)))
            elif digits[0] == "0":
                # Leading zero: apk compares the digits as a string, and any such string sorts
                # below every number without one (its first character is the smallest digit).
                out.append((_RANK[_DIGIT], (0, digits)))
            else:
                out.append((_RANK[_DIGIT], (1, int(digits))))
        elif c == "_":
            if token > _SUFFIX_NO:
                break
            end = pos + 1
            while end < n and "a" <= text[end] <= "z":
                end += 1
            value = _SUFFIXES.get(text[pos + 1 : end])
            if value is None:
                break
            pos = end
            token = _SUFFIX
            rank = _PRE_SUFFIX_RANK if value < _SUFFIX_NONE else _RANK[_SUFFIX]
            out.append((rank, value))
        elif c == "~":
            if token >= _HASH:
                break
            end = pos + 1
            while end < n and text[end] in _HEX:
                end += 1
            if end == pos + 1:
                break
            token = _HASH
            out.append((_RANK[_HASH], text[pos + 1 : end]))
            pos = end
        elif c == "-":
            if token >= _REVISION or not text.startswith("-r", pos):
                break
            end = _digits_end(text, pos + 2)
            if end == pos + 2:
                break
            token = _REVISION
            out.append((_RANK[_REVISION], int(text[pos + 2 : end])))
            pos = end
        else:
            break
    else:
        out.append((_RANK[_END],))
        return tuple(out), True
    out.append((_RANK[_INVALID],))
    return tuple(out), False


@functools.lru_cache(maxsize=CACHE_SIZE)
def lenient_key(version: str) -> ApkKey:
    """Sort key as apk orders any string, including invalid ones."""
    return _tokens(version)[0]


@functools.lru_cache(maxsize=CACHE_SIZE)
def key(version: str) -> ApkKey:
    """Sort key of a version apk accepts (``apk_version_validate``); VersionError otherwise."""
    result, valid = _tokens(version)
    if not valid:
        raise invalid(Scheme.APK, version, "not digits{.digits}{letter}{_suffix{N}}{~hash}{-rN}")
    return result


def compare(a: str, b: str) -> int:
    """Three-way comparison exactly as ``apk version -t`` does, invalid strings included."""
    return sign(lenient_key(a), lenient_key(b))


COMPARATOR = Comparator(Scheme.APK, key, compare)
