"""The one exception tree of hullscan.

    HullscanError                 any error the user can act on (exit code 2)
    ├── UsageError                a bad flag or option combination
    ├── ImageError                an image that cannot be read: missing, truncated, corrupt
    │   └── DigestMismatchError   a blob whose bytes do not hash to its digest
    ├── RegistryError             a registry that refuses, fails or times out
    ├── InventoryError            a package database that cannot be parsed at all
    ├── VersionError              a version string an ecosystem's rules cannot order
    ├── DatabaseError             a vulnerability database that is missing, corrupt or too new
    └── PolicyError               a policy, ignore or VEX file that is invalid

Every message names the input and, where there is one, says what to do next; the CLI prints
``str(error)`` on one line and exits with ``error.exit_code``.
"""

from __future__ import annotations


class HullscanError(Exception):
    """Base of every error a user can fix; the CLI turns it into one line and exit code 2."""

    exit_code = 2


class UsageError(HullscanError):
    """A command line that cannot be run as given."""


class ImageError(HullscanError):
    """An image source that cannot be read as an image."""


class DigestMismatchError(ImageError):
    """A blob whose content does not match the digest that names it."""


class RegistryError(HullscanError):
    """A registry that refused a request, failed, or did not answer in time."""


class InventoryError(HullscanError):
    """A package database or manifest that cannot be parsed at all."""


class VersionError(HullscanError, ValueError):
    """A version string that an ecosystem's ordering rules cannot parse."""


class DatabaseError(HullscanError):
    """A vulnerability database that is missing, corrupt or of an unknown schema."""


class PolicyError(HullscanError):
    """A policy, ignore or VEX file that is invalid."""
