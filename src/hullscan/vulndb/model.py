"""The stored shapes of the database: what one affected row, record and CVE hold.

Everything the matcher reads per lookup is in `Spec`, kept as a compact msgspec array (no
field names on disk, decoded in C). What only a finding needs (texts, references, CVSS) is in
`RecordDoc` and `CveDoc`, stored zstd-compressed, and read only for records that matched.
"""

from __future__ import annotations

import msgspec
import zstandard

#: Event kinds as stored: one letter each, in the order OSV evaluates them at equal versions.
INTRODUCED = "i"
FIXED = "f"
LAST_AFFECTED = "l"
LIMIT = "m"


class Event(msgspec.Struct, array_like=True, frozen=True):
    """One OSV range event: ``kind`` is one of the letters above, ``version`` its value."""

    kind: str
    version: str


#: One OSV range's events (ECOSYSTEM and SEMVER ranges alike: both are ordered by the
#: package's ecosystem; GIT ranges are not stored).
Range = tuple[Event, ...]


class Spec(
    msgspec.Struct,
    frozen=True,
    omit_defaults=True,
    rename={
        "ranges": "r",
        "versions": "v",
        "npm_range": "n",
        "npm_patched": "p",
        "status": "s",
        "severity": "e",
        "cvss": "c",
    },
):
    """Which versions of one package one record affects (stored with one-letter keys).

    ``npm_range`` is a raw node-semver range for npm records that could not be written as OSV
    ranges (their ``database_specific.vulnerable_versions``), ``npm_patched`` its
    ``patched_versions``. ``status`` is a vendor status word where the record gives one
    (see `hullscan.match.interface.Status`); ``severity`` a per-package vendor severity
    such as Debian's urgency, ``cvss`` the entry's own OSV ``severity`` as (type, vector).
    """

    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()
    npm_range: str = ""
    npm_patched: str = ""
    status: str = ""
    severity: str = ""
    cvss: tuple[tuple[str, str], ...] = ()


class RecordDoc(msgspec.Struct, frozen=True, omit_defaults=True):
    """What a finding shows from one advisory record."""

    summary: str = ""
    details: str = ""
    published: str = ""
    modified: str = ""
    references: tuple[str, ...] = ()
    #: OSV ``severity`` entries as (type, vector), e.g. ("CVSS_V3", "CVSS:3.1/AV:N/...").
    cvss: tuple[tuple[str, str], ...] = ()
    #: A vendor severity word (GHSA ``database_specific.severity``, RustSec, ...).
    severity: str = ""
    cwes: tuple[str, ...] = ()
    url: str = ""


class CvssEntry(msgspec.Struct, array_like=True, frozen=True):
    """One NVD CVSS metric; ``primary`` is NVD's own assessment (else a CNA's)."""

    version: str
    vector: str
    score: float
    source: str
    primary: bool


class CveDoc(msgspec.Struct, frozen=True, omit_defaults=True):
    """What NVD says about one CVE."""

    description: str = ""
    published: str = ""
    modified: str = ""
    status: str = ""
    cvss: tuple[CvssEntry, ...] = ()
    cwes: tuple[str, ...] = ()
    references: tuple[str, ...] = ()


#: Encodes every stored shape; documents are then zstd-compressed by the builder.
SPEC_ENCODER = msgspec.json.Encoder()
SPEC_DECODER = msgspec.json.Decoder(Spec)
_RECORD_DECODER = msgspec.json.Decoder(RecordDoc)
_CVE_DECODER = msgspec.json.Decoder(CveDoc)


def unpack_record(blob: bytes, decompressor: zstandard.ZstdDecompressor) -> RecordDoc:
    return _RECORD_DECODER.decode(decompressor.decompress(blob))


def unpack_cve(blob: bytes, decompressor: zstandard.ZstdDecompressor) -> CveDoc:
    return _CVE_DECODER.decode(decompressor.decompress(blob))
