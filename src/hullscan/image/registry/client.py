"""A Distribution API (OCI distribution-spec) client on httpx.

One client serves one reference: it talks to that reference's registry, or for Docker Hub
images to the ``--registry-mirror`` hosts first. For each host it probes the scheme (HTTPS;
plain HTTP only with ``--insecure`` or on this machine), pings ``/v2/`` to learn the
authentication challenge, and answers it (a bearer token from the realm, anonymous or with
credentials, or Basic). Every request goes through `RegistryClient.fetch`/`send`: a deadline cut
into its timeouts, retries with backoff on network errors, 5xx and 429, and a fresh token on
401. Only the request line is logged, at DEBUG, with the query string dropped.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import logging
import os
import ssl
from dataclasses import dataclass
from typing import IO, NoReturn
from urllib.parse import urlsplit

import httpx

from hullscan.errors import DigestMismatchError, ImageError, RegistryError
from hullscan.image.archive import check_digest
from hullscan.image.registry.auth import (
    Challenge,
    Credentials,
    parse_challenges,
    resolve_credentials,
    token_from_response,
)
from hullscan.image.registry.blob import BlobStream
from hullscan.image.registry.manifest import ACCEPT_MANIFESTS, Manifest, manifest_media_type
from hullscan.image.registry.options import RegistryOptions
from hullscan.image.registry.redact import Redactor, safe_url
from hullscan.image.registry.reference import DOCKER_HUB, Reference, is_local_host
from hullscan.image.registry.transport import (
    RETRY_STATUSES,
    Attempts,
    Deadline,
    Watchdog,
    describe,
    retry_after_seconds,
)

log = logging.getLogger(__name__)

MAX_MANIFEST = 4 << 20  # containerd's limit: larger "manifests" are attacks or mistakes
MAX_CONFIG = 16 << 20
_MAX_TOKEN = 1 << 20
_MAX_ERROR_BODY = 64 << 10
_TLS_UNTRUSTED = "CERTIFICATE_VERIFY_FAILED"
NEEDS_CREDENTIALS = (
    "authentication required; pass --username with --password-stdin, set "
    "HULLSCAN_USERNAME/HULLSCAN_PASSWORD, or docker login"
)
_BLOB_BUFFER = 1 << 20


@dataclass
class Endpoint:
    """One host that may serve the reference, and what has been learnt about it."""

    host: str
    auth_key: str
    scheme: str = ""
    plain_ok: bool = False
    ready: bool = False
    authorization: str = ""
    credentials: Credentials | None = None

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host}"


def ssl_verify(options: RegistryOptions) -> ssl.SSLContext | bool:
    """What httpx verifies TLS with: nothing (--insecure), or the trust store plus --ca-cert.

    The trust store is SSL_CERT_FILE/SSL_CERT_DIR when set, else certifi's bundle, as httpx
    picks it; ``--ca-cert`` adds to it rather than replacing it, so one scan can reach a
    private mirror and Docker Hub. Contexts are cached: loading the bundle takes ~60 ms, more
    than resolving an image on a near registry.
    """
    if options.insecure:
        return False
    env = (os.environ.get("SSL_CERT_FILE", ""), os.environ.get("SSL_CERT_DIR", ""))
    return _ssl_context(env, str(options.ca_cert or ""))


@functools.lru_cache(maxsize=8)
def _ssl_context(env: tuple[str, str], ca_cert: str) -> ssl.SSLContext:
    """``env`` is only the cache key: httpx reads SSL_CERT_FILE/SSL_CERT_DIR itself."""
    context = httpx.create_ssl_context(trust_env=True)
    if ca_cert:
        try:
            context.load_verify_locations(cafile=ca_cert)
        except (OSError, ssl.SSLError) as err:
            raise RegistryError(f"--ca-cert {ca_cert}: not a PEM CA bundle ({err})") from err
    return context


def _log_request(request: httpx.Request) -> None:
    log.debug("%s %s", request.method, safe_url(request.url))


def registry_error_detail(body: bytes) -> str:
    """``CODE: message`` from a Distribution error body, or nothing if it is not one."""
    try:
        errors = json.loads(body).get("errors")
        first = errors[0]
        text = f"{first.get('code', '')}: {first.get('message', '')}".strip(": ")
    except (ValueError, AttributeError, IndexError, KeyError, TypeError):
        return ""
    return text[:200]


def _basic(creds: Credentials) -> str:
    return "Basic " + base64.b64encode(f"{creds.username}:{creds.password}".encode()).decode()


class RegistryClient:
    """Requests to the hosts that serve one reference, within one deadline."""

    def __init__(
        self,
        reference: Reference,
        options: RegistryOptions,
        http: httpx.Client | None = None,
    ) -> None:
        self.reference = reference
        self.options = options
        self.redactor = Redactor(tuple(s for s in (options.password, options.registry_token) if s))
        self.deadline = Deadline(options.timeout, str(reference))
        self._http = http or httpx.Client(
            verify=ssl_verify(options),
            trust_env=True,
            follow_redirects=True,
            headers={"User-Agent": options.user_agent},
        )
        self._http.event_hooks["request"].append(_log_request)
        self.endpoints = self._endpoints()

    def _endpoints(self) -> list[Endpoint]:
        found = []
        if self.reference.registry == DOCKER_HUB:
            for mirror in self.options.mirrors:
                scheme, sep, host = mirror.rpartition("://")
                found.append(
                    Endpoint(
                        host=host,
                        auth_key=host,
                        scheme=scheme if sep else "",
                        plain_ok=self.options.insecure or is_local_host(host),
                    )
                )
        host = self.reference.api_host
        found.append(
            Endpoint(
                host=host,
                auth_key=self.reference.auth_key,
                plain_ok=self.options.insecure or is_local_host(host),
            )
        )
        return found

    def close(self) -> None:
        self._http.close()

    def redact(self, text: str) -> str:
        return self.redactor.redact(text)

    def attempts(self, what: str) -> Attempts:
        options = self.options
        return Attempts(self.deadline, what, options.retries, options.backoff, options.max_backoff)

    # -- requests --------------------------------------------------------------------------

    def send(
        self,
        ep: Endpoint,
        method: str,
        url: str,
        what: str,
        tries: Attempts,
        headers: dict[str, str] | None = None,
        authenticate: bool = True,
        data: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send until a response that is not worth retrying; the caller reads and closes it."""
        reauthenticated = False
        while True:
            timeout = self.deadline.timeout(
                self.options.connect_timeout, self.options.stall_timeout, what
            )
            sent = dict(headers or {})
            if authenticate and ep.authorization:
                sent["Authorization"] = ep.authorization
            request = self._http.build_request(
                method, url, headers=sent, data=data, timeout=timeout
            )
            try:
                response = self._http.send(request, stream=True)
            except httpx.TooManyRedirects:
                raise RegistryError(f"{what}: too many redirects") from None
            except httpx.TransportError as err:
                reason = self.redact(describe(err))
                if _TLS_UNTRUSTED in str(err):
                    raise RegistryError(
                        f"{what}: TLS certificate not trusted; pass --ca-cert PEM (or --insecure)"
                    ) from None
                tries.pause(reason)
                continue
            status = response.status_code
            if status == 401 and authenticate and not reauthenticated:
                challenge = response.headers.get("www-authenticate", "")
                response.close()
                self._authenticate(ep, challenge, what)
                reauthenticated = True
                continue
            if status in RETRY_STATUSES:
                retry_after = retry_after_seconds(response.headers.get("retry-after"))
                reason = f"HTTP {status} {response.reason_phrase}".strip()
                response.close()
                tries.pause(reason, retry_after)
                continue
            return response

    def fetch(
        self,
        ep: Endpoint,
        method: str,
        url: str,
        what: str,
        limit: int,
        headers: dict[str, str] | None = None,
        authenticate: bool = True,
        data: dict[str, str] | None = None,
    ) -> tuple[httpx.Response, bytes]:
        """A whole small response (manifest, config, token, error): status and body."""
        tries = self.attempts(what)
        while True:
            response = self.send(ep, method, url, what, tries, headers, authenticate, data)
            watchdog = Watchdog(response, self.deadline)
            try:
                body = self._read_limited(response, limit, what)
            except httpx.TransportError as err:
                reason = self.redact(describe(err))
            else:
                return response, body
            finally:
                watchdog.cancel()
                response.close()
            tries.pause(reason)

    def _read_limited(self, response: httpx.Response, limit: int, what: str) -> bytes:
        failed = response.status_code >= 400
        if failed:
            limit = _MAX_ERROR_BODY
        declared = response.headers.get("content-length", "")
        if not failed and declared.isdigit() and int(declared) > limit:
            raise RegistryError(f"{what}: {declared} bytes is over the {limit}-byte limit")
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_bytes():
            self.deadline.check(what)
            total += len(chunk)
            if total > limit:
                if failed:
                    break
                raise RegistryError(f"{what}: response is over the {limit}-byte limit")
            chunks.append(chunk)
        return b"".join(chunks)

    def status_error(
        self, ep: Endpoint, response: httpx.Response, body: bytes, what: str
    ) -> NoReturn:
        """Raise the error a final non-success response means, in words a user can act on."""
        status = response.status_code
        creds = ep.credentials
        if status == 401:
            reason = (
                f"credentials from {creds.origin} were not accepted"
                if creds is not None
                else NEEDS_CREDENTIALS
            )
        elif status == 403:
            reason = "access denied" + (f" for credentials from {creds.origin}" if creds else "")
        elif status == 404:
            reason = "not found"
        else:
            reason = f"HTTP {status} {response.reason_phrase}".strip()
        detail = registry_error_detail(body)
        text = f"{what}: {reason}" + (f" ({detail})" if detail else "")
        raise RegistryError(self.redact(text))

    # -- hosts and authentication ------------------------------------------------------------

    def ready(self, ep: Endpoint) -> None:
        """Pick the scheme, resolve credentials and answer the ``/v2/`` challenge, once."""
        if ep.ready:
            return
        if ep.credentials is None:
            self.deadline.check(f"{ep.host}: reading credentials")
            ep.credentials = resolve_credentials(
                ep.auth_key,
                self.options,
                self.redactor,
                timeout=min(30.0, self.deadline.remaining()),
            )
        if ep.credentials is not None and ep.credentials.registry_token:
            ep.authorization = f"Bearer {ep.credentials.registry_token}"
        if not ep.scheme:
            ep.scheme = self._probe_scheme(ep)
        what = f"{ep.host}: API check"
        response, body = self.fetch(
            ep, "GET", f"{ep.base}/v2/", what, _MAX_ERROR_BODY, authenticate=False
        )
        if response.status_code == 401 and not ep.authorization:
            self._authenticate(ep, response.headers.get("www-authenticate", ""), what)
        elif response.status_code >= 500:
            self.status_error(ep, response, body, what)
        ep.ready = True

    def _probe_scheme(self, ep: Endpoint) -> str:
        """HTTPS if the host speaks it; plain HTTP where allowed and HTTPS does not connect."""
        if not ep.plain_ok:
            return "https"
        timeout = self.deadline.timeout(
            self.options.connect_timeout, self.options.stall_timeout, f"{ep.host}: HTTPS check"
        )
        try:
            with self._http.stream("GET", f"https://{ep.host}/v2/", timeout=timeout):
                return "https"
        except httpx.TransportError as err:
            if _TLS_UNTRUSTED in str(err) and not self.options.insecure:
                return "https"  # it speaks TLS; the next request reports the trust problem
            log.debug("%s: no HTTPS (%s); using plain HTTP", ep.host, describe(err))
            return "http"

    def _authenticate(self, ep: Endpoint, header: str, what: str) -> None:
        creds = ep.credentials
        challenges = parse_challenges(header)
        if creds is not None and creds.registry_token:
            raise RegistryError(f"{what}: the registry token ({creds.origin}) was not accepted")
        for challenge in challenges:
            if challenge.scheme == "bearer":
                token = self._fetch_token(ep, challenge, creds, what)
                ep.authorization = f"Bearer {token}"
                return
        if any(c.scheme == "basic" for c in challenges):
            if creds is None or not creds.password:
                raise RegistryError(f"{what}: {NEEDS_CREDENTIALS}")
            value = _basic(creds)
            if ep.authorization == value:
                raise RegistryError(f"{what}: credentials from {creds.origin} were not accepted")
            ep.authorization = value
            return
        schemes = ", ".join(sorted({c.scheme for c in challenges})) or "none named"
        raise RegistryError(f"{what}: registry asks for unsupported authentication ({schemes})")

    def _fetch_token(
        self, ep: Endpoint, challenge: Challenge, creds: Credentials | None, what: str
    ) -> str:
        realm = challenge.params.get("realm", "")
        parts = urlsplit(realm)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RegistryError(f"{what}: token realm {safe_url(realm)!r} is not an HTTP URL")
        sends_secret = creds is not None and bool(creds.password or creds.identity_token)
        if (
            parts.scheme == "http"
            and sends_secret
            and not (self.options.insecure or is_local_host(parts.netloc))
        ):
            raise RegistryError(
                f"{what}: token service {safe_url(realm)} is plain HTTP; refusing to send "
                "credentials over it (--insecure allows it)"
            )
        params = {
            "scope": challenge.params.get("scope")
            or f"repository:{self.reference.repository}:pull"
        }
        if challenge.params.get("service"):
            params["service"] = challenge.params["service"]
        token_what = f"{parts.netloc} token service"
        if creds is not None and creds.identity_token:
            form = dict(
                params,
                grant_type="refresh_token",
                client_id="hullscan",
                refresh_token=creds.identity_token,
            )
            response, body = self.fetch(
                ep, "POST", realm, token_what, _MAX_TOKEN, authenticate=False, data=form
            )
        else:
            headers = {"Authorization": _basic(creds)} if creds and creds.password else {}
            url = str(httpx.URL(realm).copy_merge_params(params))
            response, body = self.fetch(
                ep, "GET", url, token_what, _MAX_TOKEN, headers, authenticate=False
            )
        if response.status_code in (401, 403) and creds is None:
            raise RegistryError(f"{what}: {NEEDS_CREDENTIALS}")
        if response.status_code != 200:
            self.status_error(ep, response, body, token_what)
        try:
            data = json.loads(body)
        except ValueError:
            raise RegistryError(f"{token_what}: answered with something other than JSON") from None
        token = token_from_response(data, token_what)
        self.redactor.add(token)
        return token

    # -- the Distribution API ----------------------------------------------------------------

    def manifest(self, ep: Endpoint, ref: str) -> Manifest:
        """A manifest or index by tag or digest; its digest is checked when it was asked for."""
        self.ready(ep)
        repo = self.reference.repository
        what = f"{ep.host}/{repo} manifest {ref}"
        url = f"{ep.base}/v2/{repo}/manifests/{ref}"
        response, body = self.fetch(
            ep, "GET", url, what, MAX_MANIFEST, {"Accept": ACCEPT_MANIFESTS}
        )
        if response.status_code != 200:
            self.status_error(ep, response, body, what)
        if ":" in ref:
            check_digest(body, ref, what)
            digest = ref
        else:
            digest = "sha256:" + hashlib.sha256(body).hexdigest()
            served = response.headers.get("docker-content-digest", "")
            if served.startswith("sha256:") and served != digest:
                raise DigestMismatchError(
                    f"{what}: content does not match the digest the registry sent "
                    f"(header {served}, content {digest})"
                )
        try:
            data = json.loads(body)
        except ValueError as err:
            raise ImageError(f"{what}: is not valid JSON ({err})") from err
        if not isinstance(data, dict):
            raise ImageError(f"{what}: is not a JSON object")
        media_type = manifest_media_type(data, response.headers.get("content-type", ""), what)
        return Manifest(digest, media_type, data)

    def blob_bytes(self, ep: Endpoint, digest: str, limit: int, what: str) -> bytes:
        """A small blob (a config), read whole and checked against its digest."""
        self.ready(ep)
        url = self.blob_url(ep, digest)
        response, body = self.fetch(ep, "GET", url, what, limit, {"Accept-Encoding": "identity"})
        if response.status_code != 200:
            self.status_error(ep, response, body, what)
        check_digest(body, digest, what)
        return body

    def blob_url(self, ep: Endpoint, digest: str) -> str:
        return f"{ep.base}/v2/{self.reference.repository}/blobs/{digest}"

    def open_blob(self, ep: Endpoint, digest: str, size: int, what: str) -> IO[bytes]:
        """A stream of a layer blob: resumed after breaks, checked at the end."""
        self.ready(ep)
        return io.BufferedReader(BlobStream(self, ep, digest, size, what), _BLOB_BUFFER)
