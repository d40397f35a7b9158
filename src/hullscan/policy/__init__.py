"""The policy stage: scan policy, ignore files, VEX, severity classes, due dates and the gate.

Scan results go in, an `Assessment` comes out; `hullscan.report` renders it.
"""

from hullscan.policy.apply import FirstSeen, assess
from hullscan.policy.classify import DEFAULT_CLASSIFICATION, load_classification
from hullscan.policy.config import DEFAULT_POLICY_FILE, load_policy
from hullscan.policy.gate import evaluate_gate
from hullscan.policy.ignorefile import DEFAULT_IGNORE_FILES, load_ignorefile
from hullscan.policy.interface import (
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
from hullscan.policy.nodes import parse_duration
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
