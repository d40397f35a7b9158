"""Java archives (jar, war, ear and kin), including the archives nested inside them.

Each top-level archive found in a layer is opened with zipfile from the seekable body the layer
walk hands over (in memory, or spooled past the memory bound), and every nested archive is
opened in turn; see `hullscan.inventory.java.archive` for the resource bounds and
`hullscan.inventory.java.metadata` for which files name the artifacts. Package names are
``groupId:artifactId`` and ``found_in`` extends the archive path with the nested member's path
(``app.war/WEB-INF/lib/x.jar``), as Trivy reports them.
"""

from __future__ import annotations

import io
from typing import IO, TYPE_CHECKING

from hullscan.inventory.interface import Analyzer, AnalyzerOptions, FileMeta, FileResult
from hullscan.inventory.java.mvnversion import maven_equal
from hullscan.inventory.java.names import is_java_archive

if TYPE_CHECKING:
    from hullscan.inventory.java.metadata import Artifact

__all__ = ["ANALYZERS", "JarAnalyzer"]


class JarAnalyzer(Analyzer):
    """Maven artifacts in Java archives.

    ``max_size`` is far above the default: application archives of hundreds of MiB are common,
    and the body is spooled to disk past the memory bound, so size costs no memory here.
    """

    name = "java-archive"
    version = 1
    max_size = 1024 * 1024 * 1024
    needs_seek = True

    def wants(self, path: str, meta: FileMeta) -> bool:
        return is_java_archive(path) and meta.size > 0

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        # zipfile and the XML readers load with the first archive; most images hold none.
        from hullscan.inventory.java.archive import ArchiveWalk

        size = body.seek(0, io.SEEK_END)
        body.seek(0)
        walk = ArchiveWalk(options, size)
        artifacts = _deduplicated(walk.scan(path, body))
        return FileResult(
            packages=tuple(a.to_package() for a in artifacts), warnings=tuple(walk.warnings)
        )


def _deduplicated(artifacts: list[Artifact]) -> list[Artifact]:
    """The first of each artifact found more than once in one place (versions equal to Maven).

    Shaded jars and copies of a descriptor in several folders list the same artifact twice;
    the same name at another path, or another version, is a different copy and is kept.
    """
    kept: dict[tuple[str, str], list[str]] = {}
    unique: list[Artifact] = []
    for artifact in artifacts:
        versions = kept.setdefault((artifact.name, artifact.found_in), [])
        if not any(maven_equal(v, artifact.version) for v in versions):
            versions.append(artifact.version)
            unique.append(artifact)
    return unique


ANALYZERS: list[Analyzer] = [JarAnalyzer()]
