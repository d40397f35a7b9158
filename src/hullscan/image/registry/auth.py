"""Where registry credentials come from, and what a registry's challenge asks for.

Precedence, first found wins: `RegistryOptions` (``--username``/``--password``, a token),
then HULLSCAN_USERNAME/HULLSCAN_PASSWORD, then HULLSCAN_REGISTRY_TOKEN, then Docker's
``config.json``: a ``credHelpers`` entry for the host, the ``credsStore`` helper, and the
``auths`` entry, the way ``docker pull`` looks them up. Helpers are run as
``docker-credential-<name> get`` with the server URL on stdin. Nothing read here is logged.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hullscan.errors import RegistryError, UsageError
from hullscan.image.registry.options import RegistryOptions
from hullscan.image.registry.redact import Redactor
from hullscan.image.registry.reference import DOCKER_HUB_AUTH_KEY

log = logging.getLogger(__name__)

_HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
_HELPER_TIMEOUT = 30.0
_NOT_FOUND = "credentials not found"
# docker login stores an OAuth refresh token under this user name.
_TOKEN_USER = "<token>"  # noqa: S105 - a marker, not a password


@dataclass(frozen=True)
class Credentials:
    """What to authenticate with; ``origin`` names the source for messages, never the value."""

    username: str = ""
    password: str = field(default="", repr=False)
    identity_token: str = field(default="", repr=False)
    registry_token: str = field(default="", repr=False)
    origin: str = ""

    def remember(self, redactor: Redactor) -> None:
        """Teach ``redactor`` every secret held here."""
        if self.password:
            redactor.add_basic(self.username, self.password)
        for secret in (self.identity_token, self.registry_token):
            redactor.add(secret)


def resolve_credentials(
    auth_key: str,
    options: RegistryOptions,
    redactor: Redactor,
    env: Mapping[str, str] | None = None,
    timeout: float = _HELPER_TIMEOUT,
) -> Credentials | None:
    """The credentials for the registry Docker's config files under ``auth_key``."""
    env = os.environ if env is None else env
    username = options.username or env.get("HULLSCAN_USERNAME", "")
    password = options.password or env.get("HULLSCAN_PASSWORD", "")
    found: Credentials | None = None
    if username and password:
        origin = "--username/--password" if options.password else "HULLSCAN_PASSWORD"
        found = Credentials(username=username, password=password, origin=origin)
    elif username or password:
        raise UsageError(
            "registry credentials need both a user name (--username or HULLSCAN_USERNAME) "
            "and a password (--password, --password-stdin or HULLSCAN_PASSWORD)"
        )
    elif token := options.registry_token or env.get("HULLSCAN_REGISTRY_TOKEN", ""):
        found = Credentials(registry_token=token, origin="HULLSCAN_REGISTRY_TOKEN")
    else:
        path = docker_config_path(options, env)
        config = load_docker_config(path)
        found = config_credentials(config, auth_key, str(path), redactor, timeout)
    if found is not None:
        found.remember(redactor)
        log.debug("registry %s: using credentials from %s", auth_key, found.origin)
    return found


def docker_config_path(options: RegistryOptions, env: Mapping[str, str]) -> Path:
    if options.docker_config is not None:
        path = options.docker_config
        return path / "config.json" if path.is_dir() else path
    base = env.get("DOCKER_CONFIG")
    return Path(base) / "config.json" if base else Path.home() / ".docker" / "config.json"


def load_docker_config(path: Path) -> dict[str, Any]:
    """Docker's config.json; a missing file is no credentials, a broken one an error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise RegistryError(f"{path}: cannot read Docker config ({err.strerror})") from err
    try:
        data = json.loads(text)
    except ValueError as err:
        raise RegistryError(f"{path}: Docker config is not valid JSON ({err})") from err
    if not isinstance(data, dict):
        raise RegistryError(f"{path}: Docker config is not a JSON object")
    return data


def _host_of(key: str) -> str:
    """A config key (``https://host/v1/``, ``host:port``) as ``host[:port]``."""
    return key.split("://", 1)[-1].split("/", 1)[0].lower()


def _same_registry(key: str, auth_key: str) -> bool:
    want, have = _host_of(auth_key), _host_of(key)
    if want in _HUB_HOSTS:
        return have in _HUB_HOSTS
    return want == have


def config_credentials(
    config: Mapping[str, Any], auth_key: str, where: str, redactor: Redactor, timeout: float
) -> Credentials | None:
    """Look ``auth_key`` up in a parsed config.json: helpers first, then ``auths``."""
    helpers = config.get("credHelpers")
    if isinstance(helpers, dict):
        for key, helper in helpers.items():
            if _same_registry(str(key), auth_key) and isinstance(helper, str):
                return run_credential_helper(helper, auth_key, redactor, timeout)
    store = config.get("credsStore")
    if isinstance(store, str) and store:
        found = run_credential_helper(store, auth_key, redactor, timeout)
        if found is not None:
            return found
    auths = config.get("auths")
    if not isinstance(auths, dict):
        return None
    for key, entry in auths.items():
        if _same_registry(str(key), auth_key) and isinstance(entry, dict):
            return _auths_entry(entry, where)
    return None


def _auths_entry(entry: Mapping[str, Any], where: str) -> Credentials | None:
    origin = f"{where} (auths)"
    username = str(entry.get("username") or "")
    password = str(entry.get("password") or "")
    if entry.get("auth"):
        try:
            decoded = base64.b64decode(str(entry["auth"]), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise RegistryError(
                f"{where}: an 'auth' entry is not base64 of user:password"
            ) from None
        username, sep, password = decoded.partition(":")
        if not sep:
            raise RegistryError(f"{where}: an 'auth' entry is not base64 of user:password")
    identity = str(entry.get("identitytoken") or "")
    registry_token = str(entry.get("registrytoken") or "")
    if not (password or identity or registry_token):
        return None
    return Credentials(username, password, identity, registry_token, origin)


def helper_server_url(auth_key: str) -> str:
    """What a credential helper is asked for: Docker Hub's legacy URL, else the host."""
    return DOCKER_HUB_AUTH_KEY if _host_of(auth_key) in _HUB_HOSTS else _host_of(auth_key)


def run_credential_helper(
    name: str, auth_key: str, redactor: Redactor, timeout: float
) -> Credentials | None:
    """Ask ``docker-credential-<name>``; a helper that fails or knows nothing means anonymous.

    Docker itself fails the pull when a helper is missing; a scanner falls back to anonymous
    access (with a warning) because public images still scan, and config files are often
    copied between machines that do not share helpers.
    """
    program = f"docker-credential-{name}"
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        log.warning("credential helper name %r is not a plain program name; ignored", name)
        return None
    try:
        done = subprocess.run(
            [program, "get"],
            input=helper_server_url(auth_key),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        log.warning("%s is in Docker's config but not installed; pulling anonymously", program)
        return None
    except subprocess.TimeoutExpired:
        log.warning("%s did not answer within %g s; pulling anonymously", program, timeout)
        return None
    if done.returncode != 0:
        message = (done.stdout.strip() or done.stderr.strip()).splitlines()
        first = message[0] if message else f"exit status {done.returncode}"
        if _NOT_FOUND not in first.lower():
            log.warning("%s failed: %s; pulling anonymously", program, redactor.redact(first))
        return None
    try:
        data = json.loads(done.stdout)
        username, secret = str(data.get("Username", "")), str(data["Secret"])
    except (ValueError, KeyError, AttributeError):
        log.warning("%s printed something other than credentials; pulling anonymously", program)
        return None
    if username == _TOKEN_USER:
        return Credentials(identity_token=secret, origin=program)
    return Credentials(username=username, password=secret, origin=program)


@dataclass(frozen=True)
class Challenge:
    """One scheme from a ``WWW-Authenticate`` header and its parameters."""

    scheme: str
    params: dict[str, str]


_SCHEME = re.compile(r"[\s,]*([A-Za-z][\w.+-]*)(?:\s+|(?=,)|\Z)")
_PARAM = re.compile(r"\s*([\w-]+)\s*=\s*(\"(?:[^\"\\]|\\.)*\"|[^\s,]*)\s*,?")


def parse_challenges(header: str) -> list[Challenge]:
    """``Bearer realm="…",service="…",scope="…"`` (possibly several schemes) as challenges."""
    challenges: list[Challenge] = []
    pos = 0
    while pos < len(header):
        scheme = _SCHEME.match(header, pos)
        if scheme is None:
            break
        pos = scheme.end()
        params: dict[str, str] = {}
        while (param := _PARAM.match(header, pos)) is not None and param.end() > pos:
            value = param.group(2)
            if value.startswith('"'):
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            params[param.group(1).lower()] = value
            pos = param.end()
        challenges.append(Challenge(scheme.group(1).lower(), params))
    return challenges


def token_from_response(data: Any, where: str) -> str:
    """The bearer token in a token service's JSON answer (``token`` or ``access_token``)."""
    if isinstance(data, dict):
        token = data.get("token") or data.get("access_token")
        if isinstance(token, str) and token:
            return token
    raise RegistryError(f"{where}: token service answered without a token")
