"""What matching yields: findings, and the scan result that takes them to policy and reports."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from hullscan.image.interface import ImageMeta
from hullscan.inventory.interface import OSInfo, Package


class Severity(enum.StrEnum):
    """Severity levels in ascending order, spelt as Trivy and Grype users type them."""

    UNKNOWN = "UNKNOWN"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)

    @classmethod
    def parse(cls, text: str) -> Severity:
        """A severity from any common spelling (``high``, ``Moderate``, ``important``)."""
        value = text.strip().upper()
        value = {"MODERATE": "MEDIUM", "IMPORTANT": "HIGH", "NEGLIGIBLE": "LOW"}.get(value, value)
        return cls(value) if value in cls.__members__ else cls.UNKNOWN


_SEVERITY_ORDER = list(Severity)


class Status(enum.StrEnum):
    """Where a vulnerability stands for the installed package, as the vendor says."""

    FIXED = "fixed"
    AFFECTED = "affected"
    WILL_NOT_FIX = "will_not_fix"
    FIX_DEFERRED = "fix_deferred"
    END_OF_LIFE = "end_of_life"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CVSS:
    """One CVSS assessment: ``version`` is ``2.0``, ``3.0``, ``3.1`` or ``4.0``."""

    version: str
    vector: str
    score: float
    source: str


@dataclass(frozen=True)
class Finding:
    """One vulnerability in one package.

    ``id`` is the CVE when the record or one of its aliases has one, else the record id;
    ``aliases`` holds every other id (GHSA, PYSEC, DSA...), ``records`` the ids of the advisory
    records that matched. ``severity_source`` says where the severity came from (the vendor's
    record first, then NVD, then a CVSS score).
    """

    id: str
    package: Package
    status: Status
    severity: Severity
    aliases: tuple[str, ...] = ()
    records: tuple[str, ...] = ()
    fixed_versions: tuple[str, ...] = ()
    severity_source: str = ""
    cvss: tuple[CVSS, ...] = ()
    kev: bool = False
    kev_date_added: str = ""
    epss: float | None = None
    epss_percentile: float | None = None
    title: str = ""
    description: str = ""
    published: str = ""
    modified: str = ""
    cwes: tuple[str, ...] = ()
    url: str = ""
    references: tuple[str, ...] = ()

    @property
    def installed_version(self) -> str:
        return self.package.version

    @property
    def fixed(self) -> bool:
        """Whether an upgrade exists that removes the vulnerability."""
        return bool(self.fixed_versions)

    @property
    def cvss_score(self) -> float | None:
        """The highest-version CVSS base score, the one reports show."""
        if not self.cvss:
            return None
        return max(self.cvss, key=lambda c: c.version).score

    def all_ids(self) -> tuple[str, ...]:
        return (self.id, *self.aliases, *self.records)


@dataclass(frozen=True)
class DatabaseInfo:
    """Which vulnerability data a scan used, so a report can say how fresh it was."""

    path: str
    schema_version: int
    built_at: str
    sources: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ScanResult:
    """One scanned target: its inventory and the findings in it, before any policy."""

    target: str
    packages: tuple[Package, ...]
    findings: tuple[Finding, ...]
    image: ImageMeta | None = None
    os: OSInfo | None = None
    warnings: tuple[str, ...] = ()
    database: DatabaseInfo | None = None
    scanned_at: datetime = field(default_factory=lambda: datetime.now().astimezone())
