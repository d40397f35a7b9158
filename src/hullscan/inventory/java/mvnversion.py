"""Maven version equality, as Maven's ComparableVersion defines it.

The jar analyzer drops an artifact found twice at the same place when the versions are equal to
Maven (``2.17`` and ``2.17.0``, ``1.0-final`` and ``1``), as Trivy does; plain string comparison
would keep both. Only the canonical form is needed here, not ordering, so this is the parsing
and normalising half of ComparableVersion and nothing more.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["maven_equal"]

# Qualifiers Maven treats as the release itself, or as another spelling.
_ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}
# One-letter qualifiers directly followed by a digit (``1.0a1``) are abbreviations.
_SHORT = {"a": "alpha", "b": "beta", "m": "milestone"}

_Item = int | str | list["_Item"]
_Key = int | str | tuple["_Key", ...]


def maven_equal(a: str, b: str) -> bool:
    """Whether two version strings are the same version to Maven."""
    return a == b or _canonical(a) == _canonical(b)


@lru_cache(maxsize=4096)
def _canonical(version: str) -> _Key:
    root: list[_Item] = []
    current = root
    stack = [root]
    start = 0
    digit = False
    text = version.lower()

    def push_list() -> list[_Item]:
        child: list[_Item] = []
        current.append(child)
        stack.append(child)
        return child

    for i, char in enumerate(text):
        if char in ".-":
            current.append(0 if i == start else _item(text[start:i], digit))
            start = i + 1
            if char == "-":
                current = push_list()
        elif char.isdigit():
            if not digit and i > start:
                current.append(_item(text[start:i], digit, followed_by_digit=True))
                start = i
                current = push_list()
            digit = True
        else:
            if digit and i > start:
                current.append(_item(text[start:i], digit))
                start = i
                current = push_list()
            digit = False
    if len(text) > start:
        current.append(_item(text[start:], digit))
    while stack:
        _normalize(stack.pop())
    return _freeze(root)


def _item(text: str, digit: bool, followed_by_digit: bool = False) -> _Item:
    if digit:
        return int(text)
    if followed_by_digit and len(text) == 1:
        text = _SHORT.get(text, text)
    return _ALIASES.get(text, text)


def _normalize(items: list[_Item]) -> None:
    """Drop trailing null items (0, "", empty lists), stepping over non-null sub-lists."""
    for i in range(len(items) - 1, -1, -1):
        item = items[i]
        if item in (0, "", []):
            del items[i]
        elif not isinstance(item, list):
            break


def _freeze(item: _Item) -> _Key:
    if isinstance(item, list):
        return tuple(_freeze(child) for child in item)
    return item
