"""Small structural checks for YAML content, collecting problems instead of raising.

Deliberately tiny: the content formats are few and flat, and hand-written checks give better
messages ("unknown key 'templte', did you mean 'template'?") than a generic schema engine.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import Problem
from .yamlsrc import Path_, YamlDoc

TYPE_NAMES = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a mapping (key: value lines)",
}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f", did you mean '{matches[0]}'?" if matches else ""


def known_list(choices: Iterable[str]) -> str:
    return ", ".join(sorted(choices))


class Checker:
    """Checks pieces of one YAML document, appending located problems."""

    def __init__(self, doc: YamlDoc, problems: list[Problem]) -> None:
        self.doc = doc
        self.problems = problems

    def add(self, path: Path_, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(message, hint=hint, **self.doc.where(path)))

    def mapping(
        self,
        value: Any,
        path: Path_,
        *,
        required: Iterable[str] = (),
        optional: Iterable[str] = (),
        what: str = "this section",
    ) -> dict[str, Any] | None:
        """Check ``value`` is a mapping with only known keys and all required ones."""
        if not isinstance(value, Mapping):
            self.add(path, f"expected {TYPE_NAMES[dict]}, got {describe(value)}")
            return None
        required = list(required)
        allowed = set(required) | set(optional)
        for key in value:
            if key not in allowed:
                self.add(
                    (*path, key),
                    f"unknown key '{key}'{did_you_mean(str(key), allowed)}",
                    hint=f"keys allowed in {what}: {known_list(allowed)}",
                )
        for key in required:
            if key not in value:
                self.add(path, f"missing required key '{key}'", hint=f"add '{key}:' to {what}")
        return dict(value)

    def typed(self, value: Any, path: Path_, *types: type) -> bool:
        # bool is an int subclass: never accept true/false where a number is expected
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        if not ok:
            want = " or ".join(TYPE_NAMES.get(t, t.__name__) for t in types)
            self.add(path, f"expected {want}, got {describe(value)}")
        return ok


def describe(value: Any) -> str:
    if value is None:
        return "nothing (empty value)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    kind = TYPE_NAMES.get(type(value), type(value).__name__)
    text = repr(value) if isinstance(value, str | int | float) else ""
    return f"{kind} {text}".strip()
