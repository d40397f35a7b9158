"""The `hullscan` command line: parse, run one pipeline, map the outcome to an exit code.

stdout carries only the report; logs, progress and summaries go to stderr. Exit codes follow
the contract in docs/exit-codes.md: 0 clean, 1 (or ``--exit-code N``) when findings fail the
policy, 2 for usage and input errors (one line, no traceback), 3 for a bug (one line plus the
path of a log holding the traceback).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from hullscan import __version__
from hullscan.errors import HullscanError, InventoryError, UsageError
from hullscan.image.cache import LayerCache
from hullscan.image.interface import ImageSource, Platform
from hullscan.image.registry import add_registry_args, registry_options_from_args
from hullscan.inventory.interface import AnalyzerKind, AnalyzerOptions
from hullscan.match.interface import ScanResult
from hullscan.pipeline import InventoryOptions, InventoryResult, inventory_rootfs, inventory_target
from hullscan.report.interface import Inventory
from hullscan.report.stage import (
    add_policy_and_report_args,
    add_sbom_args,
    check_policy_and_report_args,
    run_policy_and_reports,
    run_sbom_report,
)
from hullscan.vulndb.cli import add_db_commands

if TYPE_CHECKING:
    from hullscan.match.matcher import Matcher
    from hullscan.policy.interface import Policy

log = logging.getLogger("hullscan")

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(EXIT_USAGE)


def parse_duration(text: str) -> float:
    """``90s``, ``30m``, ``1h30m`` or plain seconds, as seconds."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0}
    total, number = 0.0, ""
    for char in text.strip():
        if char.isdigit() or char == ".":
            number += char
        elif char in units and number:
            total += float(number) * units[char]
            number = ""
        else:
            raise argparse.ArgumentTypeError(f"invalid duration {text!r} (e.g. 90s, 30m, 1h)")
    if number:
        total += float(number)
    if total <= 0:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r}: must be positive")
    return total


def _platform(text: str) -> Platform:
    try:
        return Platform.parse(text)
    except UsageError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def _kinds(text: str) -> frozenset[AnalyzerKind]:
    try:
        kinds = frozenset(AnalyzerKind(part.strip()) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid package types {text!r}; expected os, library or os,library"
        ) from None
    if not kinds:
        raise argparse.ArgumentTypeError("--pkg-types needs at least one of os, library")
    return kinds


def _add_common(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output verbosity")
    group.add_argument("-q", "--quiet", action="store_true", help="only errors on stderr")
    group.add_argument(
        "-v", "--verbose", action="count", default=0, help="more on stderr (-vv for debug)"
    )


def _add_target_args(parser: argparse.ArgumentParser, image: bool) -> None:
    group = parser.add_argument_group("target")
    if image:
        group.add_argument("--image", metavar="NAME", help="pick an image from a multi-image file")
        group.add_argument(
            "--platform", type=_platform, metavar="OS/ARCH[/VARIANT]", help="pick from an index"
        )
        group.add_argument("--cache-dir", type=Path, metavar="DIR", help="layer cache directory")
        group.add_argument("--no-cache", action="store_true", help="read every layer afresh")
    group.add_argument(
        "--timeout", type=parse_duration, metavar="DURATION", help="overall limit (30m, 90s)"
    )
    group.add_argument("--offline", action="store_true", help="never touch the network")
    group.add_argument(
        "--pkg-types",
        type=_kinds,
        default=frozenset(AnalyzerKind),
        metavar="LIST",
        help="package kinds to inventory: os, library, or os,library (default)",
    )
    group.add_argument(
        "--max-archive-memory",
        type=int,
        default=AnalyzerOptions().max_archive_memory,
        metavar="BYTES",
        help="archives (jars) larger than this are spooled to a temp file",
    )


def _add_db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="PATH", help="vulnerability database (default: <cache-dir>/db/hullscan.db)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hullscan", description="Container-image vulnerability scanner.")
    parser.add_argument("--version", action="version", version=f"hullscan {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    image = commands.add_parser("image", help="scan images (archive, OCI layout, registry)")
    image.add_argument(
        "targets", nargs="+", metavar="TARGET", help="file, OCI layout dir or reference"
    )
    _add_target_args(image, image=True)
    _add_db_arg(image)
    add_registry_args(image)
    add_policy_and_report_args(image)
    _add_common(image)
    image.set_defaults(handler=_cmd_scan, is_rootfs=False)

    rootfs = commands.add_parser("rootfs", help="scan unpacked filesystems")
    rootfs.add_argument("targets", nargs="+", metavar="DIR", help="root directory")
    _add_target_args(rootfs, image=False)
    _add_db_arg(rootfs)
    add_policy_and_report_args(rootfs)
    _add_common(rootfs)
    rootfs.set_defaults(handler=_cmd_scan, is_rootfs=True)

    sbom = commands.add_parser("sbom", help="list what an image or directory holds, as an SBOM")
    sbom.add_argument("target", metavar="TARGET", help="file, OCI layout dir, reference or dir")
    _add_target_args(sbom, image=True)
    add_registry_args(sbom)
    add_sbom_args(sbom)
    _add_common(sbom)
    sbom.set_defaults(handler=_cmd_sbom)

    add_db_commands(commands)
    return parser


def _configure_logging(args: argparse.Namespace) -> None:
    """Only the ``hullscan`` logger is configured; everything goes to stderr."""
    level = logging.WARNING
    if getattr(args, "quiet", False):
        level = logging.ERROR
    elif getattr(args, "verbose", 0) >= 2:
        level = logging.DEBUG
    elif getattr(args, "verbose", 0) == 1:
        level = logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False
    # httpx logs full request URLs at INFO; a redirected blob URL can carry a signature.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Abort the run with a clear error once ``--timeout`` has passed."""
    if not seconds:
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise HullscanError(f"scan did not finish within --timeout ({seconds:g}s)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def inventory_options(args: argparse.Namespace) -> InventoryOptions:
    """How to read targets, from the flags; registry access unless ``--offline``."""
    open_remote = None
    if hasattr(args, "username"):
        registry = registry_options_from_args(args)

        def open_remote(reference: str, cache: LayerCache | None) -> ImageSource:
            if args.offline:
                raise UsageError(
                    f"{reference}: not a local file or directory, and --offline forbids "
                    "pulling it from a registry"
                )
            from hullscan.image.registry import open_registry_source  # the HTTP stack, on use

            return open_registry_source(reference, registry, cache)

    return InventoryOptions(
        image=getattr(args, "image", None),
        platform=getattr(args, "platform", None),
        cache_dir=getattr(args, "cache_dir", None),
        use_cache=not getattr(args, "no_cache", False),
        progress=not args.quiet,
        analyzer_options=AnalyzerOptions(max_archive_memory=args.max_archive_memory),
        open_remote=open_remote,
        kinds=args.pkg_types,
    )


def run_inventory(target: str, is_rootfs: bool, options: InventoryOptions) -> InventoryResult:
    """The inventory stage for one target.

    A damaged OS package database ends the command (exit 2): what it lists may be a part of
    what is installed, and a report built on it would pass an image that carries more.
    """
    if is_rootfs:
        result = inventory_rootfs(Path(target), options)
    else:
        result = inventory_target(target, options)
    if result.inventory.damaged:
        raise InventoryError(
            f"{target}: {result.inventory.damaged[0]}; the installed packages cannot be "
            "listed in full, so nothing is reported"
        )
    return result


def _log_warnings(target: str, result: InventoryResult) -> None:
    for warning in result.inventory.warnings:
        log.warning("%s: %s", target, warning)


def _scan_one(
    target: str, args: argparse.Namespace, options: InventoryOptions, matcher: Matcher
) -> ScanResult:
    """Inventory, then match: one target's unjudged scan result."""
    result = run_inventory(target, args.is_rootfs, options)
    _log_warnings(target, result)
    log.info(
        "%s: %d packages (%d layers read, %d from cache)",
        target,
        len(result.inventory.packages),
        result.layers_read,
        result.layers_cached,
    )
    findings = matcher.match(result.inventory.packages)
    return ScanResult(
        target=target,
        packages=result.inventory.packages,
        findings=tuple(findings),
        image=result.image,
        os=result.inventory.os,
        warnings=result.inventory.warnings,
        database=matcher.db.info(),
    )


def _cmd_scan(args: argparse.Namespace) -> int:
    policy: Policy = check_policy_and_report_args(args)
    if args.timeout is None and policy.timeout is not None:
        args.timeout = policy.timeout.total_seconds()
    options = inventory_options(args)
    # The matcher and the database are imported here: `hullscan sbom` needs neither.
    from hullscan.match.matcher import Matcher
    from hullscan.vulndb import VulnDB
    from hullscan.vulndb.paths import resolve_db_path

    with (
        _deadline(args.timeout),
        VulnDB(resolve_db_path(args.db, getattr(args, "cache_dir", None))) as db,
    ):
        matcher = Matcher(db)
        results = [_scan_one(target, args, options, matcher) for target in args.targets]
    return run_policy_and_reports(args, results, policy=policy)


def _cmd_sbom(args: argparse.Namespace) -> int:
    options = inventory_options(args)
    path = Path(args.target)
    with _deadline(args.timeout):
        result = run_inventory(
            args.target, path.is_dir() and not (path / "index.json").exists(), options
        )
    _log_warnings(args.target, result)
    inventory = Inventory(
        args.target, result.inventory.packages, result.inventory.os, result.image
    )
    return run_sbom_report(args, inventory)


def _internal_error(err: BaseException) -> int:
    fd, path = tempfile.mkstemp(prefix="hullscan-crash-", suffix=".log")
    with os.fdopen(fd, "w") as fh:
        fh.write("".join(traceback.format_exception(err)))
    sys.stderr.write(
        f"hullscan: internal error: {type(err).__name__}: {err} (traceback in {path})\n"
    )
    return EXIT_INTERNAL


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    _configure_logging(args)
    try:
        return int(args.handler(args))
    except HullscanError as err:
        sys.stderr.write(f"hullscan: error: {err}\n")
        return err.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("hullscan: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as err:
        # A file the user named (or one inside it) that the system refused: an input error.
        where = f"{err.filename}: " if err.filename else ""
        sys.stderr.write(f"hullscan: error: {where}{err.strerror or err}\n")
        return EXIT_USAGE
    except Exception as err:
        return _internal_error(err)


def entry() -> NoReturn:
    """The console script."""
    sys.exit(main())
