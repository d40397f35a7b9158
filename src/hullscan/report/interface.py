"""Report formats and the small facts every writer shares.

Every vulnerability writer is a function ``render_X(assessment, options) -> str`` of the same
`Assessment`, so all formats agree; SBOM writers take an inventory instead (packages, OS, image)
and never see findings.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from hullscan import __version__
from hullscan.image.interface import ImageMeta
from hullscan.inventory.interface import OSInfo, Package
from hullscan.match.interface import Finding, ScanResult, Severity

TOOL_NAME = "hullscan"
TOOL_VERSION = __version__
SEVERITY_ORDER = tuple(reversed(Severity))  # CRITICAL first


class ReportFormat(enum.StrEnum):
    """``-f`` values of the scan commands."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    CYCLONEDX = "cyclonedx"
    SPDX_JSON = "spdx-json"
    JUNIT = "junit"
    GITLAB = "gitlab"
    HTML = "html"
    MARKDOWN = "markdown"
    TEMPLATE = "template"


class SbomFormat(enum.StrEnum):
    """``-f`` values of ``hullscan sbom``."""

    CYCLONEDX = "cyclonedx"
    SPDX_JSON = "spdx-json"
    JSON = "json"


@dataclass(frozen=True)
class RenderOptions:
    """What changes a report besides the assessment itself.

    ``color`` is only for the table (on when stdout is a terminal); ``width`` fixes its width
    (None: the terminal's, or 160 columns when not a terminal).
    """

    list_packages: bool = False
    template: Path | None = None
    color: bool = False
    width: int | None = None


@dataclass(frozen=True)
class Inventory:
    """What an SBOM describes: one target's packages, its OS and, for images, the image."""

    target: str
    packages: tuple[Package, ...]
    os: OSInfo | None = None
    image: ImageMeta | None = None

    @classmethod
    def of(cls, result: ScanResult) -> Inventory:
        return cls(result.target, result.packages, result.os, result.image)


def fix_text(finding: Finding) -> str:
    """The fixed versions as one cell, empty when there is no fix."""
    return ", ".join(finding.fixed_versions)


def recommendation(finding: Finding) -> str:
    """One sentence on what to do, for formats that have a solution field."""
    pkg = finding.package
    if finding.fixed_versions:
        return f"Upgrade {pkg.name} from {pkg.version} to {fix_text(finding)}."
    return f"No fixed version of {pkg.name} is available yet ({finding.status.value})."


def layer_numbers(image: ImageMeta | None) -> dict[str, int]:
    """diff_id -> 1-based layer number (``LayerRef.index`` is 0-based), for display."""
    return {layer.diff_id: layer.index + 1 for layer in image.layers} if image else {}


def short_digest(digest: str, length: int = 12) -> str:
    """``sha256:0123456789ab`` style, the way ``docker images`` shortens ids."""
    algo, _, hexpart = digest.partition(":")
    return f"{algo}:{hexpart[:length]}" if hexpart else digest[:length]
