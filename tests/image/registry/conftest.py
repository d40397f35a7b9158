"""A real registry for the tests: Debian's docker-registry with the shared images pushed.

`registry_images` (session) starts docker-registry on a free 127.0.0.1 port through
shared/tools/local-registry.sh, pushes every shared image with skopeo once, and stops it at the
end; its `LocalRegistry` names the host, the pushed references and the registry log (for
counting requests). `auth_registry` is a second process over the same storage that demands
htpasswd Basic auth. Both skip when docker-registry or skopeo is not installed.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hullscan.image.registry import RegistryOptions

USER = "hullscan-user"
PASSWORD = "pw-Zq8r!x3"  # a test password, grepped for in logs

# name -> (skopeo source inside images_dir, repository:tag, extra skopeo flags, layers.tsv stem)
PUSHES: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "busybox-amd64": ("busybox-amd64.oci.tar:busybox-amd64", "hullscan/busybox:amd64", (),
                      "busybox-amd64"),
    "busybox-amd64-v2s2": ("busybox-amd64.oci.tar:busybox-amd64", "hullscan/busybox-v2s2:amd64",
                           ("--format", "v2s2"), "busybox-amd64"),
    "busybox-multiarch": ("busybox-multiarch.oci.tar:latest", "hullscan/busybox:multi",
                          ("--all",), ""),
    "debian-python-app": ("debian-images.oci.tar:debian-python-app",
                          "hullscan/debian-python-app:latest", (), "debian-python-app"),
    "debian-bookworm-minbase": ("debian-images.oci.tar:debian-bookworm-minbase",
                                "hullscan/debian-bookworm-minbase:latest", (),
                                "debian-bookworm-minbase"),
    "alpine-3.18.9": ("alpine-images.oci.tar:alpine-3.18.9", "hullscan/alpine:3.18.9", (), ""),
    "alpine-3.14.10": ("alpine-images.oci.tar:alpine-3.14.10", "hullscan/alpine:3.14.10", (), ""),
    "go-hello": ("go-hello.oci.tar:go-hello", "hullscan/go-hello:latest", (), ""),
}  # fmt: skip

_ACCESS = re.compile(
    r'"(GET|HEAD|POST|PUT|PATCH) (\S+) HTTP/[\d.]+" (\d{3}) \S+ "[^"]*" "([^"]*)"'
)


@dataclass(frozen=True)
class Access:
    method: str
    path: str
    status: int
    user_agent: str


@dataclass
class LocalRegistry:
    """A running registry: ``host`` (127.0.0.1:PORT), pushed ``refs`` by image name."""

    host: str
    directory: Path
    pid: int
    refs: dict[str, str] = field(default_factory=dict)
    username: str = ""
    password: str = ""

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    @property
    def log(self) -> Path:
        return self.directory / "registry.log"

    def ref(self, name: str) -> str:
        return self.refs[name]

    def log_mark(self) -> int:
        return self.log.stat().st_size

    def accesses(self, since: int, user_agent: str = "hullscan/") -> list[Access]:
        """Requests logged after ``since`` by a client whose User-Agent starts so.

        The registry writes its access line after each response; wait until the count holds.
        """
        found: list[Access] = []
        for _ in range(20):
            with self.log.open("rb") as fh:
                fh.seek(since)
                text = fh.read().decode("utf-8", "replace")
            now = [
                Access(m[1], m[2], int(m[3]), m[4])
                for m in _ACCESS.finditer(text)
                if m[4].startswith(user_agent)
            ]
            if now and len(now) == len(found):
                return now
            found = now
            time.sleep(0.05)
        return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _need(*programs: str) -> None:
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")


def start_registry(
    shared: Path, directory: Path, htpasswd: Path | None = None, env: dict[str, str] | None = None
) -> LocalRegistry:
    """Run local-registry.sh on a free port (retried once if another process took the port)."""
    script = shared / "tools" / "local-registry.sh"
    for _ in range(3):
        port = _free_port()
        args = [str(script), str(port), str(directory)] + ([str(htpasswd)] if htpasswd else [])
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}
        )
        if done.returncode == 0:
            return LocalRegistry(f"127.0.0.1:{port}", directory, int(done.stdout.strip()))
    pytest.fail(f"local-registry.sh failed: {done.stderr.strip()}")


def stop_registry(registry: LocalRegistry) -> None:
    """Kill the registry we started (by its pid); its storage is a throwaway temp dir."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(registry.pid, signal.SIGKILL)


def push_all(registry: LocalRegistry, images_dir: Path) -> None:
    """skopeo copy every shared image into the registry, two at a time."""
    running: list[tuple[str, subprocess.Popen[bytes]]] = []
    failures: list[str] = []

    def reap(proc_name: str, proc: subprocess.Popen[bytes]) -> None:
        _, err = proc.communicate(timeout=300)
        if proc.returncode != 0:
            failures.append(f"{proc_name}: {err.decode().strip()}")

    for name, (source, dest, flags, _) in PUSHES.items():
        ref = f"{registry.host}/{dest}"
        cmd = ["skopeo", "copy", "-q", "--dest-tls-verify=false", *flags]
        cmd += [f"oci-archive:{images_dir / source}", f"docker://{ref}"]
        running.append(
            (name, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        )
        registry.refs[name] = ref
        if len(running) >= 2:
            reap(*running.pop(0))
    for item in running:
        reap(*item)
    if failures:
        pytest.fail("skopeo push failed: " + "; ".join(failures))


@pytest.fixture(scope="session")
def registry_images(
    shared: Path, images_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalRegistry]:
    """The anonymous registry with every shared image pushed (see PUSHES for the names).

    For end-to-end tests: ``registry_images.ref("debian-python-app")`` is a reference that
    ``open_registry_source`` (or the CLI) can scan; localhost needs no --insecure.
    """
    _need("docker-registry", "skopeo")
    registry = start_registry(shared, tmp_path_factory.mktemp("registry"))
    try:
        push_all(registry, images_dir)
        yield registry
    finally:
        stop_registry(registry)


@pytest.fixture(scope="session")
def auth_registry(
    shared: Path, registry_images: LocalRegistry, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalRegistry]:
    """The same images behind htpasswd Basic auth (a second process over the same storage)."""
    _need("htpasswd")
    directory = tmp_path_factory.mktemp("auth-registry")
    htpasswd = directory / "htpasswd"
    done = subprocess.run(
        ["htpasswd", "-Bbn", USER, PASSWORD], capture_output=True, text=True, check=True
    )
    htpasswd.write_text(done.stdout)
    (directory / "data").symlink_to(registry_images.directory / "data")
    registry = start_registry(shared, directory, htpasswd)
    registry.username, registry.password = USER, PASSWORD
    registry.refs = {
        name: ref.replace(registry_images.host, registry.host)
        for name, ref in registry_images.refs.items()
    }
    try:
        yield registry
    finally:
        stop_registry(registry)


@pytest.fixture
def fast_options() -> RegistryOptions:
    """Options with millisecond backoff, so retry tests stay quick; no Docker config."""
    no_config = Path("/nonexistent/config.json")
    return RegistryOptions(backoff=0.01, max_backoff=0.05, timeout=20.0, docker_config=no_config)


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests must not see the machine's registry credentials or Docker config."""
    for name in ("HULLSCAN_USERNAME", "HULLSCAN_PASSWORD", "HULLSCAN_REGISTRY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
