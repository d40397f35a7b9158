"""NuGet and Composer, which have no shared vectors: tests written from their documented rules.

NuGet: the "Package versioning" page of the NuGet documentation (sections "Pre-release
versions", "Normalized version numbers", "Semantic Versioning 2.0.0"). Composer: the
"Versions and constraints" page of the Composer documentation and the PHP manual's
``version_compare`` entry, which Composer's comparator calls on normalized versions.
"""

from __future__ import annotations

import pytest

from hullscan import versions
from hullscan.errors import VersionError
from tests.versions.ordering import assert_ascending, assert_same

# --- NuGet --------------------------------------------------------------------------------


def test_nuget_prerelease_precedence_example_from_docs() -> None:
    """Docs, "Pre-release versions": the listed order, highest first; alpha10 sorts below
    alpha2 (reverse alphabetical), while rc.10 is above rc.2 (dot-separated numbers)."""
    highest_first = [
        "1.0.1",
        "1.0.1-zzz",
        "1.0.1-rc.10",
        "1.0.1-rc.2",
        "1.0.1-open",
        "1.0.1-beta",
        "1.0.1-alpha2",
        "1.0.1-alpha10",
        "1.0.1-aaa",
    ]
    assert_ascending("NuGet", highest_first[::-1])


@pytest.mark.parametrize(
    ("a", "b"), [("1.00", "1.0"), ("1.01.1", "1.1.1"), ("1.00.0.1", "1.0.0.1")]
)
def test_nuget_normalization_removes_leading_zeroes(a: str, b: str) -> None:
    """Docs, "Normalized version numbers": leading zeroes are removed."""
    assert_same("NuGet", a, b)


@pytest.mark.parametrize(("a", "b"), [("1.0.0.0", "1.0.0"), ("1.0.01.0", "1.0.1")])
def test_nuget_normalization_omits_a_zero_fourth_part(a: str, b: str) -> None:
    """Docs, "Normalized version numbers": a zero in the fourth part is omitted."""
    assert_same("NuGet", a, b)


def test_nuget_build_metadata_is_ignored() -> None:
    """Docs, "Normalized version numbers": SemVer 2.0.0 build metadata is removed."""
    assert_same("NuGet", "1.0.7+r3456", "1.0.7")
    assert_same("NuGet", "1.0.7-beta+a.b", "1.0.7-beta+c")


def test_nuget_missing_parts_are_zero_and_a_fourth_part_counts() -> None:
    """Docs, "Version basics"/legacy four-part versions: 1.0 is 1.0.0; 1.0.0.1 > 1.0.0."""
    assert_same("NuGet", "1", "1.0.0")
    assert_ascending("NuGet", ["1.0.0", "1.0.0.1-beta", "1.0.0.1", "1.0.0.2", "1.0.1"])


def test_nuget_release_sorts_after_its_prereleases() -> None:
    """Docs, "Pre-release versions": NuGet gives precedence to versions without a suffix."""
    assert_ascending("NuGet", ["2.0.0-alpha", "2.0.0-beta", "2.0.0-rc.1", "2.0.0"])


def test_nuget_labels_compare_case_insensitively() -> None:
    """Docs, "Semantic Versioning 2.0.0": pre-release labels are compared without case."""
    assert_same("NuGet", "1.0.0-BETA", "1.0.0-beta")
    assert_same("NuGet", "1.0.0-Rc.1", "1.0.0-rC.1")
    assert_ascending("NuGet", ["1.0.0-Alpha", "1.0.0-beta", "1.0.0-RC"])


def test_nuget_numeric_labels_are_numbers_below_text() -> None:
    """SemVer 2.0 identifiers (followed by NuGet 4.3+): numeric parts compare as numbers and
    below alphanumeric parts; a longer list beats its own prefix."""
    assert_ascending(
        "NuGet", ["1.0.0-1", "1.0.0-2", "1.0.0-10", "1.0.0-a", "1.0.0-a.1", "1.0.0-a.1.1"]
    )


@pytest.mark.parametrize("bad", ["", "1.0.0.0.0", "a.b", "1.0-", "1.0.0-beta..1", "v1.0"])
def test_nuget_rejects_non_versions(bad: str) -> None:
    with pytest.raises(VersionError, match="NuGet"):
        versions.key("NuGet", bad)


# --- Composer / Packagist ----------------------------------------------------------------


def test_composer_stability_order() -> None:
    """Composer docs, "Stabilities": dev < alpha < beta < RC < stable, and a patch release
    (PHP manual: "pl = p" rank above numbers) after the stable one."""
    assert_ascending(
        "Packagist",
        ["1.0.0-dev", "1.0.0-alpha1", "1.0.0-beta1", "1.0.0-RC1", "1.0.0", "1.0.0-patch1"],
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1.0.0-a1", "1.0.0-alpha1"),
        ("1.0.0-b2", "1.0.0-beta.2"),
        ("1.0.0-rc1", "1.0.0-RC1"),
        ("1.0.0-p1", "1.0.0-patch1"),
        ("1.0.0-pl1", "1.0.0-patch1"),
    ],
)
def test_composer_stability_abbreviations_areassert_same(a: str, b: str) -> None:
    """Composer normalisation spells a/b/rc/p/pl as alpha/beta/RC/patch (PHP manual:
    "alpha = a < beta = b < RC = rc < # < pl = p")."""
    assert_same("Packagist", a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("v1.2.3", "1.2.3"),
        ("1.2", "1.2.0.0"),
        ("1", "1.0.0"),
        ("1.2.3+build.5", "1.2.3"),
        ("1.0.0-stable", "1.0.0"),
        ("1.0.0@beta", "1.0.0"),
        ("1.2.3 as 1.0.0", "1.2.3"),
        ("2010-01-02.5", "2010.01.02.5"),
    ],
)
def test_composer_normalization_equalities(a: str, b: str) -> None:
    """Composer docs: a "v" prefix, build metadata, stability flags and inline aliases do not
    change a version; missing parts are zero."""
    assert_same("Packagist", a, b)


def test_composer_numbers_compare_numerically() -> None:
    """PHP manual: parts are compared left to right, numbers as numbers."""
    assert_ascending(
        "Packagist", ["1.9", "1.10", "1.10.1", "2.0.0-beta2", "2.0.0-beta10", "2.0.0"]
    )


def test_composer_dev_of_a_prerelease_sorts_before_it() -> None:
    """PHP manual: an extra word ranks against "#" (a number), and dev is the lowest word."""
    assert_ascending("Packagist", ["1.0.0-beta1-dev", "1.0.0-beta1", "1.0.0-beta2-dev"])


def test_composer_numeric_branches_sort_after_their_releases() -> None:
    """Composer docs, "Branches": 1.x-dev is normalised to 1.9999999.9999999.9999999-dev."""
    assert_ascending("Packagist", ["1.0.0", "1.999.0", "1.x-dev", "2.0.0"])
    assert_same("Packagist", "1.x-dev", "1.*.x-dev")


def test_composer_date_versions() -> None:
    """Composer normalisation: a date version keeps its own parts (``2010-01-02`` ->
    ``2010.01.02``, no padding), so it sorts below the classical ``2010.01.02`` (padded to
    ``2010.01.02.0``); ``20100102`` stays one number."""
    assert_ascending(
        "Packagist", ["2010-01-02", "2010.01.02", "2010-01-03", "20100102", "20100103"]
    )


@pytest.mark.parametrize("branch", ["dev-main", "dev-feature/x", "master", "trunk"])
def test_composer_named_branches_are_not_ordered(branch: str) -> None:
    """Composer docs, "Branches": dev-branches are not comparable with versions."""
    with pytest.raises(VersionError, match="dev branch"):
        versions.key("Packagist", branch)


@pytest.mark.parametrize("bad", ["", "foo", "1.0.0-foo", "1.0.0.0.0", "1.0.0-beta-beta"])
def test_composer_rejects_what_it_cannot_normalize(bad: str) -> None:
    with pytest.raises(VersionError, match="Packagist"):
        versions.key("Packagist", bad)
