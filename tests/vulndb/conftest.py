"""Local HTTP servers and a small database for the vulndb tests (no network beyond 127.0.0.1)."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hullscan.vulndb import build_database
from tests.vulndb.osvdata import affected, record, write_zip


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def serve() -> Iterator[Callable[[Path], str]]:
    """Serve a folder over HTTP on 127.0.0.1; returns its base URL."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of two PyPI records, quick to build and to copy around."""
    root = tmp_path_factory.mktemp("small")
    write_zip(
        root / "data" / "PyPI" / "all.zip",
        [
            record("PYSEC-1", affected("PyPI", "demo", {"introduced": "0"}, {"fixed": "1.0"})),
            record("PYSEC-2", affected("PyPI", "demo", {"introduced": "2.0"})),
        ],
    )
    path = root / "small.db"
    build_database(root / "data", path)
    return path
