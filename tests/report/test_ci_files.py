"""The CI pipelines parse, and every flag they pass is one hullscan accepts."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import yaml

from hullscan.cli import build_parser
from hullscan.report import add_policy_and_report_args

ROOT = Path(__file__).resolve().parents[2]
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z-]+)")


def _image_options() -> set[str]:
    """Options of ``hullscan image``: the CLI's own plus the policy and report ones."""
    options: set[str] = set()
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            options.update(o for a in action.choices["image"]._actions for o in a.option_strings)
    mine = argparse.ArgumentParser()
    add_policy_and_report_args(mine)
    options.update(o for a in mine._actions for o in a.option_strings)
    return options


def _hullscan_lines(text: str) -> str:
    """The shell text that builds hullscan's command line (not pip's or git's)."""
    keep = [
        line
        for line in text.splitlines()
        if "hullscan" in line
        or "args+=" in line
        or "set --" in line
        or line.strip().startswith("--")
    ]
    return "\n".join(k for k in keep if "pip install" not in k)


def test_action_is_a_composite_action_using_real_flags() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"image", "fail-on", "exit-code", "vex", "sarif-file"}
    steps = {step.get("name", step.get("uses", "")): step for step in action["runs"]["steps"]}
    assert steps["Upload SARIF to code scanning"]["uses"].startswith(
        "github/codeql-action/upload-sarif@"
    )
    names = list(steps)
    assert names.index("Upload SARIF to code scanning") < names.index("Gate")
    flags = set(FLAG.findall(_hullscan_lines(steps["Scan"]["run"])))
    assert flags and flags <= _image_options(), flags - _image_options()


def test_gitlab_template_publishes_the_report_and_uses_real_flags() -> None:
    template = yaml.safe_load((ROOT / "ci" / "gitlab" / "hullscan.gitlab-ci.yml").read_text())
    job = template["hullscan_container_scanning"]
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["container_scanning"] == "$HULLSCAN_REPORT"
    script = "\n".join(job["script"])
    assert "--format gitlab" in script
    flags = set(FLAG.findall(_hullscan_lines(script)))
    assert flags and flags <= _image_options(), flags - _image_options()


def test_jenkinsfile_archives_junit_and_json_with_real_flags() -> None:
    text = (ROOT / "ci" / "jenkins" / "Jenkinsfile").read_text()
    assert "junit testResults: 'hullscan-junit.xml'" in text
    assert "archiveArtifacts artifacts: 'hullscan-report.json, hullscan-junit.xml'" in text
    assert "--format json" in text and "--format junit" in text
    flags = set(FLAG.findall(_hullscan_lines(text)))
    assert flags and flags <= _image_options(), flags - _image_options()
