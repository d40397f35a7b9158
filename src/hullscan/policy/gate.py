"""The CI gate: which exit code the findings left after the policy produce.

Two habits are kept: Trivy's ``--exit-code N`` (exit N when any finding remains) and Grype's
``--fail-on SEVERITY`` (exit 1 when a finding at or above SEVERITY remains). Given together,
``--fail-on`` sets the threshold and ``--exit-code`` the code, so ``--fail-on HIGH
--exit-code 4`` exits 4 on a HIGH finding and 0 on MEDIUM ones. docs/exit-codes.md has the
table; 2 and 3 (input and internal errors) are raised as exceptions, never returned here.
"""

from __future__ import annotations

from collections.abc import Sequence

from hullscan.match.interface import Severity
from hullscan.policy.interface import Gate, TargetAssessment


def evaluate_gate(
    targets: Sequence[TargetAssessment], fail_on: Severity | None, exit_code: int | None
) -> Gate:
    """The exit code and reason for these targets under ``fail_on`` and ``exit_code``."""
    remaining = [f for t in targets for f in t.findings]
    if fail_on is not None:
        failing = [f for f in remaining if f.severity.rank >= fail_on.rank]
        if not failing:
            return Gate()
        code = exit_code if exit_code else 1
        return Gate(code, f"{len(failing)} finding(s) at or above {fail_on}", len(failing))
    if exit_code and remaining:
        return Gate(
            exit_code, f"{len(remaining)} finding(s) remain after the policy", len(remaining)
        )
    return Gate()
