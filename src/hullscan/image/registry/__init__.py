"""Pulling images from registries without a Docker daemon.

`open_registry_source` turns a reference (``nginx``, ``host:port/repo:tag``,
``repo@sha256:…``) into an `ImageSource` that speaks the Distribution API directly: bearer
and Basic auth, Docker's credential stores, mirrors, retries and one overall deadline.
"""

from hullscan.image.registry.options import (
    RegistryOptions,
    add_registry_args,
    registry_options_from_args,
)
from hullscan.image.registry.reference import Reference, parse_reference
from hullscan.image.registry.source import RegistrySource, open_registry_source

__all__ = [
    "Reference",
    "RegistryOptions",
    "RegistrySource",
    "add_registry_args",
    "open_registry_source",
    "parse_reference",
    "registry_options_from_args",
]
