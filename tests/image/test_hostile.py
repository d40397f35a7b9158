"""Hostile layers, each built here: nothing is read or written outside the image root."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from hullscan.pipeline import InventoryOptions, inventory_rootfs, inventory_target
from tests.image.builders import file_member, layer_tar, link_member, write_oci_layout

STATUS = b"""Package: hostile-pkg
Status: install ok installed
Version: 1.0-1
Architecture: amd64

"""
ALPINE_OS_RELEASE = b'ID=alpine\nVERSION_ID=3.18.9\nNAME="Alpine Linux"\n'


def _scan(layout: Path) -> tuple[list[str], list[str]]:
    result = inventory_target(str(layout), InventoryOptions(use_cache=False))
    return [p.name for p in result.inventory.packages], list(result.inventory.warnings)


def _tree_snapshot(path: Path) -> set[str]:
    return {str(p) for p in path.rglob("*")}


def test_dotdot_member_names_are_skipped(tmp_path: Path) -> None:
    layer = layer_tar(
        [
            file_member("../../var/lib/dpkg/status", STATUS),
            file_member("a/../../../escape", b"x"),
            file_member("usr/lib/os-release", ALPINE_OS_RELEASE),
        ]
    )
    layout = tmp_path / "layout"
    write_oci_layout(layout, [layer])
    before = _tree_snapshot(tmp_path)

    names, warnings = _scan(layout)

    assert names == []
    assert any("leaves the image root" in w and "../../var/lib/dpkg/status" in w for w in warnings)
    assert _tree_snapshot(tmp_path) == before


def test_absolute_and_looping_symlinks_are_not_followed(tmp_path: Path) -> None:
    layer = layer_tar(
        [
            file_member("usr/lib/os-release", ALPINE_OS_RELEASE),
            link_member("etc/os-release", "/etc/os-release"),
            link_member("var/lib/dpkg", "/var/lib/dpkg"),
            link_member("loop/a", "b"),
            link_member("loop/b", "a"),
        ]
    )
    layout = tmp_path / "layout"
    write_oci_layout(layout, [layer])
    result = inventory_target(str(layout), InventoryOptions(use_cache=False))

    # The host's /etc/os-release and dpkg database must not leak in.
    assert result.inventory.os is not None
    assert result.inventory.os.family == "alpine"
    assert result.inventory.packages == ()


def test_hardlink_out_of_root_is_skipped(tmp_path: Path) -> None:
    layer = layer_tar(
        [
            link_member("var/lib/dpkg/status", "../../../../etc/passwd", tarfile.LNKTYPE),
            link_member("var/lib/dpkg/status.d/x", "/etc/shadow", tarfile.LNKTYPE),
        ]
    )
    layout = tmp_path / "layout"
    write_oci_layout(layout, [layer])
    names, warnings = _scan(layout)
    assert names == []
    assert any("points outside the image root" in w for w in warnings)


def test_device_nodes_are_ignored(tmp_path: Path) -> None:
    dev = tarfile.TarInfo("var/lib/dpkg/status")
    dev.type = tarfile.CHRTYPE
    dev.devmajor, dev.devminor = 1, 3
    fifo = tarfile.TarInfo("dev/fifo")
    fifo.type = tarfile.FIFOTYPE
    layer = layer_tar([(dev, None), (fifo, None)])
    layout = tmp_path / "layout"
    write_oci_layout(layout, [layer])
    names, _ = _scan(layout)
    assert names == []


def _bomb_layout(root: Path, inflated: int) -> None:
    """A gzip layer holding one `inflated`-byte member of zeros, written without holding it.

    gzip allows concatenated members, so one compressed 64 MiB block of zeros repeated gives
    any size cheaply; the tar stream inside is an ordinary member header, zeros, end blocks.
    """
    block = 64 * 1024 * 1024
    assert inflated % block == 0
    header = tarfile.TarInfo("var/lib/dpkg/status")
    header.size = inflated
    head = header.tobuf(format=tarfile.PAX_FORMAT)
    zeros = gzip.compress(b"\0" * block, compresslevel=9, mtime=0)
    tail = b"\0" * 1024
    parts = [gzip.compress(head, mtime=0), *([zeros] * (inflated // block)), gzip.compress(tail)]
    blob = b"".join(parts)

    diff = hashlib.sha256(head)
    chunk = b"\0" * (1 << 20)
    for _ in range(inflated // len(chunk)):
        diff.update(chunk)
    diff.update(tail)

    (root / "blobs" / "sha256").mkdir(parents=True)
    blob_digest = hashlib.sha256(blob).hexdigest()
    (root / "blobs" / "sha256" / blob_digest).write_bytes(blob)
    config = json.dumps(
        {
            "os": "linux",
            "architecture": "amd64",
            "rootfs": {"diff_ids": ["sha256:" + diff.hexdigest()]},
        }
    ).encode()
    config_digest = hashlib.sha256(config).hexdigest()
    (root / "blobs" / "sha256" / config_digest).write_bytes(config)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "digest": f"sha256:{config_digest}",
                "size": len(config),
                "mediaType": "application/vnd.oci.image.config.v1+json",
            },
            "layers": [
                {
                    "digest": f"sha256:{blob_digest}",
                    "size": len(blob),
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                }
            ],
        }
    ).encode()
    manifest_digest = hashlib.sha256(manifest).hexdigest()
    (root / "blobs" / "sha256" / manifest_digest).write_bytes(manifest)
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": f"sha256:{manifest_digest}",
                "size": len(manifest),
            }
        ],
    }
    (root / "index.json").write_text(json.dumps(index))
    (root / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')


@pytest.mark.slow
def test_ten_gigabyte_member_keeps_memory_bounded(tmp_path: Path, vulndb_path: Path) -> None:
    layout = tmp_path / "bomb"
    _bomb_layout(layout, 10 * 1024 * 1024 * 1024)
    assert sum(f.stat().st_size for f in layout.rglob("*") if f.is_file()) < 20 * 1024 * 1024
    # VmHWM, not ru_maxrss: the latter survives exec and so starts at pytest's own size.
    script = (
        "import sys\n"
        "from hullscan.cli import main\n"
        "code = main(['image', sys.argv[1], '--no-cache', '-q', '--db', sys.argv[2]])\n"
        "hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "print(code, hwm.split()[1])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(layout), str(vulndb_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    code, rss_kib = out.stdout.split()[-2:]
    assert code == "0", out.stderr
    assert "var/lib/dpkg/status: 10737418240 bytes is over the" in out.stdout
    assert int(rss_kib) < 300 * 1024, f"peak RSS {int(rss_kib) // 1024} MiB"


def test_rootfs_symlinks_do_not_leave_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "usr/lib").mkdir(parents=True)
    (root / "usr/lib/os-release").write_bytes(ALPINE_OS_RELEASE)
    (root / "etc").mkdir()
    os.symlink("/etc/os-release", root / "etc/os-release")
    (root / "var/lib").mkdir(parents=True)
    os.symlink("/var/lib/dpkg", root / "var/lib/dpkg")
    os.symlink("../../../../../../etc", root / "usr/escape")
    result = inventory_rootfs(root, InventoryOptions())
    assert result.inventory.os is not None
    assert result.inventory.os.family == "alpine"
    assert result.inventory.packages == ()
