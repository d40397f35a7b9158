"""Reading the files inside a Java archive that name the artifact(s) it holds.

Sources, best first: ``META-INF/maven/<group>/<artifact>/pom.properties`` (written by Maven for
every artifact it packs, so a shaded jar lists all its embedded artifacts), the ``pom.xml``
beside it when there is no properties file, ``META-INF/MANIFEST.MF`` and, last, the archive's
file name. Field choices follow Trivy's jar parser so results compare with it.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET  # types and ParseError; parsing goes through defusedxml
from dataclasses import dataclass

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from packageurl import PackageURL

from hullscan.inventory.interface import Ecosystem, Package, PackageType

__all__ = [
    "Artifact",
    "Manifest",
    "artifact_from_file_name",
    "parse_manifest",
    "parse_pom_properties",
    "parse_pom_xml",
    "pom_coordinates",
]

# name-1.2.3.jar, name-1.2.3-SNAPSHOT.war; the version starts with a digit (Trivy's pattern).
_FILE_NAME = re.compile(r"^([a-zA-Z0-9._-]*[^-*])-(\d\S*(?:-SNAPSHOT)?)\.[a-z]{3}$")
_PROPERTY = re.compile(r"\$\{([^}]+)\}")


def _spdx_id(text: str) -> str | None:
    """The SPDX id for a licence name or id, if it is one.

    Imported on first use: the SPDX table costs ~20 ms to load, which every scan would pay
    at start-up though few images hold a jar with licence metadata.
    """
    from cyclonedx import spdx

    fixed: str | None = spdx.fixup_id(text)
    return fixed


@dataclass(frozen=True)
class Artifact:
    """One Maven artifact found in an archive; ``source`` names the file it was read from."""

    group: str
    artifact: str
    version: str
    found_in: str
    source: str
    licenses: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.group}:{self.artifact}" if self.group else self.artifact

    def valid(self) -> bool:
        return bool(self.group and self.artifact and self.version)

    def to_package(self) -> Package:
        purl = PackageURL(
            type="maven",
            namespace=self.group or None,
            name=self.artifact,
            version=self.version,
        ).to_string()
        return Package(
            type=PackageType.JAVA,
            name=self.name,
            version=self.version,
            found_in=self.found_in,
            ecosystem=Ecosystem.MAVEN.value,
            licenses=self.licenses,
            purl=purl,
            extra=(("java_source", self.source),),
        )


def parse_pom_properties(text: str, found_in: str) -> Artifact:
    """groupId, artifactId and version from a ``pom.properties`` (Java properties syntax)."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        key, sep, value = line.partition("=")
        if not sep:
            key, _, value = line.partition(":")
        values[key.strip()] = value.strip()
    return Artifact(
        group=values.get("groupId", ""),
        artifact=values.get("artifactId", ""),
        version=values.get("version", ""),
        found_in=found_in,
        source="pom.properties",
    )


def pom_coordinates(member: str) -> tuple[str, str] | None:
    """(group, artifact) from ``META-INF/maven/<group>/<artifact>/<file>``, else None."""
    parts = member.split("/")
    if len(parts) == 5 and parts[0] == "META-INF" and parts[1] == "maven" and all(parts[2:4]):
        return parts[2], parts[3]
    return None


def parse_pom_xml(data: bytes, found_in: str, coordinates: tuple[str, str]) -> Artifact:
    """The artifact a packed ``pom.xml`` describes, and its declared licenses.

    Raises ValueError when the XML does not parse. Coordinates missing from the file fall back
    to the parent's and then to the ``META-INF/maven/<group>/<artifact>`` path; a version that
    still holds an unresolved ``${...}`` property is left empty (the artifact is then invalid).
    """
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException) as err:
        raise ValueError(f"pom.xml is not valid XML ({err})") from err
    parent = _child(root, "parent")
    props: dict[str, str] = {}
    properties = _child(root, "properties")
    if properties is not None:
        props = {_local(p.tag): (p.text or "").strip() for p in properties}
    group = _text(root, "groupId") or _text(parent, "groupId") or coordinates[0]
    version = _text(root, "version") or _text(parent, "version")
    props.update(
        {
            "project.groupId": group,
            "project.version": version,
            "project.parent.version": _text(parent, "version"),
            "project.parent.groupId": _text(parent, "groupId"),
        }
    )
    group = _resolve(group, props)
    version = _resolve(version, props)
    licenses: list[str] = []
    for lic in _children(_child(root, "licenses"), "license"):
        name = _text(lic, "name")
        url = _text(lic, "url")
        resolved = name or (_spdx_id(url) if url else None)
        if resolved:
            licenses.append(resolved)
    return Artifact(
        group=group,
        artifact=_text(root, "artifactId") or coordinates[1],
        version=version,
        found_in=found_in,
        source="pom.xml",
        licenses=tuple(licenses),
    )


def _resolve(value: str, props: dict[str, str]) -> str:
    for _ in range(5):  # properties may refer to properties; bounded against cycles
        if "${" not in value:
            return value
        value = _PROPERTY.sub(lambda m: props.get(m.group(1), m.group(0)), value)
    return "" if "${" in value else value


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(elem: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if elem is None else [c for c in elem if _local(c.tag) == name]


def _child(elem: ET.Element | None, name: str) -> ET.Element | None:
    found = _children(elem, name)
    return found[0] if found else None


def _text(elem: ET.Element | None, name: str) -> str:
    child = _child(elem, name)
    return (child.text or "").strip() if child is not None else ""


@dataclass(frozen=True)
class Manifest:
    """The main section of ``META-INF/MANIFEST.MF``: attribute name -> value."""

    attributes: dict[str, str]
    plugin_licenses: tuple[str, ...] = ()

    def _first(self, *keys: str) -> str:
        for key in keys:
            if value := self.attributes.get(key, ""):
                return value
        return ""

    def group(self) -> str:
        if vendor_id := self.attributes.get("Implementation-Vendor-Id"):
            return vendor_id
        if symbolic := self.attributes.get("Bundle-SymbolicName"):
            # com.fasterxml.jackson.core.jackson-databind -> com.fasterxml.jackson.core
            symbolic = symbolic.partition(";")[0].strip()  # drop ;singleton:=true etc.
            return symbolic.rpartition(".")[0] or symbolic
        return self._first("Implementation-Vendor", "Specification-Vendor")

    def title(self) -> str:
        return self._first("Implementation-Title", "Specification-Title", "Bundle-Name")

    def version(self) -> str:
        return self._first("Implementation-Version", "Specification-Version", "Bundle-Version")

    def artifact(self, found_in: str) -> Artifact:
        return Artifact(
            group=self.group(),
            artifact=self.title(),
            version=self.version(),
            found_in=found_in,
            source="MANIFEST.MF",
        )

    def licenses(self) -> tuple[str, ...]:
        """Jenkins ``Plugin-License-Name[-N]`` values, else OSGi ``Bundle-License`` SPDX ids."""
        if self.plugin_licenses:
            return self.plugin_licenses
        found: list[str] = []
        for entry in _split_unquoted(self.attributes.get("Bundle-License", ""), ","):
            name = _split_unquoted(entry, ";")[0].strip(' "')
            # LIMITATION: license URLs are not mapped to SPDX ids (needs the SPDX seeAlso index).
            if name and (spdx_id := _spdx_id(name)):
                found.append(spdx_id)
        return tuple(found)


def parse_manifest(text: str) -> Manifest:
    """The main section (up to the first empty line), with continuation lines unfolded."""
    attributes: dict[str, str] = {}
    plugin_licenses: list[str] = []
    logical: list[str] = []
    for line in re.split(r"\r\n|\r|\n", text):
        if not line:
            break
        if line.startswith(" ") and logical:
            logical[-1] += line[1:]
        else:
            logical.append(line)
    for line in logical:
        key, sep, value = line.partition(":")
        value = value.strip()
        # Skip empty values and localisation variables (Bundle-Name: %bundleName).
        if not sep or not value or value.startswith("%"):
            continue
        if key == "Plugin-License-Name" or key.startswith("Plugin-License-Name-"):
            plugin_licenses.append(value)
        attributes.setdefault(key, value)
    return Manifest(attributes=attributes, plugin_licenses=tuple(plugin_licenses))


def _split_unquoted(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside double quotes (a backslash escapes inside quotes)."""
    parts: list[str] = []
    quoted = escaped = False
    start = 0
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == sep and not quoted:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def artifact_from_file_name(found_in: str) -> Artifact:
    """artifactId and version guessed from ``name-1.2.3.jar``; the group is unknown offline.

    LIMITATION: without Maven Central's artifactId search the group stays empty, so the
    package is named by its artifactId alone and cannot be matched against Maven advisories.
    """
    match = _FILE_NAME.match(posixpath.basename(found_in))
    artifact, version = (match.group(1), match.group(2)) if match else ("", "")
    return Artifact(
        group="", artifact=artifact, version=version, found_in=found_in, source="file-name"
    )
