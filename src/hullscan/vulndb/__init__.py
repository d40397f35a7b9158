"""The vulnerability database: built from OSV, NVD, KEV and EPSS data into one SQLite file.

`build_database` writes it (``hullscan db build``), `update_database` fetches a prebuilt one
(``hullscan db update``), `database_status` describes it (``hullscan db status``) and
`VulnDB` opens it read-only for the matcher. The names are imported on first use: a scan
reads the database but never needs the builder's HTTP stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hullscan._lazy import lazy_attributes

if TYPE_CHECKING:
    from hullscan.vulndb.build import BuildResult, build_database
    from hullscan.vulndb.store import SCHEMA_VERSION, SourceSummary, VulnDB

__all__ = ["SCHEMA_VERSION", "BuildResult", "SourceSummary", "VulnDB", "build_database"]

__getattr__ = lazy_attributes(
    __name__,
    {
        "BuildResult": "hullscan.vulndb.build",
        "build_database": "hullscan.vulndb.build",
        "SCHEMA_VERSION": "hullscan.vulndb.store",
        "SourceSummary": "hullscan.vulndb.store",
        "VulnDB": "hullscan.vulndb.store",
    },
)
