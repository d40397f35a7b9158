"""Scheme rules the vectors do not pin down: Go's OSV spellings, strict versus upstream
comparison of invalid strings, rpm's missing release, Pub's build order, tolerant SemVer."""

from __future__ import annotations

import pytest

from hullscan import versions
from hullscan.errors import VersionError
from hullscan.versions import apk, dpkg, golang, semver
from tests.versions.ordering import assert_ascending

# --- Go -----------------------------------------------------------------------------------


def test_go_accepts_osv_versions_without_v() -> None:
    assert versions.compare("Go", "1.19.8", "v1.19.8") == 0
    assert_ascending("Go", ["1.19.7", "v1.19.8", "1.20.0-rc.1", "1.20.0"])


@pytest.mark.parametrize(
    ("toolchain", "semver_form"),
    [
        ("go1.21rc2", "v1.21.0-rc.2"),
        ("go1.19", "v1.19.0"),
        ("go1.19.8", "v1.19.8"),
        ("go1.22beta1", "v1.22.0-beta.1"),
    ],
)
def test_go_toolchain_names_map_like_the_go_vulndb(toolchain: str, semver_form: str) -> None:
    assert golang.canonical_input(toolchain) == semver_form
    assert versions.compare("Go", toolchain, semver_form) == 0


def test_go_incompatible_and_pseudo_versions() -> None:
    """+incompatible is build metadata; pseudo-versions are pre-releases of their base."""
    assert versions.compare("Go", "v2.0.0+incompatible", "v2.0.0") == 0
    assert_ascending(
        "Go",
        [
            "v0.0.0-20200101000000-abcdefabcdef",
            "v0.0.0-20220314234659-1baeb1ce4c0b",
            "v0.1.0",
            "v1.2.3",
            "v1.2.4-0.20230101000000-0123456789ab",
            "v1.2.4",
        ],
    )


def test_go_compare_follows_x_mod_for_invalid_but_key_refuses() -> None:
    """x/mod/semver: invalid versions are equal to each other and below every valid one."""
    assert versions.compare("Go", "bad", "also-bad") == 0
    assert versions.compare("Go", "bad", "v0.0.0-0") == -1
    with pytest.raises(VersionError, match="Go: invalid go version 'bad'"):
        versions.key("Go", "bad")


# --- apk ----------------------------------------------------------------------------------


def test_apk_compare_orders_invalid_tails_like_apk_but_key_refuses() -> None:
    assert versions.compare("Alpine", "1.0", "1.0bc") == -1
    assert versions.compare("Alpine", "23_foo", "4_beta") == 1
    assert apk.lenient_key("1.0ab") < apk.lenient_key("1.0a")  # invalid tail < end
    with pytest.raises(VersionError, match=r"1\.0bc"):
        versions.key("Alpine:v3.18", "1.0bc")


def test_apk_suffix_and_revision_order() -> None:
    assert_ascending(
        "Wolfi",
        [
            *("1.0_alpha1", "1.0_beta", "1.0_pre2", "1.0_rc1", "1.0", "1.0-r1", "1.0_p1"),
            *("1.0a", "1.0.1"),
        ],
    )


# --- rpm ----------------------------------------------------------------------------------


def test_rpm_epoch_and_release() -> None:
    assert versions.compare("Rocky Linux:9", "0:1.2-3.el9", "1.2-3.el9") == 0
    assert_ascending("AlmaLinux", ["1.2-3.el9", "1.2-3.el9_2.1", "1.10-1.el9", "1:0.1-1"])


def test_rpm_missing_release_sorts_before_any_release() -> None:
    """rpm skips the release when one side lacks it, which is no total order; here a
    missing release is the lowest, which keeps every answer rpm gives with both present."""
    assert_ascending("Red Hat", ["1.0", "1.0-0", "1.0-1", "1.0-2"])


def test_rpm_tilde_and_caret() -> None:
    assert_ascending("Fedora", ["1.0~rc1-1", "1.0-1", "1.0^git1-1", "1.0.1-1"])


# --- dpkg ---------------------------------------------------------------------------------


def test_dpkg_policy_tilde_example() -> None:
    """Debian Policy 5.6.12: ~~ < ~~a < ~ < (empty) < a."""
    assert_ascending("Ubuntu", ["1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a"])


def test_dpkg_part_routine_orders_characters() -> None:
    """dpkg's verrevcmp: ~ < end < letters < other characters."""
    keys = [dpkg.part_key(c) for c in ("~", "", "A", "a", "z", "+", "-", ".")]
    assert keys == sorted(keys)


def test_dpkg_accepts_what_dpkg_only_warns_about() -> None:
    assert versions.is_valid("Debian", "III-alpha9.8")
    assert versions.is_valid("Debian", "1.0_bad")


# --- SemVer family ------------------------------------------------------------------------


def test_strict_semver_for_crates_and_hex() -> None:
    assert_ascending(
        "crates.io", ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta.2", "1.0.0", "1.0.1"]
    )
    assert versions.compare("Hex", "1.0.0+build.1", "1.0.0+build.2") == 0
    assert not versions.is_valid("crates.io", "1.0")


def test_npm_loose_parsing_is_opt_in() -> None:
    assert not versions.is_valid("npm", "=1.2.3")
    assert semver.npm_compare("=1.2.3", "v1.2.3", loose=True) == 0
    assert semver.npm_compare("1.2.3beta", "1.2.3-beta", loose=True) == 0


def test_pub_orders_build_metadata() -> None:
    """pub_semver: a build sorts after no build; builds compare like pre-releases."""
    assert_ascending(
        "Pub", ["1.0.0-dev", "1.0.0", "1.0.0+1", "1.0.0+2", "1.0.0+10", "1.0.0+a", "1.0.1"]
    )


def test_tolerant_semver_fills_missing_parts() -> None:
    assert versions.compare("Bitnami", "1.2", "v1.2.0") == 0
    assert versions.compare("SwiftURL", "01.2.3", "1.2.3") == 0
    assert_ascending("semver-tolerant", ["1", "1.1rc1", "1.1", "1.1.1"])
