"""Keeping credentials out of logs, reports and error messages.

Two layers of defence: URLs are logged and quoted without user-info or query string (presigned
blob URLs carry signatures there, token URLs carry scopes), and any text that came from a
server or a helper program passes through a `Redactor` that knows every secret this scan has
seen (passwords, identity and bearer tokens, the Basic header value) and scrubs anything shaped
like an Authorization header.
"""

from __future__ import annotations

import base64
import re
import threading
from urllib.parse import quote, urlsplit

REDACTED = "<redacted>"
# Shorter strings would scrub ordinary words out of messages; no real secret is this short.
_MIN_SECRET = 4
_HEADER = re.compile(r"(?i)\b((?:proxy-)?authorization\s*[:=]\s*)(?:(?:bearer|basic)\s+)?\S+")
# A credential after its scheme word: at least 8 token characters, one of them not a letter
# (so "Basic authentication" in prose survives).
_SCHEME_VALUE = re.compile(
    r"\b(Bearer|Basic)(\s+)(?=[A-Za-z0-9._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{8,}"
)
_SECRET_PARAM = re.compile(
    r"(?i)\b(token|access_token|refresh_token|password|secret|signature|sig"
    r"|x-amz-signature|x-amz-credential|x-amz-security-token)=[^&\s\"']+"
)


def safe_url(url: object) -> str:
    """``scheme://host[:port]/path``: no user-info, and ``?…`` in place of any query."""
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"{host}:{port}" if port else host
    query = "?…" if parts.query else ""
    return f"{parts.scheme}://{netloc}{parts.path}{query}"


class Redactor:
    """Scrubs known secrets and Authorization-shaped text from strings.

    Shared by a client and its token fetches, so a token learnt mid-scan is scrubbed from every
    later message; thread-safe because blob streams may be read from a decompressor thread.
    """

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Remember ``secret`` (and its Basic-auth and URL-quoted spellings) for scrubbing."""
        if len(secret) < _MIN_SECRET:
            return
        with self._lock:
            self._secrets.add(secret)
            self._secrets.add(quote(secret, safe=""))

    def add_basic(self, username: str, password: str) -> None:
        """Remember a username/password pair and the ``Basic`` value built from them."""
        self.add(password)
        self.add(base64.b64encode(f"{username}:{password}".encode()).decode())

    def redact(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, REDACTED)
        text = _HEADER.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
        text = _SCHEME_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
        return _SECRET_PARAM.sub(lambda m: m.group(0).split("=", 1)[0] + "=" + REDACTED, text)
