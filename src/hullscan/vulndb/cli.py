"""``hullscan db build|update|status``: argparse wiring over the library functions.

`add_db_commands` registers the ``db`` command on the main parser's subparsers; each
subcommand stores its handler as ``handler``, which takes the parsed namespace and returns
the exit code. Errors are raised as `HullscanError` for the main CLI to print on one line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import timedelta
from typing import Any

from hullscan.errors import UsageError
from hullscan.vulndb.paths import DEFAULT_MAX_AGE, DEFAULT_OSV_URL, resolve_db_path

#: Where ``db update`` fetches from when ``--from`` is not given.
UPDATE_URL_ENV = "HULLSCAN_DB_URL"
USERNAME_ENV = "HULLSCAN_DB_USERNAME"
PASSWORD_ENV = "HULLSCAN_DB_PASSWORD"  # noqa: S105 - the variable's name, not a secret


def _common() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument(
        "--db", metavar="PATH", help="database file (default: <cache>/db/hullscan.db)"
    )
    parser.add_argument("--cache-dir", metavar="DIR", help="cache folder (default: XDG cache)")
    parser.add_argument("--offline", action="store_true", help="never use the network")
    return parser


def add_db_commands(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``db`` and its subcommands on ``subparsers`` (from ``add_subparsers``)."""
    db: argparse.ArgumentParser = subparsers.add_parser(
        "db", help="build, update or inspect the vulnerability database"
    )
    commands = db.add_subparsers(dest="db_command", metavar="COMMAND", required=True)
    common = _common()

    build = commands.add_parser("build", parents=[common], help="build from advisory data")
    build.add_argument(
        "--from",
        dest="source",
        default=DEFAULT_OSV_URL,
        metavar="DIR|URL",
        help="folder laid out like the OSV bucket, or its base URL (default: the OSV bucket)",
    )
    for kind, what in (
        ("nvd", "NVD CVE API 2.0 JSON"),
        ("kev", "CISA KEV JSON"),
        ("epss", "EPSS CSV"),
    ):
        build.add_argument(
            f"--{kind}", action="append", default=[], metavar="PATH|URL", help=f"add a {what} file"
        )
    build.add_argument(
        "--ecosystem",
        action="append",
        default=[],
        help="OSV ecosystem to fetch from a URL (repeatable; default: all hullscan matches)",
    )
    build.set_defaults(handler=run_build)

    update = commands.add_parser("update", parents=[common], help="install a prebuilt database")
    update.add_argument(
        "--from",
        dest="source",
        default=os.environ.get(UPDATE_URL_ENV, ""),
        metavar="URL|oci://REF|PATH",
        help=f"database file or OCI artifact (default: ${UPDATE_URL_ENV})",
    )
    update.add_argument("--sha256", help="expected sha256 (default: <URL>.sha256 or OCI digest)")
    update.add_argument("--username", default=os.environ.get(USERNAME_ENV))
    update.add_argument(
        "--password", default=os.environ.get(PASSWORD_ENV), help=f"or ${PASSWORD_ENV}"
    )
    update.add_argument("--plain-http", action="store_true", help="OCI registry over plain HTTP")
    update.set_defaults(handler=run_update)

    status = commands.add_parser("status", parents=[common], help="show age, sources and counts")
    status.add_argument(
        "--max-age",
        type=float,
        default=DEFAULT_MAX_AGE.total_seconds() / 3600,
        metavar="HOURS",
        help="warn when the database is older (default: %(default)s)",
    )
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=run_status)
    return db


def run_build(args: argparse.Namespace) -> int:
    # The builder and the updater bring the HTTP stack; a scan never imports them.
    from hullscan.vulndb.build import build_database
    from hullscan.vulndb.sources import DEFAULT_ECOSYSTEMS

    result = build_database(
        args.source,
        resolve_db_path(args.db, args.cache_dir),
        nvd=tuple(args.nvd),
        kev=tuple(args.kev),
        epss=tuple(args.epss),
        ecosystems=tuple(args.ecosystem) or DEFAULT_ECOSYSTEMS,
        offline=args.offline,
    )
    out = sys.stdout
    out.write(
        f"built {result.path} in {result.seconds:.1f}s "
        f"({result.advisories_per_second:.0f} advisories/s, {result.size_bytes / 1e6:.1f} MB)\n"
    )
    out.write(
        f"  {result.advisories_imported} advisories imported of {result.advisories_read} read; "
        f"skipped: {result.withdrawn} withdrawn, {result.malformed} malformed, "
        f"{result.unusable} without version ranges\n"
    )
    for reason, count in result.skip_reasons:
        out.write(f"    {count:6d}  {reason}\n")
    for source in result.sources:
        out.write(f"  {source.name}: {source.records} ({source.date or 'no date'})\n")
    return 0


def run_update(args: argparse.Namespace) -> int:
    if not args.source:
        raise UsageError(f"db update: give --from URL|oci://REF|PATH or set ${UPDATE_URL_ENV}")
    from hullscan.vulndb.update import update_database

    result = update_database(
        args.source,
        resolve_db_path(args.db, args.cache_dir),
        sha256=args.sha256,
        offline=args.offline,
        username=args.username,
        password=args.password,
        plain_http=True if args.plain_http else None,
    )
    sys.stdout.write(
        f"installed {result.path} (built {result.built_at or 'at an unknown time'}, "
        f"sha256 {result.sha256[:12]}, {result.size_bytes / 1e6:.1f} MB)\n"
    )
    return 0


def run_status(args: argparse.Namespace) -> int:
    from hullscan.vulndb.status import database_status, format_age  # the store, on use

    result = database_status(
        resolve_db_path(args.db, args.cache_dir), max_age=timedelta(hours=args.max_age)
    )
    if args.json:
        data = {
            "path": str(result.path),
            "schema_version": result.schema_version,
            "built_at": result.built_at,
            "age_seconds": result.age.total_seconds() if result.age else None,
            "stale": result.stale,
            "size_bytes": result.size_bytes,
            "records": result.records,
            "vulnerabilities": result.vulnerabilities,
            "cves": result.cves,
            "sources": [
                {"name": s.name, "date": s.date, "location": s.location, "records": s.records}
                for s in result.sources
            ],
            "ecosystems": dict(result.ecosystems),
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        age = format_age(result.age) if result.age else "unknown"
        sys.stdout.write(
            f"{result.path}: schema {result.schema_version}, built {result.built_at} ({age} ago), "
            f"{result.size_bytes / 1e6:.1f} MB\n"
            f"  {result.records} advisories, {result.vulnerabilities} vulnerabilities, "
            f"{result.cves} CVEs with NVD/KEV/EPSS data\n"
        )
        for source in result.sources:
            sys.stdout.write(f"  {source.name}: {source.records} ({source.date or 'no date'})\n")
    if result.warning:
        sys.stderr.write(f"warning: {result.warning}\n")
    return 0
