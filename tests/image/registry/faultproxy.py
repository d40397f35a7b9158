"""A small HTTP proxy in front of the test registry: injects faults and plays token server.

Debian's docker-registry has no token server and never misbehaves on cue, so the tests put
this proxy between hullscan and it. Faults are queued per path pattern and used up in order:
error statuses (5xx, 429 with Retry-After), a connection reset part-way through a body, wrong
body bytes, a stall, a trickle, a server that ignores Range, a redirect to another origin. With
``bearer=True`` every ``/v2/`` request needs a token from the proxy's own ``/token`` endpoint
(Basic-checked against ``users`` when given, or a refresh-token grant).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import re
import secrets
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

REALM_SERVICE = "hullscan-test"


@dataclass
class Fault:
    """One misbehaviour for requests whose path matches ``path`` (a regex), ``times`` times.

    kinds: ``status`` (answer ``status`` with ``headers``), ``reset`` (send ``after`` body
    bytes, then RST), ``corrupt`` (flip one body byte), ``stall`` (send ``after`` body bytes,
    or nothing when ``after`` is -1, then wait ``seconds``), ``trickle`` (send ``after``-byte
    pieces every ``seconds``; with ``upto``, stall for good after that many bytes),
    ``norange`` (drop the Range header), ``redirect`` (307 to the same path on ``localhost``,
    another origin). ``times`` -1 means every matching request.
    """

    kind: str
    path: str
    times: int = 1
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    after: int = 0
    seconds: float = 0.0
    upto: int = 0


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        bearer: bool = False,
        users: dict[str, str] | None = None,
        refresh_token: str = "",
        static_token: str = "",
    ) -> None:
        self.upstream = upstream
        self.bearer = bearer
        self.users = users
        self.refresh_token = refresh_token
        self.tokens: set[str] = {static_token} if static_token else set()
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self.abort = threading.Event()
        handler = type("Handler", (_Handler,), {"proxy": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self.port = self._server.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort.set()
        self._server.shutdown()
        self._server.server_close()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def take(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times != 0 and re.search(fault.path, path):
                    if fault.times > 0:
                        fault.times -= 1
                    return fault
        return None

    def count(self, pattern: str, method: str = "GET") -> int:
        return sum(1 for s in self.seen if s.method == method and re.search(pattern, s.path))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and a small body wait on delayed ACKs
    proxy: FaultProxy

    def log_message(self, format: str, *args: object) -> None:
        pass

    def finish(self) -> None:
        with contextlib.suppress(OSError):  # the socket may be reset on purpose
            super().finish()

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        proxy = self.proxy
        if "://" in self.path:  # absolute-form: a client using this as its HTTP proxy
            parts = urlsplit(self.path)
            self.path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {k.lower(): v for k, v in self.headers.items()}
        proxy.seen.append(Seen(self.command, self.path, headers))
        path = urlsplit(self.path).path
        if path == "/token":
            self._token(headers)
            return
        redirected = "redirected=1" in self.path
        if proxy.bearer and path.startswith("/v2") and not redirected:
            auth = headers.get("authorization", "")
            if not (auth.startswith("Bearer ") and auth[7:] in proxy.tokens):
                self._challenge(path)
                return
        fault = proxy.take(self.path)
        if fault is not None and fault.kind == "status":
            body = json.dumps({"errors": [{"code": "INJECTED", "message": "injected"}]}).encode()
            self._send(fault.status, {"Content-Type": "application/json", **fault.headers}, body)
            return
        if fault is not None and fault.kind == "redirect":
            target = f"http://localhost:{proxy.port}{self.path}?redirected=1"
            self._send(307, {"Location": target}, b"")
            return
        if fault is not None and fault.kind == "stall" and fault.after < 0:
            proxy.abort.wait(fault.seconds)
            self.close_connection = True
            return
        forward = {k: v for k, v in headers.items() if k in ("accept", "range")}
        if fault is not None and fault.kind == "norange":
            forward.pop("range", None)
        status, up_headers, body = self._upstream(self.path.replace("?redirected=1", ""), forward)
        self._respond(status, up_headers, body, fault)

    def _upstream(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.proxy.upstream, timeout=30)
        try:
            conn.request(self.command, path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            keep = ("content-type", "docker-content-digest", "content-range", "www-authenticate")
            found = {k: v for k, v in response.getheaders() if k.lower() in keep}
            return response.status, found, body
        finally:
            conn.close()

    def _respond(
        self, status: int, headers: dict[str, str], body: bytes, fault: Fault | None
    ) -> None:
        kind = fault.kind if fault is not None else ""
        if kind == "corrupt" and body:
            middle = len(body) // 2
            body = body[:middle] + bytes([body[middle] ^ 0xFF]) + body[middle + 1 :]
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        assert fault is None or kind in ("corrupt", "norange", "reset", "stall", "trickle")
        if fault is not None and kind == "reset":
            self.wfile.write(body[: fault.after])
            self.wfile.flush()
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            self.connection.close()
            self.close_connection = True
        elif fault is not None and kind == "stall":
            self.wfile.write(body[: fault.after])
            self.wfile.flush()
            self.proxy.abort.wait(fault.seconds)
            self.close_connection = True
        elif fault is not None and kind == "trickle":
            for start in range(0, len(body), fault.after):
                if fault.upto and start >= fault.upto:
                    self.proxy.abort.wait(60)
                if self.proxy.abort.wait(fault.seconds):
                    break
                self.wfile.write(body[start : start + fault.after])
                self.wfile.flush()
            self.close_connection = True
        else:
            self.wfile.write(body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _challenge(self, path: str) -> None:
        realm = f"http://127.0.0.1:{self.proxy.port}/token"
        value = f'Bearer realm="{realm}",service="{REALM_SERVICE}"'
        match = re.match(r"/v2/(.+)/(?:manifests|blobs)/", path)
        if match:
            value += f',scope="repository:{match.group(1)}:pull"'
        body = json.dumps({"errors": [{"code": "UNAUTHORIZED", "message": "token"}]}).encode()
        self._send(401, {"WWW-Authenticate": value, "Content-Type": "application/json"}, body)

    def _token(self, headers: dict[str, str]) -> None:
        proxy = self.proxy
        if self.command == "POST":
            length = int(headers.get("content-length", "0"))
            form = parse_qs(self.rfile.read(length).decode())
            ok = (
                form.get("grant_type") == ["refresh_token"]
                and bool(proxy.refresh_token)
                and form.get("refresh_token") == [proxy.refresh_token]
            )
        elif proxy.users is None:
            ok = True
        else:
            auth = headers.get("authorization", "")
            ok = False
            if auth.startswith("Basic "):
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                ok = proxy.users.get(user) == password
        if not ok:
            self._send(401, {"Content-Type": "application/json"}, b'{"details":"bad creds"}')
            return
        token = secrets.token_urlsafe(24)
        proxy.tokens.add(token)
        body = json.dumps({"token": token, "expires_in": 300, "issued_at": time.time()})
        self._send(200, {"Content-Type": "application/json"}, body.encode())
