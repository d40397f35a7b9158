"""DaemonSource against a fake engine: a Unix-socket HTTP server speaking the one endpoint.

The fake answers ``GET /images/{name}/json`` and ``GET /images/{name}/get`` with the shared
busybox docker-archive, which is what ``docker save`` of that image would stream.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socketserver
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from hullscan.errors import ImageError, UsageError
from hullscan.image.daemon import DaemonSource, engine_sockets, find_engine_socket
from hullscan.image.interface import Platform

NAME = "docker.io/hullscan/busybox:amd64"


class FakeEngine:
    def __init__(self, path: Path, archive: Path) -> None:
        self.archive = archive
        self.paths: list[str] = []
        self.stall = 0.0
        self.abort = threading.Event()
        handler = type("Handler", (_EngineHandler,), {"engine": self})
        self._server = socketserver.ThreadingUnixStreamServer(str(path), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))
        self._thread.daemon = True

    def __enter__(self) -> FakeEngine:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort.set()
        self._server.shutdown()
        self._server.server_close()


class _EngineHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    engine: FakeEngine

    def address_string(self) -> str:
        return "unix"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.engine.paths.append(self.path)
        match = re.fullmatch(r"/images/(.+)/(json|get)", self.path)
        if match is None or match[1] not in (NAME, "hullscan/busybox:amd64"):
            name = match[1] if match else self.path
            self._json(404, {"message": f"No such image: {name}"})
        elif match[2] == "json":
            self._json(200, {"Id": "sha256:70bc29e2", "RepoTags": [NAME]})
        else:
            self._archive()

    def _json(self, status: int, data: object) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _archive(self) -> None:
        data = self.engine.archive.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-tar")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.engine.stall:
            self.wfile.write(data[: len(data) // 2])
            self.engine.abort.wait(self.engine.stall)
            self.close_connection = True
            return
        self.wfile.write(data)


@pytest.fixture
def sock() -> Iterator[Path]:
    """A socket path short enough for AF_UNIX (108 bytes), wherever pytest's tmp_path is."""
    directory = Path(tempfile.mkdtemp(prefix="hs-engine-"))
    try:
        yield directory / "engine.sock"
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def engine(sock: Path, images_dir: Path) -> Iterator[FakeEngine]:
    with FakeEngine(sock, images_dir / "busybox-amd64.docker.tar") as fake:
        yield fake


def _facts(images_dir: Path) -> tuple[str, list[str]]:
    lines = (images_dir / "busybox-amd64.layers.tsv").read_text().splitlines()
    config = lines[1].split("\t")[1]
    diff_ids = [line.split("\t")[3] for line in lines if line[:1].isdigit()]
    return config, diff_ids


def test_exports_and_reads_the_image(
    engine: FakeEngine, sock: Path, tmp_path: Path, images_dir: Path
) -> None:
    config, diff_ids = _facts(images_dir)
    spool = tmp_path / "spool"
    spool.mkdir()
    with DaemonSource(NAME, sock, spool_dir=spool) as source:
        assert source.has_image()
        meta = source.resolve()
        assert meta.config_digest == config
        assert [x.diff_id for x in meta.layers] == diff_ids
        assert meta.source == NAME
        assert meta.repo_tags == (NAME,)
        for layer in meta.layers:
            with source.open_blob(layer) as blob:
                assert "sha256:" + hashlib.sha256(blob.read()).hexdigest() == layer.digest
        assert len(list(spool.iterdir())) == 1
    assert list(spool.iterdir()) == []  # the spooled export is removed on close
    assert engine.paths == [f"/images/{NAME}/json", f"/images/{NAME}/get"]


def test_missing_image(engine: FakeEngine, sock: Path) -> None:
    with DaemonSource("hullscan/absent:1", sock) as source:
        assert not source.has_image()
        with pytest.raises(ImageError, match=r"no image 'hullscan/absent:1' \(No such image"):
            source.resolve()


def test_wrong_platform_is_a_usage_error(engine: FakeEngine, sock: Path) -> None:
    arm = Platform.parse("linux/arm64")
    with (
        pytest.raises(UsageError, match="holds linux/amd64, not the requested linux/arm64"),
        DaemonSource("hullscan/busybox:amd64", sock, platform=arm) as source,
    ):
        source.resolve()


def test_stalled_export_ends_at_the_deadline(engine: FakeEngine, sock: Path) -> None:
    engine.stall = 30.0
    start = time.monotonic()
    with (
        pytest.raises(ImageError, match=r"timed out after 1\.5 s while exporting"),
        DaemonSource(NAME, sock, timeout=1.5) as source,
    ):
        source.resolve()
    assert time.monotonic() - start < 1.5 + 0.75


def test_no_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An engine that cannot be reached fails the resolve and leaves no spool file behind."""
    spool = tmp_path / "spool"
    spool.mkdir()
    source = DaemonSource(NAME, tmp_path / "nothing.sock", spool_dir=spool)
    with pytest.raises(ImageError, match="cannot reach the engine"):
        source.resolve()
    assert list(spool.iterdir()) == []
    source.close()
    monkeypatch.setattr("hullscan.image.daemon.find_engine_socket", lambda env=None: None)
    with pytest.raises(ImageError, match="no Docker or Podman engine socket found"):
        DaemonSource(NAME)


def test_socket_discovery(engine: FakeEngine, sock: Path, tmp_path: Path) -> None:
    assert engine_sockets({"DOCKER_HOST": f"unix://{sock}"})[0] == sock
    assert find_engine_socket({"DOCKER_HOST": f"unix://{sock}"}) == sock
    podman = tmp_path / "podman" / "podman.sock"
    assert engine_sockets({"XDG_RUNTIME_DIR": str(tmp_path)})[-2] == podman
    listed = engine_sockets({"DOCKER_HOST": "tcp://10.0.0.1:2375", "CONTAINER_HOST": ""})
    assert listed[0] == Path("/var/run/docker.sock")
    plain = tmp_path / "not-a-socket"
    plain.write_text("")
    assert find_engine_socket({"DOCKER_HOST": f"unix://{plain}"}) != plain
