"""Typed reading of YAML (and JSON) documents that keeps line numbers for error messages.

``yaml.safe_load`` forgets where a value came from; composing the node tree keeps each node's
mark, so a bad value is reported as ``file:line: key.path: problem`` on one line. JSON is read
through the same tree (after ``json`` has confirmed it is JSON), so VEX errors name lines too.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from hullscan.errors import PolicyError
from hullscan.policy.values import parse_day, parse_duration

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def compose_yaml(path: Path, text: str) -> Cursor | None:
    """The document's root, or None for an empty file."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else 0
        raise PolicyError(f"{path}:{line}: not valid YAML: {err.problem or err}") from None
    except yaml.YAMLError as err:
        raise PolicyError(f"{path}: not valid YAML: {err}") from None
    return Cursor(str(path), "", root) if root is not None else None


def compose_json(path: Path, text: str, what: str) -> Cursor:
    """The root of a JSON document; anything that is not JSON is an error with its line."""
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        raise PolicyError(f"{path}:{err.lineno}: {what} is not JSON: {err.msg}") from None
    root = compose_yaml(path, text)
    if root is None:
        raise PolicyError(f"{path}:1: {what} is empty")
    return root


@dataclass(frozen=True)
class Cursor:
    """One node of a document, with the file and key path that name it in errors."""

    file: str
    path: str
    node: yaml.Node

    @property
    def line(self) -> int:
        return int(self.node.start_mark.line) + 1

    def error(self, problem: str) -> PolicyError:
        where = f"{self.path}: " if self.path else ""
        return PolicyError(f"{self.file}:{self.line}: {where}{problem}")

    def _child(self, key: str, node: yaml.Node) -> Cursor:
        path = f"{self.path}.{key}" if self.path else key
        return Cursor(self.file, path, node)

    @property
    def is_null(self) -> bool:
        return isinstance(self.node, yaml.ScalarNode) and self.node.tag == _NULL

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.node, yaml.MappingNode)

    @property
    def is_sequence(self) -> bool:
        return isinstance(self.node, yaml.SequenceNode)

    def mapping(
        self, allowed: Collection[str] | None = None, required: Collection[str] = ()
    ) -> dict[str, Cursor]:
        """The mapping's entries; unknown, duplicate and missing keys are errors."""
        if not isinstance(self.node, yaml.MappingNode):
            raise self.error(f"expected a mapping, got {self._kind()}")
        out: dict[str, Cursor] = {}
        for key_node, value_node in self.node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                raise Cursor(self.file, self.path, key_node).error("keys must be strings")
            key = str(key_node.value)
            at_key = self._child(key, key_node)
            if allowed is not None and key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean {close[0]}? " if close else ""
                expected = ", ".join(sorted(allowed))
                raise at_key.error(f"unknown key; {hint}expected one of: {expected}")
            if key in out:
                raise at_key.error("duplicate key")
            out[key] = self._child(key, value_node)
        missing = [key for key in required if key not in out]
        if missing:
            raise self.error(f"missing required key {missing[0]!r}")
        return out

    def sequence(self) -> list[Cursor]:
        if not isinstance(self.node, yaml.SequenceNode):
            raise self.error(f"expected a list, got {self._kind()}")
        return [Cursor(self.file, f"{self.path}[{i}]", n) for i, n in enumerate(self.node.value)]

    def string(self, *, allow_empty: bool = False) -> str:
        """A string; numbers written bare (``version: 3.2``) are taken as their text."""
        if not isinstance(self.node, yaml.ScalarNode) or self.node.tag in (_NULL, _BOOL):
            raise self.error(f"expected a string, got {self._kind()}")
        text = str(self.node.value)
        if not text.strip() and not allow_empty:
            raise self.error("must not be empty")
        return text

    def strings(self) -> list[str]:
        """A list of strings; a single string is taken as a list of one."""
        if isinstance(self.node, yaml.ScalarNode):
            return [self.string()]
        return [item.string() for item in self.sequence()]

    def boolean(self) -> bool:
        if not isinstance(self.node, yaml.ScalarNode) or self.node.tag != _BOOL:
            raise self.error(f"expected true or false, got {self._kind()}")
        return str(self.node.value).lower() in ("true", "yes", "on", "y")

    def integer(self) -> int:
        if not isinstance(self.node, yaml.ScalarNode) or self.node.tag != _INT:
            raise self.error(f"expected an integer, got {self._kind()}")
        return int(str(self.node.value).replace("_", ""), 0)

    def number(self) -> float:
        if not isinstance(self.node, yaml.ScalarNode) or self.node.tag not in (_INT, _FLOAT):
            raise self.error(f"expected a number, got {self._kind()}")
        return float(str(self.node.value).replace("_", ""))

    def date(self) -> date:
        """A calendar day, written ``YYYY-MM-DD`` (quoted or not)."""
        if not isinstance(self.node, yaml.ScalarNode) or self.node.tag not in (_STR, _TIMESTAMP):
            raise self.error(f"expected a date (YYYY-MM-DD), got {self._kind()}")
        return parse_day(str(self.node.value), self)

    def duration(self) -> timedelta:
        """A duration such as ``30m``, ``24h``, ``7d`` or ``1h30m``."""
        try:
            return parse_duration(self.string())
        except ValueError as err:
            raise self.error(str(err)) from None

    def _kind(self) -> str:
        if isinstance(self.node, yaml.MappingNode):
            return "a mapping"
        if isinstance(self.node, yaml.SequenceNode):
            return "a list"
        names = {
            _STR: "a string",
            _BOOL: "a boolean",
            _INT: "an integer",
            _FLOAT: "a number",
            _NULL: "nothing",
            _TIMESTAMP: "a date",
        }
        kind = names.get(str(self.node.tag), "a value")
        return f"{kind} ({self.node.value!r})" if self.node.tag != _NULL else kind
