"""Where the database lives by default, ``<cache>/db/hullscan.db``, and where it is built from.

The cache folder is ``--cache-dir`` if given, else ``$XDG_CACHE_HOME/hullscan``, else
``~/.cache/hullscan``, as the XDG base-directory spec says for data that can be rebuilt.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

DB_FILE = "hullscan.db"
#: Where ``db build`` reads OSV data when ``--from`` names no folder or mirror.
DEFAULT_OSV_URL = "https://osv-vulnerabilities.storage.googleapis.com"
#: Past this age `database_status` warns, as Grype does by default.
DEFAULT_MAX_AGE = timedelta(hours=120)


def cache_dir(explicit: str | Path | None = None) -> Path:
    """The hullscan cache folder (not created here)."""
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "hullscan"


def default_db_path(explicit_cache_dir: str | Path | None = None) -> Path:
    """The database path used when ``--db`` is not given."""
    return cache_dir(explicit_cache_dir) / "db" / DB_FILE


def resolve_db_path(db: str | Path | None, explicit_cache_dir: str | Path | None = None) -> Path:
    """``--db`` if given, else the default under the cache folder."""
    return Path(db).expanduser() if db else default_db_path(explicit_cache_dir)
