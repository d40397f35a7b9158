"""Java archives against Trivy's jar parser expectations, plus hostile and broken archives."""

from __future__ import annotations

import io
import json
import struct
import tarfile
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from packageurl import PackageURL

from hullscan.image.walk import walk_tar
from hullscan.inventory.interface import AnalyzerOptions, FileMeta, PackageType
from hullscan.inventory.java import JarAnalyzer, archive
from hullscan.inventory.java.metadata import parse_manifest
from hullscan.inventory.java.mvnversion import maven_equal
from tests.conftest import shared_dir

from .analyze import analyze_file, analyze_tree

ANALYZER = JarAnalyzer()

# Expectations that Trivy reaches only through its (mocked) Maven Central search.
ONLINE_ONLY = {
    "trivy-jar-heuristic-1.0.0-SNAPSHOT": (
        "needs an online lookup: Trivy finds the group com.example by searching Maven Central "
        "for the artifactId taken from the file name; offline the group is unknown"
    ),
}


def _fixtures() -> Path:
    return shared_dir() / "data" / "fixtures" / "java"


def _cases() -> list[object]:
    cases: list[object] = []
    for folder in sorted(p for p in _fixtures().iterdir() if p.is_dir()):
        marks = []
        if folder.name in ONLINE_ONLY:
            marks.append(pytest.mark.xfail(reason=ONLINE_ONLY[folder.name], strict=True))
        cases.append(pytest.param(folder.name, marks=marks, id=folder.name))
    return cases


def _archive_of(folder: str) -> Path:
    (expected,) = (_fixtures() / folder).glob("*.expected.json")
    return expected.with_name(expected.name.removesuffix(".expected.json"))


@pytest.mark.parametrize("folder", _cases())
def test_trivy_fixture(folder: str) -> None:
    """Same name, version and file path as Trivy's test, as a set (the peer sorts both)."""
    path = _archive_of(folder)
    expected = json.loads(path.with_name(path.name + ".expected.json").read_text())
    result = analyze_file(path, f"testdata/{path.name}", ANALYZER)
    got = sorted((p.name, p.version, p.found_in) for p in result.packages)
    want = sorted((e["name"], e["version"], e["file_path"]) for e in expected)
    assert got == want
    assert result.warnings == ()
    for pkg in result.packages:
        assert pkg.type is PackageType.JAVA
        assert pkg.ecosystem == "Maven"
        purl = PackageURL.from_string(pkg.purl)
        assert (purl.type, f"{purl.namespace}:{purl.name}", purl.version) == (
            "maven",
            pkg.name,
            pkg.version,
        )


def test_licenses_from_manifest_and_pom() -> None:
    jenkins = analyze_file(
        _archive_of("trivy-jar-license-from-jenkins-plugin"), "x.jar", ANALYZER
    ).packages
    assert [p.licenses for p in jenkins] == [("Apache License, Version 2.0", "MIT License")]
    war = analyze_file(_archive_of("trivy-jar-maven"), "maven.war", ANALYZER).packages
    licenses = {p.name: p.licenses for p in war}
    assert licenses["com.cronutils:cron-utils"] == ("Apache 2.0",)
    # Two LICENSE files and no declared license: Trivy leaves it empty, so does hullscan.
    multi = analyze_file(_archive_of("trivy-jar-multi-license-1.0.0"), "m.jar", ANALYZER)
    assert [p.licenses for p in multi.packages] == [()]


def test_nested_purl_and_source() -> None:
    packages = analyze_file(_archive_of("trivy-jar-nested"), "nested.jar", ANALYZER).packages
    by_name = {p.name: p for p in packages}
    assert by_name["test:nested3"].purl == "pkg:maven/test/nested3@0.0.3"
    assert by_name["test:nested3"].extra_value("java_source") == "pom.properties"
    test_jar = analyze_file(_archive_of("trivy-jar-test"), "test.jar", ANALYZER).packages
    assert test_jar[0].extra_value("java_source") == "MANIFEST.MF"


def test_wants() -> None:
    meta = FileMeta(path="", size=10, mode=0o644)
    assert ANALYZER.wants("opt/app/lib/x-1.0.jar", meta)
    assert ANALYZER.wants("srv/ROOT.WAR", meta)
    assert ANALYZER.wants("var/jenkins/plugins/git.jpi", meta)
    assert not ANALYZER.wants("opt/app/x.jar.sha1", meta)
    assert not ANALYZER.wants("usr/share/doc/readme", meta)
    assert not ANALYZER.wants("a.jar", FileMeta(path="a.jar", size=0, mode=0o644))


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ("2.17", "2.17.0", True),
        ("1.0-final", "1", True),
        ("1.0a1", "1.0-alpha-1", True),
        ("1.0.0-GA", "1.0", True),
        ("1.0", "1.1", False),
        ("1.0-SNAPSHOT", "1.0", False),
        ("2.12.3", "2.13.4", False),
    ],
)
def test_maven_equal(a: str, b: str, equal: bool) -> None:
    assert maven_equal(a, b) is equal


def test_manifest_main_section_only() -> None:
    manifest = parse_manifest(
        "Manifest-Version: 1.0\r\nBundle-SymbolicName: org.example.core;singleton:=true\r\n"
        "Bundle-Name: %bundle.name\r\nImplementation-Title: Core Li\r\n brary\r\n"
        'Bundle-Version: 3.1\r\nBundle-License: apache-2.0;link="x", "Free text, really"\r\n'
        "\r\nName: org/example/\r\nImplementation-Version: 9.9\r\n"
    )
    artifact = manifest.artifact("x.jar")
    assert (artifact.group, artifact.artifact, artifact.version) == (
        "org.example",
        "Core Library",
        "3.1",
    )
    assert manifest.licenses() == ("Apache-2.0",)


# --- generated archives ------------------------------------------------------------------


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _props(group: str, artifact: str, version: str) -> dict[str, bytes]:
    text = f"groupId={group}\nartifactId={artifact}\nversion={version}\n"
    return {f"META-INF/maven/{group}/{artifact}/pom.properties": text.encode()}


def _scan(
    data: bytes, path: str, options: AnalyzerOptions | None = None
) -> tuple[set[tuple[str, str, str]], tuple[str, ...]]:
    result = ANALYZER.analyze(path, io.BytesIO(data), options or AnalyzerOptions())
    return {(p.name, p.version, p.found_in) for p in result.packages}, result.warnings


def test_pom_xml_when_no_properties() -> None:
    pom = b"""<?xml version="1.0"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <parent><groupId>org.ex</groupId><artifactId>parent</artifactId><version>4.2</version></parent>
  <artifactId>lib</artifactId>
  <properties><rev>${project.version}</rev></properties>
  <licenses><license><name>Apache-2.0</name></license></licenses>
</project>"""
    data = _zip({"META-INF/maven/org.ex/lib/pom.xml": pom})
    result = ANALYZER.analyze("app/lib.jar", io.BytesIO(data), AnalyzerOptions())
    (pkg,) = result.packages
    assert (pkg.name, pkg.version, pkg.licenses) == ("org.ex:lib", "4.2", ("Apache-2.0",))
    assert pkg.extra_value("java_source") == "pom.xml"


def test_pom_xml_with_entities_is_refused() -> None:
    pom = b'<!DOCTYPE p [<!ENTITY a "aaaa">]><project><version>&a;</version></project>'
    data = _zip({"META-INF/maven/g/a/pom.xml": pom, **_props("g", "b", "1")})
    found, warnings = _scan(data, "x.jar")
    assert found == {("g:b", "1", "x.jar")}
    assert len(warnings) == 1
    assert warnings[0].startswith("x.jar/META-INF/maven/g/a/pom.xml: ")


def test_file_name_is_the_last_resort() -> None:
    found, warnings = _scan(_zip({"README": b"x"}), "opt/foo-bar-1.2.3.jar")
    assert found == {("foo-bar", "1.2.3", "opt/foo-bar-1.2.3.jar")}
    assert warnings == ()


def test_member_leaving_the_archive_is_not_opened() -> None:
    inner = _zip(_props("g", "evil", "1"))
    found, warnings = _scan(_zip({"../../evil.jar": inner, **_props("g", "ok", "1")}), "a.jar")
    assert found == {("g:ok", "1", "a.jar")}
    assert warnings == ("a.jar/../../evil.jar: member path leaves the archive; skipped",)


def _zeros_member(zf: zipfile.ZipFile, name: str, size: int) -> None:
    chunk = bytes(1024 * 1024)
    with zf.open(name, "w") as out:
        for _ in range(size // len(chunk)):
            out.write(chunk)


@pytest.fixture(scope="module")
def bomb_jar() -> bytes:
    """100 MiB of zeros as a nested jar and as a pom.properties, beside a real artifact."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in _props("org.ok", "fine", "1.0").items():
            zf.writestr(name, data)
        _zeros_member(zf, "lib/bomb.jar", 100 * 1024 * 1024)
        _zeros_member(zf, "META-INF/maven/x/y/pom.properties", 100 * 1024 * 1024)
    return buf.getvalue()


def test_zip_bomb_is_skipped_in_bounded_memory(bomb_jar: bytes) -> None:
    tracemalloc.start()
    try:
        found, warnings = _scan(bomb_jar, "app.jar")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found == {("org.ok:fine", "1.0", "app.jar")}
    assert any(w.startswith("app.jar/lib/bomb.jar: suspected zip bomb") for w in warnings)
    assert any(w.startswith("app.jar/META-INF/maven/x/y/pom.properties: ") for w in warnings)
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes"


def _lie_about_size(data: bytes, name: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size the central directory declares for one member."""
    at = data.index(b"PK\x01\x02")
    while True:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_len] == name:
            return data[: at + 24] + struct.pack("<I", size) + data[at + 28 :]
        at = data.index(b"PK\x01\x02", at + 46)


def test_zip_bomb_with_lying_header(bomb_jar: bytes) -> None:
    """A header declaring 2000 bytes: zipfile stops there, so the bomb cannot inflate."""
    lying = _lie_about_size(bomb_jar, b"lib/bomb.jar", 2000)
    tracemalloc.start()
    try:
        found, warnings = _scan(lying, "app.jar")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ("org.ok:fine", "1.0", "app.jar") in found
    assert any(w.startswith("app.jar/lib/bomb.jar: ") for w in warnings)
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes"


def test_decompression_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "BUDGET_FLOOR", 6000)
    monkeypatch.setattr(archive, "BUDGET_RATIO", 0)
    inner = [
        _zip({**_props("g", f"a{i}", "1"), "pad": bytes(4000)}, zipfile.ZIP_STORED)
        for i in range(3)
    ]
    outer = _zip({f"lib/a{i}.jar": data for i, data in enumerate(inner)})
    found, warnings = _scan(outer, "o.jar")
    assert found == {("g:a0", "1", "o.jar/lib/a0.jar")}
    assert warnings == tuple(
        f"o.jar/lib/a{i}.jar: inflating {len(inner[i])} bytes would exceed the archive budget;"
        " skipped"
        for i in (1, 2)
    )


def test_nested_twenty_deep() -> None:
    data = _zip(_props("g", "level20", "1"))
    for level in range(19, -1, -1):
        data = _zip({**_props("g", f"level{level}", "1"), f"lib/level{level + 1}.jar": data})
    found, warnings = _scan(data, "deep.jar")
    assert {name for name, _v, _f in found} == {f"g:level{i}" for i in range(11)}
    deepest = "deep.jar" + "".join(f"/lib/level{i}.jar" for i in range(1, 12))
    assert warnings == (f"{deepest}: nested more than 10 archives deep; not opened",)


def test_nested_archives_spill_to_disk_past_memory_bound() -> None:
    inner = _zip({**_props("g", "big", "2"), "pad": bytes(100_000)}, zipfile.ZIP_STORED)
    found, warnings = _scan(
        _zip({"lib/big.jar": inner}), "w.war", AnalyzerOptions(max_archive_memory=1000)
    )
    assert found == {("g:big", "2", "w.war/lib/big.jar")}
    assert warnings == ()


def test_truncated_jars_warn_and_the_rest_goes_on(tmp_path: Path) -> None:
    good = _zip(_props("org.ok", "good", "1.0"))
    bad = _zip({**_props("org.bad", "bad", "1.0"), "pad": bytes(5000)})[:-300]
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "good.jar").write_bytes(good)
    (tmp_path / "lib" / "bad.jar").write_bytes(bad)
    war = _zip({"WEB-INF/lib/bad.jar": bad, "WEB-INF/lib/good.jar": good})
    (tmp_path / "app.war").write_bytes(war)
    results = analyze_tree(tmp_path, [ANALYZER])
    packages = {(p.name, p.found_in) for r in results.values() for p in r.packages}
    assert packages == {
        ("org.ok:good", "lib/good.jar"),
        ("org.ok:good", "app.war/WEB-INF/lib/good.jar"),
    }
    assert (
        results[("java-archive", "lib/bad.jar")]
        .warnings[0]
        .startswith("lib/bad.jar: not a readable zip archive")
    )
    assert (
        results[("java-archive", "app.war")]
        .warnings[0]
        .startswith("app.war/WEB-INF/lib/bad.jar: not a readable zip archive")
    )


def test_corrupt_member_data() -> None:
    data = _zip(
        {**_props("g", "a", "1"), "META-INF/MANIFEST.MF": b"Implementation-Title: t\n"},
        zipfile.ZIP_STORED,
    )
    data = data.replace(b"Implementation-Title: t", b"Implementation-Title: X")
    found, warnings = _scan(data, "c.jar")
    assert found == {("g:a", "1", "c.jar")}
    assert len(warnings) == 1
    assert warnings[0].startswith("c.jar/META-INF/MANIFEST.MF: unreadable zip member (Bad CRC")


@pytest.mark.parametrize("memory", [256 * 1024 * 1024, 1024])
def test_through_the_layer_walk(memory: int) -> None:
    """From a layer tar: held in memory, or spooled to a temporary file past the bound."""
    inner = _zip({**_props("g", "inner", "2.0"), "pad": bytes(3000)}, zipfile.ZIP_STORED)
    war = _zip({**_props("g", "app", "1.0"), "WEB-INF/lib/inner-2.0.jar": inner})
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as tar:
        info = tarfile.TarInfo("srv/app.war")
        info.size = len(war)
        tar.addfile(info, io.BytesIO(war))
    layer.seek(0)
    result = walk_tar(
        layer, "sha256:0", [ANALYZER], AnalyzerOptions(max_archive_memory=memory), "L"
    )
    found = result.results[("java-archive", "srv/app.war")]
    assert {(p.name, p.found_in) for p in found.packages} == {
        ("g:app", "srv/app.war"),
        ("g:inner", "srv/app.war/WEB-INF/lib/inner-2.0.jar"),
    }
    assert found.warnings == ()
