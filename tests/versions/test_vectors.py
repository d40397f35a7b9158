"""Every line of every shared version-vector file, one test per line (id ``file:line``).

The vectors are transcribed from the upstream projects' own tests (see the folder's README),
so passing them means ordering as dpkg, rpm, apk-tools, packaging, node-semver, maven-artifact,
x/mod/semver and RubyGems do.
"""

from __future__ import annotations

import pytest

from hullscan import versions
from hullscan.versions import dpkg, semver
from hullscan.versions._common import sign
from tests.versions.vectors import COMPARISON_FILES, OPS, RANGE_FILES, Line, params


def _expected(line: Line) -> int:
    return OPS[line.cols[1]]


@pytest.mark.parametrize("line", params([f for f in COMPARISON_FILES if "options" not in f]))
def test_comparison_vector(line: Line) -> None:
    a, _, b = line.cols
    ecosystem = COMPARISON_FILES[line.file]
    if line.file == "dpkg.tsv" and not (
        versions.is_valid(ecosystem, a) and versions.is_valid(ecosystem, b)
    ):
        # The README: single-character lines (`- < .`) check the ordering of dpkg's
        # comparison routine on a version part, not the parse of a whole version.
        assert sign(dpkg.part_key(a), dpkg.part_key(b)) == _expected(line)
        return
    assert versions.compare(ecosystem, a, b) == _expected(line)
    assert versions.compare(ecosystem, b, a) == -_expected(line)
    if versions.is_valid(ecosystem, a) and versions.is_valid(ecosystem, b):
        # The parse-once keys agree with compare wherever both parse.
        assert sign(versions.key(ecosystem, a), versions.key(ecosystem, b)) == _expected(line)


@pytest.mark.parametrize("line", params(["npm-semver-options.tsv"]))
def test_npm_comparison_with_options(line: Line) -> None:
    a, _, b = line.cols
    assert semver.npm_compare(a, b, loose=line.loose) == _expected(line)


@pytest.mark.parametrize("line", params(RANGE_FILES))
def test_npm_range_vector(line: Line) -> None:
    range_text, version, expected = line.cols
    got = versions.satisfies(
        "npm", range_text, version, loose=line.loose, include_prerelease=line.include_prerelease
    )
    assert got is (expected == "true")
