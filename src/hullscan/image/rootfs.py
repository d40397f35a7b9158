"""An unpacked filesystem (`hullscan rootfs DIR`), read as if it were one layer.

The tree is walked without following symlinks, and every file is opened with O_NOFOLLOW
relative to its already-open parent directory, so a symlink planted anywhere in the tree can
never make hullscan read outside DIR.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from hullscan.errors import ImageError
from hullscan.image.walk import AnalyzerDispatch, LayerResult, analyze_body_once
from hullscan.inventory.interface import Analyzer, AnalyzerOptions, FileMeta, FileResult

log = logging.getLogger(__name__)

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0)


def _entries(
    dir_fd: int, rel: str, warnings: list[str]
) -> Iterator[tuple[str, int, os.DirEntry[str]]]:
    """Depth-first (parent dir fd, relative path, entry) for everything below ``dir_fd``."""
    try:
        with os.scandir(dir_fd) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as err:
        warnings.append(f"{rel or '.'}: cannot list directory ({err.strerror}); skipped")
        return
    for entry in entries:
        path = f"{rel}/{entry.name}" if rel else entry.name
        yield path, dir_fd, entry
        if entry.is_dir(follow_symlinks=False):
            try:
                child = os.open(entry.name, _DIR_FLAGS, dir_fd=dir_fd)
            except OSError as err:
                warnings.append(f"{path}: cannot open directory ({err.strerror}); skipped")
                continue
            try:
                yield from _entries(child, path, warnings)
            finally:
                os.close(child)


def walk_rootfs(
    root: Path, analyzers: Iterable[Analyzer], options: AnalyzerOptions
) -> LayerResult:
    """Analyze every wanted file under ``root`` as one layer with no deletions."""
    analyzers = tuple(analyzers)
    try:
        root_fd = os.open(root, _DIR_FLAGS)
    except OSError as err:
        if err.errno == errno.ENOENT:
            raise ImageError(f"{root}: no such directory") from err
        raise ImageError(f"{root}: cannot open directory ({err.strerror})") from err
    try:
        os.listdir(root_fd)
    except OSError as err:
        os.close(root_fd)
        raise ImageError(f"{root}: cannot read directory ({err.strerror})") from err

    dispatch = AnalyzerDispatch(analyzers)
    results: dict[tuple[str, str], FileResult] = {}
    paths: set[str] = set()
    symlinks: dict[str, str] = {}
    warnings: list[str] = []
    try:
        for path, dir_fd, entry in _entries(root_fd, "", warnings):
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                continue
            paths.add(path)
            if stat.S_ISLNK(st.st_mode):
                symlinks[path] = os.readlink(entry.name, dir_fd=dir_fd)
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            meta = FileMeta(path=path, size=st.st_size, mode=stat.S_IMODE(st.st_mode))
            wanting = dispatch.wanting(path, meta)
            if wanting:
                _analyze_file(dir_fd, entry.name, meta, wanting, options, results, warnings)
    finally:
        os.close(root_fd)
    return LayerResult(
        diff_id=f"rootfs:{root}",
        results=results,
        paths=frozenset(paths),
        symlinks=symlinks,
        warnings=tuple(warnings),
    )


def _analyze_file(
    dir_fd: int,
    name: str,
    meta: FileMeta,
    wanting: list[Analyzer],
    options: AnalyzerOptions,
    results: dict[tuple[str, str], FileResult],
    warnings: list[str],
) -> None:
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as err:
        warnings.append(f"{meta.path}: cannot read ({err.strerror}); skipped")
        return
    with os.fdopen(fd, "rb") as fh:
        results.update(analyze_body_once(fh, meta, wanting, options, warnings))
