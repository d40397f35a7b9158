"""The policy stage: scan policy, ignore files, VEX, severity classes, due dates and the gate.

Scan results go in, an `Assessment` comes out; `hullscan.report` renders it. Names load on
first use (`hullscan._lazy`): a report writer needs the policy's types, not its YAML reader.
"""

from typing import TYPE_CHECKING

from hullscan._lazy import lazy_attributes

if TYPE_CHECKING:
    from hullscan.policy.apply import (
        FirstSeen as FirstSeen,
    )
    from hullscan.policy.apply import (
        assess as assess,
    )
    from hullscan.policy.classify import (
        DEFAULT_CLASSIFICATION as DEFAULT_CLASSIFICATION,
    )
    from hullscan.policy.classify import (
        load_classification as load_classification,
    )
    from hullscan.policy.config import (
        load_policy as load_policy,
    )
    from hullscan.policy.gate import (
        evaluate_gate as evaluate_gate,
    )
    from hullscan.policy.ignorefile import (
        DEFAULT_IGNORE_FILES as DEFAULT_IGNORE_FILES,
    )
    from hullscan.policy.ignorefile import (
        load_ignorefile as load_ignorefile,
    )
    from hullscan.policy.interface import (
        DEFAULT_POLICY_FILE as DEFAULT_POLICY_FILE,
    )
    from hullscan.policy.interface import (
        AssessedFinding as AssessedFinding,
    )
    from hullscan.policy.interface import (
        Assessment as Assessment,
    )
    from hullscan.policy.interface import (
        Classification as Classification,
    )
    from hullscan.policy.interface import (
        Exclusion as Exclusion,
    )
    from hullscan.policy.interface import (
        ExpiredExclusion as ExpiredExclusion,
    )
    from hullscan.policy.interface import (
        FirstSeenFrom as FirstSeenFrom,
    )
    from hullscan.policy.interface import (
        Gate as Gate,
    )
    from hullscan.policy.interface import (
        Policy as Policy,
    )
    from hullscan.policy.interface import (
        SeverityClass as SeverityClass,
    )
    from hullscan.policy.interface import (
        Suppression as Suppression,
    )
    from hullscan.policy.interface import (
        SuppressionKind as SuppressionKind,
    )
    from hullscan.policy.interface import (
        TargetAssessment as TargetAssessment,
    )
    from hullscan.policy.interface import (
        Trigger as Trigger,
    )
    from hullscan.policy.interface import (
        TriggerKind as TriggerKind,
    )
    from hullscan.policy.interface import (
        VexStatement as VexStatement,
    )
    from hullscan.policy.values import (
        parse_duration as parse_duration,
    )
    from hullscan.policy.vex import (
        load_vex as load_vex,
    )

# Each public name and the module it comes from; imported on first use.
_FROM = {
    "hullscan.policy.apply": ("FirstSeen", "assess"),
    "hullscan.policy.classify": ("DEFAULT_CLASSIFICATION", "load_classification"),
    "hullscan.policy.config": ("load_policy",),
    "hullscan.policy.gate": ("evaluate_gate",),
    "hullscan.policy.ignorefile": ("DEFAULT_IGNORE_FILES", "load_ignorefile"),
    "hullscan.policy.interface": (
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
    "hullscan.policy.values": ("parse_duration",),
    "hullscan.policy.vex": ("load_vex",),
}
__getattr__ = lazy_attributes(
    __name__, {name: module for module, names in _FROM.items() for name in names}
)
__all__ = [name for names in _FROM.values() for name in names]
