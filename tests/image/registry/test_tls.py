"""HTTPS registries: an untrusted certificate is one clear error; --ca-cert, SSL_CERT_FILE
and --insecure each let the pull through, over HTTPS (never a silent fall back to HTTP)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from hullscan.errors import RegistryError
from hullscan.image.registry import RegistryOptions, open_registry_source
from tests.image.registry.conftest import LocalRegistry, start_registry, stop_registry

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def tls_registry(
    shared: Path, registry_images: LocalRegistry, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LocalRegistry, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    directory = tmp_path_factory.mktemp("tls-registry")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    (directory / "data").symlink_to(registry_images.directory / "data")
    env = {"REGISTRY_TLS_CERT": str(cert), "REGISTRY_TLS_KEY": str(key)}
    registry = start_registry(shared, directory, env=env)
    try:
        yield registry, cert
    finally:
        stop_registry(registry)


def _layers(ref: str, options: RegistryOptions) -> list[str]:
    with open_registry_source(ref, options) as source:
        return [x.digest for x in source.resolve().layers]


def test_untrusted_certificate_is_one_clear_error(
    tls_registry: tuple[LocalRegistry, Path], fast_options: RegistryOptions
) -> None:
    registry, _ = tls_registry
    mark = registry.log_mark()
    with pytest.raises(RegistryError, match=r"TLS certificate not trusted; pass --ca-cert"):
        _layers(f"{registry.host}/hullscan/busybox:amd64", fast_options)
    assert registry.accesses(mark) == []


def test_ca_cert_ssl_cert_file_or_insecure_let_it_through(
    tls_registry: tuple[LocalRegistry, Path],
    fast_options: RegistryOptions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry, cert = tls_registry
    ref = f"{registry.host}/hullscan/busybox:amd64"
    expected = ["sha256:597e01c6a01d308ed9c2328350d19ba776b706906c2041db5db23463001aceea"]
    mark = registry.log_mark()
    assert _layers(ref, replace(fast_options, ca_cert=cert)) == expected
    assert _layers(ref, replace(fast_options, insecure=True)) == expected
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    assert _layers(ref, fast_options) == expected
    # All over HTTPS: a plain-HTTP request to a TLS port would log as a 400.
    assert {a.status for a in registry.accesses(mark)} == {200}
