"""Package attributes imported on first use (PEP 562).

A warm rescan is mostly interpreter start-up, so the command line must not pay for what a run
does not use: the HTTP stack for a local archive, SBOM libraries for a table. A package lists
its public names and the module each comes from; a name is imported when first asked for.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable


def lazy_attributes(package: str, exports: dict[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package`` that imports ``exports[name]`` on first use."""

    def __getattr__(name: str) -> object:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
