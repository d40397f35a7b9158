"""Analyzers' name hints keep their promise: the walk's dispatch asks the same analyzers, in
the same order, as asking every analyzer's `wants` would.

A hint narrower than `wants` would silently drop packages, so this is checked on every file
of the shared images and fixtures, and on generated paths built from every name and suffix
the hints name.
"""

from __future__ import annotations

import tarfile
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from hullscan.image.walk import AnalyzerDispatch
from hullscan.inventory import all_analyzers
from hullscan.inventory.interface import FileMeta
from tests.conftest import shared_dir

ANALYZERS = all_analyzers()
DISPATCH = AnalyzerDispatch(ANALYZERS)
PARTS = sorted({n for a in ANALYZERS for n in (*a.file_names, *a.file_suffixes)})
FOLDERS = ["", "a", "usr/lib", "specifications", "EGG-INFO", "node_modules", "var/lib/rpm"]


def _differences(paths: list[str]) -> list[str]:
    out = []
    for path in paths:
        for mode in (0o644, 0o755):
            meta = FileMeta(path=path, size=4096, mode=mode)
            if DISPATCH.wanting(path, meta) != [a for a in ANALYZERS if a.wants(path, meta)]:
                out.append(path)
    return out


@cache
def _shared_paths() -> list[str]:
    data = shared_dir() / "data"
    paths = [str(p.relative_to(data / "fixtures")) for p in (data / "fixtures").rglob("*")]
    for image in sorted((data / "images").glob("*.tar")):
        with tarfile.open(image) as outer:
            for member in outer.getmembers():
                if not member.isfile() or member.size < 4096:
                    continue
                try:
                    with tarfile.open(fileobj=outer.extractfile(member), mode="r|*") as layer:
                        paths += [m.name.removeprefix("./") for m in layer if m.isfile()]
                except tarfile.TarError:
                    continue  # a config or manifest blob, not a layer
    return paths


def test_every_analyzer_but_the_binary_and_path_ones_has_hints() -> None:
    unhinted = sorted(a.name for a in ANALYZERS if not (a.file_names or a.file_suffixes))
    assert unhinted == ["dpkg", "go-binary", "java-archive", "rust-binary"]


def test_dispatch_asks_what_wants_would_on_every_shared_file() -> None:
    paths = _shared_paths()
    assert len(paths) > 10_000
    assert _differences(paths) == []


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(FOLDERS), max_size=3),
    st.sampled_from(PARTS),
    st.sampled_from(["", "x", "foo", "-1.0"]),
    st.sampled_from(["", ".bak", "x", "/x"]),
)
def test_dispatch_asks_what_wants_would_on_generated_paths(
    folders: list[str], part: str, before: str, after: str
) -> None:
    path = "/".join([*filter(None, folders), before + part + after])
    assert _differences([path]) == []
