"""Building from a URL and `db update` over HTTP, from files and from an OCI registry."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import zstandard

from hullscan.errors import DatabaseError, RegistryError, UsageError
from hullscan.vulndb import VulnDB, build_database
from hullscan.vulndb.update import DB_MEDIA_TYPE_ZSTD, OciReference, update_database

Serve = Callable[[Path], str]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _records(path: Path) -> set[str]:
    with VulnDB(path) as db:
        return {r for r, _, _ in db.lookup("PyPI", "demo")}


def test_build_from_url(serve: Serve, advisories_dir: Path, tmp_path: Path) -> None:
    base = serve(advisories_dir)
    result = build_database(
        base,
        tmp_path / "web.db",
        ecosystems=("npm", "Maven", "RubyGems"),  # no RubyGems zip: a 404, skipped
        kev=(f"{base}/kev/known_exploited_vulnerabilities.json",),
        nvd=(f"{base}/nvd/nvdcve-2.0-sample.json.gz",),
    )
    sources = {s.name: s for s in result.sources}
    assert set(sources) == {"osv:npm", "osv:Maven", "kev", "nvd"}
    assert sources["osv:npm"].location == f"{base}/npm/all.zip"
    assert sources["osv:npm"].records == 423
    assert sources["nvd"].records == 26
    with VulnDB(result.path) as db:
        kev = db.cve("CVE-2021-44228")
    assert kev is not None and kev.kev_date == "2021-12-10"


def test_build_from_url_with_nothing_there(serve: Serve, tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="no OSV ecosystem archives"):
        build_database(serve(tmp_path), tmp_path / "x.db", ecosystems=("npm",))


def test_offline_never_fetches(tmp_path: Path, advisories_dir: Path) -> None:
    with pytest.raises(UsageError, match="--offline"):
        build_database("http://127.0.0.1:9/", tmp_path / "x.db", offline=True)
    with pytest.raises(UsageError, match="--offline"):
        build_database(
            advisories_dir, tmp_path / "x.db", kev=("http://127.0.0.1:9/k.json",), offline=True
        )
    with pytest.raises(UsageError, match="--offline"):
        update_database("http://127.0.0.1:9/hullscan.db", tmp_path / "x.db", offline=True)
    with pytest.raises(UsageError, match="--offline"):
        update_database("oci://127.0.0.1:9/db:1", tmp_path / "x.db", offline=True)


@pytest.fixture
def published(small_db: Path, tmp_path: Path) -> Path:
    """A folder as a database publisher lays it out: .db, .db.zst and their .sha256 files."""
    folder = tmp_path / "www"
    folder.mkdir()
    plain = folder / "hullscan.db"
    shutil.copy(small_db, plain)
    packed = folder / "hullscan.db.zst"
    packed.write_bytes(zstandard.ZstdCompressor().compress(plain.read_bytes()))
    for path in (plain, packed):
        (folder / f"{path.name}.sha256").write_text(f"{_sha256(path)}  {path.name}\n")
    return folder


def _old_db(tmp_path: Path, vulndb_path: Path) -> Path:
    target = tmp_path / "cache" / "hullscan.db"
    target.parent.mkdir(parents=True)
    shutil.copy(vulndb_path, target)
    return target


def test_update_from_url_plain_and_zstd(
    serve: Serve, published: Path, tmp_path: Path, vulndb_path: Path
) -> None:
    base = serve(published)
    target = _old_db(tmp_path, vulndb_path)
    result = update_database(f"{base}/hullscan.db.zst", target)
    assert result.sha256 == _sha256(published / "hullscan.db.zst")
    assert result.schema_version == 1
    assert _records(target) == {"PYSEC-1", "PYSEC-2"}
    result = update_database(
        f"{base}/hullscan.db", target, sha256=_sha256(published / "hullscan.db")
    )
    assert result.downloaded_bytes == result.size_bytes
    assert sorted(p.name for p in target.parent.iterdir()) == ["hullscan.db"]  # no temp files


def test_update_refuses_a_bad_checksum_and_keeps_the_old_db(
    serve: Serve, published: Path, tmp_path: Path, vulndb_path: Path
) -> None:
    base = serve(published)
    target = _old_db(tmp_path, vulndb_path)
    before = _sha256(target)
    with pytest.raises(DatabaseError, match=r"sha256 is .* expected 0{64}; not installed"):
        update_database(f"{base}/hullscan.db", target, sha256="0" * 64)
    (published / "hullscan.db.sha256").unlink()
    with pytest.raises(DatabaseError, match=r"\.sha256: HTTP 404; pass --sha256"):
        update_database(f"{base}/hullscan.db", target)
    (published / "broken.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    digest = _sha256(published / "broken.db")
    with pytest.raises(DatabaseError, match="hullscan db update"):
        update_database(f"{base}/broken.db", target, sha256=digest)
    assert _sha256(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["hullscan.db"]


class _CutOffHandler(http.server.BaseHTTPRequestHandler):
    """Promises a large body, sends a little, then drops the connection."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(10_000_000))
        self.end_headers()
        self.wfile.write(b"SQLite format 3\x00" + b"\x00" * 4096)
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: object) -> None:
        return


def test_interrupted_update_leaves_the_old_db_usable(tmp_path: Path, vulndb_path: Path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CutOffHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = _old_db(tmp_path, vulndb_path)
    before = _sha256(target)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hullscan.db"
        with pytest.raises(DatabaseError, match="download failed"):
            update_database(url, target, sha256="1" * 64)
    finally:
        server.shutdown()
        server.server_close()
    assert _sha256(target) == before
    with VulnDB(target) as db:
        assert db.lookup("Debian:12", "apt")
    assert sorted(p.name for p in target.parent.iterdir()) == ["hullscan.db"]


def test_update_from_a_local_file(published: Path, tmp_path: Path) -> None:
    target = tmp_path / "new" / "hullscan.db"
    result = update_database(str(published / "hullscan.db.zst"), target, offline=True)
    assert result.path == target and _records(target) == {"PYSEC-1", "PYSEC-2"}
    with pytest.raises(DatabaseError, match="no such file"):
        update_database(str(published / "missing.db"), target)


def test_oci_reference_parsing() -> None:
    ref = OciReference.parse("oci://127.0.0.1:5000/hullscan/db:2")
    assert (ref.host, ref.repository, ref.reference) == ("127.0.0.1:5000", "hullscan/db", "2")
    assert ref.base_url(None) == "http://127.0.0.1:5000"
    remote = OciReference.parse("oci://registry.example/org/db@sha256:" + "a" * 64)
    assert remote.reference == "sha256:" + "a" * 64
    assert remote.base_url(None) == "https://registry.example"
    assert OciReference.parse("oci://registry.example/db").reference == "latest"
    with pytest.raises(UsageError):
        OciReference.parse("oci://no-repository")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def registry(shared: Path, tmp_path: Path) -> Iterator[tuple[str, tuple[str, str]]]:
    """A local docker-registry with basic auth: (host:port, (user, password))."""
    if shutil.which("docker-registry") is None or shutil.which("htpasswd") is None:
        pytest.skip("docker-registry or htpasswd not installed")
    htpasswd = tmp_path / "htpasswd"
    creds = ("hullscan", "s3cret")
    htpasswd.write_text(
        subprocess.run(
            ["htpasswd", "-Bbn", *creds], check=True, capture_output=True, text=True
        ).stdout
    )
    port = _free_port()
    script = shared / "tools" / "local-registry.sh"
    out = subprocess.run(
        ["bash", str(script), str(port), str(tmp_path / "reg"), str(htpasswd)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    pid = int(out.stdout.strip().splitlines()[-1])
    try:
        yield f"127.0.0.1:{port}", creds
    finally:
        os.kill(pid, 15)


def _push(host: str, creds: tuple[str, str], repo: str, tag: str, blob: bytes) -> str:
    """Push a one-layer OCI artifact with plain registry API calls; returns the layer digest."""
    base = f"http://{host}/v2/{repo}"
    with httpx.Client(auth=creds, timeout=30) as client:

        def upload(data: bytes) -> str:
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
            start = client.post(f"{base}/blobs/uploads/")
            assert start.status_code == 202, start.text
            location = start.headers["location"]
            sep = "&" if "?" in location else "?"
            url = location if location.startswith("http") else f"http://{host}{location}"
            done = client.put(f"{url}{sep}digest={digest}", content=data)
            assert done.status_code == 201, done.text
            return digest

        config = b"{}"
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": "application/vnd.hullscan.db",
            "config": {
                "mediaType": "application/vnd.oci.empty.v1+json",
                "digest": upload(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": DB_MEDIA_TYPE_ZSTD,
                    "digest": (layer := upload(blob)),
                    "size": len(blob),
                    "annotations": {"org.opencontainers.image.title": "hullscan.db.zst"},
                }
            ],
        }
        put = client.put(
            f"{base}/manifests/{tag}",
            content=json.dumps(manifest).encode(),
            headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"},
        )
        assert put.status_code == 201, put.text
    return layer


@pytest.mark.service
def test_update_from_an_oci_registry(
    registry: tuple[str, tuple[str, str]], published: Path, tmp_path: Path, vulndb_path: Path
) -> None:
    host, creds = registry
    blob = (published / "hullscan.db.zst").read_bytes()
    digest = _push(host, creds, "hullscan/db", "1", blob)
    target = _old_db(tmp_path, vulndb_path)
    with pytest.raises(RegistryError, match="authentication required"):
        update_database(f"oci://{host}/hullscan/db:1", target)
    with pytest.raises(RegistryError, match="credentials refused"):
        update_database(f"oci://{host}/hullscan/db:1", target, username="hullscan", password="no")
    result = update_database(
        f"oci://{host}/hullscan/db:1", target, username=creds[0], password=creds[1]
    )
    assert result.sha256 == digest.removeprefix("sha256:")
    assert _records(target) == {"PYSEC-1", "PYSEC-2"}
    with pytest.raises(DatabaseError, match="is not --sha256"):
        update_database(
            f"oci://{host}/hullscan/db:1", target, username=creds[0], password=creds[1],
            sha256="2" * 64,
        )  # fmt: skip
    with pytest.raises(RegistryError, match="HTTP 404"):
        update_database(
            f"oci://{host}/hullscan/db:nope", target, username=creds[0], password=creds[1]
        )


def test_corrupt_and_foreign_files_give_one_line_errors(tmp_path: Path, small_db: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite" * 100)
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    sqlite3.connect(empty).execute("CREATE TABLE t (x)").connection.close()
    newer = tmp_path / "newer.db"
    shutil.copy(small_db, newer)
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(small_db.read_bytes()[: small_db.stat().st_size // 3])
    cases = {
        tmp_path / "missing.db": "no vulnerability database there",
        garbage: "corrupt vulnerability database",
        empty: "not a hullscan vulnerability database",
        newer: "schema 99 is newer than this hullscan reads",
        truncated: "corrupt vulnerability database",
    }
    for path, message in cases.items():
        with pytest.raises(DatabaseError) as caught, VulnDB(path) as db:
            db.lookup("PyPI", "demo")
            db.verify_integrity()
        text = str(caught.value)
        assert message in text
        assert "\n" not in text
        assert "run `hullscan db update`" in text
