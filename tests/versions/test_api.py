"""The public API of hullscan.versions: ecosystem names, errors, keys, Version objects."""

from __future__ import annotations

import pytest

from hullscan import versions
from hullscan.errors import HullscanError, VersionError
from hullscan.versions import Scheme

OSV_NAMES = {
    "Debian": Scheme.DPKG,
    "Ubuntu": Scheme.DPKG,
    "Red Hat": Scheme.RPM,
    "Rocky Linux": Scheme.RPM,
    "AlmaLinux": Scheme.RPM,
    "SUSE": Scheme.RPM,
    "openSUSE": Scheme.RPM,
    "SLES": Scheme.RPM,
    "Mariner": Scheme.RPM,
    "Azure Linux": Scheme.RPM,
    "Photon OS": Scheme.RPM,
    "Amazon Linux": Scheme.RPM,
    "Oracle Linux": Scheme.RPM,
    "Fedora": Scheme.RPM,
    "CentOS": Scheme.RPM,
    "Alpine": Scheme.APK,
    "Wolfi": Scheme.APK,
    "Chainguard": Scheme.APK,
    "PyPI": Scheme.PEP440,
    "npm": Scheme.NPM,
    "crates.io": Scheme.SEMVER,
    "Hex": Scheme.SEMVER,
    "Pub": Scheme.PUB,
    "Go": Scheme.GO,
    "Maven": Scheme.MAVEN,
    "RubyGems": Scheme.RUBYGEMS,
    "NuGet": Scheme.NUGET,
    "Packagist": Scheme.COMPOSER,
}
ALIASES = {
    "pypi": Scheme.PEP440,
    "deb": Scheme.DPKG,
    "apk": Scheme.APK,
    "rpm": Scheme.RPM,
    "golang": Scheme.GO,
    "cargo": Scheme.SEMVER,
    "gem": Scheme.RUBYGEMS,
    "composer": Scheme.COMPOSER,
    "nuget": Scheme.NUGET,
    "maven": Scheme.MAVEN,
}


@pytest.mark.parametrize(("ecosystem", "scheme"), [*OSV_NAMES.items(), *ALIASES.items()])
def test_ecosystem_names_map_to_their_scheme(ecosystem: str, scheme: Scheme) -> None:
    assert versions.scheme_of(ecosystem) is scheme


@pytest.mark.parametrize(
    ("ecosystem", "scheme"),
    [
        ("Debian:12", Scheme.DPKG),
        ("Alpine:v3.18", Scheme.APK),
        ("Ubuntu:22.04:LTS", Scheme.DPKG),
        ("Red Hat:enterprise_linux:9::appstream", Scheme.RPM),
        ("Rocky Linux:9", Scheme.RPM),
    ],
)
def test_release_suffix_after_the_first_colon_is_ignored(ecosystem: str, scheme: Scheme) -> None:
    assert versions.scheme_of(ecosystem) is scheme


@pytest.mark.parametrize("ecosystem", ["PYPI", "Pypi", "NPM", "crates", "CRATES.IO", "Golang", ""])
def test_names_are_case_sensitive_and_unknown_ones_raise(ecosystem: str) -> None:
    with pytest.raises(VersionError, match="unknown ecosystem"):
        versions.compare(ecosystem, "1.0", "1.0")


def test_error_names_ecosystem_and_version_on_one_line() -> None:
    with pytest.raises(VersionError) as caught:
        versions.key("PyPI", "not a version!")
    message = str(caught.value)
    assert "PyPI" in message
    assert "'not a version!'" in message
    assert "\n" not in message
    assert isinstance(caught.value, HullscanError)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("ecosystem", "bad"),
    [
        ("Debian", ""),
        ("Debian", "1:"),
        ("Debian", "a:1.0"),
        ("Debian", "1.0-"),
        ("Debian", "1 .0"),
        ("Red Hat", ""),
        ("Red Hat", "1.0 -1"),
        ("PyPI", "1.0-foo-bar"),
        ("npm", "1.2"),
        ("crates.io", "v1.2.3"),
        ("crates.io", "01.2.3"),
        ("Maven", ""),
        ("Maven", "1." * 200),
        ("RubyGems", "1.0-"),
        ("RubyGems", "a1"),
        ("NuGet", "1.0.0.0.0"),
        ("Packagist", "dev-main"),
        ("Go", "1.2-pre"),
        ("Alpine", "1.0bc"),
        ("Pub", "1.2"),
    ],
)
def test_unparseable_versions_raise_instead_of_ordering(ecosystem: str, bad: str) -> None:
    assert not versions.is_valid(ecosystem, bad)
    with pytest.raises(VersionError, match=ecosystem):
        versions.key(ecosystem, bad)
    with pytest.raises(VersionError):
        versions.parse(ecosystem, bad)


def test_compare_raises_for_an_invalid_side() -> None:
    with pytest.raises(VersionError, match="Debian: invalid dpkg version '1:'"):
        versions.compare("Debian", "1.0", "1:")


def test_is_valid_rejects_unknown_ecosystems() -> None:
    with pytest.raises(VersionError):
        versions.is_valid("Nix", "1.0")


def test_parsed_versions_order_and_compare_by_key() -> None:
    parsed = [versions.parse("Debian:12", v) for v in ("1.0-1", "1.0~rc1-1", "1:0.9", "1.0-0")]
    assert [str(v) for v in sorted(parsed)] == ["1.0~rc1-1", "1.0-0", "1.0-1", "1:0.9"]
    assert versions.parse("Debian", "1.0") == versions.parse("Debian", "1.0-0")
    assert hash(versions.parse("Debian", "1.0")) == hash(versions.parse("Debian", "1.0-0"))
    assert versions.parse("Debian", "1.0") != versions.parse("Debian", "1.0-1")
    assert versions.parse("npm", "1.2.3") < versions.parse("npm", "1.10.0")
    assert versions.parse("npm", "1.10.0") >= versions.parse("npm", "1.10.0+build")
    assert versions.parse("Maven", "1-ga") == versions.parse("Maven", "1")
    assert hash(versions.parse("Maven", "1-ga")) == hash(versions.parse("Maven", "1.0"))


def test_versions_of_different_schemes_do_not_compare() -> None:
    deb, py = versions.parse("Debian", "1.0"), versions.parse("PyPI", "1.0")
    assert deb != py
    with pytest.raises(TypeError):
        _ = deb < py
    with pytest.raises(TypeError):
        _ = deb >= "1.0"  # type: ignore[operator]


def test_keys_sort_many_versions_after_parsing_once() -> None:
    key = versions.key_function("PyPI")
    found = sorted(["1.0", "1.0rc1", "1.0.post1", "0.9", "1.0.dev1", "1!0.1"], key=key)
    assert found == ["0.9", "1.0.dev1", "1.0rc1", "1.0", "1.0.post1", "1!0.1"]
    assert versions.key("PyPI", "1.0") == key("1.0.0")


def test_satisfies_is_for_npm_only() -> None:
    assert versions.satisfies("npm", "^1.2.0 || >=3", "1.4.0")
    assert not versions.satisfies("npm", "^1.2.0 || >=3", "2.0.0")
    assert not versions.satisfies("npm", "not a range ~~", "1.0.0")
    with pytest.raises(VersionError, match="npm only"):
        versions.satisfies("PyPI", ">=1.0", "1.0")
