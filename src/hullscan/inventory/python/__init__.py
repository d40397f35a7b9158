"""Python packages: installed distributions and the lock files of Python projects.

Two analyzers, because the two kinds of file differ in size and in what they mean: installed
metadata is small and says what is on disk; lock files can be large and say what a project
pins (reported as their own targets, ``found_in`` being the lock file).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO

from hullscan.inventory.interface import Analyzer, AnalyzerOptions, FileMeta, FileResult, Package
from hullscan.inventory.python.installed import InstalledPythonAnalyzer

__all__ = ["ANALYZERS", "InstalledPythonAnalyzer", "PythonLockAnalyzer"]

_Parser = Callable[[str, bytes], list[Package]]


# The lock and requirements parsers (and the TOML reader) are imported with the first file
# they parse: most images hold none of these files.


def _pipfile(path: str, data: bytes) -> list[Package]:
    from hullscan.inventory.python.locks import parse_pipfile_lock

    return parse_pipfile_lock(path, json.loads(data))


def _poetry(path: str, data: bytes) -> list[Package]:
    import tomllib

    from hullscan.inventory.python.locks import parse_poetry_lock

    return parse_poetry_lock(path, tomllib.loads(data.decode("utf-8")))


def _uv(path: str, data: bytes) -> list[Package]:
    import tomllib

    from hullscan.inventory.python.locks import parse_uv_lock

    return parse_uv_lock(path, tomllib.loads(data.decode("utf-8")))


_LOCK_PARSERS: dict[str, _Parser] = {
    "Pipfile.lock": _pipfile,
    "poetry.lock": _poetry,
    "uv.lock": _uv,
}
_REQUIREMENTS = "requirements.txt"
_SUFFIXES = (*_LOCK_PARSERS, _REQUIREMENTS)
# json, tomllib and UTF-8 decoding errors are all ValueErrors; deep nesting is a RecursionError
_ERRORS = (ValueError, RecursionError)


class PythonLockAnalyzer(Analyzer):
    """``requirements.txt``, ``Pipfile.lock``, ``poetry.lock`` and ``uv.lock``, anywhere."""

    name = "python-lock"
    file_names = frozenset(_SUFFIXES)
    version = 1
    max_size = 64 * 1024 * 1024

    def wants(self, path: str, meta: FileMeta) -> bool:
        if not path.endswith(_SUFFIXES):
            return False
        base = path.rpartition("/")[2]
        return base == _REQUIREMENTS or base in _LOCK_PARSERS

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        data = body.read()  # the layer walk holds bodies to max_size
        base = path.rpartition("/")[2]
        if base == _REQUIREMENTS:
            from hullscan.inventory.python.requirements import (
                MIN_VERSION_OPTION,
                decode_requirements,
                parse_requirements,
            )

            use_min = options.extra.get(MIN_VERSION_OPTION, "").lower() in ("1", "true", "yes")
            result = parse_requirements(path, decode_requirements(data), use_min)
        else:
            try:
                result = FileResult(packages=tuple(_LOCK_PARSERS[base](path, data)))
            except _ERRORS as err:
                return FileResult(warnings=(f"{path}: not a valid {base} ({err})",))
        if not options.include_dev:
            result = FileResult(packages=tuple(p for p in result.packages if not p.dev))
        return result


ANALYZERS: list[Analyzer] = [InstalledPythonAnalyzer(), PythonLockAnalyzer()]
