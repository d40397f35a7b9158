"""Installed Python distributions: ``*.dist-info/METADATA`` and egg-info ``PKG-INFO`` files.

Wheels (pip, uv, poetry installs) leave ``<name>-<version>.dist-info/METADATA``; setuptools
and distro packages leave ``<name>.egg-info/PKG-INFO``, a single ``<name>-<ver>.egg-info`` file,
or ``<name>.egg/EGG-INFO/PKG-INFO`` for unzipped eggs. All are RFC 822 headers followed by an
optional long description, so only the header block is read and handed to `email.parser`.
"""

from __future__ import annotations

import logging
from typing import IO, TYPE_CHECKING

from hullscan.inventory.interface import Analyzer, AnalyzerOptions, FileMeta, FileResult
from hullscan.inventory.python._common import python_package

if TYPE_CHECKING:
    from email.message import Message

__all__ = ["InstalledPythonAnalyzer", "parse_metadata"]

log = logging.getLogger(__name__)

_SUFFIXES = (".dist-info/METADATA", ".egg-info/PKG-INFO", ".egg-info", "EGG-INFO/PKG-INFO")
_CHUNK = 64 * 1024
# A License header longer than this, or spread over lines, is the licence text, not its name.
_MAX_LICENSE_NAME = 100


def _header_block(body: IO[bytes], limit: int) -> bytes:
    """The bytes before the first blank line, read in chunks so a long description is not."""
    data = b""
    while len(data) <= limit:
        chunk = body.read(_CHUNK)
        if not chunk:
            break
        data += chunk
        # search the seam too: the blank line may straddle two chunks
        start = max(0, len(data) - len(chunk) - 3)
        for mark in (b"\n\n", b"\r\n\r\n"):
            end = data.find(mark, start)
            if end >= 0:
                return data[:end]
    return data[:limit]


def _licenses(headers: Message) -> tuple[str, ...]:
    """Licence names the way PEP 639 ranks them: expression, classifiers, then License.

    ``Classifier: License :: OSI Approved :: MIT License`` names the licence in its last part;
    the bare ``License :: OSI Approved`` grouping names none. ``License`` is kept only when it
    reads as a name: projects also paste the whole licence text there, or write ``UNKNOWN``.
    """
    expression = (headers.get("License-Expression") or "").strip()
    if expression:
        return (expression,)
    from_classifiers = []
    for classifier in headers.get_all("Classifier") or ():
        parts = [p.strip() for p in str(classifier).split("::")]
        if parts[0] == "License" and len(parts) > 1 and parts[-1] != "OSI Approved":
            from_classifiers.append(parts[-1])
    if from_classifiers:
        return tuple(dict.fromkeys(from_classifiers))
    text = (headers.get("License") or "").strip()
    if text and text != "UNKNOWN" and "\n" not in text and len(text) <= _MAX_LICENSE_NAME:
        return (text,)
    return ()


def parse_metadata(path: str, block: bytes) -> FileResult:
    """One package from a core-metadata header block; a warning when it names none."""
    from email.parser import HeaderParser  # 7 ms to import; only images with Python need it

    text = block.decode("utf-8", errors="replace")
    headers = HeaderParser().parsestr(text, headersonly=True)
    name = str(headers.get("Name") or "").strip()
    version = str(headers.get("Version") or "").strip()
    if not name or not version:
        return FileResult(warnings=(f"{path}: no Name and Version headers; not package metadata",))
    return FileResult(packages=(python_package(name, version, path, licenses=_licenses(headers)),))


class InstalledPythonAnalyzer(Analyzer):
    """Python distributions installed anywhere: site-packages, dist-packages, venvs, --target."""

    name = "python-installed"
    file_names = frozenset({"METADATA", "PKG-INFO"})
    file_suffixes = (".egg-info",)
    version = 1
    max_size = 10 * 1024 * 1024

    def wants(self, path: str, meta: FileMeta) -> bool:
        return path.endswith(_SUFFIXES)

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        return parse_metadata(path, _header_block(body, self.max_size))
