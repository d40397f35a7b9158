"""Images held by a local Docker or Podman engine, exported over the engine's API socket.

``GET /images/{name}/get`` streams the same tar that ``docker save`` writes (Podman's
Docker-compatible API serves it too). It is spooled to a temporary file, because the archive
puts ``manifest.json`` wherever the engine likes, and then read by the archive source like any
saved image. The engine resolves the name itself, so ``nginx``, ``nginx:1.25`` and image IDs
all work as they do with ``docker save``. The export has to be read whole, layers included;
the registry source is the one that can skip cached layers.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO
from urllib.parse import quote

import httpx

from hullscan.errors import ImageError, UsageError
from hullscan.image.archive import open_local_image
from hullscan.image.interface import ImageMeta, ImageSource, LayerRef, Platform
from hullscan.image.registry.options import DEFAULT_TIMEOUT
from hullscan.image.registry.redact import safe_url
from hullscan.image.registry.transport import Deadline, Watchdog, describe

log = logging.getLogger(__name__)

_CONNECT_TIMEOUT = 10.0
# An engine may think a long while before the first byte of a large export.
_STALL_TIMEOUT = 120.0
_MAX_ERROR_BODY = 64 << 10


def engine_sockets(env: Mapping[str, str] | None = None) -> list[Path]:
    """Where Docker and Podman listen, in the order ``docker`` and ``podman`` look."""
    env = os.environ if env is None else env
    found: list[Path] = []
    for variable in ("DOCKER_HOST", "CONTAINER_HOST"):
        value = env.get(variable, "")
        if value.startswith("unix://"):
            found.append(Path(value.removeprefix("unix://")))
        elif value:
            # LIMITATION: tcp:// and ssh:// engine hosts are not reached; only Unix sockets.
            log.debug("%s=%s is not a unix:// socket; skipped", variable, safe_url(value))
    found.append(Path("/var/run/docker.sock"))
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime:
        found += [Path(runtime) / "docker.sock", Path(runtime) / "podman" / "podman.sock"]
    found.append(Path("/run/podman/podman.sock"))
    return found


def find_engine_socket(env: Mapping[str, str] | None = None) -> Path | None:
    """The first engine socket that exists, or None when no engine runs here."""
    for path in engine_sockets(env):
        with contextlib.suppress(OSError):
            if stat.S_ISSOCK(path.stat().st_mode):
                return path
    return None


class DaemonSource(ImageSource):
    """An image exported from a Docker or Podman engine, read as a ``docker save`` archive."""

    def __init__(
        self,
        reference: str,
        socket_path: Path | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        platform: Platform | None = None,
        spool_dir: Path | None = None,
    ) -> None:
        socket_path = socket_path or find_engine_socket()
        if socket_path is None:
            tried = ", ".join(str(p) for p in engine_sockets())
            raise ImageError(f"{reference}: no Docker or Podman engine socket found ({tried})")
        self.reference = reference
        self.socket_path = socket_path
        self._where = f"engine at {socket_path}"
        self._platform = platform
        self._spool_dir = spool_dir
        self._deadline = Deadline(timeout, f"{reference} from the {self._where}", ImageError)
        self._http = httpx.Client(
            transport=httpx.HTTPTransport(uds=str(socket_path)),
            base_url="http://engine",
            trust_env=False,
        )
        self._spool: Path | None = None
        self._archive: ImageSource | None = None

    def _path(self, action: str) -> str:
        return f"/images/{quote(self.reference, safe='/:@')}/{action}"

    def _get(self, action: str, doing: str) -> httpx.Response:
        timeout = self._deadline.timeout(_CONNECT_TIMEOUT, _STALL_TIMEOUT, doing)
        request = self._http.build_request("GET", self._path(action), timeout=timeout)
        log.debug("GET %s on %s", request.url.path, self._where)
        try:
            return self._http.send(request, stream=True)
        except httpx.TransportError as err:
            self._deadline.check(doing)
            raise ImageError(f"{self._where}: cannot reach the engine ({describe(err)})") from err

    def _refuse(self, response: httpx.Response) -> ImageError:
        """The engine's own message (``{"message": "No such image: …"}``), on one line."""
        try:
            message = str(json.loads(response.read()[:_MAX_ERROR_BODY]).get("message", ""))
        except (httpx.HTTPError, ValueError, AttributeError):
            message = ""
        finally:
            response.close()
        if response.status_code == 404:
            return ImageError(
                f"{self._where}: no image {self.reference!r} ({message or 'not found'}); pull "
                "it first, or scan it from its registry"
            )
        detail = message.splitlines()[0] if message else response.reason_phrase
        return ImageError(f"{self._where}: export of {self.reference!r} failed: {detail}")

    def has_image(self) -> bool:
        """Whether the engine holds the image (so a caller can fall back to the registry)."""
        response = self._get("json", "looking the image up")
        if response.status_code == 404:
            response.close()
            return False
        if response.status_code != 200:
            raise self._refuse(response)
        response.close()
        return True

    def _export(self) -> Path:
        """The engine's ``docker save`` of the image, in a temp file; none is left if it fails."""
        fd, name = tempfile.mkstemp(prefix="hullscan-engine-", suffix=".tar", dir=self._spool_dir)
        self._spool = Path(name)
        try:
            self._write_export(fd, name)
        except BaseException:
            self._spool.unlink(missing_ok=True)
            self._spool = None
            raise
        log.debug("%s: exported %s to %s", self._where, self.reference, name)
        return Path(name)

    def _write_export(self, fd: int, name: str) -> None:
        doing = "exporting the image"
        with os.fdopen(fd, "wb") as out:
            response = self._get("get", doing)
            if response.status_code != 200:
                raise self._refuse(response)
            watchdog = Watchdog(response, self._deadline)
            try:
                for chunk in response.iter_raw():
                    self._deadline.check(doing)
                    out.write(chunk)
            except httpx.TransportError as err:
                self._deadline.check(doing)
                raise ImageError(f"{self._where}: export broke off ({describe(err)})") from err
            except OSError as err:
                raise ImageError(f"{name}: cannot spool the export ({err.strerror})") from err
            finally:
                watchdog.cancel()
                response.close()

    def resolve(self) -> ImageMeta:
        if self._archive is None:
            self._archive = open_local_image(self._export())
        meta = self._archive.resolve()
        wanted = self._platform
        if wanted is not None and not wanted.matches(meta.platform):
            raise UsageError(
                f"{self.reference}: the engine holds {meta.platform}, not the requested {wanted}"
            )
        return replace(meta, source=self.reference, name=meta.name or self.reference)

    def open_blob(self, layer: LayerRef) -> IO[bytes]:
        if self._archive is None:
            self.resolve()
        assert self._archive is not None
        return self._archive.open_blob(layer)

    def close(self) -> None:
        try:
            if self._archive is not None:
                self._archive.close()
            self._http.close()
        finally:
            if self._spool is not None:
                self._spool.unlink(missing_ok=True)
                self._spool = None
