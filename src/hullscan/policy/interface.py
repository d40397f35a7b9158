"""What the policy stage reads and what it hands to the reports.

Inputs are a `Policy` (from ``hullscan.yaml`` and the flags), ignore-file `Exclusion`s, VEX
`VexStatement`s and a `Classification`; the output is an `Assessment`: per target, the findings
that remain after the policy, the ones suppressed (each with the rule that suppressed it), counts
of the ones filtered out, every finding's severity class and due date, and the gate's verdict.
Reports only read an `Assessment`, so every format says the same thing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from hullscan.match.interface import Finding, ScanResult, Severity


class TriggerKind(enum.StrEnum):
    """When the monitoring server should scan, as ``scan_policy.triggers`` spells it."""

    ON_PUSH = "on_push"
    ON_PR = "on_pr"
    SCHEDULED = "scheduled"


@dataclass(frozen=True)
class Trigger:
    """One scan trigger; ``schedule`` is a validated cron expression for SCHEDULED."""

    kind: TriggerKind
    enabled: bool = True
    schedule: str = ""


# What `hullscan image` reads from the working directory when no --config is given.
DEFAULT_POLICY_FILE = "hullscan.yaml"


class FirstSeenFrom(enum.StrEnum):
    """Where a one-off scan counts due dates from."""

    SCAN_TIME = "scan-time"
    IMAGE_CREATED = "image-created"


class SuppressionKind(enum.StrEnum):
    """What took a finding out of the gate."""

    POLICY = "policy"
    IGNOREFILE = "ignorefile"
    VEX = "vex"


@dataclass(frozen=True)
class VersionRange:
    """Comma-separated constraints as written (``>=1.1.1, <1.1.1n``); all must hold."""

    text: str
    constraints: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Exclusion:
    """One policy or ignore-file rule.

    A rule names a vulnerability id (matching the finding's id or any alias), a package (a name,
    matching the binary or source package name, or a purl), or both; both must then match.
    ``source`` is ``file:line`` so a report can point at the rule.
    """

    kind: SuppressionKind
    source: str
    reason: str = ""
    vuln_id: str = ""
    package: str = ""
    versions: VersionRange | None = None
    ecosystem: str = ""
    expires: date | None = None

    def is_expired(self, today: date) -> bool:
        """An exclusion applies through its ``expires`` day and stops the day after."""
        return self.expires is not None and today > self.expires

    def describe(self) -> str:
        """The rule in a few words, for reports."""
        parts = []
        if self.vuln_id:
            parts.append(self.vuln_id)
        if self.package:
            parts.append(f"package {self.package}")
        if self.versions:
            parts.append(f"version {self.versions.text}")
        if self.ecosystem:
            parts.append(f"ecosystem {self.ecosystem}")
        return ", ".join(parts)


@dataclass(frozen=True)
class SeverityClass:
    """How urgently one severity must be handled: its CVSS range, response time and action."""

    severity: Severity
    action: str
    response_time: timedelta | None
    response_text: str = ""
    cvss_min: float | None = None
    cvss_max: float | None = None

    def covers(self, score: float) -> bool:
        if self.cvss_min is None or self.cvss_max is None:
            return False
        return self.cvss_min <= round(score, 1) <= self.cvss_max


@dataclass(frozen=True)
class Classification:
    """The severity classes in force and where they came from (``built-in`` or a file)."""

    classes: tuple[SeverityClass, ...]
    source: str = "built-in"

    def for_severity(self, severity: Severity) -> SeverityClass | None:
        for cls in self.classes:
            if cls.severity is severity:
                return cls
        return None

    def severity_for_score(self, score: float) -> Severity:
        """The severity whose CVSS range holds ``score``; UNKNOWN when none does."""
        for cls in self.classes:
            if cls.covers(score):
                return cls.severity
        return Severity.UNKNOWN


@dataclass(frozen=True)
class Policy:
    """The scan policy in force: ``hullscan.yaml`` with the flags laid over it.

    Empty ``severity_levels`` keeps every severity. ``triggers`` are not used by a one-off scan;
    they are kept for the monitoring server.
    """

    source: str = ""
    triggers: tuple[Trigger, ...] = ()
    severity_levels: tuple[Severity, ...] = ()
    ignore_unfixed: bool = False
    timeout: timedelta | None = None
    exclusions: tuple[Exclusion, ...] = ()
    classification: Classification | None = None
    fail_on: Severity | None = None
    exit_code: int | None = None
    first_seen_from: FirstSeenFrom = FirstSeenFrom.SCAN_TIME
    vex: tuple[str, ...] = ()


@dataclass(frozen=True)
class VexStatement:
    """One VEX statement, reduced to what matching and reports need.

    ``products`` are purls of packages or of an image; ``subcomponents`` are package purls
    inside those products. ``source`` is ``file:line`` of the statement.
    """

    source: str
    document_format: str
    vuln_id: str
    aliases: tuple[str, ...]
    products: tuple[str, ...]
    status: str
    subcomponents: tuple[str, ...] = ()
    justification: str = ""
    detail: str = ""
    timestamp: str = ""

    @property
    def suppresses(self) -> bool:
        """Only ``not_affected`` and ``fixed`` take a finding out, as Trivy does."""
        return self.status in ("not_affected", "fixed")


@dataclass(frozen=True)
class Suppression:
    """Why a finding does not count: the rule or statement and the reason given with it."""

    kind: SuppressionKind
    source: str
    reason: str
    rule: str
    expires: date | None = None
    statement: VexStatement | None = None


@dataclass(frozen=True)
class AssessedFinding:
    """A finding with what the policy made of it.

    ``severity`` is the effective one (the vendor's, else derived from the CVSS score with the
    classification's ranges); ``due`` counts the class's response time from ``first_seen``.
    """

    finding: Finding
    target: str
    severity: Severity
    severity_class: SeverityClass | None
    first_seen: datetime
    due: datetime | None
    overdue: bool
    suppression: Suppression | None = None


@dataclass(frozen=True)
class TargetAssessment:
    """One scanned target after the policy, findings sorted most severe first."""

    result: ScanResult
    findings: tuple[AssessedFinding, ...]
    suppressed: tuple[AssessedFinding, ...] = ()
    filtered_severity: int = 0
    filtered_unfixed: int = 0
    warnings: tuple[str, ...] = ()

    @property
    def target(self) -> str:
        return self.result.target

    def counts(self) -> dict[Severity, int]:
        """Remaining findings per severity, most severe first, every severity present."""
        out = {sev: 0 for sev in reversed(Severity)}
        for item in self.findings:
            out[item.severity] += 1
        return out


@dataclass(frozen=True)
class ExpiredExclusion:
    """An exclusion past its date, and the findings it would otherwise have taken out."""

    exclusion: Exclusion
    matched: tuple[str, ...] = ()


@dataclass(frozen=True)
class Gate:
    """The verdict: the exit code and, when it is not 0, why."""

    exit_code: int = 0
    reason: str = ""
    failing: int = 0


@dataclass(frozen=True)
class Assessment:
    """Every target of one run after the policy: what every report renders."""

    targets: tuple[TargetAssessment, ...]
    policy: Policy
    classification: Classification
    generated_at: datetime
    gate: Gate = field(default_factory=Gate)
    expired: tuple[ExpiredExclusion, ...] = ()
    vex_documents: tuple[str, ...] = ()

    def counts(self) -> dict[Severity, int]:
        out = {sev: 0 for sev in reversed(Severity)}
        for target in self.targets:
            for sev, n in target.counts().items():
                out[sev] += n
        return out

    @property
    def remaining(self) -> int:
        return sum(len(t.findings) for t in self.targets)

    @property
    def suppressed(self) -> int:
        return sum(len(t.suppressed) for t in self.targets)

    @property
    def overdue(self) -> int:
        return sum(1 for t in self.targets for f in t.findings if f.overdue)
