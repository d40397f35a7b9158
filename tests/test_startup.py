"""A scan of a local archive must not import what only other commands and formats need.

Start-up is most of a cached rescan, so the heavy dependencies load on first use: the HTTP
client (registry pulls, database downloads), the SBOM libraries (CycloneDX, SPDX), the cron
parser (a policy that schedules scans), the YAML reader (a policy file), and for `sbom` the
matcher and the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("httpx", "cyclonedx", "spdx_tools", "jinja2", "rich.progress", "croniter")


def _imported_after(statement: str) -> set[str]:
    code = f"{statement}\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_cli_start_up_leaves_heavy_modules_unloaded() -> None:
    loaded = _imported_after("import hullscan.cli")
    assert sorted(m for m in HEAVY if m in loaded) == []


def test_lazy_names_still_resolve() -> None:
    loaded = _imported_after(
        "from hullscan.image.registry import open_registry_source\n"
        "from hullscan.vulndb import build_database, SourceSummary"
    )
    assert "httpx" in loaded


def test_analyzers_load_their_parsers_with_their_first_file() -> None:
    """Loading every analyzer (a cold scan does) imports no file-format library: each comes
    with the first file that needs it, and most images need few of them."""
    loaded = _imported_after("from hullscan.inventory import all_analyzers\nall_analyzers()")
    parsers = ("yaml", "email.parser", "zipfile", "tomllib", "packaging.utils", "defusedxml")
    assert sorted(m for m in parsers if m in loaded) == []


def _command_imports(args: list[str], cwd: Path) -> set[str]:
    code = (
        "import sys\n"
        "from hullscan.cli import main\n"
        f"code = main({args!r})\n"
        "print('\\n'.join(sys.modules))\n"
        "sys.exit(code)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, check=True
    )
    return set(out.stdout.split())


def test_sbom_imports_neither_matcher_nor_policy(images_dir: Path, tmp_path: Path) -> None:
    image = str(images_dir / "alpine-3.18.9.docker.tar")
    args = ["sbom", image, "--cache-dir", str(tmp_path), "-f", "json", "-o", os.devnull]
    loaded = _command_imports(args, tmp_path)
    unwanted = ("hullscan.match.matcher", "hullscan.policy.apply", "hullscan.vulndb.store")
    assert sorted(m for m in (*unwanted, "yaml", "msgspec") if m in loaded) == []


def test_scan_without_a_policy_file_needs_no_yaml(
    images_dir: Path, vulndb_path: Path, tmp_path: Path
) -> None:
    image = str(images_dir / "alpine-3.18.9.docker.tar")
    args = ["image", image, "--db", str(vulndb_path), "--offline", "--cache-dir", str(tmp_path)]
    loaded = _command_imports([*args, "-f", "json", "-o", os.devnull], tmp_path)
    assert "hullscan.match.matcher" in loaded and "yaml" not in loaded
