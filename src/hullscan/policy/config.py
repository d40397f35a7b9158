"""The policy file, ``hullscan.yaml``: read, validated, and turned into a `Policy`.

Every problem is one line naming the file, the line and the key (``hullscan.yaml:9:
scan_policy.exclusions[0].expires: '2024-13-01' is not a date``), raised as PolicyError so the
CLI exits 2. Relative paths inside the file (classification, VEX documents) are taken from the
file's folder, so a policy checked in beside a Dockerfile works from any working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hullscan.match.interface import Severity
from hullscan.policy.classify import DEFAULT_CLASSIFICATION, load_classification
from hullscan.policy.classify import parse_classification as parse_classes
from hullscan.policy.exclusions import parse_version_range
from hullscan.policy.interface import (
    Classification,
    Exclusion,
    FirstSeenFrom,
    Policy,
    SuppressionKind,
    Trigger,
    TriggerKind,
)
from hullscan.policy.values import read_text

if TYPE_CHECKING:
    from hullscan.policy.nodes import Cursor

_POLICY_KEYS = (
    "triggers",
    "severity_levels",
    "ignore_unfixed",
    "timeout",
    "exclusions",
    "classification",
    "fail_on",
    "exit_code",
    "first_seen_from",
    "vex",
)
_EXCLUSION_KEYS = ("cve", "id", "package", "version", "ecosystem", "reason", "expires")


def parse_severity(cursor: Cursor) -> Severity:
    name = cursor.string().strip().upper()
    if name not in Severity.__members__:
        raise cursor.error(f"unknown severity {name!r}; expected one of: {', '.join(Severity)}")
    return Severity(name)


def _trigger(cursor: Cursor) -> Trigger:
    entry = cursor.mapping(tuple(TriggerKind))
    if len(entry) != 1:
        raise cursor.error("each trigger is one of on_push, on_pr or scheduled")
    key, value = next(iter(entry.items()))
    kind = TriggerKind(key)
    if kind is TriggerKind.SCHEDULED:
        from croniter import croniter  # 25 ms of imports: only for a policy that schedules

        schedule = value.string()
        if not croniter.is_valid(schedule):
            raise value.error(f"{schedule!r} is not a valid cron expression")
        return Trigger(kind, True, schedule)
    return Trigger(kind, value.boolean())


def _exclusion(cursor: Cursor) -> Exclusion:
    entry = cursor.mapping(_EXCLUSION_KEYS, required=("reason",))
    if "cve" in entry and "id" in entry:
        raise entry["id"].error("give either cve or id, not both")
    vuln = entry.get("cve") or entry.get("id")
    if vuln is None and "package" not in entry:
        raise cursor.error("an exclusion needs cve (or id), package, or both")
    if ("version" in entry or "ecosystem" in entry) and "package" not in entry:
        key = "version" if "version" in entry else "ecosystem"
        raise entry[key].error("only applies together with package")
    versions = None
    if "version" in entry:
        try:
            versions = parse_version_range(entry["version"].string())
        except ValueError as err:
            raise entry["version"].error(str(err)) from None
    return Exclusion(
        kind=SuppressionKind.POLICY,
        source=f"{cursor.file}:{cursor.line}",
        reason=entry["reason"].string(),
        vuln_id=vuln.string().strip() if vuln else "",
        package=entry["package"].string().strip() if "package" in entry else "",
        versions=versions,
        ecosystem=entry["ecosystem"].string().strip() if "ecosystem" in entry else "",
        expires=entry["expires"].date() if "expires" in entry else None,
    )


def _classification(cursor: Cursor, base: Path) -> Classification:
    if cursor.is_mapping:
        return parse_classes(cursor, f"{cursor.file}:{cursor.line}")
    path = base / cursor.string()
    if not path.is_file():
        raise cursor.error(f"classification file {str(path)!r} not found")
    return load_classification(path)


def _exit_code(cursor: Cursor) -> int:
    code = cursor.integer()
    if not 0 <= code <= 255:
        raise cursor.error(f"exit code {code} must be 0-255")
    return code


def parse_policy(root: Cursor | None, path: Path) -> Policy:
    """A `Policy` from the composed document of ``path``."""
    if root is None:
        return Policy(source=str(path), classification=DEFAULT_CLASSIFICATION)
    top = root.mapping(("scan_policy",))
    if "scan_policy" not in top or top["scan_policy"].is_null:
        return Policy(source=str(path), classification=DEFAULT_CLASSIFICATION)
    keys = top["scan_policy"].mapping(_POLICY_KEYS)
    base = path.parent

    first_seen = FirstSeenFrom.SCAN_TIME
    if "first_seen_from" in keys:
        text = keys["first_seen_from"].string()
        if text not in tuple(FirstSeenFrom):
            raise keys["first_seen_from"].error(
                f"{text!r}; expected one of: {', '.join(FirstSeenFrom)}"
            )
        first_seen = FirstSeenFrom(text)

    return Policy(
        source=str(path),
        triggers=tuple(_trigger(c) for c in keys["triggers"].sequence())
        if "triggers" in keys
        else (),
        severity_levels=tuple(parse_severity(c) for c in keys["severity_levels"].sequence())
        if "severity_levels" in keys
        else (),
        ignore_unfixed=keys["ignore_unfixed"].boolean() if "ignore_unfixed" in keys else False,
        timeout=keys["timeout"].duration() if "timeout" in keys else None,
        exclusions=tuple(_exclusion(c) for c in keys["exclusions"].sequence())
        if "exclusions" in keys
        else (),
        classification=_classification(keys["classification"], base)
        if "classification" in keys
        else DEFAULT_CLASSIFICATION,
        fail_on=parse_severity(keys["fail_on"]) if "fail_on" in keys else None,
        exit_code=_exit_code(keys["exit_code"]) if "exit_code" in keys else None,
        first_seen_from=first_seen,
        vex=tuple(str(base / p) for p in keys["vex"].strings()) if "vex" in keys else (),
    )


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file; PolicyError with file, line and key on any problem."""
    text = read_text(path, "policy file")
    from hullscan.policy.nodes import (
        compose_yaml,
    )  # YAML loads with the first file

    return parse_policy(compose_yaml(path, text), path)
