"""One pass over one layer: verify it, stream it, hand analyzers the files they asked for.

A layer is read exactly once, as a stream: the compressed bytes are hashed against the blob
digest, decompressed (isal's threaded gzip reader when installed, so inflation runs beside the
tar parsing; zlib otherwise; zstandard for zstd), hashed again against the diff_id, and parsed
as a tar stream. Nothing is unpacked to disk. Only bodies that an analyzer `wants` are read;
everything else is skipped as it streams past. Member names are normalised inside the image
root: a name or hardlink target that climbs out of it is skipped with a warning, symlinks are
recorded but never followed, device nodes are ignored.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import posixpath
import tempfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import IO, Any

import zstandard

from hullscan.errors import DigestMismatchError, ImageError
from hullscan.image.interface import Compression, LayerRef
from hullscan.image.tarstream import (
    HARDLINK,
    SYMLINK,
    TarFormatError,
    TarStream,
    normalize_member,
)
from hullscan.inventory.interface import Analyzer, AnalyzerOptions, FileMeta, FileResult

_fast_gzip: ModuleType | None
try:  # isal inflates about twice as fast as zlib and can do it in a background thread
    from isal import igzip_threaded

    _fast_gzip = igzip_threaded
except ImportError:  # pragma: no cover - exercised only where isal is absent
    _fast_gzip = None

log = logging.getLogger(__name__)

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
_CHUNK = 1 << 20
_RAW_READ = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@dataclass(frozen=True)
class LayerResult:
    """Everything the merge step needs from one layer, small enough to cache.

    ``results`` maps (analyzer name, path) to what that analyzer made of the file. ``paths``
    holds every non-directory path the layer writes, so a later layer's copy of a file can be
    seen to replace an earlier one; ``whiteouts`` and ``opaque_dirs`` are its deletions.
    """

    diff_id: str
    results: dict[tuple[str, str], FileResult] = field(default_factory=dict)
    paths: frozenset[str] = frozenset()
    whiteouts: frozenset[str] = frozenset()
    opaque_dirs: frozenset[str] = frozenset()
    symlinks: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "diff_id": self.diff_id,
            "results": [[a, p, r.to_dict()] for (a, p), r in self.results.items()],
            "paths": sorted(self.paths),
            "whiteouts": sorted(self.whiteouts),
            "opaque_dirs": sorted(self.opaque_dirs),
            "symlinks": self.symlinks,
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LayerResult:
        return cls(
            diff_id=data["diff_id"],
            results={(a, p): FileResult.from_dict(r) for a, p, r in data["results"]},
            paths=frozenset(data["paths"]),
            whiteouts=frozenset(data["whiteouts"]),
            opaque_dirs=frozenset(data["opaque_dirs"]),
            symlinks=dict(data["symlinks"]),
            warnings=tuple(data["warnings"]),
        )


class HashingReader(io.RawIOBase):
    """A read-through stream that hashes what passes, to check a digest at the end.

    ``digest`` is ``sha256:<hex>``; with an empty one the hash is still computed (a caller
    that learns the expected digest later compares `hexdigest` itself).
    """

    def __init__(self, raw: IO[bytes], digest: str, what: str) -> None:
        self._raw = raw
        self._what = what
        algo, _, self._expected = digest.partition(":")
        self._algo = algo or "sha256"
        self._hash = hashlib.new(self._algo)
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        # At most _RAW_READ bytes a call, read straight into the caller's buffer: a 1 MiB
        # read() allocates a fresh 1 MiB object each time, which glibc serves with mmap and
        # page faults (a quarter of an OS-only scan of a gzip-wrapped archive went there).
        view = memoryview(buffer)[:_RAW_READ]
        readinto = getattr(self._raw, "readinto", None)
        if readinto is not None:
            n = readinto(view) or 0
        else:
            data = self._raw.read(len(view))
            n = len(data)
            view[:n] = data
        self._hash.update(view[:n])
        self.bytes_read += n
        return n

    @property
    def algorithm(self) -> str:
        return self._algo

    @property
    def digest(self) -> str:
        return f"{self._algo}:{self._hash.hexdigest()}"

    def verify(self, digest: str | None = None, what: str = "") -> None:
        """Raise unless the bytes read match the expected digest, or ``digest`` if given
        (of the same algorithm; "" checks nothing)."""
        expected = self._expected if digest is None else digest.partition(":")[2]
        if not expected:
            return
        actual = self._hash.hexdigest()
        if actual != expected:
            raise DigestMismatchError(
                f"{what or self._what}: content does not match its digest "
                f"(expected {self._algo}:{expected}, got {self._algo}:{actual})"
            )


def _decompressor(
    stream: io.BufferedReader[Any], compression: Compression, what: str
) -> IO[bytes]:
    """Wrap a blob stream in the decompressor its first bytes call for.

    The media type is a hint: Docker writes uncompressed layers under a gzip type in some
    archive shapes, so the magic bytes decide.
    """
    head = stream.peek(4)[:4]
    if head.startswith(_GZIP_MAGIC):
        if _fast_gzip is not None:
            reader: IO[bytes] = _fast_gzip.open(stream, "rb", threads=1)
            return reader
        return gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[return-value]
    if head.startswith(_ZSTD_MAGIC):
        dctx = zstandard.ZstdDecompressor()
        zreader: IO[bytes] = dctx.stream_reader(stream, read_across_frames=True)
        return zreader
    if compression is not Compression.NONE and head:
        log.debug("%s: declared %s but holds plain tar", what, compression.value)
    return stream


def open_decompressed(raw: IO[bytes]) -> IO[bytes]:
    """A stream of ``raw`` decompressed as its magic bytes say (plain streams pass through)."""
    return _decompressor(io.BufferedReader(raw, buffer_size=_CHUNK), Compression.GZIP, "")


def _read_body(src: IO[bytes], size: int, seekable: bool, options: AnalyzerOptions) -> IO[bytes]:
    """A wanted body, in memory; spooled to a temp file past the memory bound when an
    analyzer needs random access to it (a big jar or binary)."""
    if seekable and size > options.max_archive_memory:
        spool: IO[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - caller closes
            max_size=options.max_archive_memory
        )
        while chunk := src.read(_CHUNK):
            spool.write(chunk)
        spool.seek(0)
        return spool
    return io.BytesIO(src.read(size))


def analyze_body_once(
    src: IO[bytes],
    meta: FileMeta,
    wanting: list[Analyzer],
    options: AnalyzerOptions,
    warnings: list[str],
) -> dict[tuple[str, str], FileResult]:
    """Read one wanted body once and give it to every analyzer that wants it."""
    accepted = [a for a in wanting if meta.size <= a.max_size]
    if not accepted:
        limit = max(a.max_size for a in wanting)
        warnings.append(f"{meta.path}: {meta.size} bytes is over the {limit}-byte limit; skipped")
        return {}
    needs_seek = any(a.needs_seek for a in accepted)
    with _read_body(src, meta.size, needs_seek, options) as body:
        return {(a.name, meta.path): _analyze_body(a, meta.path, body, options) for a in accepted}


def _analyze_body(
    analyzer: Analyzer, path: str, body: IO[bytes], options: AnalyzerOptions
) -> FileResult:
    """Run one analyzer on one body; an analyzer crash becomes a warning, not a failed scan."""
    body.seek(0)
    try:
        return analyzer.analyze(path, body, options)
    except Exception as err:
        log.warning("%s: %s analyzer failed: %s", path, analyzer.name, err)
        log.debug("analyzer failure", exc_info=True)
        return FileResult(warnings=(f"{path}: {analyzer.name} could not parse it ({err})",))


class AnalyzerDispatch:
    """Which analyzers to ask about a file: those without name hints, and those whose hints
    (`Analyzer.file_names`, `file_suffixes`) admit its base name; `wants` decides."""

    def __init__(self, analyzers: tuple[Analyzer, ...]) -> None:
        self._rank = {id(a): i for i, a in enumerate(analyzers)}
        self._always = [a for a in analyzers if not (a.file_names or a.file_suffixes)]
        self._by_name: dict[str, list[Analyzer]] = {}
        for analyzer in analyzers:
            for name in analyzer.file_names:
                self._by_name.setdefault(name, []).append(analyzer)
        self._by_suffix = [(s, a) for a in analyzers for s in a.file_suffixes]
        self._suffixes = tuple(s for s, _ in self._by_suffix)

    def wanting(self, path: str, meta: FileMeta) -> list[Analyzer]:
        base = path[path.rfind("/") + 1 :]
        hinted = self._by_name.get(base, [])
        if self._suffixes and base.endswith(self._suffixes):
            hinted = hinted + [a for s, a in self._by_suffix if base.endswith(s)]
        asked = self._always
        if hinted:  # one list, in the analyzers' given order
            merged = {id(a): a for a in asked + hinted}
            asked = sorted(merged.values(), key=lambda a: self._rank[id(a)])
        return [a for a in asked if a.wants(path, meta)]


def walk_tar(
    tar_stream: IO[bytes],
    diff_id: str,
    analyzers: Iterable[Analyzer],
    options: AnalyzerOptions,
    what: str,
    on_bytes: Callable[[int], None] | None = None,
) -> LayerResult:
    """Parse one uncompressed layer tar stream and run the analyzers on the files they want."""
    analyzers = tuple(analyzers)
    dispatch = AnalyzerDispatch(analyzers)
    results: dict[tuple[str, str], FileResult] = {}
    paths: set[str] = set()
    whiteouts: set[str] = set()
    opaque: set[str] = set()
    symlinks: dict[str, str] = {}
    warnings: list[str] = []

    tar = TarStream(tar_stream)
    try:
        for member in tar:
            path = normalize_member(member.name)
            if path is None:
                warnings.append(f"{what}: member {member.name!r} leaves the image root; skipped")
                continue
            base = posixpath.basename(path)
            parent = posixpath.dirname(path)
            if base == OPAQUE_MARKER:
                opaque.add(parent)
                continue
            if base.startswith(WHITEOUT_PREFIX):
                if not base.startswith(WHITEOUT_PREFIX + WHITEOUT_PREFIX):
                    whiteouts.add(posixpath.join(parent, base[len(WHITEOUT_PREFIX) :]))
                continue
            if member.is_dir or not path:
                continue
            paths.add(path)
            if member.type == SYMLINK:
                symlinks[path] = member.linkname
                continue
            if member.type == HARDLINK:
                _link_results(member.linkname, path, what, analyzers, results, warnings)
                continue
            if not member.is_regular:
                continue  # devices, fifos: nothing to analyze, nothing to create
            meta = FileMeta(path=path, size=member.size, mode=member.mode)
            wanting = dispatch.wanting(path, meta)
            if not wanting:
                continue
            results.update(analyze_body_once(tar.body(), meta, wanting, options, warnings))
            if on_bytes is not None:
                on_bytes(member.size)
    except (TarFormatError, EOFError, zlib.error, zstandard.ZstdError, gzip.BadGzipFile) as err:
        raise ImageError(f"{what}: truncated or corrupt layer ({err})") from err
    except OSError as err:
        raise ImageError(f"{what}: cannot read layer ({err})") from err

    return LayerResult(
        diff_id=diff_id,
        results=results,
        paths=frozenset(paths),
        whiteouts=frozenset(whiteouts),
        opaque_dirs=frozenset(opaque),
        symlinks=symlinks,
        warnings=tuple(warnings),
    )


def _link_results(
    linkname: str,
    path: str,
    what: str,
    analyzers: tuple[Analyzer, ...],
    results: dict[tuple[str, str], FileResult],
    warnings: list[str],
) -> None:
    """Give a hardlink the results of its target, found earlier in the same layer stream."""
    target = normalize_member(linkname)
    if target is None:
        warnings.append(f"{what}: hardlink {path!r} points outside the image root; skipped")
        return
    for analyzer in analyzers:
        found = results.get((analyzer.name, target))
        if found is not None:
            results[(analyzer.name, path)] = relocate(found, target, path)


def relocate(result: FileResult, old: str, new: str) -> FileResult:
    """The same findings, as found at another path (a hardlink or a copy)."""
    packages = tuple(
        replace(p, found_in=new + p.found_in[len(old) :]) if p.found_in.startswith(old) else p
        for p in result.packages
    )
    return replace(result, packages=packages)


@dataclass(frozen=True)
class StreamDigests:
    """The digests of a layer blob as stored and as uncompressed, computed while walking it."""

    blob: str
    diff_id: str


def walk_stream(
    blob: IO[bytes],
    layer: LayerRef,
    analyzers: Iterable[Analyzer],
    options: AnalyzerOptions,
    what: str,
    on_bytes: Callable[[int], None] | None = None,
) -> tuple[LayerResult, StreamDigests]:
    """Decompress and walk one layer blob, checking the digests that ``layer`` names.

    An empty ``layer.digest`` or ``layer.diff_id`` skips that check; the computed digests are
    returned either way, for callers that learn the expected ones only later.
    """
    compressed = HashingReader(blob, layer.digest, f"{what} blob {layer.digest}")
    buffered = io.BufferedReader(compressed, buffer_size=_CHUNK)
    try:
        plain = _decompressor(buffered, layer.compression, what)
    except OSError as err:
        raise ImageError(f"{what}: cannot read layer ({err})") from err
    check_diff = layer.diff_id if layer.diff_id != layer.digest else ""
    diff_what = f"{what} diff_id {layer.diff_id}"
    if plain is buffered and check_diff.partition(":")[0] in ("", compressed.algorithm):
        # A layer stored uncompressed: its bytes are the tar, and their one hash is both the
        # blob digest and the diff_id; hashing them twice cost 0.1 s on a 150 MB image.
        uncompressed = compressed
        stream = buffered
    else:
        uncompressed = HashingReader(plain, check_diff, diff_what)
        stream = io.BufferedReader(uncompressed, buffer_size=_CHUNK)
    try:
        result = walk_tar(stream, layer.diff_id, analyzers, options, what, on_bytes)
        try:
            while stream.read(_CHUNK):
                pass
            while buffered.read(_CHUNK):
                pass
        except (EOFError, OSError, zlib.error, zstandard.ZstdError) as err:
            raise ImageError(f"{what}: truncated or corrupt layer ({err})") from err
    finally:
        if plain is not buffered:
            plain.close()
    compressed.verify()
    if uncompressed is compressed:
        compressed.verify(check_diff, diff_what)
    else:
        uncompressed.verify()
    digests = StreamDigests(blob=compressed.digest, diff_id=uncompressed.digest)
    return result, digests


def walk_blob(
    blob: IO[bytes],
    layer: LayerRef,
    analyzers: Iterable[Analyzer],
    options: AnalyzerOptions,
    what: str,
    on_bytes: Callable[[int], None] | None = None,
) -> LayerResult:
    """Verify, decompress and walk one layer blob as stored in an image."""
    return walk_stream(blob, layer, analyzers, options, what, on_bytes)[0]
