"""One uncached inventory of one image, for instruction and page-fault counts.

Wall time on a shared 2-core VM moves by 5 to 10 % between runs; instruction counts do not.
Run it under callgrind (or ``/usr/bin/time -f %R`` for minor page faults) once with the OS
analyzers alone and once with all of them:

    valgrind --tool=callgrind python bench/inventory_once.py IMAGE [NAME] os|all
"""

from __future__ import annotations

import sys

from hullscan.inventory import all_analyzers
from hullscan.inventory.interface import AnalyzerKind
from hullscan.pipeline import InventoryOptions, inventory_target


def main() -> None:
    target, *rest = sys.argv[1:]
    which = rest.pop()
    image = rest[0] if rest else None
    kinds = frozenset({AnalyzerKind.OS}) if which == "os" else frozenset(AnalyzerKind)
    all_analyzers()  # the analyzer modules' import is start-up, not scan
    inventory_target(target, InventoryOptions(use_cache=False, kinds=kinds, image=image))


if __name__ == "__main__":
    main()
