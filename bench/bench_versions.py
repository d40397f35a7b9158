"""Microbenchmark of hullscan.versions: comparisons per second on parsed keys.

The matcher parses each version once (``key_function``) and then compares keys, so the number
that matters is key comparisons per second; parses per second (cache cleared) and cached
``key(ecosystem, version)`` lookups per second are printed too. Versions are synthetic but
shaped like each ecosystem's real ones.

    python bench/bench_versions.py [--n 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from hullscan import versions


def _debian(rng: random.Random) -> str:
    epoch = rng.choice(["", "", "", "1:", "2:"])
    upstream = ".".join(str(rng.randint(0, 40)) for _ in range(rng.randint(2, 4)))
    upstream += rng.choice(["", "", "~rc1", "+dfsg", "+ds1", "~beta2"])
    revision = f"{rng.randint(1, 9)}" + rng.choice(["", "", "+deb12u1", "+b1", "ubuntu0.22.04.1"])
    return f"{epoch}{upstream}-{revision}"


def _alpine(rng: random.Random) -> str:
    base = ".".join(str(rng.randint(0, 30)) for _ in range(rng.randint(2, 4)))
    base += rng.choice(["", "", "", "a", "_rc1", "_p2", "_git20230101", "_alpha3"])
    return f"{base}-r{rng.randint(0, 12)}"


def _pypi(rng: random.Random) -> str:
    base = ".".join(str(rng.randint(0, 30)) for _ in range(rng.randint(2, 3)))
    return base + rng.choice(["", "", "", "rc1", "b2", ".post1", ".dev3", "a1"])


def _npm(rng: random.Random) -> str:
    base = ".".join(str(rng.randint(0, 30)) for _ in range(3))
    return base + rng.choice(["", "", "", "-beta.1", "-rc.2", "-alpha", "-0"])


GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "Debian": _debian,
    "Alpine": _alpine,
    "PyPI": _pypi,
    "npm": _npm,
}


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f}/s"


def bench(ecosystem: str, n: int, rounds: int) -> None:
    rng = random.Random(ecosystem)
    texts = [GENERATORS[ecosystem](rng) for _ in range(n)]
    key_fn = versions.key_function(ecosystem)

    cache_clear = getattr(key_fn, "cache_clear", None)
    if cache_clear is not None:
        cache_clear()
    start = time.perf_counter()
    keys = [key_fn(t) for t in texts]
    parse_s = time.perf_counter() - start

    pairs = [(keys[rng.randrange(n)], keys[rng.randrange(n)]) for _ in range(n * 10)]
    start = time.perf_counter()
    for _ in range(rounds):
        for a, b in pairs:
            _ = a < b
    compare_s = time.perf_counter() - start

    start = time.perf_counter()
    for _ in range(rounds):
        for t in texts:
            versions.key(ecosystem, t)
    lookup_s = time.perf_counter() - start

    print(
        f"{ecosystem:8} compare {_rate(len(pairs) * rounds, compare_s)}"
        f"   parse {_rate(n, parse_s)}   key() cached {_rate(n * rounds, lookup_s)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=2000, help="distinct versions per ecosystem")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the comparison pairs")
    args = parser.parse_args()
    for ecosystem in GENERATORS:
        bench(ecosystem, args.n, args.rounds)


if __name__ == "__main__":
    main()
