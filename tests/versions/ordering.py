"""Assertions on version order shared by the scheme tests."""

from __future__ import annotations

import itertools

from hullscan import versions


def assert_ascending(ecosystem: str, ordered: list[str]) -> None:
    """Each version sorts strictly before the next, in both argument orders."""
    for low, high in itertools.pairwise(ordered):
        assert versions.compare(ecosystem, low, high) == -1, (low, high)
        assert versions.compare(ecosystem, high, low) == 1, (high, low)


def assert_same(ecosystem: str, a: str, b: str) -> None:
    """The two versions are equal, through compare and through their keys."""
    assert versions.compare(ecosystem, a, b) == 0
    assert versions.key(ecosystem, a) == versions.key(ecosystem, b)
