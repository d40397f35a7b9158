"""Go modules declared in ``go.mod`` and pinned in ``go.sum``.

``go.mod`` gives the main module (``root``) and its requirements (``direct``, or ``indirect``
where marked ``// indirect``), with ``exclude`` and ``replace`` applied the way the go command
does and Trivy reports them:

- a requirement on an excluded version is dropped (Go 1.16+ ignores it);
- ``replace old [v] => new v2`` reports ``new@v2`` in place of ``old`` (if ``[v]`` matches);
- ``replace old [v] => ./local/dir`` drops ``old``: local code has no published version.

Pre-1.17 modules list only some indirect requirements; those listed are kept (Trivy drops them
and reads go.sum instead, which needs both files at once).

``go.sum`` lists hashes of every module version the build graph touched; the last (highest)
version of each module is reported, with an unknown relationship, as Trivy does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import IO

from hullscan.inventory.golang.common import go_package, go_unquote
from hullscan.inventory.interface import (
    Analyzer,
    AnalyzerOptions,
    FileMeta,
    FileResult,
    Package,
    PackageType,
    Relationship,
)

__all__ = ["GoModAnalyzer", "GoModError", "GoSumAnalyzer", "parse_go_mod", "parse_go_sum"]

_MAX_SIZE = 8 * 1024 * 1024
# Go's modfile lexer: punctuation, quoted strings, and identifiers (anything else up to space).
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|[()\[\]{},]|[^\s()\[\]{},"`]+|["`]')


class GoModError(ValueError):
    """A go.mod line that the go command would reject."""


@dataclass(frozen=True)
class _Require:
    path: str
    version: str
    indirect: bool


@dataclass(frozen=True)
class _Replace:
    old_path: str
    old_version: str
    new_path: str
    new_version: str  # "" for a local directory


@dataclass(frozen=True)
class GoMod:
    """What a go.mod says that matters for an inventory."""

    module: str = ""
    go: str = ""
    toolchain: str = ""
    requires: tuple[_Require, ...] = ()
    excludes: frozenset[tuple[str, str]] = frozenset()
    replaces: tuple[_Replace, ...] = ()


def _split(line: str) -> tuple[list[str], str]:
    """Tokens of one line and its trailing ``//`` comment text."""
    tokens: list[str] = []
    pos = 0
    while pos < len(line):
        while pos < len(line) and line[pos].isspace():
            pos += 1
        if line.startswith("//", pos):
            return tokens, line[pos + 2 :].strip()
        match = _TOKEN.match(line, pos)
        if match is None:
            break
        token = match.group()
        if token in ('"', "`"):
            raise GoModError("unterminated quoted string")
        # An identifier stops at a comment start, as in Go's lexer.
        cut = token.find("//") if token[0] not in '"`' else -1
        if cut > 0:
            token = token[:cut]
        tokens.append(token)
        pos = match.start() + len(token)
    return tokens, ""


def _arg(token: str) -> str:
    return go_unquote(token) if token[:1] in '"`' else token


def parse_go_mod(text: str) -> GoMod:
    """Parse go.mod text; raise `GoModError` (naming the line) for what Go would reject."""
    directives = {"module": "", "go": "", "toolchain": ""}
    requires: list[_Require] = []
    replaces: list[_Replace] = []
    excludes: set[tuple[str, str]] = set()
    block: str | None = None
    block_line = 0
    for number, line in enumerate(text.splitlines(), 1):
        try:
            tokens, comment = _split(line)
            if not tokens:
                continue
            if block is not None:
                if tokens == [")"]:
                    block = None
                    continue
                verb, args = block, tokens
            elif tokens[-1] == "(" and len(tokens) == 2:
                block, block_line = tokens[0], number
                continue
            elif tokens[1:] == ["(", ")"]:
                continue
            else:
                verb, args = tokens[0], tokens[1:]
            if verb in "()" or "(" in args or ")" in args:
                raise GoModError("unexpected parenthesis")
            args = [_arg(a) for a in args]
            if verb in directives:
                directives[verb] = _one(verb, args)
            elif verb == "require":
                path, version = _pair(verb, args)
                indirect = comment == "indirect" or comment.startswith("indirect;")
                requires.append(_Require(path, version, indirect))
            elif verb == "exclude":
                excludes.add(_pair(verb, args))
            elif verb == "replace":
                replaces.append(_replace(args))
            # retract, godebug, tool, ignore and directives newer than this parser: no packages.
        except (GoModError, ValueError) as err:
            raise GoModError(f"line {number}: {err}") from err
    if block is not None:
        raise GoModError(f"line {block_line}: {block} block is not closed")
    return GoMod(
        module=directives["module"],
        go=directives["go"],
        toolchain=directives["toolchain"],
        requires=tuple(requires),
        excludes=frozenset(excludes),
        replaces=tuple(replaces),
    )


def _one(verb: str, args: list[str]) -> str:
    if len(args) != 1:
        raise GoModError(f"{verb} takes one argument, got {len(args)}")
    return args[0]


def _pair(verb: str, args: list[str]) -> tuple[str, str]:
    if len(args) != 2:
        raise GoModError(f"{verb} takes a module path and a version, got {len(args)} arguments")
    if not args[0]:
        raise GoModError(f"{verb} with an empty module path")
    return args[0], args[1]


def _replace(args: list[str]) -> _Replace:
    if "=>" not in args:
        raise GoModError("replace without =>")
    arrow = args.index("=>")
    old, new = args[:arrow], args[arrow + 1 :]
    if len(old) not in (1, 2) or len(new) not in (1, 2) or not old[0] or not new[0]:
        raise GoModError("replace takes 'old [version] => new [version]'")
    return _Replace(
        old[0], old[1] if len(old) == 2 else "", new[0], new[1] if len(new) == 2 else ""
    )


def go_mod_packages(mod: GoMod, found_in: str) -> list[Package]:
    """The main module and requirements, with excludes and replacements applied."""
    # Keyed by module path, in file order; a path required twice keeps its last line.
    entries: dict[str, tuple[str, Relationship, tuple[tuple[str, str], ...]]] = {}
    if mod.module:
        facts = tuple((k, v) for k, v in (("go", mod.go), ("toolchain", mod.toolchain)) if v)
        entries[mod.module] = ("", Relationship.ROOT, facts)
    for req in mod.requires:
        if (req.path, req.version) in mod.excludes:
            continue
        rel = Relationship.INDIRECT if req.indirect else Relationship.DIRECT
        entries[req.path] = (req.version, rel, ())
    for rep in mod.replaces:
        old = entries.get(rep.old_path)
        if old is None or (rep.old_version and rep.old_version != old[0]):
            continue
        del entries[rep.old_path]
        if rep.new_version:
            facts = (("replaces", f"{rep.old_path}@{old[0]}"),)
            entries[rep.new_path] = (rep.new_version, old[1], facts)
    return [
        go_package(path, version, found_in, rel, facts)
        for path, (version, rel, facts) in entries.items()
    ]


def parse_go_sum(text: str) -> list[tuple[str, str]]:
    """(module, version) per module in go.sum: the last version listed, which Go sorts last."""
    versions: dict[str, str] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 2:
            continue
        versions[fields[0]] = fields[1].removesuffix("/go.mod")
    return list(versions.items())


_GO_DIRECTIVE = re.compile(r"(\d+)\.(\d+)")


def _lists_every_module(go_directive: str) -> bool:
    """Whether a go.mod with this ``go`` line requires every module the build uses.

    From Go 1.17 on, go.mod names indirect requirements too (module graph pruning); before,
    only go.sum knew them. A go.mod without a ``go`` line is read as Go 1.16, as Go does.
    """
    found = _GO_DIRECTIVE.match(go_directive)
    return found is not None and (int(found[1]), int(found[2])) >= (1, 17)


def reconcile_go_sum(packages: list[Package]) -> list[Package]:
    """go.sum entries beside a go.mod: what they add, and only that.

    go.sum holds checksums for every module the module graph touched, required or not. Beside
    a go.mod it names no module that go.mod already requires (go.mod is the version in use);
    beside a Go 1.17+ go.mod it names nothing at all (go.mod lists every module built); beside
    an older one, its other modules are the indirect requirements. A go.sum alone is read as
    it is: it is all there is.
    """
    required: dict[str, set[str]] = {}  # go.mod folder -> the modules it names
    complete: set[str] = set()  # go.mod folders whose go.mod lists every module
    for package in packages:
        folder, _, file = package.found_in.rpartition("/")
        if package.type is PackageType.GOLANG and file == "go.mod":
            required.setdefault(folder, set()).add(package.name)
            go_line = package.extra_value("go") or ""
            if package.relationship is Relationship.ROOT and _lists_every_module(go_line):
                complete.add(folder)
    out = []
    for package in packages:
        folder, _, file = package.found_in.rpartition("/")
        if file != "go.sum" or package.type is not PackageType.GOLANG or folder not in required:
            out.append(package)
        elif folder not in complete and package.name not in required[folder]:
            out.append(replace(package, relationship=Relationship.INDIRECT))
    return out


def _text(path: str, body: IO[bytes]) -> str | FileResult:
    data = body.read(_MAX_SIZE + 1)
    if len(data) > _MAX_SIZE:
        return FileResult(warnings=(f"{path}: larger than {_MAX_SIZE} bytes; skipped",))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        return FileResult(warnings=(f"{path}: not UTF-8 text ({err.reason} at {err.start})",))


class GoModAnalyzer(Analyzer):
    name = "go-mod"
    file_names = frozenset({"go.mod"})
    version = 1
    max_size = _MAX_SIZE

    def wants(self, path: str, meta: FileMeta) -> bool:
        # Called for every file of every layer: a slice compare is the cheapest test.
        return path[-6:] == "go.mod" and (len(path) == 6 or path[-7] == "/")

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        text = _text(path, body)
        if isinstance(text, FileResult):
            return text
        try:
            mod = parse_go_mod(text)
        except GoModError as err:
            return FileResult(warnings=(f"{path}: not a valid go.mod: {err}",))
        return FileResult(packages=tuple(go_mod_packages(mod, path)))


class GoSumAnalyzer(Analyzer):
    name = "go-sum"
    file_names = frozenset({"go.sum"})
    version = 1
    max_size = _MAX_SIZE

    def wants(self, path: str, meta: FileMeta) -> bool:
        return path[-6:] == "go.sum" and (len(path) == 6 or path[-7] == "/")

    def analyze(self, path: str, body: IO[bytes], options: AnalyzerOptions) -> FileResult:
        text = _text(path, body)
        if isinstance(text, FileResult):
            return text
        return FileResult(
            packages=tuple(go_package(name, ver, path) for name, ver in parse_go_sum(text))
        )
