"""Package lists side by side: hullscan's inventory and Syft's, on the shared images and fixtures.

Inputs: the shared images of bench_scan.py (Syft gets the same single-image and gunzipped
copies, made with its `syft_target`), every fixture kind folder (`shared/data/fixtures/<kind>`,
scanned as one directory) and, since hullscan reads an OS package database only at the root
it scans and the kind folders keep theirs one level down, each apk/dpkg/rpm fixture folder
that is a root filesystem. Syft runs as `syft <scheme>:<path> -o syft-json -q` (`dir:` for a
folder); hullscan through its Python API, uncached: `inventory_target` for an image,
`inventory_rootfs` for a folder (what the `rootfs` command runs; `inventory_target` would
take a directory for an OCI layout). One tool runs at a time, never both at once.

A package is in both lists when both tools report it from the same file (or, for a jar
inside an archive, Syft names the outer file) with the same type, name and version after
normalising spelling: Syft's types mapped to hullscan's, PyPI names per PEP 503, Maven
packages named group:artifact from Syft's purl, Syft's `UNKNOWN` and Go `(devel)` versions
read as no version, its `go1.x.y` stdlib version as `1.x.y`. Lists are multisets: a package
one tool lists twice and the other once leaves one over. Each package only one tool reports
gets the reason of the first rule in RULES that matches it ("unexplained" when none does).
Prints a markdown section: counts per input, the reasons with their counts, every difference.

    python bench/compare_syft.py [--syft PATH] [--reuse DIR] > bench/syft-diff.md
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_scan import CASES, IMAGES, SHARED, syft_target
from packageurl import PackageURL

from hullscan.image.interface import Platform
from hullscan.pipeline import InventoryOptions, inventory_rootfs, inventory_target

FIXTURES = SHARED / "data" / "fixtures"
OS_KINDS = ("apk", "dpkg", "rpm")
OS_ROOTS = ("lib", "usr", "var")

HULLSCAN = "hullscan"
SYFT = "Syft"

# Syft's package type -> hullscan's PackageType value.
SYFT_TYPES = {
    "deb": "deb",
    "apk": "apk",
    "rpm": "rpm",
    "python": "python",
    "npm": "npm",
    "go-module": "golang",
    "java-archive": "java",
    "jenkins-plugin": "java",
    "gem": "gem",
    "rust-crate": "cargo",
    "php-composer": "composer",
    "dotnet": "nuget",
}


@dataclass(frozen=True)
class Input:
    label: str
    path: Path
    image: str | None = None
    platform: str | None = None
    syft_ref: str = ""  # set for images by syft_target; folders are dir:<path>


@dataclass(frozen=True)
class Found:
    """One package as one tool reports it, with the key it is compared by."""

    tool: str
    type: str
    name: str
    version: str
    path: str  # the file it was found in, relative to the input's root
    key: tuple[str, str, str]
    dev: bool = False  # hullscan only: a lock file marks it a development dependency


@dataclass(frozen=True)
class Side:
    """What a rule may ask about one input: each tool's packages and the unpaired ones."""

    label: str
    packages: dict[str, list[Found]]
    unpaired: dict[str, list[Found]]


@dataclass(frozen=True)
class Rule:
    """Which differences a reason explains; every field given must match.

    ``input``, ``name`` and ``version`` are regexes (full match), ``path`` is a glob.
    ``respelt`` asks that the other tool have an unpaired package of the same type and name
    from the same file (the version is spelt differently).
    """

    tool: str = ""  # HULLSCAN or SYFT
    input: str = ""
    type: str = ""  # normalised type, exact
    name: str = ""
    version: str | None = None  # as reported, before normalising ("" matches no version)
    path: str = ""
    dev: bool | None = None
    respelt: bool = False

    def matches(self, side: Side, found: Found) -> bool:
        if not (
            (not self.tool or self.tool == found.tool)
            and (not self.input or re.fullmatch(self.input, side.label) is not None)
            and (not self.type or self.type == found.type)
            and (not self.name or re.fullmatch(self.name, found.name) is not None)
            and (self.version is None or re.fullmatch(self.version, found.version) is not None)
            and (not self.path or fnmatch.fnmatchcase(found.path, self.path))
            and (self.dev is None or self.dev == found.dev)
        ):
            return False
        other = SYFT if found.tool == HULLSCAN else HULLSCAN
        return not self.respelt or any(
            f.key[:2] == found.key[:2] and same_file(f.path, found.path)
            for f in side.unpaired[other]
        )


@dataclass(frozen=True)
class Reason:
    """Why packages differ: a short label for the table rows and the whole explanation."""

    short: str
    detail: str


GO_BINARY = Reason(
    "ELF file without exec bit",
    "the fixture file is not executable (mode 0444): hullscan reads Go and Rust build info "
    "only from files with an exec bit, Syft from every ELF file (in go-hello, where the binary "
    "is executable, both report it)",
)
MANIFEST_NAME = Reason(
    "manifest-only jar named differently",
    "the jar has only META-INF/MANIFEST.MF: Syft names it after the file (test.jar: `test`, "
    "group from Bundle-SymbolicName; license-from-jenkins-plugin.jar: "
    "`license-from-jenkins-plugin`), hullscan after Implementation-Title (`Spring Framework`, "
    "`jenkins-plugin`), as Trivy expects; same jar and version",
)
NPM_WORKSPACE = Reason(
    "npm workspace: link and folder",
    "the lock has the workspace folder (`functions/func1`, with the version) and a link to it "
    "(`node_modules/func1`, `link: true`, no version): Syft lists both, the folder under its "
    "path and the link without version (UNKNOWN); hullscan lists one package, the link's name "
    "with the folder's version, as Trivy expects",
)

# (rule, reason), in order: the first rule that matches a difference gives its reason.
RULES: tuple[tuple[Rule, Reason], ...] = (
    # Images.
    (
        Rule(tool=SYFT, type="binary"),
        Reason(
            "Syft binary classifier",
            "Syft's binary-classifier cataloger recognises the executable by its version "
            "string; hullscan has no binary classifiers (Syft drops such a match when an OS "
            "package owns the file, but here it read no deb package: see base-files)",
        ),
    ),
    (
        Rule(
            tool=HULLSCAN,
            type="deb",
            name="base-files|busybox-static",
            path="var/lib/dpkg/status",
            input="busybox.*|go-hello.*",
        ),
        Reason(
            "dpkg stanza without `Package:`",
            "the image's var/lib/dpkg/status starts each stanza with the bare package name, "
            "no `Package:` field: Syft reads nothing from it (its unknowns: 'unable to "
            "determine packages'), hullscan names each stanza from its first line, with a "
            "warning",
        ),
    ),
    # OS databases below the root of a fixture kind folder.
    (
        Rule(tool=SYFT, input="fixtures/(apk|dpkg|rpm)"),
        Reason(
            "OS database below the scanned root",
            "the package database is one folder down (`<fixture>/lib/apk/db/installed`, "
            "`<fixture>/var/lib/dpkg/status`, `<fixture>/var/lib/rpm/...`): Syft looks for it "
            "at any depth, hullscan only at the root of the filesystem it scans (the "
            "per-fixture inputs scan each such folder as the root)",
        ),
    ),
    (
        Rule(tool=SYFT, type="apk", version="UNKNOWN"),
        Reason(
            "apk record without version",
            "a record with `P:` but no `V:`: hullscan skips a package without a version (with "
            "a warning), as Trivy expects; Syft lists it as version UNKNOWN",
        ),
    ),
    (
        Rule(tool=SYFT, type="deb", version="UNKNOWN"),
        Reason(
            "dpkg stanza without version",
            "a stanza with only a `Package:` line (no Version, no Status): hullscan skips a "
            "package without a version (with a warning), as Trivy expects; Syft lists it as "
            "version UNKNOWN",
        ),
    ),
    (
        Rule(tool=SYFT, type="deb", name="invalidpkg", version="1:5\\.#"),
        Reason(
            "invalid Debian version",
            "`Version: 1:5.#` is no valid Debian version (`#` is not allowed): hullscan skips "
            "the stanza with a warning, as Trivy expects; Syft keeps it",
        ),
    ),
    (
        Rule(tool=SYFT, type="deb", name="git", path="var/lib/dpkg/status"),
        Reason(
            "dpkg config-files only",
            "`Status: deinstall ok config-files`: only its conffiles are left on disk; "
            "hullscan reports packages whose files are installed, Syft every stanza",
        ),
    ),
    # .NET.
    (
        Rule(tool=HULLSCAN, type="nuget", path="*.deps.json"),
        Reason(
            "deps.json not named after its project",
            "Syft 1.18.1 reads a deps.json only if a `project` library is named like the file "
            "(`ExampleApp1.deps.json` for `ExampleApp1/1.0.0`); these fixtures were renamed "
            "(`happy.deps.json`), so Syft reports nothing (its unknowns: 'unable to determine "
            "root package from deps.json file'); a copy named ExampleApp1.deps.json gives Syft "
            "the same packages",
        ),
    ),
    (
        Rule(tool=HULLSCAN, type="nuget", path="*packages.lock.json"),
        Reason(
            "Syft reads no packages.lock.json",
            "Syft 1.18.1 has no NuGet packages.lock.json cataloger (`syft cataloger list`: "
            "only dotnet-deps and dotnet-portable-executable, and no `**/packages.lock.json` "
            "glob in its binary; one came later, anchore/syft#3484)",
        ),
    ),
    # Go.
    (Rule(tool=SYFT, path="*.elf"), GO_BINARY),
    (
        Rule(tool=HULLSCAN, type="golang", path="*go.mod", version=""),
        Reason(
            "go.mod main module",
            "the go.mod's own `module` line: hullscan reports the main module (no version, "
            "relationship root), as Trivy does; Syft's go.mod cataloger lists only its "
            "require and replace entries",
        ),
    ),
    (
        Rule(tool=HULLSCAN, type="golang", path="*go.sum"),
        Reason(
            "go.sum on its own",
            "a go.sum with no go.mod beside it: hullscan reports the highest version of each "
            "module it lists, as Trivy's go.sum parser does (Trivy's analyzer reads go.sum "
            "only to complete an older go.mod); Syft reads go.sum only for the digests of "
            "go.mod requirements",
        ),
    ),
    # Java.
    (
        Rule(tool=SYFT, type="java", version="UNKNOWN"),
        Reason(
            "war without version",
            "the war itself: its MANIFEST.MF has only Manifest-Version and no pom.properties "
            "names it; Syft names it after the file (gradle.war: `gradle`) without version, "
            "hullscan reports no package it has no version for (the jars in WEB-INF/lib: both)",
        ),
    ),
    (
        Rule(type="java", name="heuristic(:heuristic)?", version="1.0.0-SNAPSHOT"),
        Reason(
            "jar named from its file: group",
            "named from the file name heuristic-1.0.0-SNAPSHOT.jar (its manifest has only "
            "Manifest-Version): Syft guesses the group equal to the artifact "
            "(pkg:maven/heuristic/heuristic), hullscan gives no group (pkg:maven/heuristic)",
        ),
    ),
    (
        Rule(
            tool=SYFT,
            name="com.fasterxml.jackson.core:jackson-databind",
            path="*io.quarkus.gizmo.gizmo-1.1.jar",
        ),
        Reason(
            "duplicate pom.properties",
            "two pom.properties in the jar (bar/foo/ and foo/bar/ for 2.12.3, bar/bar/ and "
            "foo/foo/ for 2.13.4) name the same artifact and version: Syft lists one package "
            "per pom.properties, hullscan one per artifact and version, as Trivy expects",
        ),
    ),
    (Rule(type="java", path="trivy-jar-test/test.jar"), MANIFEST_NAME),
    (Rule(type="java", path="trivy-jar-license-from-jenkins-plugin/*"), MANIFEST_NAME),
    (
        Rule(tool=HULLSCAN, type="java", path="trivy-jar-nested/*"),
        Reason(
            "jar without MANIFEST.MF",
            "nested.jar, nested2.jar and nested3.jar have no META-INF/MANIFEST.MF: Syft 1.18.1 "
            "then makes no main package and skips the jar's pom.properties (its unknowns: 'no "
            "package identified in archive'); hullscan reads each jar's pom.properties "
            "(META-INF/nested/pom.properties: test:nested 0.0.1), as Trivy expects",
        ),
    ),
    # npm.
    (
        Rule(tool=SYFT, type="npm", path="*package-lock.json", name="node_v.*|5139"),
        Reason(
            "npm lock: the project itself",
            'the project itself (`packages[""]`, its name and version): Syft lists it, '
            "hullscan reports only what the project depends on",
        ),
    ),
    (
        Rule(tool=HULLSCAN, type="npm", dev=True, path="*package-lock.json"),
        Reason(
            "dev dependency",
            "`dev: true` in the lock: Syft 1.18.1 leaves development dependencies out "
            "(javascript.include-dev-dependencies is false by default); hullscan keeps them, "
            "marked dev",
        ),
    ),
    (
        Rule(tool=HULLSCAN, type="npm", path="trivy-npm-package-lock_v1/package-lock.json"),
        Reason(
            "npm lock v1: nested entry",
            "a lockfileVersion 1 entry nested under another's `dependencies` (body-parser's, "
            "finalhandler's): Syft's v1 parser reads only the top-level `dependencies`",
        ),
    ),
    (Rule(type="npm", path="*workspace*/package-lock.json"), NPM_WORKSPACE),
    (Rule(type="npm", path="*without_root_deps_field/package-lock.json"), NPM_WORKSPACE),
    (
        Rule(tool=HULLSCAN, type="npm", path="*package.json"),
        Reason(
            "package.json in a directory scan",
            "a package.json outside node_modules: Syft reads package.json files only in image "
            "scans (its javascript-package-cataloger is no directory cataloger), hullscan in "
            "both",
        ),
    ),
    (
        Rule(path="trivy-pnpm-pnpm-lock_v9_multiple_documents/pnpm-lock.yaml"),
        Reason(
            "pnpm lock with two YAML documents",
            "first pnpm's own packageManagerDependencies (pnpm, @pnpm/exe and their platform "
            "packages), then, after `---`, the project's lock (is-number 7.0.0): Syft reads "
            "only the first document, hullscan the project's, as Trivy expects",
        ),
    ),
    (
        Rule(type="npm", path="*pnpm-lock.yaml", respelt=True),
        Reason(
            "pnpm version spelling",
            "the same package, its version spelt differently: Syft takes it from the package "
            "key (a tarball URL, a `file:` path, pnpm 5's peer suffix "
            "`4.3.4_supports-color@8.1.1`), hullscan from the entry's `version:` (none for a "
            "directory dependency), without the peer suffix",
        ),
    ),
    (
        Rule(tool=SYFT, type="npm", path="*yarn.lock", version="0\\.0\\.0-use\\.local"),
        Reason(
            "yarn workspace entry",
            "the workspace itself (`code@workspace:.`, version 0.0.0-use.local): Syft lists "
            "it, hullscan skips workspace entries (no registry package), as Trivy expects",
        ),
    ),
    (
        Rule(tool=SYFT, type="npm", path="*yarn.lock", name="fsevents|local-package|asap"),
        Reason(
            "yarn entry not from the npm registry",
            "resolved through another protocol than npm (`patch:` fsevents, `file:` "
            "local-package, `unsupported:` asap): hullscan reports only npm-registry entries "
            "(a warning on an unknown protocol), as Trivy expects; Syft lists every entry",
        ),
    ),
    # Ruby, PHP, Python.
    (
        Rule(tool=SYFT, type="gem", path="*.gemspec"),
        Reason(
            "gemspec outside specifications/",
            "Syft's ruby-gemspec-cataloger reads any *.gemspec in a directory scan, hullscan "
            "only installed ones (specifications/*.gemspec), as Trivy's analyzer does",
        ),
    ),
    (
        Rule(tool=HULLSCAN, type="composer", path="*composer.lock"),
        Reason(
            "Syft fails on a string license",
            'Syft drops the whole file: two packages give `license` as a string (`"MIT"`), '
            "Syft 1.18.1 wants a list (its unknowns: 'cannot unmarshal string into ... license "
            "of type []string'); hullscan reads it",
        ),
    ),
    (
        Rule(tool=HULLSCAN, type="python", path="*uv.lock"),
        Reason(
            "Syft reads no uv.lock",
            "Syft 1.18.1 has no uv.lock cataloger (its binary holds no `**/uv.lock` glob)",
        ),
    ),
    (
        Rule(tool=HULLSCAN, type="python", path="*requirements_utf16le/requirements.txt"),
        Reason(
            "UTF-16 requirements.txt",
            "a UTF-16LE file with a byte-order mark: hullscan decodes it, Syft reads the bytes "
            "as UTF-8 and rejects the line (its unknowns: 'unable to parse requirements.txt "
            "line')",
        ),
    ),
)

UNEXPLAINED = Reason("unexplained", "no rule in RULES matches")


def pypi_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def normalise(
    tool: str, type_: str, name: str, version: str, path: str, dev: bool = False
) -> Found:
    key_name, key_version = name, version
    if tool == SYFT and version == "UNKNOWN":  # Syft's spelling of "no version"
        key_version = ""
    if type_ == "python":
        key_name = pypi_name(name)
    elif type_ in ("composer", "nuget"):
        key_name = name.lower()
    elif type_ == "golang" and tool == SYFT:
        if version == "(devel)":  # Go's "built from a work tree": no version known
            key_version = ""
        elif name == "stdlib":
            key_version = version.removeprefix("go")
    return Found(tool, type_, name, version, path, (type_, key_name, key_version), dev)


def syft_packages(document: dict[str, Any]) -> list[Found]:
    out = []
    for artifact in document.get("artifacts", []):
        type_ = SYFT_TYPES.get(artifact["type"], artifact["type"])
        name = artifact["name"]
        if type_ == "java" and artifact.get("purl"):
            purl = PackageURL.from_string(artifact["purl"])
            name = f"{purl.namespace}:{purl.name}" if purl.namespace else purl.name
        locations = artifact.get("locations") or [{"path": ""}]
        primary = [
            loc for loc in locations if (loc.get("annotations") or {}).get("evidence") == "primary"
        ]
        path = (primary or locations)[0]["path"].lstrip("/")
        out.append(normalise(SYFT, type_, name, artifact.get("version", ""), path))
    return out


def hullscan_packages(item: Input) -> list[Found]:
    options = InventoryOptions(
        image=item.image,
        platform=Platform.parse(item.platform) if item.platform else None,
        use_cache=False,
    )
    if item.path.is_dir():
        result = inventory_rootfs(item.path, options)
    else:
        result = inventory_target(str(item.path), options)
    return [
        normalise(HULLSCAN, p.type.value, p.name, p.version, p.found_in, p.dev)
        for p in result.inventory.packages
    ]


def inputs(workdir: Path) -> list[Input]:
    out = [
        Input(
            case.label, IMAGES / case.file, case.image, case.platform, syft_target(case, workdir)
        )
        for case in CASES
    ]
    kinds = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
    out.extend(Input(f"fixtures/{kind.name}", kind) for kind in kinds)
    for kind in OS_KINDS:
        for folder in sorted((FIXTURES / kind).iterdir()):
            if folder.is_dir() and any((folder / root).is_dir() for root in OS_ROOTS):
                out.append(Input(f"fixtures/{kind}/{folder.name}", folder))
    return out


def run_syft(syft: str, item: Input) -> dict[str, Any]:
    ref = item.syft_ref or f"dir:{item.path}"
    out = subprocess.run([syft, ref, "-o", "syft-json", "-q"], capture_output=True, check=True)
    document: dict[str, Any] = json.loads(out.stdout)
    return document


def same_file(ours: str, theirs: str) -> bool:
    """Whether two tools' file paths name the same evidence (Syft names the outer archive of
    a nested jar, hullscan the member: ``a.war`` and ``a.war/WEB-INF/lib/b.jar``)."""
    return ours == theirs or ours.startswith(f"{theirs}/") or theirs.startswith(f"{ours}/")


def pair(ours: list[Found], syft: list[Found]) -> tuple[int, list[Found], list[Found]]:
    """How many packages both report (same key, same file), and each tool's unpaired rest.

    Duplicates count: a package one tool lists twice in a file and the other once leaves one
    unpaired.
    """
    free: dict[tuple[str, str, str], list[Found]] = {}
    for found in syft:
        free.setdefault(found.key, []).append(found)
    both, ours_only = 0, []
    for found in ours:
        candidates = free.get(found.key, [])
        match = next((c for c in candidates if same_file(found.path, c.path)), None)
        if match is None:
            ours_only.append(found)
        else:
            candidates.remove(match)
            both += 1
    return both, ours_only, [f for rest in free.values() for f in rest]


def reason(side: Side, found: Found) -> Reason:
    for rule, why in RULES:
        if rule.matches(side, found):
            return why
    return UNEXPLAINED


def cell(text: str) -> str:
    return text.replace("|", "\\|") if text else "(none)"


def scan(item: Input, syft: str, saved: Path | None) -> tuple[list[Found], list[Found]]:
    """hullscan's and Syft's packages for one input (from ``saved`` when it exists)."""
    if saved and saved.exists():
        lists = json.loads(saved.read_text())
        ours = [normalise(HULLSCAN, *row) for row in lists["hullscan"]]
        return ours, syft_packages(lists["syft"])
    document = run_syft(syft, item)
    ours = hullscan_packages(item)
    if saved:
        saved.parent.mkdir(parents=True, exist_ok=True)
        rows = [[f.type, f.name, f.version, f.path, f.dev] for f in ours]
        saved.write_text(json.dumps({"hullscan": rows, "syft": document}))
    return ours, syft_packages(document)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--syft", default=shutil.which("syft") or "")
    parser.add_argument(
        "--reuse",
        type=Path,
        metavar="DIR",
        help="keep each input's package lists in DIR and reuse lists already there "
        "(for working on RULES without scanning again)",
    )
    args = parser.parse_args()
    if not args.syft:
        parser.error("no syft on PATH; pass --syft")
    version = subprocess.run([args.syft, "version"], capture_output=True, text=True, check=True)
    syft_version = re.search(r"^Version:\s*(\S+)", version.stdout, re.MULTILINE)
    start = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="hullscan-syft-"))
    counts, rows = [], []
    reasons: Counter[Reason] = Counter()
    try:
        for index, item in enumerate(inputs(workdir)):
            saved = args.reuse / f"{index:02d}.json" if args.reuse else None
            ours, syft = scan(item, args.syft, saved)
            both, ours_only, syft_only = pair(ours, syft)
            side = Side(
                item.label,
                {HULLSCAN: ours, SYFT: syft},
                {HULLSCAN: ours_only, SYFT: syft_only},
            )
            counts.append(
                f"| {item.label} | {len(ours)} | {len(syft)} | {both} "
                f"| {len(ours_only)} | {len(syft_only)} |"
            )
            only = sorted(
                [*ours_only, *syft_only], key=lambda f: (f.path, f.type, f.key[1], f.tool)
            )
            for found in only:
                why = reason(side, found)
                reasons[why] += 1
                rows.append(
                    f"| {item.label} | {found.tool} | {found.type} | {cell(found.name)} "
                    f"| {cell(found.version)} | {cell(found.path)} | {why.short} |"
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.perf_counter() - start
    print("## Side by side with Syft\n")
    print(
        f"hullscan and Syft {syft_version.group(1) if syft_version else '?'} on the shared "
        f"images and fixture folders (`python bench/compare_syft.py`, {elapsed:.0f} s). A "
        "package is in both when both tools report it from the same file with the same type, "
        "name and version, after normalising spelling (see the script's docstring); a package "
        "listed twice counts twice.\n"
    )
    print("| input | hullscan | Syft | both | hullscan only | Syft only |")
    print("|---|---:|---:|---:|---:|---:|")
    print("\n".join(counts))
    print("\n### Reasons\n")
    print("| packages | reason | why |")
    print("|---:|---|---|")
    for why, number in reasons.most_common():
        print(f"| {number} | {why.short} | {why.detail} |")
    print("\n### Packages only one tool reports\n")
    print("| input | reported by | type | name | version | found in | reason |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"{len(rows)} differences, {reasons[UNEXPLAINED]} unexplained", file=sys.stderr)


if __name__ == "__main__":
    main()
