"""Header blobs out of rpm's SQLite database (``rpmdb.sqlite``, rpm 4.16+: Fedora 33+, RHEL 9).

The ``Packages`` table holds one header blob per row (``hnum``, ``blob``). SQLite needs a
real file, so the body is copied into a private temporary directory, opened read-only and
immutable (no journal or lock files are created or consulted) and removed afterwards.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from hullscan.errors import InventoryError

__all__ = ["read_sqlite"]


def read_sqlite(body: IO[bytes]) -> Iterator[bytes | InventoryError]:
    """Every header blob, in package-number order; a row without a blob gives an error in
    its place. Raises InventoryError where the database stops being readable, after the rows
    read up to there.

    LIMITATION: rows still in a ``rpmdb.sqlite-wal`` write-ahead log are not seen.
    """
    with tempfile.TemporaryDirectory(prefix="hullscan-rpmdb-") as tmp:
        path = Path(tmp) / "rpmdb.sqlite"
        body.seek(0)
        with path.open("wb") as out:
            shutil.copyfileobj(body, out)
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
            for hnum, blob in conn.execute("SELECT hnum, blob FROM Packages ORDER BY hnum"):
                if isinstance(blob, bytes):
                    yield blob
                else:
                    yield InventoryError(f"package row {hnum} holds no header blob")
        except sqlite3.Error as error:
            raise InventoryError(f"not a readable rpm SQLite database ({error})") from error
        finally:
            if conn is not None:
                conn.close()
