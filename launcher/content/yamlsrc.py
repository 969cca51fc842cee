"""YAML loading that remembers where every value came from.

Content errors must name file, line and column, so we compose the node tree once and keep a
map from each value's path (``("messages", 2, "template")``) to its position. The loader is
YAML-1.2-like on purpose: ``no`` stays a string (the Norway problem), ``10:30`` stays a string
(YAML 1.1 would make it 630) and dates stay strings that launcher parses itself.

Hostile documents are refused with a problem naming the file, never a hang or a traceback:
aliases may expand the document by at most :data:`MAX_ALIAS_EXPANSION` values (a "billion
laughs" document expands to 10^9), nesting stops where Python's recursion does, and control
characters YAML forbids (a NUL byte) are reported with their line.
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ContentError, Problem
from .files import read_text

Path_ = tuple[str | int, ...]

#: values that aliases may add to a document (each use of an alias counts its whole subtree)
MAX_ALIAS_EXPANSION = 10_000


class AliasBomb(Exception):
    """Aliases expand the document past :data:`MAX_ALIAS_EXPANSION` values."""

    def __init__(self, line: int, column: int) -> None:
        super().__init__(f"alias expansion past {MAX_ALIAS_EXPANSION} values")
        self.line, self.column = line, column


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1's surprising implicit types."""


_DROP = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
}
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _DROP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:(?:0|[1-9][0-9]*)\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


#: the same loaders on libyaml's parser, where PyYAML was built with it: parsing the settings
#: of 750 accounts took 0.23 s in Python and 0.06 s in C, on a launch's critical path. The
#: documents, positions and problems are the same (tests/test_yaml_bounds.py compares them);
#: a text libyaml refuses is parsed again in Python, so every error reads as it always has.
_FAST: dict[type[yaml.SafeLoader], type[Any]] = {}
if getattr(yaml, "__with_libyaml__", False):

    class _StrictCLoader(yaml.CSafeLoader):  # type: ignore[misc, name-defined]
        """:class:`_StrictLoader` on libyaml's parser."""

        yaml_implicit_resolvers = _StrictLoader.yaml_implicit_resolvers

    _FAST = {_StrictLoader: _StrictCLoader, yaml.SafeLoader: yaml.CSafeLoader}


@dataclass
class YamlDoc:
    """A parsed YAML file with positions of its keys and values (1-based)."""

    data: Any
    file: str
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_) -> dict[str, Any]:
        """Keyword arguments for :class:`Problem` locating ``path`` (or its nearest parent)."""
        p = tuple(path)
        while p and p not in self.positions:
            p = p[:-1]
        line, col = self.positions.get(p, (None, None))
        return {"file": self.file, "line": line, "column": col, "field": dotted(path)}


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def load_yaml(path: Path, display: str | None = None) -> tuple[YamlDoc | None, list[Problem]]:
    """Parse ``path``; return the document and problems (syntax errors, duplicate keys)."""
    name = display or str(path)
    text, unreadable = read_text(path, name)  # missing, or not UTF-8 (with its line)
    if text is None:
        return None, [unreadable] if unreadable else []
    key = (str(path), name, text)
    with _parsed_lock:
        hit = _parsed.get(key)
    if hit is None:
        hit = parse_yaml(text, name)
        with _parsed_lock:
            if len(_parsed) >= _PARSED_MAX:
                _parsed.pop(next(iter(_parsed)))
            _parsed[key] = hit
    doc, problems = hit
    return copy.deepcopy(doc), list(problems)


#: files parsed in this process, by path and exact text: a launch for fifty missions reads the
#: approvals and the guardrails policy fifty times over, and PyYAML's parser was a fifth of the
#: planning time; the text read again decides, so an edited file is parsed again. Callers get
#: their own copy of the data.
_parsed: dict[tuple[str, str, str], tuple[YamlDoc | None, list[Problem]]] = {}
_PARSED_MAX = 64
_parsed_lock = threading.Lock()


def parse_yaml(
    text: str, name: str, loader_class: type[yaml.SafeLoader] | None = None
) -> tuple[YamlDoc | None, list[Problem]]:
    """Parse YAML ``text`` (named ``name`` in problems) with ``loader_class`` (default: the
    strict, YAML-1.2-like loader); return the document and its problems."""
    loader_class = loader_class or _StrictLoader
    fast = _FAST.get(loader_class)
    if fast is not None:
        doc, problems = _parse(text, name, fast)
        if doc is not None:
            return doc, problems
    return _parse(text, name, loader_class)


def _parse(text: str, name: str, loader_class: type[Any]) -> tuple[YamlDoc | None, list[Problem]]:
    problems: list[Problem] = []
    positions: dict[Path_, tuple[int, int]] = {}
    loader = None
    try:
        loader = loader_class(text)
        node = loader.get_single_node()
        if node is None:
            return YamlDoc({}, name), []
        walk_nodes(node, positions, problems, name)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(exc, name)]
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character
        what = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        return None, [
            Problem(
                f"the control character {what} is not allowed in YAML",
                file=name,
                line=line,
                column=column,
                hint="remove it (it is invisible in most editors; a NUL byte often means a"
                " binary or UTF-16 file)",
            )
        ]
    except yaml.YAMLError as exc:
        return None, [Problem(f"malformed YAML: {exc}", file=name)]
    except AliasBomb as exc:
        return None, [
            Problem(
                f"aliases expand this document past {MAX_ALIAS_EXPANSION} values: refused"
                " (a YAML alias bomb?)",
                file=name,
                line=exc.line,
                column=exc.column,
                hint="write the values out, or use fewer nested aliases (*name)",
            )
        ]
    except RecursionError:
        return None, [
            Problem(
                "nested too deeply to read",
                file=name,
                hint="a launcher file needs only a few levels of nesting: check for an"
                " unclosed [ or { or a generated file",
            )
        ]
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDoc(data, name, positions), problems


def _syntax_problem(exc: yaml.MarkedYAMLError, name: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    what = exc.problem or "malformed YAML"
    if exc.context:
        what = f"{exc.context}, {what}"
    return Problem(
        f"malformed YAML: {what}",
        file=name,
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
        hint="check indentation and quoting on this line (quote text that contains ': ' or '#')",
    )


def load_yaml_or_raise(path: Path, display: str | None = None) -> YamlDoc:
    doc, problems = load_yaml(path, display)
    if problems or doc is None:
        raise ContentError(problems)
    return doc


def walk_nodes(
    node: yaml.Node,
    positions: dict[Path_, tuple[int, int]],
    problems: list[Problem],
    file: str,
) -> None:
    """Record the position of every value and report duplicate keys, visiting each use of
    an alias; raise :class:`AliasBomb` once aliases have added ``MAX_ALIAS_EXPANSION``
    values (the walk stops there, so a hostile document costs at most that much)."""
    seen: set[int] = set()
    expanded = 0
    stack: list[tuple[yaml.Node, Path_]] = [(node, ())]
    while stack:
        current, path = stack.pop()
        if id(current) in seen:  # reached again through an alias
            expanded += 1
            if expanded > MAX_ALIAS_EXPANSION:
                mark = current.start_mark
                raise AliasBomb(mark.line + 1, mark.column + 1)
        seen.add(id(current))
        positions.setdefault(path, (current.start_mark.line + 1, current.start_mark.column + 1))
        children: list[tuple[yaml.Node, Path_]] = []
        if isinstance(current, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, value_node in current.value:
                key = (
                    key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
                )
                child = (*path, key)
                if key in keys:
                    problems.append(
                        Problem(
                            f"duplicate key '{key}'",
                            file=file,
                            line=key_node.start_mark.line + 1,
                            column=key_node.start_mark.column + 1,
                            field=dotted(child),
                            hint="each key may appear once; delete or merge the repeated one",
                        )
                    )
                keys.add(key)
                positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                children.append((value_node, child))
        elif isinstance(current, yaml.SequenceNode):
            children = [(item, (*path, i)) for i, item in enumerate(current.value)]
        stack.extend(reversed(children))
