"""OSV range semantics: unit cases, and a property test against the schema's pseudocode."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hullscan.match.ranges import Advisory, Entry, SimpleIndex, simple_fix
from hullscan.versions import key_function
from hullscan.vulndb import model

_ORDER = {"i": 0, "f": 1, "l": 2, "m": 3}


def _entry(*ranges: list[tuple[str, str]], key: Any = int, **spec: Any) -> Entry:
    return Entry(
        Advisory("REC-1", ("VULN-1",), _spec(*ranges, **spec)), _spec(*ranges, **spec), key
    )


def _spec(*ranges: list[tuple[str, str]], **spec: Any) -> model.Spec:
    return model.Spec(ranges=tuple(tuple(model.Event(k, v) for k, v in r) for r in ranges), **spec)


def _check(entry: Entry, version: str, key: Any = int) -> tuple[bool, str]:
    return entry.check(version, key(version), key)


def test_introduced_fixed_bounds() -> None:
    entry = _entry([("i", "3"), ("f", "5")])
    assert _check(entry, "2") == (False, "")
    assert _check(entry, "3") == (True, "5")  # introduced is inclusive
    assert _check(entry, "4") == (True, "5")
    assert _check(entry, "5") == (False, "")  # fixed is exclusive


def test_introduced_zero_means_every_version() -> None:
    assert _check(_entry([("i", "0")]), "1") == (True, "")
    assert _check(_entry([("i", "0"), ("f", "2")]), "0") == (True, "2")


def test_last_affected_is_inclusive_and_has_no_fix() -> None:
    entry = _entry([("i", "0"), ("l", "7")])
    assert _check(entry, "7") == (True, "")
    assert _check(entry, "8") == (False, "")


def test_several_ranges_in_one_range_list_and_across_ranges() -> None:
    one = _entry([("i", "1"), ("f", "3"), ("i", "5"), ("f", "9")])
    assert [_check(one, v)[0] for v in "0123456789"] == [
        False, True, True, False, False, True, True, True, True, False,
    ]  # fmt: skip
    assert _check(one, "6") == (True, "9")
    two = _entry([("i", "5"), ("f", "9")], [("i", "1"), ("f", "3")])
    assert _check(two, "2") == (True, "3")


def test_events_out_of_order_are_sorted() -> None:
    entry = _entry([("i", "20"), ("f", "24"), ("i", "10"), ("f", "13")])
    assert _check(entry, "11") == (True, "13")
    assert _check(entry, "15") == (False, "")


def test_limit_bounds_a_range() -> None:
    assert _check(_entry([("i", "0"), ("m", "5")]), "4") == (True, "")
    assert _check(_entry([("i", "0"), ("m", "5")]), "5") == (False, "")
    assert _check(_entry([("i", "0"), ("m", "*")]), "99") == (True, "")
    # several limits: below any one of them is enough
    assert _check(_entry([("i", "0"), ("m", "3"), ("m", "8")]), "6") == (True, "")


def test_range_without_introduced_affects_nothing() -> None:
    assert _check(_entry([("f", "5")]), "1") == (False, "")


def test_versions_list_matches_exact_and_equal_versions() -> None:
    pypi = key_function("PyPI")
    entry = _entry(versions=("1.0", "2.0rc1"), key=pypi)
    assert _check(entry, "1.0", pypi) == (True, "")
    assert _check(entry, "1.0.0", pypi) == (True, "")  # PEP 440: 1.0 == 1.0.0
    assert _check(entry, "2.0", pypi) == (False, "")
    # an unparsable installed version can still match the list by its exact text
    assert entry.check("1.0", None, pypi) == (True, "")


def test_npm_raw_range_and_its_fix() -> None:
    npm = key_function("npm")
    # NSWG-ECO-8 (express): no OSV ranges, only node-semver strings
    entry = _entry(npm_range="<3.11 || >= 4 <4.5", npm_patched=">=3.11 <4 || >=4.5", key=npm)
    assert _check(entry, "3.10.0", npm) == (True, "3.11.0")
    assert _check(entry, "4.2.0", npm) == (True, "4.5.0")
    assert _check(entry, "3.11.0", npm) == (False, "")
    assert _check(entry, "4.5.0", npm) == (False, "")


def test_simple_index_agrees_with_entry_check() -> None:
    fixes = ("5", "2", "9", "5")
    specs = [_spec([("i", "0"), ("f", x)]) for x in fixes]
    assert [simple_fix(spec) for spec in specs] == list(fixes)
    rows = [
        (int(x), x, Advisory(f"R{i}", ("V",), spec))
        for i, (x, spec) in enumerate(zip(fixes, specs, strict=True))
    ]
    index = SimpleIndex(list(rows))
    for version in range(12):
        expected = {
            (a.record, x)
            for _, x, a in rows
            if _check(_entry([("i", "0"), ("f", x)]), str(version))[0]
        }
        assert {(a.record, x) for a, x in index.affected(version)} == expected
    assert simple_fix(_spec([("i", "1"), ("f", "5")])) is None
    assert simple_fix(_spec([("i", "0"), ("f", "5")], [("i", "7")])) is None
    assert simple_fix(_spec([("i", "0"), ("f", "5")], versions=("1",))) is None


def _naive(version: int, events: list[tuple[str, str]]) -> bool:
    """The OSV schema's evaluation pseudocode, literally (integer versions, "0" lowest)."""
    limits = [v for k, v in events if k == "m"]
    if limits and not any(version < int(v) for v in limits):
        return False

    def position(event: tuple[str, str]) -> tuple[float, int]:
        kind, value = event
        return (float("-inf") if (kind, value) == ("i", "0") else int(value), _ORDER[kind])

    vulnerable = False
    for kind, value in sorted((e for e in events if e[0] != "m"), key=position):
        if kind == "i" and (value == "0" or version >= int(value)):
            vulnerable = True
        elif (kind == "f" and version >= int(value)) or (kind == "l" and version > int(value)):
            vulnerable = False
    return vulnerable


_event = st.tuples(st.sampled_from("iflm"), st.integers(1, 20).map(str)) | st.just(("i", "0"))


@settings(max_examples=300, deadline=None)
@given(st.lists(_event, min_size=1, max_size=7), st.integers(0, 21))
def test_matches_the_osv_pseudocode(events: list[tuple[str, str]], version: int) -> None:
    entry = _entry(events)
    has_introduced = any(k == "i" for k, _ in events)
    affected, fixed = _check(entry, str(version))
    assert affected == (_naive(version, events) and has_introduced)
    if fixed:
        assert affected and int(fixed) > version
        assert ("f", fixed) in events
