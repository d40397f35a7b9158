"""The vulnerability database: built from OSV, NVD, KEV and EPSS data into one SQLite file.

`build_database` writes it (``hullscan db build``), `update_database` fetches a prebuilt one
(``hullscan db update``), `database_status` describes it (``hullscan db status``) and
`VulnDB` opens it read-only for the matcher.
"""

from __future__ import annotations

from hullscan.vulndb.build import BuildResult, SourceSummary, build_database
from hullscan.vulndb.store import SCHEMA_VERSION, VulnDB

__all__ = ["SCHEMA_VERSION", "BuildResult", "SourceSummary", "VulnDB", "build_database"]
