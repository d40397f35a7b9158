"""Pulling images from registries without a Docker daemon.

`open_registry_source` turns a reference (``nginx``, ``host:port/repo:tag``,
``repo@sha256:…``) into an `ImageSource` that speaks the Distribution API directly: bearer
and Basic auth, Docker's credential stores, mirrors, retries and one overall deadline. The
names are imported on first use, so a scan of a local archive never loads the HTTP client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hullscan._lazy import lazy_attributes

if TYPE_CHECKING:
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

__getattr__ = lazy_attributes(
    __name__,
    {
        "RegistryOptions": "hullscan.image.registry.options",
        "add_registry_args": "hullscan.image.registry.options",
        "registry_options_from_args": "hullscan.image.registry.options",
        "Reference": "hullscan.image.registry.reference",
        "parse_reference": "hullscan.image.registry.reference",
        "RegistrySource": "hullscan.image.registry.source",
        "open_registry_source": "hullscan.image.registry.source",
    },
)
