"""The policy stage: scan policy, ignore files, VEX, severity classes, due dates and the gate.

Scan results go in, an `Assessment` comes out; `hullscan.report` renders it. Names load on
first use (`hullscan._lazy`): a report writer needs the policy's types, not its YAML reader.
"""

from typing import TYPE_CHECKING

from hullscan._lazy import lazy_attributes

if TYPE_CHECKING:
    from hullscan.policy.apply import FirstSeen, assess
    from hullscan.policy.classify import DEFAULT_CLASSIFICATION, load_classification
    from hullscan.policy.config import load_policy
    from hullscan.policy.gate import evaluate_gate
    from hullscan.policy.ignorefile import DEFAULT_IGNORE_FILES, load_ignorefile
    from hullscan.policy.interface import (
        DEFAULT_POLICY_FILE,
        AssessedFinding,
        Assessment,
        Classification,
        Exclusion,
        ExpiredExclusion,
        FirstSeenFrom,
        Gate,
        Policy,
        SeverityClass,
        Suppression,
        SuppressionKind,
        TargetAssessment,
        Trigger,
        TriggerKind,
        VexStatement,
    )
    from hullscan.policy.values import parse_duration
    from hullscan.policy.vex import load_vex

__all__ = [
    "DEFAULT_CLASSIFICATION",
    "DEFAULT_IGNORE_FILES",
    "DEFAULT_POLICY_FILE",
    "AssessedFinding",
    "Assessment",
    "Classification",
    "Exclusion",
    "ExpiredExclusion",
    "FirstSeen",
    "FirstSeenFrom",
    "Gate",
    "Policy",
    "SeverityClass",
    "Suppression",
    "SuppressionKind",
    "TargetAssessment",
    "Trigger",
    "TriggerKind",
    "VexStatement",
    "assess",
    "evaluate_gate",
    "load_classification",
    "load_ignorefile",
    "load_policy",
    "load_vex",
    "parse_duration",
]

_INTERFACE = "hullscan.policy.interface"
_EXPORTS = {
    "FirstSeen": "hullscan.policy.apply",
    "assess": "hullscan.policy.apply",
    "DEFAULT_CLASSIFICATION": "hullscan.policy.classify",
    "load_classification": "hullscan.policy.classify",
    "load_policy": "hullscan.policy.config",
    "evaluate_gate": "hullscan.policy.gate",
    "DEFAULT_IGNORE_FILES": "hullscan.policy.ignorefile",
    "load_ignorefile": "hullscan.policy.ignorefile",
    "parse_duration": "hullscan.policy.values",
    "load_vex": "hullscan.policy.vex",
    **dict.fromkeys(
        (
            "DEFAULT_POLICY_FILE",
            "AssessedFinding",
            "Assessment",
            "Classification",
            "Exclusion",
            "ExpiredExclusion",
            "FirstSeenFrom",
            "Gate",
            "Policy",
            "SeverityClass",
            "Suppression",
            "SuppressionKind",
            "TargetAssessment",
            "Trigger",
            "TriggerKind",
            "VexStatement",
        ),
        _INTERFACE,
    ),
}
__getattr__ = lazy_attributes(__name__, _EXPORTS)
