"""Issue 2 acceptance on the real shared images: package sets and layers equal the .tsv facts."""

from __future__ import annotations

import csv
import shutil
import tarfile
from functools import cache
from pathlib import Path

import pytest

from hullscan.image.interface import Platform
from hullscan.inventory.interface import Package, PackageType
from hullscan.pipeline import (
    InventoryOptions,
    InventoryResult,
    inventory_rootfs,
    inventory_target,
)
from tests.conftest import shared_dir


def _images() -> Path:
    return shared_dir() / "data" / "images"


@cache
def scan(name: str, image: str | None = None, platform: str | None = None) -> InventoryResult:
    """One scan per target for the whole session, without a cache (every layer read)."""
    options = InventoryOptions(
        image=image,
        platform=Platform.parse(platform) if platform else None,
        use_cache=False,
    )
    return inventory_target(str(_images() / name), options)


def _tsv(name: str) -> list[dict[str, str]]:
    with (_images() / name).open() as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def _diff_ids(image: str) -> list[str]:
    return [row["diff_id_uncompressed"] for row in _tsv(f"{image}.layers.tsv")]


def _of(result: InventoryResult, kind: PackageType) -> list[Package]:
    return [p for p in result.inventory.packages if p.type is kind]


DEBIAN_SOURCES = [
    ("debian-images.oci.tar", "debian-bookworm-minbase", "debian-bookworm-minbase"),
    ("debian-images.oci.tar", "debian-python-app", "debian-python-app"),
    ("debian-python-app.docker.tar.gz", None, "debian-python-app"),
]


@pytest.mark.parametrize(("archive", "image", "facts"), DEBIAN_SOURCES)
def test_dpkg_set_and_layers_equal_tsv(archive: str, image: str | None, facts: str) -> None:
    result = scan(archive, image)
    diff_ids = _diff_ids(facts)
    want = {
        (r["package"], r["version"], r["source"], r["source_version"], r["arch"]): diff_ids[
            int(r["layer"]) - 1
        ]
        for r in _tsv(f"{facts}.dpkg.tsv")
    }
    got = {
        (p.name, p.version, p.source_name, p.source_version, p.arch): p.layer
        for p in _of(result, PackageType.DEB)
    }
    assert set(got) == set(want)
    assert got == want
    assert result.inventory.os is not None
    assert (result.inventory.os.family, result.inventory.os.version) == ("debian", "12")


def test_dpkg_purl_and_ecosystem() -> None:
    result = scan("debian-images.oci.tar", "debian-bookworm-minbase")
    libssl = next(p for p in _of(result, PackageType.DEB) if p.name == "libssl3")
    assert libssl.ecosystem == "Debian:12"
    assert libssl.purl.startswith("pkg:deb/debian/libssl3@3.0.20-1~deb12u2?")
    assert "arch=amd64" in libssl.purl
    assert "distro=debian-12" in libssl.purl


@pytest.mark.parametrize(
    ("archive", "platform", "facts", "arch"),
    [
        ("busybox-amd64.docker.tar", None, "busybox-amd64", "amd64"),
        ("busybox-amd64.oci.tar", None, "busybox-amd64", "amd64"),
        ("busybox-multiarch.oci.tar", None, "busybox-amd64", "amd64"),
        ("busybox-multiarch.oci.tar", "linux/arm64/v8", "busybox-arm64", "arm64"),
    ],
)
def test_busybox(archive: str, platform: str | None, facts: str, arch: str) -> None:
    result = scan(archive, None, platform)
    debs = _of(result, PackageType.DEB)
    assert sorted(p.name for p in debs) == ["base-files", "busybox-static"]
    assert {p.arch for p in debs} == {arch}
    assert {p.layer for p in debs} == set(_diff_ids(facts))
    assert result.image is not None
    assert result.image.manifest_digest or archive.endswith("docker.tar")


ALPINE_SOURCES = [
    ("alpine-images.oci.tar", "alpine-3.14.10", "alpine-3.14.10"),
    ("alpine-images.oci.tar", "alpine-3.18.9", "alpine-3.18.9"),
    ("alpine-3.18.9.docker.tar", None, "alpine-3.18.9"),
]


@pytest.mark.parametrize(("archive", "image", "facts"), ALPINE_SOURCES)
def test_apk_set_equals_tsv(archive: str, image: str | None, facts: str) -> None:
    result = scan(archive, image)
    want = {(r["package"], r["version"], r["origin"], r["arch"]) for r in _tsv(f"{facts}.apk.tsv")}
    got = {(p.name, p.version, p.source_name, p.arch) for p in _of(result, PackageType.APK)}
    assert got == want
    os_info = result.inventory.os
    assert os_info is not None
    assert os_info.family == "alpine"
    assert {p.ecosystem for p in _of(result, PackageType.APK)} == {
        "Alpine:v" + ".".join(facts.split("-")[1].split(".")[:2])
    }


def _final_rows(name: str) -> list[dict[str, str]]:
    return [r for r in _tsv(name) if r["in_final_image"] == "yes"]


@pytest.mark.parametrize("archive", ["debian-images.oci.tar", "debian-python-app.docker.tar.gz"])
def test_python_and_npm_packages_with_layers(archive: str) -> None:
    image = "debian-python-app" if archive.endswith("oci.tar") else None
    result = scan(archive, image)
    diff_ids = _diff_ids("debian-python-app")

    pypi = {
        (p.name, p.version): p.layer
        for p in _of(result, PackageType.PYTHON)
        if ".dist-info" in p.found_in
    }
    want_pypi = {
        (r["name"], r["version"]): diff_ids[int(r["added_in_layer"]) - 1]
        for r in _final_rows("debian-python-app.pypi.tsv")
    }
    assert pypi == want_pypi
    assert not any(name == "PyYAML" for name, _ in pypi)

    npm = {
        (p.name, p.version): p.layer
        for p in _of(result, PackageType.NPM)
        if "node_modules/" in p.found_in and p.found_in.endswith("package.json")
    }
    want_npm = {
        (r["name"], r["version"]): diff_ids[int(r["added_in_layer"]) - 1]
        for r in _final_rows("debian-python-app.npm.tsv")
    }
    assert npm == want_npm
    assert ("minimist", "1.2.8") in npm
    assert ("minimist", "1.2.0") not in npm


def test_go_binary_stdlib() -> None:
    result = scan("go-hello.oci.tar")
    go = {(p.name, p.version) for p in _of(result, PackageType.GOLANG)}
    assert ("stdlib", "1.19.8") in go
    rows = _tsv("go-hello.gobin.tsv")
    assert {(r["module"], r["version"].removeprefix("v")) for r in rows} <= {
        (name, version.removeprefix("v")) for name, version in go
    }


def _unpack(archive: Path, image: str, dest: Path) -> None:
    """Unpack an image from an OCI layout tar the way a container runtime would."""
    import json

    with tarfile.open(archive) as outer:
        index = json.load(outer.extractfile("index.json"))  # type: ignore[arg-type]
        desc = next(
            d
            for d in index["manifests"]
            if d["annotations"]["org.opencontainers.image.ref.name"] == image
        )

        def blob(digest: str) -> tarfile.ExFileObject:
            return outer.extractfile("blobs/sha256/" + digest.split(":")[1])  # type: ignore[return-value]

        manifest = json.load(blob(desc["digest"]))
        for layer in manifest["layers"]:
            with tarfile.open(fileobj=blob(layer["digest"]), mode="r|gz") as tar:
                for member in tar:
                    _apply_member(tar, member, dest)


def _apply_member(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path) -> None:
    name = member.name.lstrip("./")
    base = Path(name).name
    parent = dest / Path(name).parent
    if base == ".wh..wh..opq":
        for child in parent.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        return
    if base.startswith(".wh."):
        target = parent / base[4:]
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        return
    if member.isdev():
        return
    target = dest / name
    if (member.isreg() or member.issym()) and (target.is_symlink() or target.is_file()):
        target.unlink()
    tar.extract(member, dest, filter="tar", set_attrs=False)


@pytest.mark.slow
def test_same_packages_from_archive_layout_and_rootfs(tmp_path: Path) -> None:
    root = tmp_path / "rootfs"
    root.mkdir()
    _unpack(_images() / "debian-images.oci.tar", "debian-python-app", root)
    from_rootfs = inventory_rootfs(root, InventoryOptions(use_cache=False))

    def key(result: InventoryResult) -> set[tuple[str, str, str, str]]:
        return {(p.type.value, p.name, p.version, p.found_in) for p in result.inventory.packages}

    from_oci = scan("debian-images.oci.tar", "debian-python-app")
    from_docker = scan("debian-python-app.docker.tar.gz")
    assert key(from_oci) == key(from_docker)
    assert key(from_rootfs) == key(from_oci)
    assert len(from_oci.inventory.packages) > 140
