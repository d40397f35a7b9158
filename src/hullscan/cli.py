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
from typing import NoReturn

from hullscan import __version__
from hullscan.errors import HullscanError, UsageError
from hullscan.image.interface import Platform
from hullscan.inventory.interface import AnalyzerOptions
from hullscan.pipeline import InventoryOptions, InventoryResult, inventory_rootfs, inventory_target

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
        "--max-archive-memory",
        type=int,
        default=AnalyzerOptions().max_archive_memory,
        metavar="BYTES",
        help="archives (jars) larger than this are spooled to a temp file",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hullscan", description="Container-image vulnerability scanner.")
    parser.add_argument("--version", action="version", version=f"hullscan {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    image = commands.add_parser("image", help="scan an image (archive, OCI layout, registry)")
    image.add_argument("target", metavar="TARGET", help="file, OCI layout dir or reference")
    _add_target_args(image, image=True)
    _add_common(image)
    image.set_defaults(handler=_cmd_scan, is_rootfs=False)

    rootfs = commands.add_parser("rootfs", help="scan an unpacked filesystem")
    rootfs.add_argument("target", metavar="DIR", help="root directory of the filesystem")
    _add_target_args(rootfs, image=False)
    _add_common(rootfs)
    rootfs.set_defaults(handler=_cmd_scan, is_rootfs=True)

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
    return InventoryOptions(
        image=getattr(args, "image", None),
        platform=getattr(args, "platform", None),
        cache_dir=getattr(args, "cache_dir", None),
        use_cache=not getattr(args, "no_cache", False),
        progress=not args.quiet,
        analyzer_options=AnalyzerOptions(max_archive_memory=args.max_archive_memory),
    )


def run_inventory(args: argparse.Namespace) -> InventoryResult:
    options = inventory_options(args)
    if args.is_rootfs:
        return inventory_rootfs(Path(args.target), options)
    return inventory_target(args.target, options)


def _cmd_scan(args: argparse.Namespace) -> int:
    result = run_inventory(args)
    for warning in result.inventory.warnings:
        log.warning("%s", warning)
    for package in result.inventory.packages:
        sys.stdout.write(f"{package.type.value}\t{package.name}\t{package.version}\n")
    return EXIT_OK


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
        with _deadline(getattr(args, "timeout", None)):
            return int(args.handler(args))
    except HullscanError as err:
        sys.stderr.write(f"hullscan: error: {err}\n")
        return err.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("hullscan: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as err:
        return _internal_error(err)


def entry() -> NoReturn:
    """The console script."""
    sys.exit(main())
