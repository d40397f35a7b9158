"""Small OSV records and zips written by tests."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any


def record(rid: str, *affected: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": rid, "modified": "2024-01-02T00:00:00Z", "affected": list(affected), **extra}


def affected(ecosystem: str, name: str, *events: dict[str, str], **extra: Any) -> dict[str, Any]:
    ranges = [{"type": "ECOSYSTEM", "events": list(events)}] if events else []
    return {"package": {"ecosystem": ecosystem, "name": name}, "ranges": ranges, **extra}


def write_zip(path: Path, records: list[dict[str, Any] | bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, rec in enumerate(records):
            body = rec if isinstance(rec, bytes) else json.dumps(rec).encode()
            zf.writestr(f"{i:04d}.json", body)
