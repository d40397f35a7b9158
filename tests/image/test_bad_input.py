"""Bad input: one line on stderr naming the input and the problem, exit code 2, no traceback."""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from hullscan.cli import main
from tests.image.builders import file_member, layer_tar, write_oci_layout

Run = Callable[..., tuple[int, str]]


@pytest.fixture
def run(vulndb_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """The CLI with a real database, so each error below is the image's, not the database's."""

    def _run(*args: str) -> tuple[int, str]:
        code = main([*args, "--db", str(vulndb_path)])
        return code, capsys.readouterr().err

    return _run


def _assert_one_line(err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("hullscan: error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0]


def _layout(tmp_path: Path) -> Path:
    root = tmp_path / "layout"
    write_oci_layout(root, [layer_tar([file_member("etc/hostname", b"x\n")])])
    return root


def _layer_blob(root: Path) -> Path:
    index = json.loads((root / "index.json").read_text())
    digest = index["manifests"][0]["digest"].split(":")[1]
    manifest = json.loads((root / "blobs/sha256" / digest).read_text())
    return root / "blobs/sha256" / manifest["layers"][0]["digest"].split(":")[1]


def test_truncated_archive(tmp_path: Path, images_dir: Path, run: Run) -> None:
    src = (images_dir / "busybox-amd64.oci.tar").read_bytes()
    bad = tmp_path / "truncated.tar"
    bad.write_bytes(src[: len(src) // 2])
    code, err = run("image", str(bad), "--no-cache")
    assert code == 2
    _assert_one_line(err, str(bad))


def test_truncated_gzip_archive(tmp_path: Path, images_dir: Path, run: Run) -> None:
    with (images_dir / "debian-python-app.docker.tar.gz").open("rb") as fh:
        head = fh.read(3_000_000)
    bad = tmp_path / "truncated.tar.gz"
    bad.write_bytes(head)
    code, err = run("image", str(bad), "--no-cache")
    assert code == 2
    _assert_one_line(err, str(bad))


def test_tar_that_is_not_an_image(tmp_path: Path, run: Run) -> None:
    bad = tmp_path / "plain.tar"
    bad.write_bytes(layer_tar([file_member("hello.txt", b"hi")]))
    code, err = run("image", str(bad))
    assert code == 2
    _assert_one_line(err, str(bad), "not an image archive")


def test_missing_blob(tmp_path: Path, run: Run) -> None:
    root = _layout(tmp_path)
    blob = _layer_blob(root)
    blob.unlink()
    code, err = run("image", str(root), "--no-cache")
    assert code == 2
    _assert_one_line(err, str(root), "missing layer blob")


def test_digest_mismatch(tmp_path: Path, run: Run) -> None:
    root = _layout(tmp_path)
    blob = _layer_blob(root)
    other = tmp_path / "other"
    write_oci_layout(other, [layer_tar([file_member("etc/hostname", b"y\n")])])
    shutil.copy(_layer_blob(other), blob)
    code, err = run("image", str(root), "--no-cache")
    assert code == 2
    _assert_one_line(err, "does not match its digest")


def test_uncompressed_layer_with_another_diff_id(tmp_path: Path, run: Run) -> None:
    """An uncompressed layer is hashed once; that one hash must still match its diff_id."""
    layer = layer_tar([file_member("etc/hostname", b"x\n")])
    config = {
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]},
    }
    manifest = [{"Config": "config.json", "RepoTags": ["t:1"], "Layers": ["layer.tar"]}]
    archive = tmp_path / "image.tar"
    with tarfile.open(archive, "w") as tar:
        for name, data in [
            ("manifest.json", json.dumps(manifest).encode()),
            ("config.json", json.dumps(config).encode()),
            ("layer.tar", layer),
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    code, err = run("image", str(archive), "--no-cache")
    assert code == 2
    _assert_one_line(err, str(archive), "does not match its digest", "0" * 64)


def test_unknown_media_type(tmp_path: Path, run: Run) -> None:
    root = tmp_path / "layout"
    write_oci_layout(
        root, [layer_tar([file_member("a", b"a")])], layer_media_type="application/x-mystery"
    )
    code, err = run("image", str(root), "--no-cache")
    assert code == 2
    _assert_one_line(err, str(root), "unknown layer media type", "application/x-mystery")


def test_unreadable_directory(tmp_path: Path) -> None:
    root = tmp_path / "locked"
    (root / "etc").mkdir(parents=True)
    root.chmod(0o000)
    # Import everything a scan needs while still root: the interpreter lives under /root.
    (tmp_path / "empty").mkdir()
    assert main(["sbom", str(tmp_path / "empty"), "-q", "-o", str(tmp_path / "sbom.json")]) == 0
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: drop root (root reads any directory), run the CLI, report on the pipe
        try:
            sys.stderr = os.fdopen(write_end, "w", buffering=1)
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            code = main(["sbom", str(root), "-q"])
        finally:
            os._exit(locals().get("code", 99))
    os.close(write_end)
    with os.fdopen(read_end) as fh:
        err = fh.read()
    _, status = os.waitpid(pid, 0)
    root.chmod(0o755)
    assert os.waitstatus_to_exitcode(status) == 2, err
    _assert_one_line(err, str(root))


def _rpm_layer(data: bytes) -> bytes:
    return layer_tar([file_member("var/lib/rpm/Packages.db", data)])


def test_damaged_rpm_database_fails_the_scan(tmp_path: Path, fixtures_dir: Path, run: Run) -> None:
    """A damaged rpmdb lists only part of what is installed: no report may pass on it."""
    good = (fixtures_dir / "rpm/ndb-sle15-bci/var/lib/rpm/Packages.db").read_bytes()
    root = tmp_path / "damaged"
    write_oci_layout(root, [_rpm_layer(good[: len(good) // 2])])
    code, err = run("image", str(root), "--no-cache")
    assert code == 2
    _assert_one_line(
        err, str(root), "var/lib/rpm/Packages.db: skipped", "cannot be listed in full"
    )
    code, err = run("sbom", str(root), "--no-cache")
    assert code == 2

    # Damage in a lower layer that a later layer replaced is no longer in the image.
    mended = tmp_path / "mended"
    write_oci_layout(mended, [_rpm_layer(good[: len(good) // 2]), _rpm_layer(good)])
    code, err = run("image", str(mended), "--no-cache", "-q", "-o", str(tmp_path / "r.txt"))
    assert (code, err) == (0, "")


def test_missing_target(tmp_path: Path, run: Run) -> None:
    code, err = run("rootfs", str(tmp_path / "nope"))
    assert code == 2
    _assert_one_line(err, "nope")
