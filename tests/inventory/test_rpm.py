"""rpm databases (BerkeleyDB, ndb, SQLite) against go-rpmdb, Syft and osv-scalibr expectations."""

from __future__ import annotations

import contextlib
import io
import json
import random
import sqlite3
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hullscan.errors import InventoryError
from hullscan.inventory.interface import AnalyzerOptions, FileMeta, FileResult
from hullscan.inventory.rpm import RpmAnalyzer, read_database
from hullscan.inventory.rpm.bdb import read_bdb
from hullscan.inventory.rpm.header import RpmHeader, parse_header
from hullscan.inventory.rpm.ndb import read_ndb

from .analyze import analyze_tree, packages_of

ANALYZER = RpmAnalyzer()
# fixture -> (database path inside it, whether the peer asserts the complete list)
FIXTURES = {
    "bdb-libuuid": ("var/lib/rpm/Packages", False),
    "bdb-scalibr-epoch": ("var/lib/rpm/Packages", True),
    "bdb-syft-dive": ("var/lib/rpm/Packages", True),
    "ndb-sle15-bci": ("var/lib/rpm/Packages.db", True),
    "sqlite-cbl-mariner2": ("var/lib/rpm/rpmdb.sqlite", False),
}


@pytest.fixture(scope="module")
def rpmdir(fixtures_dir: Path) -> Path:
    return fixtures_dir / "rpm"


@pytest.fixture(scope="module")
def results(rpmdir: Path) -> dict[str, FileResult]:
    """Each fixture through the analyzer once (the SQLite one is 3.4 MiB)."""
    out = {}
    for fixture, (db, _exact) in FIXTURES.items():
        tree = analyze_tree(rpmdir / fixture, [ANALYZER])
        assert list(tree) == [("rpm", db)]
        out[fixture] = tree[("rpm", db)]
    return out


def _headers(rpmdir: Path, fixture: str) -> list[RpmHeader]:
    path = FIXTURES[fixture][0]
    with (rpmdir / fixture / path).open("rb") as body:
        headers, warnings = read_database(path, body)
    assert not warnings
    return headers


def test_every_fixture_is_covered(rpmdir: Path) -> None:
    found = sorted(p.name.removesuffix(".expected.json") for p in rpmdir.glob("*.expected.json"))
    assert found == sorted(FIXTURES)


# Peer field -> RpmHeader attribute.
PEER_FIELDS = {
    "name": "name",
    "version": "version",
    "release": "release",
    "epoch": "epoch",
    "arch": "arch",
    "source_rpm": "source_rpm",
    "size": "size",
    "license": "license",
    "vendor": "vendor",
    "summary": "summary",
    "sigmd5": "sigmd5",
    "modularitylabel": "modularity_label",
    "provides": "provides",
    "requires": "requires",
}


def _header_view(header: RpmHeader, keys: set[str]) -> dict[str, Any]:
    view = {}
    for key in keys:
        value = getattr(header, PEER_FIELDS[key])
        view[key] = list(value) if isinstance(value, tuple) else value
    return view


@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_headers_match_peer(rpmdir: Path, fixture: str) -> None:
    expected = json.loads((rpmdir / f"{fixture}.expected.json").read_text())
    headers = _headers(rpmdir, fixture)
    keys = {k for p in expected for k in p}
    if FIXTURES[fixture][1]:
        assert [_header_view(h, keys) for h in headers] == expected
    else:
        by_name = {h.name: h for h in headers}
        assert [_header_view(by_name[p["name"]], keys) for p in expected] == expected


@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_packages_match_peer(rpmdir: Path, results: dict[str, FileResult], fixture: str) -> None:
    """The Package view: full EVR version, source from SOURCERPM, license, vendor."""
    expected = json.loads((rpmdir / f"{fixture}.expected.json").read_text())
    packages = {p.name: p for p in results[fixture].packages}
    assert not results[fixture].warnings
    if FIXTURES[fixture][1]:
        assert len(packages) == len(expected)
    for want in expected:
        pkg = packages[want["name"]]
        epoch = f"{want['epoch']}:" if want.get("epoch") is not None else ""
        assert pkg.version == f"{epoch}{want['version']}-{want['release']}"
        assert pkg.arch == want["arch"]
        src_name, src_version, src_release = (
            want["source_rpm"].removesuffix(".src.rpm").rsplit("-", 2)
        )
        assert (pkg.source_name, pkg.source_version) == (
            src_name,
            f"{epoch}{src_version}-{src_release}",
        )
        if "license" in want:
            assert pkg.licenses == (want["license"],)
        if want.get("vendor"):
            assert pkg.extra_value("vendor") == want["vendor"]
        assert pkg.found_in == FIXTURES[fixture][0]


def test_scalibr_epoch(results: dict[str, FileResult]) -> None:
    (pkg,) = results["bdb-scalibr-epoch"].packages
    assert (pkg.version, pkg.source_version) == ("1:0.0.1-rls", "1:0.0.1-rls")


def test_mariner_equals_syft_list(rpmdir: Path, results: dict[str, FileResult]) -> None:
    syft = json.loads((rpmdir / "sqlite-cbl-mariner2.syft-1.18.1.json").read_text())

    def evr(p: dict[str, Any]) -> str:
        epoch = f"{p['epoch']}:" if p.get("epoch") is not None else ""
        return f"{epoch}{p['version']}-{p['release']}"

    want = sorted((p["name"], evr(p), p["arch"]) for p in syft)
    got = sorted((p.name, p.version, p.arch) for p in results["sqlite-cbl-mariner2"].packages)
    assert len(got) == len(want) == 129
    assert got == want
    sources = {(p.name, p.source_name) for p in results["sqlite-cbl-mariner2"].packages}
    assert sources >= {(p["name"], p["source_rpm"].rsplit("-", 2)[0]) for p in syft}


def test_owned_files(results: dict[str, FileResult]) -> None:
    owned = dict(results["sqlite-cbl-mariner2"].owned_files)
    assert "usr/bin/curl" in owned["curl"]
    assert all(not path.startswith("/") for paths in owned.values() for path in paths)
    (name, paths), *_ = results["bdb-syft-dive"].owned_files
    assert (name, paths) == ("dive", ("usr/local/bin/dive",))


def test_analyze_through_tree(rpmdir: Path) -> None:
    packages = packages_of(analyze_tree(rpmdir / "ndb-sle15-bci", [ANALYZER]))
    assert [p.name for p in packages][:3] == ["system-user-root", "filesystem", "glibc"]


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("var/lib/rpm/Packages", True),
        ("var/lib/rpm/Packages.db", True),
        ("var/lib/rpm/rpmdb.sqlite", True),
        ("usr/lib/sysimage/rpm/rpmdb.sqlite", True),
        ("usr/lib/sysimage/rpm/Packages.db", True),
        ("var/lib/rpm/Name", False),
        ("var/lib/rpm/rpmdb.sqlite-shm", False),
        ("opt/var/lib/rpm/Packages", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert ANALYZER.wants(path, FileMeta(path, 1, 0o644)) is wanted


# --- corrupt databases: warnings naming the file, never an exception -----------------------


def _analyze(data: bytes, path: str) -> FileResult:
    return ANALYZER.analyze(path, io.BytesIO(data), AnalyzerOptions())


def _damaged(data: bytes) -> dict[str, bytes]:
    rng = random.Random(7)
    flipped = bytearray(data)
    for offset in rng.sample(range(len(data)), 64):
        flipped[offset] ^= 0xFF
    return {
        "empty": b"",
        "garbage": bytes(rng.randrange(256) for _ in range(8192)),
        "header-only": data[:100],
        "half": data[: len(data) // 2],
        "tail-cut": data[:-700],
        "bit-flips": bytes(flipped),
    }


@pytest.mark.parametrize("fixture", ["bdb-libuuid", "ndb-sle15-bci", "sqlite-cbl-mariner2"])
def test_corrupt_database_warns(rpmdir: Path, fixture: str) -> None:
    path = FIXTURES[fixture][0]
    data = (rpmdir / fixture / path).read_bytes()
    for kind, damaged in _damaged(data).items():
        result = _analyze(damaged, path)
        if kind in {"empty", "garbage", "header-only"}:
            assert not result.packages, kind
        if not result.warnings:
            # Flipped bytes inside values go unseen (only ndb has checksums); none invented.
            assert kind == "bit-flips", kind
            assert len(result.packages) <= len(_analyze(data, path).packages)
            continue
        assert all(w.startswith(f"{path}: ") for w in result.warnings), (kind, result.warnings)


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("var/lib/rpm/Packages", "not a Berkeley DB hash database (bad magic)"),
        ("var/lib/rpm/Packages.db", "not an rpm ndb database (bad magic or version)"),
        ("usr/lib/sysimage/rpm/rpmdb.sqlite", "not a readable rpm SQLite database"),
    ],
)
def test_zeroed_database_gives_one_warning(path: str, problem: str) -> None:
    result = _analyze(b"\x00" * 8192, path)
    assert not result.packages
    (warning,) = result.warnings
    assert warning.startswith(f"{path}: corrupt rpm database ({problem}")
    assert warning.endswith("read 0 package(s) before it")


def test_truncated_bdb_keeps_what_was_read(rpmdir: Path) -> None:
    data = (rpmdir / "bdb-libuuid" / "var/lib/rpm/Packages").read_bytes()
    blobs = list(read_bdb(io.BytesIO(data)))
    assert len(blobs) == 1 and isinstance(blobs[0], bytes)
    with pytest.raises(InventoryError):
        list(read_bdb(io.BytesIO(data[:4096])))


def test_ndb_checksum_detects_flipped_blob_byte(rpmdir: Path) -> None:
    data = bytearray((rpmdir / "ndb-sle15-bci" / "var/lib/rpm/Packages.db").read_bytes())
    data[256 * 16 + 100] ^= 0x01  # inside the first package's blob
    blobs = list(read_ndb(io.BytesIO(bytes(data))))
    assert isinstance(blobs[0], InventoryError) and "checksum" in str(blobs[0])
    assert sum(isinstance(b, bytes) for b in blobs) == 34
    result = _analyze(bytes(data), "var/lib/rpm/Packages.db")
    assert len(result.packages) == 34
    assert result.warnings == (
        "var/lib/rpm/Packages.db: skipped 1 unreadable package header(s): "
        "ndb blob of package 1 fails its checksum",
    )


def _to_big_endian(data: bytes) -> bytes:
    """A little-endian rpm Packages file as a big-endian host would have written it
    (only the fields a reader needs are swapped: the database's own byte order)."""
    out = bytearray(data)

    def swap(fmt: str, offset: int, base: int = 0) -> None:
        struct.pack_into(
            f">{fmt}", out, base + offset, *struct.unpack_from(f"<{fmt}", data, base + offset)
        )

    for offset in (8, 12, 16, 20, 28, 32):
        swap("I", offset)
    page_size = struct.unpack_from("<I", data, 20)[0]
    for base in range(page_size, len(data), page_size):
        entries, page_type = struct.unpack_from("<H", data, base + 20)[0], data[base + 25]
        swap("I", 8, base)
        swap("I", 16, base)
        swap("H", 20, base)
        swap("H", 22, base)
        if page_type in (2, 13):
            index = struct.unpack_from(f"<{entries}H", data, base + 26)
            swap(f"{entries}H", 26, base)
            for item in index:
                if data[base + item] == 3:
                    swap("II", item + 4, base)
    return bytes(out)


def test_big_endian_bdb(rpmdir: Path) -> None:
    data = (rpmdir / "bdb-libuuid" / "var/lib/rpm/Packages").read_bytes()
    swapped = _to_big_endian(data)
    assert swapped != data
    assert list(read_bdb(io.BytesIO(swapped))) == list(read_bdb(io.BytesIO(data)))


@pytest.fixture(scope="module")
def libuuid_blob(rpmdir: Path) -> bytes:
    data = (rpmdir / "bdb-libuuid" / "var/lib/rpm/Packages").read_bytes()
    (blob,) = read_bdb(io.BytesIO(data))
    assert isinstance(blob, bytes)
    return blob


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_header_parser_raises_only_inventory_error(libuuid_blob: bytes, data: Any) -> None:
    mutated = bytearray(libuuid_blob)
    for _ in range(data.draw(st.integers(1, 8))):
        mutated[data.draw(st.integers(0, len(mutated) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(mutated)))
    with contextlib.suppress(InventoryError):
        parse_header(bytes(mutated[:cut]))


# --- synthetic headers: the cases the fixtures do not reach --------------------------------

STRING, INT32, STRING_ARRAY = 6, 4, 8


def _header(*entries: tuple[int, int, Any]) -> bytes:
    """A header blob from (tag, type, value) entries, laid out the way rpm writes one."""
    index, data = b"", b""
    for tag, kind, value in entries:
        if kind == STRING:
            payload, count = value.encode() + b"\0", 1
        elif kind == STRING_ARRAY:
            payload, count = b"".join(v.encode() + b"\0" for v in value), len(value)
        else:
            data += b"\0" * (-len(data) % 4)
            payload, count = struct.pack(f">{len(value)}I", *value), len(value)
        index += struct.pack(">iIiI", tag, kind, len(data), count)
        data += payload
    return struct.pack(">II", len(entries), len(data)) + index + data


def _sqlite_db(tmp_path: Path, *blobs: bytes) -> bytes:
    db = tmp_path / "rpmdb.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB)")
    conn.executemany("INSERT INTO Packages (blob) VALUES (?)", [(b,) for b in blobs])
    conn.commit()
    conn.close()
    return db.read_bytes()


def test_synthetic_header_fields() -> None:
    blob = _header(
        (1000, STRING, "tool"),
        (1001, STRING, "1.0"),
        (1002, STRING, "3.el9"),
        (1003, INT32, [0]),
        (1011, STRING, "(none)"),
        (1027, STRING_ARRAY, ["/usr/bin/tool", "/etc/tool.conf"]),
        (1001, STRING, "1.1"),  # a later entry for the same tag wins, as in rpm's import
    )
    header = parse_header(blob)
    assert (header.name, header.evr, header.vendor) == ("tool", "0:1.1-3.el9", "")
    assert header.files == ("/usr/bin/tool", "/etc/tool.conf")


def test_header_without_release() -> None:
    header = parse_header(_header((1000, STRING, "x"), (1001, STRING, "2")))
    assert header.evr == "2"


def test_gpg_pubkey_and_broken_rows(tmp_path: Path) -> None:
    data = _sqlite_db(
        tmp_path,
        _header((1000, STRING, "gpg-pubkey"), (1001, STRING, "fd431d51"), (1002, STRING, "1")),
        _header((1000, STRING, "bash"), (1001, STRING, "5.1"), (1002, STRING, "1")),
        _header((1000, STRING, "noversion")),
        b"\x00\x00\x00\x01",
    )
    result = _analyze(data, "usr/lib/sysimage/rpm/rpmdb.sqlite")
    assert [(p.name, p.version, p.source_name, p.source_version) for p in result.packages] == [
        ("bash", "5.1-1", "bash", "5.1-1")
    ]
    assert result.warnings == (
        "usr/lib/sysimage/rpm/rpmdb.sqlite: skipped 2 unreadable package header(s): "
        "header without NAME or VERSION",
    )
