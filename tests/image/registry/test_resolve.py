"""Issue 5 acceptance on a real registry: every pushed shared image resolves as its archive says.

Compared with the ``*.layers.tsv`` facts where they exist and with the archive read by
hullscan's own OCI-layout source for all; by tag and by digest, anonymous and through htpasswd
auth; blobs read through ``open_blob`` hash to their digests; the registry's access log shows
that ``resolve`` fetches manifests and the config only.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from hullscan.errors import RegistryError, UsageError
from hullscan.image.archive import open_local_image
from hullscan.image.interface import ImageMeta, MediaType, Platform
from hullscan.image.registry import RegistryOptions, open_registry_source
from hullscan.image.walk import walk_blob
from hullscan.inventory.interface import AnalyzerOptions
from tests.conftest import shared_dir
from tests.image.registry.conftest import PUSHES, LocalRegistry

pytestmark = pytest.mark.service

# Images pushed unchanged (OCI manifests, byte for byte), so every digest must match.
SAME_AS_ARCHIVE = [n for n, p in PUSHES.items() if "--format" not in p[2] and "--all" not in p[2]]


def _layers_tsv(stem: str) -> tuple[str, str, list[tuple[str, int, str, str]]]:
    manifest = config = ""
    rows = []
    for line in (shared_dir() / "data" / "images" / f"{stem}.layers.tsv").read_text().splitlines():
        cells = line.split("\t")
        if line.startswith("# manifest"):
            manifest = cells[1]
        elif line.startswith("# config"):
            config = cells[1]
        elif cells[0].isdigit():
            rows.append((cells[1], int(cells[2]), cells[3], cells[4]))
    return manifest, config, rows


@cache
def _archive_meta(name: str, platform: str = "") -> ImageMeta:
    source, _, _, _ = PUSHES[name]
    archive, _, image = source.partition(":")
    path = shared_dir() / "data" / "images" / archive
    wanted = Platform.parse(platform) if platform else None
    with open_local_image(path, image if image != "latest" else None, wanted) as local:
        return local.resolve()


def _resolve(ref: str, options: RegistryOptions) -> ImageMeta:
    with open_registry_source(ref, options) as source:
        return source.resolve()


def _assert_same_image(meta: ImageMeta, expected: ImageMeta, same_manifest: bool = True) -> None:
    if same_manifest:
        assert meta.manifest_digest == expected.manifest_digest
    assert meta.config_digest == expected.config_digest
    assert meta.platform == expected.platform
    assert [(x.digest, x.diff_id, x.size, x.created_by) for x in meta.layers] == [
        (x.digest, x.diff_id, x.size, x.created_by) for x in expected.layers
    ]
    assert meta.config == expected.config


def _assert_matches_tsv(meta: ImageMeta, stem: str, same_manifest: bool = True) -> None:
    manifest, config, rows = _layers_tsv(stem)
    if same_manifest:
        assert meta.manifest_digest == manifest
    assert meta.config_digest == config
    assert [(x.digest, x.size, x.diff_id, x.created_by) for x in meta.layers] == rows


@pytest.mark.parametrize("auth", ["anonymous", "htpasswd"])
@pytest.mark.parametrize("name", SAME_AS_ARCHIVE)
def test_resolves_like_the_archive_by_tag_and_digest(
    name: str, auth: str, request: pytest.FixtureRequest, fast_options: RegistryOptions
) -> None:
    registry: LocalRegistry = request.getfixturevalue(
        "registry_images" if auth == "anonymous" else "auth_registry"
    )
    options = replace(
        fast_options, username=registry.username or None, password=registry.password or None
    )
    ref = registry.ref(name)
    expected = _archive_meta(name)
    by_tag = _resolve(ref, options)
    _assert_same_image(by_tag, expected)
    repo = ref.rsplit(":", 1)[0]
    assert by_tag.name == ref
    assert by_tag.repo_tags == (ref,)
    assert by_tag.repo_digests == (f"{repo}@{expected.manifest_digest}",)
    if PUSHES[name][3]:
        _assert_matches_tsv(by_tag, PUSHES[name][3])
    by_digest = _resolve(f"{repo}@{expected.manifest_digest}", options)
    _assert_same_image(by_digest, expected)
    assert by_digest.repo_tags == ()


def test_docker_schema2_push_resolves_to_the_same_layers(
    registry_images: LocalRegistry, fast_options: RegistryOptions
) -> None:
    meta = _resolve(registry_images.ref("busybox-amd64-v2s2"), fast_options)
    _assert_matches_tsv(meta, "busybox-amd64", same_manifest=False)
    assert meta.manifest_digest != _layers_tsv("busybox-amd64")[0]  # re-encoded by skopeo
    assert {x.media_type for x in meta.layers} == {MediaType.DOCKER_LAYER_GZIP.value}
    again = _resolve(meta.repo_digests[0], fast_options)
    assert again.manifest_digest == meta.manifest_digest


@pytest.mark.parametrize(
    ("platform", "stem"),
    [("", "busybox-amd64"), ("linux/arm64/v8", "busybox-arm64"), ("linux/arm64", "busybox-arm64")],
)
def test_multiarch_index_picks_the_platform(
    platform: str, stem: str, registry_images: LocalRegistry, fast_options: RegistryOptions
) -> None:
    options = replace(fast_options, platform=Platform.parse(platform) if platform else None)
    meta = _resolve(registry_images.ref("busybox-multiarch"), options)
    _assert_matches_tsv(meta, stem)
    _assert_same_image(meta, _archive_meta("busybox-multiarch", platform))
    index_digest = meta.repo_digests[0].rsplit("@", 1)[1]
    assert index_digest != meta.manifest_digest
    by_digest = _resolve(meta.repo_digests[0], options)
    assert by_digest.manifest_digest == meta.manifest_digest


def test_missing_platform_names_the_ones_there(
    registry_images: LocalRegistry, fast_options: RegistryOptions
) -> None:
    options = replace(fast_options, platform=Platform.parse("linux/s390x"))
    with pytest.raises(UsageError, match=r"linux/amd64, linux/arm64/v8"):
        _resolve(registry_images.ref("busybox-multiarch"), options)
    with pytest.raises(UsageError, match="not the requested platform linux/s390x"):
        _resolve(registry_images.ref("busybox-amd64"), options)


@pytest.mark.parametrize("name", ["busybox-amd64", "debian-python-app", "go-hello"])
def test_every_blob_hashes_to_its_digest(
    name: str, registry_images: LocalRegistry, fast_options: RegistryOptions
) -> None:
    with open_registry_source(registry_images.ref(name), fast_options) as source:
        meta = source.resolve()
        for layer in meta.layers:
            digest = hashlib.sha256()
            total = 0
            with source.open_blob(layer) as blob:
                while chunk := blob.read(1 << 20):
                    digest.update(chunk)
                    total += len(chunk)
            assert f"sha256:{digest.hexdigest()}" == layer.digest
            assert total == layer.size


def test_the_layer_walk_reads_registry_blobs(
    registry_images: LocalRegistry, fast_options: RegistryOptions
) -> None:
    with open_registry_source(registry_images.ref("busybox-amd64"), fast_options) as source:
        meta = source.resolve()
        with source.open_blob(meta.layers[0]) as blob:
            result = walk_blob(blob, meta.layers[0], [], AnalyzerOptions(), "busybox")
    assert result.diff_id == meta.layers[0].diff_id
    assert "var/lib/dpkg/status" in result.paths


@pytest.mark.parametrize(
    ("name", "manifests"), [("debian-python-app", 1), ("busybox-multiarch", 2)]
)
def test_resolve_fetches_no_layer_blob(
    name: str, manifests: int, registry_images: LocalRegistry, fast_options: RegistryOptions
) -> None:
    mark = registry_images.log_mark()
    with open_registry_source(registry_images.ref(name), fast_options) as source:
        meta = source.resolve()
        resolved = registry_images.accesses(mark)
        layer_paths = {f"/blobs/{x.digest}" for x in meta.layers}
        assert not [a for a in resolved if any(a.path.endswith(p) for p in layer_paths)]
        assert [a.path for a in resolved if "/blobs/" in a.path] == [
            f"/v2/{meta.name.split('/', 1)[1].rsplit(':', 1)[0]}/blobs/{meta.config_digest}"
        ]
        assert sum("/manifests/" in a.path for a in resolved) == manifests
        assert len(resolved) == manifests + 2  # + the /v2/ check and the config
        mark = registry_images.log_mark()
        with source.open_blob(meta.layers[-1]) as blob:
            blob.read()
    fetched = registry_images.accesses(mark)
    assert [a.path.rsplit("/", 1)[1] for a in fetched] == [meta.layers[-1].digest]


def test_unknown_tag_and_repository_are_one_clear_error(
    registry_images: LocalRegistry, fast_options: RegistryOptions
) -> None:
    host = registry_images.host
    with pytest.raises(RegistryError, match=r"manifest nope: not found \(MANIFEST_UNKNOWN"):
        _resolve(f"{host}/hullscan/busybox:nope", fast_options)
    with pytest.raises(RegistryError, match=r"absent manifest latest: not found"):
        _resolve(f"{host}/hullscan/absent:latest", fast_options)


def test_htpasswd_registry_with_credentials(
    auth_registry: LocalRegistry, fast_options: RegistryOptions
) -> None:
    options = replace(
        fast_options, username=auth_registry.username, password=auth_registry.password
    )
    ref = auth_registry.ref("busybox-amd64")
    arm = replace(options, platform=Platform.parse("linux/arm64/v8"))
    multi = _resolve(auth_registry.ref("busybox-multiarch"), arm)
    _assert_matches_tsv(multi, "busybox-arm64")
    assert _resolve(multi.repo_digests[0], arm).manifest_digest == multi.manifest_digest
    with open_registry_source(ref, options) as source:
        layer = source.resolve().layers[0]
        with source.open_blob(layer) as blob:
            assert hashlib.sha256(blob.read()).hexdigest() == layer.digest.split(":")[1]


def test_htpasswd_credentials_from_environment_and_docker_config(
    auth_registry: LocalRegistry,
    fast_options: RegistryOptions,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    ref = auth_registry.ref("busybox-amd64")
    monkeypatch.setenv("HULLSCAN_USERNAME", auth_registry.username)
    monkeypatch.setenv("HULLSCAN_PASSWORD", auth_registry.password)
    assert _resolve(ref, fast_options).config_digest
    monkeypatch.delenv("HULLSCAN_USERNAME")
    monkeypatch.delenv("HULLSCAN_PASSWORD")
    pair = f"{auth_registry.username}:{auth_registry.password}".encode()
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps({"auths": {f"http://{auth_registry.host}/v2/": {"auth": _b64(pair)}}})
    )
    assert _resolve(ref, replace(fast_options, docker_config=config)).config_digest


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def test_htpasswd_registry_refuses_without_or_with_wrong_credentials(
    auth_registry: LocalRegistry, fast_options: RegistryOptions, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ref = auth_registry.ref("busybox-amd64")
    with pytest.raises(RegistryError, match="authentication required; pass --username"):
        _resolve(ref, fast_options)
    wrong = replace(fast_options, username=auth_registry.username, password="wrong-password-1")
    with pytest.raises(RegistryError, match=r"--username/--password were not accepted") as err:
        _resolve(ref, wrong)
    assert "wrong-password-1" not in str(err.value)
    assert "wrong-password-1" not in caplog.text


def test_docker_hub_references_go_to_the_mirrors_first(
    registry_images: LocalRegistry, fast_options: RegistryOptions, caplog: pytest.LogCaptureFixture
) -> None:
    closed = f"127.0.0.1:{_closed_port()}"
    options = replace(fast_options, mirrors=(f"http://{closed}", registry_images.host))
    meta = _resolve("hullscan/busybox:amd64", options)
    _assert_matches_tsv(meta, "busybox-amd64")
    assert meta.name == "docker.io/hullscan/busybox:amd64"
    assert f"mirror {closed}" in caplog.text
    with open_registry_source("hullscan/busybox:amd64", options) as source:
        layer = source.resolve().layers[0]
        with source.open_blob(layer) as blob:
            assert len(blob.read()) == layer.size


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
