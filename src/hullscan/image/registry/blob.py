"""A layer blob from a registry as a file-like stream that survives broken connections.

The walk reads the blob once, in order, hashing and inflating as it goes. This stream keeps
an offset and a running hash: when the connection breaks or stalls, it asks again with
``Range: bytes=<offset>-`` (or, if the server ignores ranges, re-reads and skips what it has),
so a 1 GB layer is not refetched from byte 0. At the end it checks the byte count against the
descriptor and the digest against the content, so a wrong blob fails here with the registry
named, before the walk's own check. The deadline holds mid-body: each read checks it, and a
watchdog cuts a read that blocks past it.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx

from hullscan.errors import DigestMismatchError, ImageError, RegistryError
from hullscan.image.registry.transport import Watchdog, describe

if TYPE_CHECKING:
    from hullscan.image.registry.client import Endpoint, RegistryClient

_CONTENT_RANGE = re.compile(r"bytes (\d+)-\d+/(?:\d+|\*)")


class BlobStream(io.RawIOBase):
    """Read-once stream of one blob; ``size`` 0 means the descriptor gave none."""

    def __init__(
        self, client: RegistryClient, ep: Endpoint, digest: str, size: int, what: str
    ) -> None:
        super().__init__()
        self._client = client
        self._ep = ep
        self._digest = digest
        self._size = size
        self._what = what
        try:
            self._hash = hashlib.new(digest.partition(":")[0])
        except ValueError:
            raise ImageError(f"{what}: unsupported digest {digest!r}") from None
        self._offset = 0
        self._skip = 0
        self._pending = b""
        self._done = False
        self._response: httpx.Response | None = None
        self._chunks: Iterator[bytes] | None = None
        self._watchdog: Watchdog | None = None
        self._tries = client.attempts(what)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            if self._done:
                return 0
            self._pending = self._next_chunk()
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def _next_chunk(self) -> bytes:
        """The next bytes of the blob, reconnecting as needed; b"" once it is complete."""
        while True:
            self._client.deadline.check(self._what)
            if self._chunks is None:
                self._open()
            assert self._chunks is not None
            try:
                chunk = next(self._chunks, None)
            except httpx.TransportError as err:
                self._drop_response()
                self._tries.pause(self._client.redact(describe(err)))
                continue
            if chunk is None:
                self._drop_response()
                if self._size and self._offset < self._size:
                    self._tries.pause(f"connection ended at byte {self._offset} of {self._size}")
                    continue
                self._finish()
                return b""
            if self._skip:
                dropped = min(self._skip, len(chunk))
                self._skip -= dropped
                chunk = chunk[dropped:]
                if not chunk:
                    continue
            self._accept(chunk)
            return chunk

    def _accept(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self._offset += len(chunk)
        self._tries.progressed()
        if self._size and self._offset > self._size:
            raise ImageError(
                f"{self._what}: registry sent more than the {self._size} bytes the manifest "
                "declares"
            )

    def _open(self) -> None:
        headers = {"Accept-Encoding": "identity"}
        if self._offset:
            headers["Range"] = f"bytes={self._offset}-"
        url = self._client.blob_url(self._ep, self._digest)
        response = self._client.send(self._ep, "GET", url, self._what, self._tries, headers)
        status = response.status_code
        if status not in (200, 206):
            try:
                body = response.read()[:65536]
            except httpx.HTTPError:
                body = b""
            finally:
                response.close()
            self._client.status_error(self._ep, response, body, self._what)
        self._skip = 0
        if status == 206:
            match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
            if match is None or int(match.group(1)) != self._offset:
                response.close()
                raise RegistryError(
                    f"{self._what}: registry answered a resume with the wrong range"
                )
        elif self._offset:
            self._skip = self._offset  # the server ignored Range: re-read and drop what we have
        self._response = response
        self._watchdog = Watchdog(response, self._client.deadline)
        self._chunks = response.iter_bytes()

    def _drop_response(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        if self._response is not None:
            self._response.close()
            self._response = None
        self._chunks = None

    def _finish(self) -> None:
        self._done = True
        algo, _, expected = self._digest.partition(":")
        actual = self._hash.hexdigest()
        if actual != expected:
            raise DigestMismatchError(
                f"{self._what}: content does not match its digest "
                f"(expected {self._digest}, got {algo}:{actual})"
            )

    def close(self) -> None:
        self._drop_response()
        super().close()
