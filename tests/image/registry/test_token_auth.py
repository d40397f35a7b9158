"""Bearer-token auth (the proxy plays token server), credential sources, and no leaked secrets.

The last test runs every authentication path, good and bad, with all loggers at DEBUG, and
greps every captured log line and every error message for the password, the tokens, the
Basic header value and the word "Authorization".
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from hullscan.errors import HullscanError, RegistryError
from hullscan.image.registry import RegistryOptions, open_registry_source
from tests.image.registry.conftest import PASSWORD, USER, LocalRegistry
from tests.image.registry.faultproxy import Fault, FaultProxy

pytestmark = pytest.mark.service

REFRESH = "refresh-Hq3vP0aL9x"
STATIC = "static-Tk7wQ2mZ5c"
REPO = "hullscan/busybox"


@pytest.fixture
def token_proxy(registry_images: LocalRegistry) -> Iterator[FaultProxy]:
    with FaultProxy(
        registry_images.host,
        bearer=True,
        users={USER: PASSWORD},
        refresh_token=REFRESH,
        static_token=STATIC,
    ) as proxy:
        yield proxy


def _pull(ref: str, options: RegistryOptions) -> str:
    """Resolve and read the first layer; the hash of what was read."""
    with open_registry_source(ref, options) as source:
        layer = source.resolve().layers[0]
        with source.open_blob(layer) as blob:
            digest = "sha256:" + hashlib.sha256(blob.read()).hexdigest()
        assert digest == layer.digest
        return digest


def _token_requests(proxy: FaultProxy) -> list[dict[str, str]]:
    return [s.headers for s in proxy.seen if s.path.startswith("/token")]


def test_anonymous_bearer_flow(
    registry_images: LocalRegistry, fast_options: RegistryOptions
) -> None:
    with FaultProxy(registry_images.host, bearer=True) as proxy:
        _pull(f"{proxy.host}/{REPO}:amd64", fast_options)
        asks = [s.path for s in proxy.seen if s.path.startswith("/token")]
    assert len(asks) == 1
    assert "scope=repository%3Ahullscan%2Fbusybox%3Apull" in asks[0]
    assert "service=hullscan-test" in asks[0]
    assert "authorization" not in _token_requests(proxy)[0]


def test_bearer_with_credentials(token_proxy: FaultProxy, fast_options: RegistryOptions) -> None:
    options = replace(fast_options, username=USER, password=PASSWORD)
    _pull(f"{token_proxy.host}/{REPO}:amd64", options)
    assert _token_requests(token_proxy)[0]["authorization"].startswith("Basic ")
    v2 = [s for s in token_proxy.seen if s.path.startswith("/v2/hullscan")]
    assert v2
    assert all(s.headers.get("authorization", "").startswith("Bearer ") for s in v2)


def test_bearer_credentials_from_environment(
    token_proxy: FaultProxy, fast_options: RegistryOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HULLSCAN_USERNAME", USER)
    monkeypatch.setenv("HULLSCAN_PASSWORD", PASSWORD)
    _pull(f"{token_proxy.host}/{REPO}:amd64", fast_options)


def test_bearer_without_or_with_wrong_credentials(
    token_proxy: FaultProxy, fast_options: RegistryOptions
) -> None:
    ref = f"{token_proxy.host}/{REPO}:amd64"
    with pytest.raises(RegistryError, match="authentication required; pass --username"):
        _pull(ref, fast_options)
    wrong = replace(fast_options, username=USER, password="not-the-password-9")
    with pytest.raises(RegistryError, match="credentials from --username/--password were not"):
        _pull(ref, wrong)


def test_registry_token_from_environment_is_sent_as_is(
    token_proxy: FaultProxy, fast_options: RegistryOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HULLSCAN_REGISTRY_TOKEN", STATIC)
    _pull(f"{token_proxy.host}/{REPO}:amd64", fast_options)
    assert not _token_requests(token_proxy)
    monkeypatch.setenv("HULLSCAN_REGISTRY_TOKEN", "stale-token-zz11")
    with pytest.raises(RegistryError, match=r"registry token \(HULLSCAN_REGISTRY_TOKEN\) was not"):
        _pull(f"{token_proxy.host}/{REPO}:amd64", fast_options)


def test_identity_token_from_docker_config_uses_the_refresh_grant(
    token_proxy: FaultProxy, fast_options: RegistryOptions, tmp_path: Path
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"auths": {token_proxy.host: {"identitytoken": REFRESH}}}))
    _pull(f"{token_proxy.host}/{REPO}:amd64", replace(fast_options, docker_config=config))
    assert [s.method for s in token_proxy.seen if s.path.startswith("/token")] == ["POST"]


def _helper(bin_dir: Path, name: str, body: str) -> Path:
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / f"docker-credential-{name}"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.parametrize("key", ["credsStore", "credHelpers"])
def test_credential_helpers(
    key: str,
    token_proxy: FaultProxy,
    fast_options: RegistryOptions,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bin_dir = tmp_path / "bin"
    answer = json.dumps({"ServerURL": token_proxy.host, "Username": USER, "Secret": PASSWORD})
    _helper(bin_dir, "hstest", f"cat > '{tmp_path}/asked'\necho '{answer}'")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    helpers = {"credHelpers": {token_proxy.host: "hstest"}}
    entry = {"credsStore": "hstest"} if key == "credsStore" else helpers
    config = tmp_path / "config.json"
    config.write_text(json.dumps(entry))
    _pull(f"{token_proxy.host}/{REPO}:amd64", replace(fast_options, docker_config=config))
    assert (tmp_path / "asked").read_text() == token_proxy.host


def test_missing_or_unknowing_helper_means_anonymous(
    token_proxy: FaultProxy,
    fast_options: RegistryOptions,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bin_dir = tmp_path / "bin"
    _helper(bin_dir, "empty", "echo 'credentials not found in native keychain'\nexit 1")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    config = tmp_path / "config.json"
    for store in ("absent-helper", "empty"):
        config.write_text(json.dumps({"credsStore": store}))
        with pytest.raises(RegistryError, match="authentication required"):
            _pull(f"{token_proxy.host}/{REPO}:amd64", replace(fast_options, docker_config=config))
    assert "docker-credential-absent-helper is in Docker's config but not installed" in caplog.text
    assert "docker-credential-empty" not in caplog.text


def test_redirect_to_another_origin_drops_the_token(
    token_proxy: FaultProxy, fast_options: RegistryOptions
) -> None:
    token_proxy.add(Fault("redirect", r"/blobs/sha256:597e01", times=1))
    options = replace(fast_options, username=USER, password=PASSWORD)
    _pull(f"{token_proxy.host}/{REPO}:amd64", options)
    redirected = [s for s in token_proxy.seen if "redirected=1" in s.path]
    assert len(redirected) == 1
    assert redirected[0].headers["host"].startswith("localhost:")
    assert "authorization" not in redirected[0].headers


def test_expired_token_is_renewed_mid_pull(
    token_proxy: FaultProxy, fast_options: RegistryOptions
) -> None:
    options = replace(fast_options, username=USER, password=PASSWORD)
    with open_registry_source(f"{token_proxy.host}/{REPO}:amd64", options) as source:
        layer = source.resolve().layers[0]
        token_proxy.tokens.clear()  # every token issued so far expires
        with source.open_blob(layer) as blob:
            assert len(blob.read()) == layer.size
    assert len(_token_requests(token_proxy)) == 2


def test_no_secret_in_any_log_line_or_error(
    token_proxy: FaultProxy,
    auth_registry: LocalRegistry,
    fast_options: RegistryOptions,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("httpcore").setLevel(logging.DEBUG)
    bad_password = "bad-Password-77"
    errors: list[str] = []
    good = replace(fast_options, username=USER, password=PASSWORD)
    bad = replace(fast_options, username=USER, password=bad_password)
    identity = tmp_path / "config.json"
    identity.write_text(json.dumps({"auths": {token_proxy.host: {"identitytoken": REFRESH}}}))
    token_ref = f"{token_proxy.host}/{REPO}:amd64"
    basic_ref = auth_registry.ref("busybox-amd64")

    def attempt(run: Callable[[], object]) -> None:
        try:
            run()
        except HullscanError as err:
            errors.append(str(err))

    token_proxy.add(Fault("status", r"/blobs/", times=2, status=503))
    for ref in (token_ref, basic_ref):
        attempt(lambda ref=ref: _pull(ref, good))
        attempt(lambda ref=ref: _pull(ref, bad))
        attempt(lambda ref=ref: _pull(ref, fast_options))
    attempt(lambda: _pull(token_ref, replace(fast_options, docker_config=identity)))
    monkeypatch.setenv("HULLSCAN_REGISTRY_TOKEN", STATIC)
    attempt(lambda: _pull(token_ref, fast_options))
    attempt(lambda: _pull(basic_ref, fast_options))
    monkeypatch.delenv("HULLSCAN_REGISTRY_TOKEN")
    monkeypatch.setenv("HULLSCAN_USERNAME", USER)
    monkeypatch.setenv("HULLSCAN_PASSWORD", bad_password)
    attempt(lambda: _pull(basic_ref, fast_options))

    assert len(errors) == 6, errors
    assert len(token_proxy.tokens) == 3  # the static one, and one per successful token flow
    text = "\n".join([caplog.text, *errors, repr(good), repr(bad)])
    assert "GET http://" in caplog.text  # the request lines were logged
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    secrets = [PASSWORD, bad_password, REFRESH, STATIC, basic, *token_proxy.tokens]
    for secret in secrets:
        assert secret not in text
    assert "authorization" not in text.lower()
