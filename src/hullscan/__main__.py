"""`python -m hullscan`."""

from hullscan.cli import entry

entry()
