"""YAML loading that remembers where every value came from.

Content errors must name file, line and column, so we compose the node tree once and keep a
map from each value's path (``("messages", 2, "template")``) to its position. The loader is
YAML-1.2-like on purpose: ``no`` stays a string (the Norway problem), ``10:30`` stays a string
(YAML 1.1 would make it 630) and dates stay strings that launcher parses itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError, Problem

Path_ = tuple[str | int, ...]


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
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem("file not found", file=name)]
    except UnicodeDecodeError as exc:
        return None, [Problem(f"not valid UTF-8 ({exc.reason})", file=name, hint="save as UTF-8")]
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDoc({}, name), []
        problems: list[Problem] = []
        positions: dict[Path_, tuple[int, int]] = {}
        _walk(node, (), positions, problems, name)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        what = exc.problem or "malformed YAML"
        if exc.context:
            what = f"{exc.context}, {what}"
        return None, [
            Problem(
                f"malformed YAML: {what}",
                file=name,
                line=line,
                column=col,
                hint="check indentation and quoting on this line"
                " (quote text that contains ': ' or '#')",
            )
        ]
    except yaml.YAMLError as exc:
        return None, [Problem(f"malformed YAML: {exc}", file=name)]
    finally:
        loader.dispose()
    return YamlDoc(data, name, positions), problems


def load_yaml_or_raise(path: Path, display: str | None = None) -> YamlDoc:
    doc, problems = load_yaml(path, display)
    if problems or doc is None:
        raise ContentError(problems)
    return doc


def _walk(
    node: yaml.Node,
    path: Path_,
    positions: dict[Path_, tuple[int, int]],
    problems: list[Problem],
    file: str,
) -> None:
    positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            child = (*path, key)
            if key in seen:
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
            seen.add(key)
            positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _walk(value_node, child, positions, problems, file)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), positions, problems, file)
