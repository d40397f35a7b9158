"""Injected faults end in the right image or one clear error, never a wrong result or a hang.

A `FaultProxy` sits between hullscan and the real registry. Every test asserts the outcome
and, where time matters, the elapsed time against the deadline.
"""

from __future__ import annotations

import hashlib
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from hullscan.errors import DigestMismatchError, HullscanError, RegistryError
from hullscan.image.interface import LayerRef, MediaType
from hullscan.image.registry import RegistryOptions, RegistrySource, open_registry_source
from hullscan.image.walk import walk_blob
from hullscan.inventory.interface import AnalyzerOptions
from tests.image.registry.conftest import LocalRegistry
from tests.image.registry.faultproxy import Fault, FaultProxy

pytestmark = pytest.mark.service

REPO = "hullscan/busybox"
BLOB = r"/blobs/sha256:597e01"  # busybox-amd64's only layer, 1159932 bytes
LAYER_DIGEST = "sha256:597e01c6a01d308ed9c2328350d19ba776b706906c2041db5db23463001aceea"
# The head of the timing assertions: scheduling on a loaded 2-core machine, not the code.
SLACK = 0.75


@pytest.fixture
def proxy(registry_images: LocalRegistry) -> Iterator[FaultProxy]:
    with FaultProxy(registry_images.host) as running:
        yield running


def _ref(proxy: FaultProxy) -> str:
    return f"{proxy.host}/{REPO}:amd64"


def _source(proxy: FaultProxy, options: RegistryOptions) -> RegistrySource:
    return open_registry_source(_ref(proxy), options)


def _read_layer(source: RegistrySource) -> tuple[LayerRef, str]:
    layer = source.resolve().layers[0]
    digest = hashlib.sha256()
    with source.open_blob(layer) as blob:
        while chunk := blob.read(1 << 16):
            digest.update(chunk)
    return layer, f"sha256:{digest.hexdigest()}"


def _failure(
    ref: str, options: RegistryOptions, blob: bool, expect: type[HullscanError] = RegistryError
) -> tuple[str, float]:
    """Run a pull that must fail: its one-line message and how long it took."""
    start = time.monotonic()
    with pytest.raises(expect) as err, open_registry_source(ref, options) as source:
        if blob:
            _read_layer(source)
        else:
            source.resolve()
    message = str(err.value)
    assert "\n" not in message
    return message, time.monotonic() - start


def test_5xx_burst_is_retried(proxy: FaultProxy, fast_options: RegistryOptions) -> None:
    proxy.add(Fault("status", r"/manifests/amd64", times=3, status=503))
    proxy.add(Fault("status", BLOB, times=2, status=500))
    proxy.add(Fault("status", r"/blobs/sha256:70bc", times=1, status=502))
    with _source(proxy, fast_options) as source:
        layer, digest = _read_layer(source)
    assert digest == layer.digest == LAYER_DIGEST
    assert proxy.count(r"/manifests/amd64") == 4
    assert proxy.count(BLOB) == 3


def test_persistent_5xx_gives_up_with_one_error(
    proxy: FaultProxy, fast_options: RegistryOptions
) -> None:
    proxy.add(Fault("status", r"/manifests/", times=-1, status=503))
    message, _ = _failure(_ref(proxy), fast_options, blob=False)
    assert "HTTP 503 Service Unavailable (gave up after 5 attempts)" in message
    assert proxy.count(r"/manifests/") == 5


def test_429_honours_retry_after(proxy: FaultProxy, fast_options: RegistryOptions) -> None:
    proxy.add(Fault("status", r"/manifests/amd64", status=429, headers={"Retry-After": "1"}))
    start = time.monotonic()
    with _source(proxy, fast_options) as source:
        meta = source.resolve()
    elapsed = time.monotonic() - start
    assert meta.layers[0].digest == LAYER_DIGEST
    assert 1.0 <= elapsed < 1.0 + SLACK + 0.5


def test_429_asking_past_the_deadline_fails_at_once(
    proxy: FaultProxy, fast_options: RegistryOptions
) -> None:
    proxy.add(Fault("status", r"/manifests/", status=429, headers={"Retry-After": "120"}))
    message, elapsed = _failure(_ref(proxy), replace(fast_options, timeout=5.0), blob=False)
    assert re.search(r"HTTP 429.*would pass the 5 s timeout", message)
    assert elapsed < 1.0


def test_connection_reset_mid_blob_resumes_with_range(
    proxy: FaultProxy, fast_options: RegistryOptions
) -> None:
    proxy.add(Fault("reset", BLOB, times=2, after=300_000))
    with _source(proxy, fast_options) as source:
        layer, digest = _read_layer(source)
    assert digest == layer.digest
    ranges = [s.headers.get("range") for s in proxy.seen if BLOB in s.path]
    # A reset throws away what the client had not read yet, so each resume starts somewhere
    # within the 300000 bytes sent before it.
    assert ranges[0] is None
    assert len(ranges) == 3
    offsets = [int(r.removeprefix("bytes=").rstrip("-")) for r in ranges[1:] if r]
    assert 0 < offsets[0] <= 300_000
    assert offsets[0] < offsets[1] <= offsets[0] + 300_000


def test_reset_on_a_server_that_ignores_range(
    proxy: FaultProxy, fast_options: RegistryOptions
) -> None:
    proxy.add(Fault("reset", BLOB, times=1, after=400_000))
    proxy.add(Fault("norange", BLOB, times=1))
    with _source(proxy, fast_options) as source:
        layer, digest = _read_layer(source)
    assert digest == layer.digest


def test_reset_without_progress_gives_up(proxy: FaultProxy, fast_options: RegistryOptions) -> None:
    proxy.add(Fault("reset", BLOB, times=-1, after=0))
    message, _ = _failure(_ref(proxy), fast_options, blob=True)
    assert re.search(r"blob sha256:597e01.*gave up after 5 attempts", message)


def test_wrong_blob_bytes_are_detected(proxy: FaultProxy, fast_options: RegistryOptions) -> None:
    proxy.add(Fault("corrupt", BLOB, times=-1))
    message, _ = _failure(_ref(proxy), fast_options, blob=True, expect=DigestMismatchError)
    assert f"blob {LAYER_DIGEST}: content does not match its digest" in message


def test_wrong_blob_bytes_fail_the_layer_walk(
    proxy: FaultProxy, fast_options: RegistryOptions
) -> None:
    proxy.add(Fault("corrupt", BLOB, times=-1))
    with pytest.raises(HullscanError), _source(proxy, fast_options) as source:
        layer = source.resolve().layers[0]
        with source.open_blob(layer) as blob:
            walk_blob(blob, layer, [], AnalyzerOptions(), "busybox")


@pytest.mark.parametrize("path", [r"/manifests/sha256:", r"/blobs/sha256:70bc"])
def test_wrong_manifest_or_config_bytes_are_detected(
    path: str, proxy: FaultProxy, fast_options: RegistryOptions
) -> None:
    proxy.add(Fault("corrupt", path, times=-1))
    digest = "sha256:df0313849e1e634a9bb35524f6fd83d39a85bb4e5f49d30a2170752dee8a5882"
    ref = f"{proxy.host}/{REPO}@{digest}"
    _failure(ref, fast_options, blob=False, expect=DigestMismatchError)


def test_wrong_manifest_bytes_by_tag_are_detected(
    proxy: FaultProxy, fast_options: RegistryOptions
) -> None:
    proxy.add(Fault("corrupt", r"/manifests/amd64", times=-1))
    message, _ = _failure(_ref(proxy), fast_options, blob=False, expect=DigestMismatchError)
    assert "the digest the registry sent" in message


def test_stall_before_the_manifest_ends_at_the_deadline(
    proxy: FaultProxy, fast_options: RegistryOptions
) -> None:
    proxy.add(Fault("stall", r"/manifests/amd64", times=-1, after=-1, seconds=30))
    message, elapsed = _failure(_ref(proxy), replace(fast_options, timeout=1.5), blob=False)
    assert "timed out after 1.5 s" in message
    assert 1.5 <= elapsed < 1.5 + SLACK


def test_stall_mid_blob_ends_at_the_deadline(
    proxy: FaultProxy, fast_options: RegistryOptions
) -> None:
    proxy.add(Fault("stall", BLOB, times=-1, after=200_000, seconds=30))
    message, elapsed = _failure(_ref(proxy), replace(fast_options, timeout=2.0), blob=True)
    assert f"timed out after 2 s while {proxy.host}/{REPO}:amd64 layer 1 blob" in message
    assert 2.0 <= elapsed < 2.0 + SLACK


def test_late_stall_is_cut_by_the_watchdog(
    proxy: FaultProxy, fast_options: RegistryOptions
) -> None:
    """The blob opens with ~2.5 s left, trickles for ~1.5 s, then stalls: without the watchdog
    the read would wait its full 2.5 s read timeout, ending about 1.5 s past the deadline."""
    proxy.add(Fault("trickle", BLOB, times=1, after=8_000, seconds=0.1, upto=120_000))
    options = replace(fast_options, timeout=2.5, retries=0)
    message, elapsed = _failure(_ref(proxy), options, blob=True)
    assert "timed out after 2.5 s" in message
    assert 2.5 <= elapsed < 2.5 + SLACK


def test_slow_trickle_ends_at_the_deadline(
    proxy: FaultProxy, fast_options: RegistryOptions
) -> None:
    proxy.add(Fault("trickle", BLOB, times=-1, after=4096, seconds=0.05))
    message, elapsed = _failure(_ref(proxy), replace(fast_options, timeout=1.5), blob=True)
    assert "timed out after 1.5 s" in message
    assert 1.5 <= elapsed < 1.5 + SLACK


def test_short_stall_is_retried_within_the_deadline(
    proxy: FaultProxy, fast_options: RegistryOptions
) -> None:
    proxy.add(Fault("stall", BLOB, times=1, after=500_000, seconds=30))
    options = replace(fast_options, stall_timeout=0.5, timeout=10.0)
    with _source(proxy, options) as source:
        layer, digest = _read_layer(source)
    assert digest == layer.digest
    assert [s.headers.get("range") for s in proxy.seen if BLOB in s.path][-1] == "bytes=500000-"


def test_connection_refused_is_one_clear_error(fast_options: RegistryOptions) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    message, elapsed = _failure(f"127.0.0.1:{port}/x/y:z", fast_options, blob=False)
    assert re.search(r"cannot connect.*gave up after 5 attempts", message)
    assert elapsed < 2.0


def test_accept_lists_every_manifest_type(
    proxy: FaultProxy, fast_options: RegistryOptions
) -> None:
    with _source(proxy, fast_options) as source:
        source.resolve()
    accept = next(s.headers["accept"] for s in proxy.seen if "/manifests/" in s.path)
    assert {t.strip() for t in accept.split(",")} == {
        MediaType.OCI_INDEX.value,
        MediaType.OCI_MANIFEST.value,
        MediaType.DOCKER_LIST.value,
        MediaType.DOCKER_MANIFEST.value,
    }


def test_proxy_from_the_environment(
    proxy: FaultProxy, fast_options: RegistryOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY is honoured: a host that does not resolve is reached through the proxy."""
    monkeypatch.setenv("HTTP_PROXY", f"http://{proxy.host}")
    monkeypatch.setenv("HTTPS_PROXY", f"http://{proxy.host}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    options = replace(fast_options, insecure=True)
    with open_registry_source(f"registry.invalid:5000/{REPO}:amd64", options) as source:
        layer, digest = _read_layer(source)
    assert digest == layer.digest
    assert {s.headers["host"] for s in proxy.seen if s.path.startswith("/v2/")} == {
        "registry.invalid:5000"
    }
