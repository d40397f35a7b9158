"""Image references, normalised the way Docker does it.

``nginx`` is ``docker.io/library/nginx:latest``; the first path component names a registry
only when it looks like a host (holds a ``.`` or a ``:``, is ``localhost``, or has capitals, as
in Docker's ``splitDockerDomain``); a digest (``@sha256:...``) pins the manifest, and a tag
beside it is kept for the report but not used to fetch. The grammar is the one of
distribution's ``reference`` package, so a name Docker rejects is rejected here with the reason.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from hullscan.errors import UsageError

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
# The key Docker's config.json and credential helpers use for Docker Hub.
DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/"
_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
DEFAULT_TAG = "latest"
_MAX_NAME = 255

_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*\Z")
_DOMAIN_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(
    rf"(?:{_DOMAIN_LABEL}(?:\.{_DOMAIN_LABEL})*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?\Z"
)
_TAG = re.compile(r"[\w][\w.-]{0,127}\Z")
_DIGEST_HEX = {"sha256": 64, "sha512": 128}


@dataclass(frozen=True)
class Reference:
    """A parsed image reference: where the image lives and which manifest is meant."""

    registry: str
    repository: str
    tag: str = ""
    digest: str = ""

    @property
    def api_host(self) -> str:
        """The host that serves the Distribution API (Docker Hub's differs from its name)."""
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def auth_key(self) -> str:
        """The key credentials for this registry are stored under in Docker's config."""
        return DOCKER_HUB_AUTH_KEY if self.registry == DOCKER_HUB else self.registry

    @property
    def manifest_ref(self) -> str:
        """What goes after ``/manifests/``: the digest when pinned, else the tag."""
        return self.digest or self.tag or DEFAULT_TAG

    @property
    def repo_name(self) -> str:
        """``registry/repository``, the name that tags and digests hang off."""
        return f"{self.registry}/{self.repository}"

    def with_digest(self, digest: str) -> str:
        return f"{self.repo_name}@{digest}"

    def __str__(self) -> str:
        text = self.repo_name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def is_local_host(host: str) -> bool:
    """Whether ``host[:port]`` is this machine, where Docker allows plain HTTP by default."""
    name = host
    if name.startswith("["):
        name = name[1:].split("]", 1)[0]
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _split_domain(name: str) -> tuple[str, str]:
    first, sep, rest = name.partition("/")
    looks_like_host = "." in first or ":" in first or first == "localhost"
    if sep and (looks_like_host or first.lower() != first):
        domain = first
        if domain in _HUB_ALIASES:
            domain = DOCKER_HUB
        return domain, rest
    return DOCKER_HUB, name


def _bad(text: str, why: str) -> UsageError:
    return UsageError(f"invalid image reference {text!r}: {why}")


def validate_digest(digest: str, what: str) -> str:
    """``algo:hex`` with a known algorithm and the right length, else a usage error."""
    algo, sep, hexdigest = digest.partition(":")
    want = _DIGEST_HEX.get(algo)
    if not sep or want is None:
        raise _bad(what, f"unsupported digest {digest!r} (expected sha256:<64 hex digits>)")
    if len(hexdigest) != want or not re.fullmatch(r"[0-9a-f]+", hexdigest):
        raise _bad(what, f"digest {digest!r} needs {want} lowercase hex digits")
    return digest


def parse_reference(text: str) -> Reference:
    """Parse and normalise ``[registry/]repository[:tag][@digest]``."""
    raw = text.strip()
    if not raw:
        raise _bad(text, "empty")
    if "://" in raw:
        raise _bad(text, "drop the URL scheme (write host[:port]/repository[:tag])")
    remainder, _, digest = raw.partition("@")
    if digest:
        validate_digest(digest, text)
    # A tag follows the last ':' that comes after the last '/'; earlier ones are ports.
    slash = remainder.rfind("/")
    colon = remainder.rfind(":")
    tag = ""
    if colon > slash:
        remainder, tag = remainder[:colon], remainder[colon + 1 :]
        if not _TAG.match(tag):
            raise _bad(text, f"tag {tag!r} must be 1-128 of [A-Za-z0-9_.-], not starting . or -")
    domain, path = _split_domain(remainder)
    if not _DOMAIN.match(domain):
        raise _bad(text, f"registry {domain!r} is not a valid host[:port]")
    if not path:
        raise _bad(text, "no repository name")
    if path.lower() != path:
        raise _bad(text, "repository name must be lowercase")
    for component in path.split("/"):
        if not _COMPONENT.match(component):
            raise _bad(
                text,
                f"path component {component!r} must be lowercase letters and digits "
                "separated by '.', '_', '__' or '-'",
            )
    if domain == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    if len(f"{domain}/{path}") > _MAX_NAME:
        raise _bad(text, f"name is longer than {_MAX_NAME} characters")
    if not tag and not digest:
        tag = DEFAULT_TAG
    return Reference(registry=domain, repository=path, tag=tag, digest=digest)
