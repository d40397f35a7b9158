"""`hullscan db` argument wiring, default paths and `db status`."""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hullscan.errors import UsageError
from hullscan.vulndb.cli import add_db_commands
from hullscan.vulndb.paths import cache_dir, default_db_path, resolve_db_path
from hullscan.vulndb.status import database_status, format_age
from tests.vulndb.osvdata import affected, record, write_zip


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hullscan")
    add_db_commands(parser.add_subparsers(dest="command"))
    return parser


def _run(*argv: str) -> int:
    args = _parser().parse_args(["db", *argv])
    code = args.handler(args)
    assert isinstance(code, int)
    return code


def test_default_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "hullscan" / "db" / "hullscan.db"
    assert default_db_path(tmp_path / "mine") == tmp_path / "mine" / "db" / "hullscan.db"
    assert resolve_db_path(tmp_path / "x.db", tmp_path / "mine") == tmp_path / "x.db"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the spec says absolute only
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "hullscan"


def test_build_then_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_zip(
        tmp_path / "data" / "npm" / "all.zip",
        [record("GHSA-1", affected("npm", "demo", {"introduced": "0"}, {"fixed": "1.0.0"}))],
    )
    cache = tmp_path / "cache"
    assert _run("build", "--from", str(tmp_path / "data"), "--cache-dir", str(cache)) == 0
    assert "1 advisories imported of 1 read" in capsys.readouterr().out
    assert (cache / "db" / "hullscan.db").is_file()
    assert _run("status", "--cache-dir", str(cache), "--json") == 0
    captured = capsys.readouterr()
    status = json.loads(captured.out)
    assert status["records"] == 1 and status["ecosystems"] == {"npm": 1}
    assert status["stale"] is False and captured.err == ""
    assert _run("status", "--cache-dir", str(cache), "--max-age", "0") == 0
    captured = capsys.readouterr()
    assert "osv:npm: 1" in captured.out
    assert captured.err.startswith("warning: ") and "run `hullscan db update`" in captured.err


def test_update_needs_a_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HULLSCAN_DB_URL", raising=False)
    with pytest.raises(UsageError, match="give --from"):
        _run("update", "--db", str(tmp_path / "x.db"))
    with pytest.raises(UsageError, match="--offline"):
        _run("update", "--offline", "--from", "https://db.example/hullscan.db")


def test_update_from_file_through_the_cli(
    small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "hullscan.db"
    shutil.copy(small_db, source)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    target = tmp_path / "out" / "hullscan.db"
    assert _run("update", "--from", str(source), "--sha256", digest, "--db", str(target)) == 0
    assert f"sha256 {digest[:12]}" in capsys.readouterr().out


def test_status_age_and_staleness(vulndb_path: Path) -> None:
    now = datetime.now(UTC)
    fresh = database_status(vulndb_path, now=now)
    assert fresh.age is not None and fresh.age < timedelta(hours=1)
    assert not fresh.stale and fresh.warning == ""
    assert fresh.records == 46365 and fresh.cves > 0
    assert {s.name for s in fresh.sources} >= {"osv:Debian", "osv:Alpine", "nvd", "kev"}
    later = database_status(vulndb_path, now=now + timedelta(days=9))
    assert later.stale
    assert "vulnerability database is 9d 0h old (over 5d 0h)" in later.warning


def test_format_age() -> None:
    assert format_age(timedelta(minutes=5)) == "5m"
    assert format_age(timedelta(hours=3, minutes=4)) == "3h 4m"
    assert format_age(timedelta(days=2, hours=1)) == "2d 1h"
