"""Time limits and retries for registry traffic.

One `Deadline` covers everything a registry source does. httpx timeouts bound each network
wait, but they are fixed when a request starts, so a body that is still streaming when the
deadline passes could outlive it by a whole read timeout; a `Watchdog` closes that response's
socket at the deadline, which makes the blocked read return at once. `Attempts` spaces retries
with exponential backoff and jitter (a random half to all of each step, so scanners that
failed together spread out, yet none retries at once),
honours ``Retry-After``, and refuses to sleep past the deadline.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import random
import socket
import threading
import time
from typing import Any

import httpx

from hullscan.errors import HullscanError, RegistryError

log = logging.getLogger(__name__)

# Statuses worth another try: overloaded, restarting or rate-limiting servers and proxies.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class Deadline:
    """A point in time (monotonic) that no registry operation may run past."""

    def __init__(
        self, seconds: float, what: str, error: type[HullscanError] = RegistryError
    ) -> None:
        self.seconds = seconds
        self.what = what
        self._error = error
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self._end - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def error(self, doing: str) -> HullscanError:
        return self._error(
            f"{self.what}: timed out after {self.seconds:g} s while {doing} "
            "(raise --timeout if it is just slow)"
        )

    def check(self, doing: str) -> None:
        if self.expired():
            raise self.error(doing)

    def timeout(self, connect: float, stall: float, doing: str) -> httpx.Timeout:
        """httpx timeouts for one request: the usual bounds, cut to what is left."""
        left = self.remaining()
        if left <= 0:
            raise self.error(doing)
        return httpx.Timeout(
            connect=min(connect, left),
            read=min(stall, left),
            write=min(stall, left),
            pool=min(connect, left),
        )


class Watchdog:
    """Shuts a streaming response's socket down when the deadline passes.

    Shutting down (not closing) is safe from another thread: the reader's ``recv`` returns
    at once and httpx reports a broken connection, which the caller turns into a timeout.
    """

    def __init__(self, response: httpx.Response, deadline: Deadline) -> None:
        self._timer: threading.Timer | None = None
        stream: Any = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            self._timer = threading.Timer(max(deadline.remaining(), 0.0), _shutdown, (sock,))
            self._timer.daemon = True
            self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _shutdown(sock: socket.socket) -> None:
    log.debug("deadline passed mid-response; shutting the connection down")
    # The base method, so an SSLSocket is cut at the TCP level without touching TLS state
    # that the reading thread is using.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def describe(err: httpx.TransportError) -> str:
    """A one-line account of a network failure (never the request or its headers)."""
    kind = {
        httpx.ConnectTimeout: "connection timed out",
        httpx.ReadTimeout: "no data within the read timeout",
        httpx.WriteTimeout: "send timed out",
        httpx.PoolTimeout: "no free connection",
        httpx.ConnectError: "cannot connect",
        httpx.ReadError: "connection broken",
        httpx.RemoteProtocolError: "connection closed mid-response",
    }.get(type(err), type(err).__name__)
    detail = str(err).splitlines()[0] if str(err) else ""
    return f"{kind} ({detail})" if detail else kind


class Attempts:
    """The retry budget of one logical request (or one blob, refilled as it makes progress)."""

    def __init__(
        self,
        deadline: Deadline,
        what: str,
        retries: int,
        backoff: float,
        max_backoff: float,
    ) -> None:
        self._deadline = deadline
        self._what = what
        self._retries = retries
        self._backoff = backoff
        self._max_backoff = max_backoff
        self.failures = 0

    def progressed(self) -> None:
        """The last retry worked; a later failure starts a fresh budget."""
        self.failures = 0

    def pause(self, reason: str, retry_after: float | None = None) -> None:
        """Sleep before the next try, or raise if none is left or it would pass the deadline."""
        if self._deadline.expired():
            raise self._deadline.error(self._what)
        if self.failures >= self._retries:
            tries = self.failures + 1
            raise RegistryError(
                f"{self._what}: {reason} (gave up after {tries} attempt{'s' * (tries > 1)})"
            )
        if retry_after is not None:
            delay = retry_after
        else:
            ceiling = min(self._max_backoff, self._backoff * 2**self.failures)
            delay = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not secrecy
        if delay >= self._deadline.remaining():
            raise RegistryError(
                f"{self._what}: {reason}; the next try ({delay:.1f} s away) would pass the "
                f"{self._deadline.seconds:g} s timeout"
            )
        self.failures += 1
        log.debug("%s: %s; retry %d in %.2f s", self._what, reason, self.failures, delay)
        time.sleep(delay)
