"""Reading the shared version-vector files (shared/data/version-vectors, see its README)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import shared_dir

#: Vector file -> the ecosystem whose ordering it tests.
COMPARISON_FILES = {
    "apk.tsv": "Alpine",
    "dpkg.tsv": "Debian",
    "go-semver.tsv": "Go",
    "maven.tsv": "Maven",
    "npm-semver.tsv": "npm",
    "npm-semver-options.tsv": "npm",
    "pep440.tsv": "PyPI",
    "rpm.tsv": "Red Hat",
    "rubygems.tsv": "RubyGems",
}
RANGE_FILES = ("npm-semver-range.tsv", "npm-semver-range-options.tsv")
OPS = {"<": -1, "=": 0, ">": 1}


@dataclass(frozen=True)
class Line:
    """One vector line: three columns plus the node-semver options, if any."""

    file: str
    number: int
    cols: tuple[str, str, str]
    loose: bool
    include_prerelease: bool


def vectors_dir() -> Path | None:
    """The vector folder, or None when the shared data is absent (the tests then skip)."""
    try:
        return shared_dir() / "data" / "version-vectors"
    except pytest.skip.Exception:
        return None


@cache
def lines(name: str) -> tuple[Line, ...]:
    """All data lines of a vector file (header dropped), numbered as in the file."""
    folder = vectors_dir()
    if folder is None:
        return ()
    out = []
    for number, text in enumerate((folder / name).read_text().splitlines()[1:], start=2):
        cols = text.split("\t")
        options = json.loads(cols[3]) if len(cols) > 3 else {}
        out.append(
            Line(
                name,
                number,
                (cols[0], cols[1], cols[2]),
                bool(options.get("loose")),
                bool(options.get("includePrerelease")),
            )
        )
    return tuple(out)


def versions(name: str) -> list[str]:
    """Every distinct version string named in a comparison file."""
    return sorted({v for line in lines(name) for v in (line.cols[0], line.cols[2])})


def params(names: tuple[str, ...] | list[str]) -> list[object]:
    """One pytest param per line, with the id ``file:line``."""
    return [
        pytest.param(line, id=f"{line.file}:{line.number}") for n in names for line in lines(n)
    ]
