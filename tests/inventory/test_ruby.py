"""Ruby gems: Trivy's gemspec and Bundler expectations, plus odd and broken inputs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from hullscan.inventory.interface import (
    Analyzer,
    AnalyzerOptions,
    FileMeta,
    PackageType,
    Relationship,
)
from hullscan.inventory.ruby import BundlerAnalyzer, GemspecAnalyzer
from tests.conftest import shared_dir

from .analyze import analyze_file, analyze_tree

GEMSPEC = GemspecAnalyzer()
BUNDLER = BundlerAnalyzer()
META = FileMeta(path="", size=100, mode=0o644)


def _fixtures() -> Path:
    return shared_dir() / "data" / "fixtures" / "ruby"


def _expected_files() -> list[str]:
    return sorted(str(p.relative_to(_fixtures())) for p in _fixtures().glob("*/*.expected.json"))


@pytest.mark.parametrize("expected_file", _expected_files())
def test_trivy_fixture(expected_file: str) -> None:
    """Exact package lists (compared as sets: Trivy's parser sorts, its test lists by hand)."""
    expected_path = _fixtures() / expected_file
    source = expected_path.with_name(expected_path.name.removesuffix(".expected.json"))
    analyzer: Analyzer
    if source.suffix == ".gemspec":
        # Installed gems live in a specifications folder; present the file there.
        rel, analyzer = f"usr/local/bundle/specifications/{source.name}", GEMSPEC
    else:
        rel, analyzer = f"app/{source.name}", BUNDLER
    assert analyzer.wants(rel, META)
    result = analyze_file(source, rel, analyzer)
    expected = json.loads(expected_path.read_text())
    with_relationship = all("relationship" in e for e in expected)
    want = sorted(
        (e["name"], e["version"], e["relationship"] if with_relationship else "") for e in expected
    )
    got = sorted(
        (p.name, p.version, p.relationship.value if with_relationship else "")
        for p in result.packages
    )
    assert got == want
    assert result.warnings == ()
    for pkg in result.packages:
        assert (pkg.type, pkg.ecosystem, pkg.found_in) == (PackageType.GEM, "RubyGems", rel)
        assert pkg.purl == f"pkg:gem/{pkg.name}@{pkg.version}"


def test_gemspec_licenses() -> None:
    def licenses(folder: str) -> tuple[str, ...]:
        (source,) = (_fixtures() / folder).glob("*.gemspec")
        (pkg,) = analyze_file(source, "specifications/x.gemspec", GEMSPEC).packages
        return pkg.licenses

    assert licenses("trivy-gemspec-multiple_licenses") == ("Ruby", "BSDL", "PSFL")
    assert licenses("trivy-gemspec-license") == ("MIT",)
    # ``licenses = "MIT"`` (a string where RubyGems expects a list) still names the license.
    assert licenses("trivy-gemspec-normal01") == ("MIT",)


def _gemspec(
    text: str, path: str = "specifications/x.gemspec"
) -> tuple[list[str], tuple[str, ...]]:
    result = GEMSPEC.analyze(path, io.BytesIO(text.encode()), AnalyzerOptions())
    return [f"{p.name} {p.version} {','.join(p.licenses)}" for p in result.packages], (
        result.warnings
    )


def test_old_style_gemspec() -> None:
    text = (
        "Gem::Specification.new do |s|\n"
        '  s.name = %q{rake}\n  s.version = "0.8.7"\n'
        '  s.licenses = ["C#-ish".freeze] # the "comment" is not a license\n'
        "  s.summary = %q{x}\nend\n"
    )
    assert _gemspec(text) == (["rake 0.8.7 C#-ish"], ())


def test_gemspec_attributes_of_another_object_are_ignored() -> None:
    text = (
        'Gem::Specification.new do |s|\n  s.name = "real"\n  dep.version = "9"\n'
        '  s.version = "1.0"\nend\n'
    )
    assert _gemspec(text) == (["real 1.0 "], ())


@pytest.mark.parametrize(
    "text", ["", "not ruby at all\n", 'Gem::Specification.new do |s|\n  s.name = "x"\nend\n']
)
def test_gemspec_without_name_or_version_warns(text: str) -> None:
    assert _gemspec(text) == ([], ("specifications/x.gemspec: no gem name and version found",))


def _lock(text: str) -> tuple[list[tuple[str, str, Relationship]], tuple[str, ...]]:
    result = BUNDLER.analyze("Gemfile.lock", io.BytesIO(text.encode()), AnalyzerOptions())
    return [(p.name, p.version, p.relationship) for p in result.packages], result.warnings


def test_lock_git_sources_and_platforms() -> None:
    text = (
        "GIT\n  remote: https://git.example/rails.git\n  revision: abc\n  specs:\n"
        "    rails (7.1.0)\n      actionpack (= 7.1.0)\n\n"
        "GEM\n  remote: https://gems.example/\n  specs:\n"
        "    nokogiri (1.13.6-x86_64-linux)\n      racc (~> 1.4)\n"
        "    nokogiri (1.13.6-arm64-darwin)\n    racc (1.6.0)\n\n"
        "PLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  nokogiri\n  rails!\n\n"
        "BUNDLED WITH\n   2.4.1\n"
    )
    assert _lock(text) == (
        [
            ("rails", "7.1.0", Relationship.DIRECT),
            ("nokogiri", "1.13.6", Relationship.DIRECT),
            ("racc", "1.6.0", Relationship.INDIRECT),
        ],
        (),
    )


def test_lock_without_dependencies_section_has_unknown_relationships() -> None:
    assert _lock("GEM\n  specs:\n    rack (3.0.0)\n") == (
        [("rack", "3.0.0", Relationship.UNKNOWN)],
        (),
    )


def test_malformed_lock_warns_and_keeps_the_rest(tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "Gemfile.lock").write_text(
        "GEM\n  specs:\n    rack 3.0.0\n    (broken\n    puma (6.4.0)\n\nDEPENDENCIES\n  puma\n"
    )
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "Gemfile.lock").write_bytes(b"\x00\xff\xfe binary \x01\n\x02")
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "Gemfile.lock").write_text(
        "GEM\n  specs:\n    rack (3.0.0)\n\nDEPENDENCIES\n  rack\n"
    )
    results = analyze_tree(tmp_path, [BUNDLER])
    packages = {(p.found_in, p.name, p.version) for r in results.values() for p in r.packages}
    assert packages == {
        ("bad/Gemfile.lock", "puma", "6.4.0"),
        ("good/Gemfile.lock", "rack", "3.0.0"),
    }
    assert results[("ruby-bundler", "bad/Gemfile.lock")].warnings == (
        "bad/Gemfile.lock: line 3: unrecognised spec 'rack 3.0.0'",
        "bad/Gemfile.lock: line 4: unrecognised spec '(broken'",
    )
    assert results[("ruby-bundler", "junk/Gemfile.lock")].warnings == (
        "junk/Gemfile.lock: not a Gemfile.lock (no GEM or DEPENDENCIES)",
    )
    assert results[("ruby-bundler", "good/Gemfile.lock")].warnings == ()


def test_wants() -> None:
    assert GEMSPEC.wants("usr/local/bundle/specifications/rake-13.0.3.gemspec", META)
    assert GEMSPEC.wants("usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec", META)
    assert not GEMSPEC.wants("app/rake.gemspec", META)
    assert BUNDLER.wants("srv/app/Gemfile.lock", META)
    assert BUNDLER.wants("Gemfile.lock", META)
    assert BUNDLER.wants("app/gems.locked", META)
    assert not BUNDLER.wants("app/MyGemfile.lock", META)
