"""A scan of a local archive must not import what only other commands and formats need.

Start-up is most of a cached rescan, so the heavy dependencies load on first use: the HTTP
client (registry pulls, database downloads), the SBOM libraries (CycloneDX, SPDX) and the
cron parser (a policy that schedules scans).
"""

from __future__ import annotations

import subprocess
import sys

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
