"""How to reach registries: the options a scan passes in, and the flags that set them."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from hullscan import __version__
from hullscan.errors import UsageError
from hullscan.image.interface import Platform
from hullscan.image.registry.reference import is_local_host

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 300.0


@dataclass(frozen=True)
class RegistryOptions:
    """Everything a registry source needs besides the reference.

    ``timeout`` is one deadline for everything the source does, from resolving the manifest to
    the last byte of the last blob; ``stall_timeout`` bounds any single wait for the network
    (a stalled read is retried, resuming blobs where they broke off). Secrets are kept out of
    ``repr`` so that logging the options cannot leak them. Credentials given here win over
    HULLSCAN_USERNAME / HULLSCAN_PASSWORD / HULLSCAN_REGISTRY_TOKEN, which win over Docker's
    config (``docker_config``, default ``$DOCKER_CONFIG/config.json`` or
    ``~/.docker/config.json``).
    """

    platform: Platform | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    registry_token: str | None = field(default=None, repr=False)
    insecure: bool = False
    mirrors: tuple[str, ...] = ()
    ca_cert: Path | None = None
    timeout: float = DEFAULT_TIMEOUT
    docker_config: Path | None = None
    retries: int = 4
    backoff: float = 0.5
    max_backoff: float = 10.0
    stall_timeout: float = 60.0
    connect_timeout: float = 15.0
    user_agent: str = f"hullscan/{__version__}"

    def __post_init__(self) -> None:
        if self.timeout <= 0:
            raise UsageError(f"--timeout {self.timeout:g}: must be more than 0 seconds")
        if self.retries < 0:
            raise UsageError(f"registry retries {self.retries}: must be 0 or more")
        mirrors = tuple(normalize_mirror(m, self.insecure) for m in self.mirrors)
        object.__setattr__(self, "mirrors", mirrors)


def normalize_mirror(text: str, insecure: bool) -> str:
    """A ``--registry-mirror`` value as ``[scheme://]host[:port]``.

    Without a scheme the mirror is probed like a registry (HTTPS, and plain HTTP only where
    allowed); an explicit ``http://`` needs ``--insecure`` unless the host is this machine.
    """
    value = text.strip().rstrip("/")
    explicit = "://" in value
    parts = urlsplit(value if explicit else f"https://{value}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--registry-mirror {text!r}: expected [https://]host[:port]")
    if parts.path or parts.query or parts.username:
        raise UsageError(
            f"--registry-mirror {text!r}: a mirror is a host, without path or credentials"
        )
    if parts.scheme == "http" and not (insecure or is_local_host(parts.netloc)):
        raise UsageError(f"--registry-mirror {text!r}: plain HTTP needs --insecure")
    return f"{parts.scheme}://{parts.netloc}" if explicit else parts.netloc


def add_registry_args(parser: argparse.ArgumentParser) -> None:
    """Add the flags for pulling from registries (``--platform``/``--timeout`` are the CLI's)."""
    group = parser.add_argument_group("registry")
    group.add_argument("--username", help="registry user name (or HULLSCAN_USERNAME)")
    group.add_argument(
        "--password",
        help="registry password; visible to other local users, prefer --password-stdin "
        "or HULLSCAN_PASSWORD",
    )
    group.add_argument(
        "--password-stdin", action="store_true", help="read the registry password from stdin"
    )
    group.add_argument(
        "--insecure",
        action="store_true",
        help="allow plain HTTP and unverified TLS to registries (localhost always may)",
    )
    group.add_argument(
        "--registry-mirror",
        action="append",
        default=[],
        metavar="URL",
        help="pull docker.io images through this mirror first (repeatable)",
    )
    group.add_argument(
        "--ca-cert", type=Path, metavar="PEM", help="extra CA certificates to trust (PEM file)"
    )


def registry_options_from_args(
    args: argparse.Namespace, stdin: IO[str] | None = None
) -> RegistryOptions:
    """Options from parsed flags; reads ``--platform`` and ``--timeout`` when the CLI has them."""
    password: str | None = args.password
    if args.password_stdin:
        if password:
            raise UsageError("--password and --password-stdin exclude each other")
        password = (stdin or sys.stdin).read().rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin: read an empty password")
    elif password:
        log.warning(
            "--password on the command line is visible to other users of this machine; "
            "prefer --password-stdin or HULLSCAN_PASSWORD"
        )
    platform = getattr(args, "platform", None)
    if isinstance(platform, str):
        platform = Platform.parse(platform)
    ca_cert: Path | None = args.ca_cert
    if ca_cert is not None and not ca_cert.is_file():
        raise UsageError(f"--ca-cert {ca_cert}: no such file")
    timeout = getattr(args, "timeout", None)
    return RegistryOptions(
        platform=platform,
        username=args.username,
        password=password,
        insecure=args.insecure,
        mirrors=tuple(args.registry_mirror),
        ca_cert=ca_cert,
        timeout=float(timeout) if timeout else DEFAULT_TIMEOUT,
    )
