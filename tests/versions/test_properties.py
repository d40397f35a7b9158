"""Property tests: every scheme's comparison is a total order on realistic versions.

For each scheme: reflexive (``cmp(a, a) == 0``), antisymmetric (``cmp(a, b) == -cmp(b, a)``)
and transitive on generated triples, and ``compare`` agrees with comparing parsed keys.
Versions come from a generator of realistic versions per scheme, mixed with versions sampled
from the shared vector files of that scheme. Tuple keys would also raise TypeError here if two
keys ever put an int and a str at the same position.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hullscan import versions
from hullscan.errors import VersionError
from hullscan.versions._common import sign
from tests.versions.vectors import versions as vector_versions

Cmp = Callable[[str, str], int]


def _regex(pattern: str) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, fullmatch=True)


_NUM = st.integers(0, 12).map(str) | st.sampled_from(["0", "1", "10", "100", "2024"])
_PRE_ID = st.sampled_from(["alpha", "beta", "rc", "0", "1", "2", "11", "x-y", "RC", "a1"])


def _semver(prefix: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pre = st.lists(_PRE_ID, min_size=1, max_size=3).map(lambda ids: "-" + ".".join(ids))
    build = st.lists(_PRE_ID, min_size=1, max_size=2).map(lambda ids: "+" + ".".join(ids))
    return st.builds(
        lambda p, a, b, c, r, m: f"{p}{a}.{b}.{c}{r}{m}",
        prefix,
        _NUM,
        _NUM,
        _NUM,
        st.just("") | pre,
        st.just("") | build,
    )


_MAVEN_TOKEN = st.sampled_from(
    [
        *("1", "2", "0", "10", "00", "1a", "alpha", "a", "beta", "b", "m", "milestone"),
        *("rc", "cr", "snapshot", "SNAPSHOT", "ga", "final", "release", "sp", "foo", "x"),
    ]
)
_MAVEN = st.lists(
    st.tuples(st.sampled_from([".", "-", ""]), _MAVEN_TOKEN), min_size=1, max_size=5
).map(lambda parts: "".join(sep + tok for sep, tok in parts).lstrip(".-") or "1")

_COMPOSER = st.builds(
    lambda v, n, s, d: f"{v}{n}{s}{d}",
    st.sampled_from(["", "v"]),
    st.lists(_NUM, min_size=1, max_size=4).map(".".join),
    st.sampled_from(["", "-alpha", "-a2", "-beta1", "-b.3", "-RC2", "-rc", "-patch1", "-p2"])
    | st.sampled_from(["-pl", "-stable", ".beta4"]),
    st.sampled_from(["", "", "-dev", "+build.7"]),
)

#: ecosystem -> (generator of realistic versions, vector files to sample from)
SCHEMES: dict[str, tuple[st.SearchStrategy[str], tuple[str, ...]]] = {
    "Debian": (
        _regex(r"([0-9]:)?[0-9][0-9a-zA-Z.+~]{0,8}(-[0-9a-zA-Z.+~]{1,6})?"),
        ("dpkg.tsv",),
    ),
    "Red Hat": (
        _regex(r"([0-9]:)?[0-9][0-9a-zA-Z._+~^]{0,8}(-[0-9a-zA-Z._+~^]{1,6})?"),
        ("rpm.tsv",),
    ),
    "Alpine": (
        _regex(
            r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}[a-z]?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]{0,3})"
            r"{0,2}(~[0-9a-f]{1,6})?(-r[0-9]{1,2})?"
        ),
        ("apk.tsv",),
    ),
    "PyPI": (
        _regex(
            r"([0-9]!)?[0-9]{1,3}(\.[0-9]{1,3}){0,3}((a|b|rc)[0-9]{1,2})?(\.post[0-9]{1,2})?"
            r"(\.dev[0-9]{1,2})?(\+[a-z0-9]{1,4}(\.[a-z0-9]{1,3})?)?"
        ),
        ("pep440.tsv",),
    ),
    "crates.io": (_semver(st.just("")), ("npm-semver.tsv",)),
    "npm": (_semver(st.sampled_from(["", "v", " "])), ("npm-semver.tsv",)),
    "Pub": (_semver(st.just("")), ()),
    "Bitnami": (_regex(r"v?[0-9]{1,3}(\.[0-9]{1,3}){0,2}(-?[a-z][a-z0-9]{0,3}(\.[0-9])?)?"), ()),
    "Go": (
        _semver(st.just("v"))
        | _regex(r"v[0-9](\.([0-9]|[1-9][0-9]))?")
        | _regex(r"v[0-9]\.[0-9]\.[0-9]-(0\.|pre\.0\.)?20[0-9]{12}-[0-9a-f]{12}(\+incompatible)?")
        | _regex(r"go1\.[1-9][0-9]?(\.[1-9][0-9]?)?((rc|beta)[1-9])?"),
        ("go-semver.tsv",),
    ),
    "Maven": (_MAVEN, ("maven.tsv",)),
    "RubyGems": (
        _regex(r"[0-9]{1,2}(\.([0-9]{1,2}|[a-z]{1,3})){0,4}(-[a-z0-9]{1,3}(\.[a-z0-9]{1,3})?)?"),
        ("rubygems.tsv",),
    ),
    "NuGet": (
        _regex(
            r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}(-[A-Za-z0-9]{1,4}(\.[A-Za-z0-9]{1,3}){0,2})?"
            r"(\+[a-z0-9]{1,4})?"
        ),
        (),
    ),
    "Packagist": (_COMPOSER, ()),
}


@functools.cache
def _strategy(ecosystem: str) -> st.SearchStrategy[str]:
    generated, files = SCHEMES[ecosystem]
    sampled = [v for f in files for v in vector_versions(f)]
    if ecosystem not in ("Go", "Alpine"):
        # Go and apk order invalid strings too; the others only order what they parse.
        sampled = [v for v in sampled if versions.is_valid(ecosystem, v)]
    return generated | st.sampled_from(sampled) if sampled else generated


def _check_total_order(cmp: Cmp, a: str, b: str, c: str) -> None:
    assert cmp(a, a) == 0
    for x, y in ((a, b), (b, c), (a, c)):
        assert cmp(x, y) == -cmp(y, x), (x, y)
    low, mid, high = sorted((a, b, c), key=functools.cmp_to_key(cmp))
    assert cmp(low, mid) <= 0
    assert cmp(mid, high) <= 0
    assert cmp(low, high) <= 0, (low, mid, high)
    assert (cmp(low, high) == 0) == (cmp(low, mid) == 0 and cmp(mid, high) == 0)


@pytest.mark.parametrize("ecosystem", sorted(SCHEMES))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compare_is_a_total_order(ecosystem: str, data: st.DataObject) -> None:
    strategy = _strategy(ecosystem)
    a, b, c = (data.draw(strategy, label=name) for name in "abc")

    def cmp(x: str, y: str) -> int:
        return versions.compare(ecosystem, x, y)

    _check_total_order(cmp, a, b, c)
    for x, y in ((a, b), (b, c)):
        if versions.is_valid(ecosystem, x) and versions.is_valid(ecosystem, y):
            assert sign(versions.key(ecosystem, x), versions.key(ecosystem, y)) == cmp(x, y)


@pytest.mark.parametrize("ecosystem", sorted(SCHEMES))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_generated_versions_parse(ecosystem: str, data: st.DataObject) -> None:
    """The generators produce versions each scheme accepts, so the order test is not vacuous."""
    version = data.draw(SCHEMES[ecosystem][0])
    assert versions.is_valid(ecosystem, version), version
    parsed = versions.parse(ecosystem, version)
    assert parsed == versions.parse(ecosystem, version)
    assert hash(parsed) == hash(versions.parse(ecosystem, version))


_ANY_TEXT = st.text(
    alphabet=st.sampled_from(list("0123456789.-_+~^:abcxyzRCvV* \u0661\u00e9!")), max_size=14
) | st.text(max_size=8)


@pytest.mark.parametrize("ecosystem", sorted(SCHEMES))
@settings(max_examples=100, deadline=None)
@given(a=_ANY_TEXT, b=_ANY_TEXT)
def test_arbitrary_text_parses_or_raises_version_error(ecosystem: str, a: str, b: str) -> None:
    """No input crashes a scheme with anything but VersionError (never a guessed order)."""
    for version in (a, b):
        try:
            versions.key(ecosystem, version)
        except VersionError as error:
            assert repr(version) in str(error) or "..." in str(error)
    try:
        result = versions.compare(ecosystem, a, b)
    except VersionError:
        return
    assert result in (-1, 0, 1)
