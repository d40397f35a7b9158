"""The issue's seed scan policy, shared by the tests that load it as written or with their own
exclusions (dates moved so that one is live and one expired on the test's clock)."""

from __future__ import annotations

SEED_HEAD = """\
scan_policy:
  triggers: [{on_push: true}, {on_pr: true}, {scheduled: "0 2 * * *"}]
  severity_levels: [CRITICAL, HIGH]
  ignore_unfixed: true
  timeout: "30m"
"""


def seed_policy(*exclusions: str, extra: str = "") -> str:
    """The seed policy's text: its head, ``extra`` lines, then one line per exclusion."""
    rules = "".join(f"    - {rule}\n" for rule in exclusions)
    return f"{SEED_HEAD}{extra}  exclusions:\n{rules}"


# The seed exactly as the issue writes it.
SEED = seed_policy(
    '{cve: "CVE-2021-12345", reason: "assessed as false positive", expires: "2024-12-31"}',
    '{package: "libssl1.1", reason: "internal patch applied"}',
)
