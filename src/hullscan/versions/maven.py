"""Maven versions, per maven-artifact's ``ComparableVersion``.

The version is lower-cased and split into a tree of items: ``.`` separates items of one list,
``-`` (and a change from digits to letters) opens a nested list, and a letter run directly
followed by digits (``alpha1``, ``rc-2``) is one *combination* item. Numbers compare as
numbers and above everything else; strings are qualifiers ordered
``alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp`` with unknown
qualifiers after all known ones in lexical order; ``a1``/``b1``/``m1`` mean alpha/beta/milestone
when a digit follows. Trailing null items (``0``, empty qualifiers) are dropped, so
``1.0 == 1`` and ``1-ga == 1``, and a missing item compares as null (``1-rc < 1 < 1-sp``).

The rules are subtle enough (item kinds compare asymmetrically, lists against scalars) that
the key is the item tree itself with ComparableVersion's comparison, not a flattened tuple.
Written here because no maintained Python package tracks the current maven-artifact rules.
"""

from __future__ import annotations

import functools
from typing import Any, Final

from hullscan.versions._common import CACHE_SIZE, Comparator, Scheme, invalid, keyed_compare

__all__ = ["COMPARATOR", "MavenKey", "key"]

MAX_LENGTH: Final = 256
_QUALIFIERS: Final = ("alpha", "beta", "milestone", "rc", "snapshot", "", "sp")
_RELEASE_QUALIFIERS: Final = frozenset({"ga", "final", "release"})
_RELEASE_INDEX: Final = str(_QUALIFIERS.index(""))
_ALIASES: Final = {"cr": "rc"}
_SHORT: Final = {"a": "alpha", "b": "beta", "m": "milestone"}


def _cmp(a: Any, b: Any) -> int:
    return -1 if a < b else (1 if a > b else 0)


@functools.lru_cache(maxsize=256)
def _comparable_qualifier(qualifier: str) -> str:
    if qualifier in _RELEASE_QUALIFIERS:
        return _RELEASE_INDEX
    if qualifier in _QUALIFIERS:
        return str(_QUALIFIERS.index(qualifier))
    return f"{len(_QUALIFIERS)}-{qualifier}"


class _Num:
    """A numeric item (maven's Int/Long/BigInteger items order exactly like Python ints)."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    def is_null(self) -> bool:
        return self.value == 0

    def compare(self, other: _Item | None) -> int:
        if other is None:
            return 0 if self.value == 0 else 1
        if isinstance(other, _Num):
            return _cmp(self.value, other.value)
        return 1


class _Str:
    """A qualifier item."""

    __slots__ = ("cq", "value")

    def __init__(self, value: str, followed_by_digit: bool) -> None:
        if followed_by_digit and len(value) == 1:
            value = _SHORT.get(value, value)
        self.value = _ALIASES.get(value, value)
        self.cq = _comparable_qualifier(self.value)

    def is_null(self) -> bool:
        return not self.value

    def compare(self, other: _Item | None) -> int:
        if other is None:
            return _cmp(self.cq, _RELEASE_INDEX)
        if isinstance(other, _Num):
            return -1
        if isinstance(other, _Str):
            return _cmp(self.cq, other.cq)
        if isinstance(other, _Combo):
            result = self.compare(other.string_part)
            if result == 0:
                if self.compare(None) == 0:
                    return -other.digit_part.compare(None)
                return -1
            return result
        return -other.compare(self)


class _Combo:
    """A qualifier immediately followed by a number, such as ``alpha1`` or ``rc-2``."""

    __slots__ = ("digit_part", "string_part")

    def __init__(self, value: str) -> None:
        index = next((i for i, c in enumerate(value) if c.isdecimal()), 0)
        self.string_part = _Str(value[:index], True)
        self.digit_part = _parse_item(False, True, value[index:])

    def is_null(self) -> bool:
        return False

    def compare(self, other: _Item | None) -> int:
        if other is None:
            result = self.string_part.compare(None)
            return self.digit_part.compare(None) if result == 0 else result
        if isinstance(other, _Num):
            return -1
        if isinstance(other, _Str):
            result = self.string_part.compare(other)
            if result == 0:
                if self.string_part.compare(None) == 0:
                    return self.digit_part.compare(None)
                return 1
            return result
        if isinstance(other, _Combo):
            result = self.string_part.compare(other.string_part)
            return self.digit_part.compare(other.digit_part) if result == 0 else result
        return -other.compare(self)


class _List(list["_Item"]):
    """A list of items; nested lists start at ``-`` or at a digit-to-letter change."""

    __slots__ = ()

    def is_null(self) -> bool:
        return not self

    def normalize(self) -> None:
        for i in range(len(self) - 1, -1, -1):
            if not self[i].is_null():
                continue
            if i == len(self) - 1 or isinstance(self[i + 1], _Str):
                del self[i]
            else:
                nxt = self[i + 1]
                if isinstance(nxt, _List) and isinstance(nxt[0], _Combo | _Str):
                    del self[i]
        if len(self) == 1 and isinstance(self[0], _List):
            # Removing a zero prefix must not leave an extra qualifier nesting level.
            self[:] = list(self[0])

    def compare(self, other: _Item | None) -> int:
        if other is None:
            for item in self:
                result = item.compare(None)
                if result:
                    return result
            return 0
        if isinstance(other, _Num):
            return -1
        if isinstance(other, _Str | _Combo):
            result = self[0].compare(other) if self else -other.compare(None)
            for item in self[1:]:
                if result:
                    break
                result = item.compare(None)
            return result
        for i in range(max(len(self), len(other))):
            left = self[i] if i < len(self) else None
            right = other[i] if i < len(other) else None
            if left is None:
                result = 0 if right is None else -right.compare(None)
            else:
                result = left.compare(right)
            if result:
                return result
        return 0


_Item = _Num | _Str | _Combo | _List


def _parse_item(is_combination: bool, is_digit: bool, buf: str) -> _Item:
    if is_combination:
        return _Combo(buf.replace("-", ""))
    if is_digit:
        return _Num(int(buf) if buf else 0)
    return _Str(buf, False)


def _parse(version: str) -> _List:
    """ComparableVersion.parseVersion, step for step."""
    items = _List()
    text = version.lower()
    current = items
    stack = [items]
    is_digit = is_combination = False
    start = 0

    def open_list() -> None:
        nonlocal current
        child = _List()
        current.append(child)
        current = child
        stack.append(child)

    for i, c in enumerate(text):
        if c == ".":
            if i == start:
                current.append(_Num(0))
            else:
                current.append(_parse_item(is_combination, is_digit, text[start:i]))
            is_combination = False
            start = i + 1
        elif c == "-":
            if i == start:
                current.append(_Num(0))
            else:
                # X-1 is treated as X1.
                if not is_digit and i != len(text) - 1 and text[i + 1].isdecimal():
                    is_combination = True
                    continue
                current.append(_parse_item(is_combination, is_digit, text[start:i]))
            start = i + 1
            if current:
                open_list()
            is_combination = False
        elif "0" <= c <= "9":
            if not is_digit and i > start:
                is_combination = True
                if current:
                    open_list()
            is_digit = True
        else:
            if is_digit and i > start:
                current.append(_parse_item(is_combination, True, text[start:i]))
                start = i
                open_list()
                is_combination = False
            is_digit = False
    if len(text) > start:
        # 1.0.0.X1 < 1.0.0-X2: treat .X as -X for any string qualifier X.
        if not is_digit and current:
            open_list()
        current.append(_parse_item(is_combination, is_digit, text[start:]))
    while stack:
        stack.pop().normalize()
    return items


class MavenKey:
    """Sort key of a Maven version: the parsed item tree with ComparableVersion's order."""

    __slots__ = ("items", "text")

    def __init__(self, text: str, items: _List) -> None:
        self.text = text
        self.items = items

    def compare(self, other: MavenKey) -> int:
        return self.items.compare(other.items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MavenKey) and self.compare(other) == 0

    def __lt__(self, other: MavenKey) -> bool:
        return self.compare(other) < 0

    def __le__(self, other: MavenKey) -> bool:
        return self.compare(other) <= 0

    def __gt__(self, other: MavenKey) -> bool:
        return self.compare(other) > 0

    def __ge__(self, other: MavenKey) -> bool:
        return self.compare(other) >= 0

    def __hash__(self) -> int:
        return _ordering_hash(self.items)

    def __repr__(self) -> str:
        return f"MavenKey({self.text!r})"


def _ordering_hash(item: _Item) -> int:
    """A hash equal for items that compare equal (maven's ``orderingHash``).

    Structurally different trees can compare equal (``1-ga`` and ``1``), so trailing items
    equal to null are dropped and qualifiers hash by their comparable form.
    """
    if isinstance(item, _List):
        end = len(item)
        while end > 0 and item[end - 1].compare(None) == 0:
            end -= 1
        if end == 1:
            return _ordering_hash(item[0])
        return hash(tuple(_ordering_hash(i) for i in item[:end]))
    if isinstance(item, _Str):
        return hash(("qualifier", item.cq))
    if isinstance(item, _Combo):
        if item.string_part.compare(None) == 0 and item.digit_part.is_null():
            return _ordering_hash(item.string_part)
        return hash(("combination", item.string_part.cq, _ordering_hash(item.digit_part)))
    return hash(item.value)


@functools.lru_cache(maxsize=CACHE_SIZE)
def key(version: str) -> MavenKey:
    """Sort key of a Maven version; empty, over-long (> 256 characters) or unparseable
    strings raise."""
    if not version.strip():
        raise invalid(Scheme.MAVEN, version, "empty")
    if len(version) > MAX_LENGTH:
        raise invalid(Scheme.MAVEN, version[:32] + "...", f"longer than {MAX_LENGTH} characters")
    try:
        return MavenKey(version, _parse(version))
    except ValueError:
        # A non-ASCII digit after a qualifier ends up in a number that is not one; maven's
        # Integer.parseInt throws for these too.
        raise invalid(Scheme.MAVEN, version, "a numeric item is not a number") from None


COMPARATOR = Comparator(Scheme.MAVEN, key, keyed_compare(key))
