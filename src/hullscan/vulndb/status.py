"""``hullscan db status``: how old the database is, what it was built from, what it holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hullscan.vulndb.paths import DEFAULT_MAX_AGE
from hullscan.vulndb.store import SourceSummary, VulnDB


@dataclass(frozen=True)
class StatusResult:
    """The state of one database file."""

    path: Path
    schema_version: int
    built_at: str
    age: timedelta | None
    max_age: timedelta
    size_bytes: int
    sources: tuple[SourceSummary, ...]
    records: int
    affected_rows: int
    vulnerabilities: int
    cves: int
    ecosystems: tuple[tuple[str, int], ...]

    @property
    def stale(self) -> bool:
        """Older than ``max_age``, or of unknown age."""
        return self.age is None or self.age > self.max_age

    @property
    def warning(self) -> str:
        """One line for the user when the database is stale, else ""."""
        if self.age is None:
            return f"{self.path}: build time unknown; run `hullscan db update`"
        if self.age > self.max_age:
            return (
                f"{self.path}: vulnerability database is {format_age(self.age)} old "
                f"(over {format_age(self.max_age)}); run `hullscan db update`"
            )
        return ""


def format_age(age: timedelta) -> str:
    """``3d 4h``, ``5h 2m`` or ``12m``."""
    minutes = int(age.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}h {mins}m" if hours else f"{mins}m"


def _parse_time(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def database_age(db: VulnDB, now: datetime | None = None) -> timedelta | None:
    """How long ago the database was built, or None if it does not say."""
    built = _parse_time(db.meta.get("built_at", ""))
    if built is None:
        return None
    return (now or datetime.now(UTC)) - built


def database_status(
    db_path: Path, *, max_age: timedelta = DEFAULT_MAX_AGE, now: datetime | None = None
) -> StatusResult:
    """Describe ``db_path``; DatabaseError if it is missing, corrupt or of another schema."""
    with VulnDB(db_path) as db:
        return StatusResult(
            path=db.path,
            schema_version=int(db.meta["schema_version"]),
            built_at=db.meta.get("built_at", ""),
            age=database_age(db, now),
            max_age=max_age,
            size_bytes=db.path.stat().st_size,
            sources=tuple(db.sources()),
            records=db.count("records"),
            affected_rows=db.count("affected"),
            vulnerabilities=db.count("vulns"),
            cves=db.count("cves"),
            ecosystems=tuple(db.ecosystems()),
        )
