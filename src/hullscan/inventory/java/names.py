"""Which file names are Java archives: all the Java analyzer needs before it reads a body."""

from __future__ import annotations

__all__ = ["ARCHIVE_SUFFIXES", "is_java_archive"]

ARCHIVE_SUFFIXES = frozenset({".jar", ".war", ".ear", ".par", ".sar", ".jpi", ".hpi"})


def is_java_archive(name: str) -> bool:
    """Whether a file name has one of the Java archive suffixes (cheap: a slice and a lookup)."""
    return name[-4:].lower() in ARCHIVE_SUFFIXES
