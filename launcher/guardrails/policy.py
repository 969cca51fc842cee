"""The guardrails policy: ``guardrails.yaml`` at the content root.

Which rules run and how loud they are (``error`` stops a launch, ``warning`` is shown, ``off``
disables the rule), what is declared (hashtags, mentions, extra link hosts), which numbers may
be typed into a template, which terms must never be published, and the thresholds of the tone
checks. An absent file means the built-in defaults below; a bad file gives located problems.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..content.i18n import locale_problem
from ..content.schema import Checker, did_you_mean, known_list
from ..content.yamlsrc import load_yaml
from ..errors import Problem

POLICY_FILE = "guardrails.yaml"
SEVERITIES = ("error", "warning", "off")

#: every rule id with its built-in severity
DEFAULT_SEVERITIES: dict[str, str] = {
    "link-host": "error",
    "undeclared-mention": "error",
    "undeclared-hashtag": "error",
    "leftover-placeholder": "error",
    "placeholder-in-fact": "warning",
    "untranslated-english": "error",
    "typed-number": "error",
    "forbidden-term": "error",
    "repeated-text": "error",
    "shouting": "warning",
    "exclamations": "warning",
    "emoji-in-condolences": "error",
    "bidi-control": "warning",
    "fact-sanity": "warning",
    "fact-script": "warning",
}
RULES: tuple[str, ...] = tuple(DEFAULT_SEVERITIES)

TOP_KEYS = (
    "severity",
    "link_hosts",
    "mentions",
    "hashtags",
    "number_allowlist",
    "forbidden_terms",
    "repeat_window",
    "untranslated_min_words",
    "shouting",
    "max_exclamations",
    "solemn_messages",
)
SHOUTING_KEYS = ("min_words", "max_percent", "allow")
_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class Policy:
    """What the guardrails check and how severe each finding is."""

    severities: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SEVERITIES))
    #: hosts allowed in links in addition to the organisation's ``link_hosts`` (missions.yaml)
    link_hosts: tuple[str, ...] = ()
    #: @mentions that may appear (without the @, compared case-insensitively)
    mentions: tuple[str, ...] = ()
    #: hashtags that may appear (without the #, compared after case folding)
    hashtags: tuple[str, ...] = ()
    #: numbers a template may contain as typed (ASCII digits, e.g. "24" and "7" for 24/7)
    number_allowlist: tuple[str, ...] = ()
    #: locale (or "*" for every locale) -> terms never to publish
    forbidden_terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    repeat_window: timedelta = timedelta(hours=24)
    untranslated_min_words: int = 6
    shouting_min_words: int = 3
    shouting_max_percent: int = 30
    shouting_allow: tuple[str, ...] = ()
    max_exclamations: int = 1
    #: message ids treated as solemn (condolences) even when the playbook leaves tone neutral
    solemn_messages: tuple[str, ...] = ()
    file: str | None = None

    def severity(self, rule: str) -> str:
        return self.severities.get(rule, DEFAULT_SEVERITIES.get(rule, "error"))

    def enabled(self, rule: str) -> bool:
        return self.severity(rule) != "off"

    def terms_for(self, locale: str) -> tuple[str, ...]:
        lang = locale.replace("-", "_").split("_")[0]
        out: list[str] = []
        for key in ("*", lang, locale):
            for term in self.forbidden_terms.get(key, ()):
                if term not in out:
                    out.append(term)
        return tuple(out)


def load_policy(root: Path) -> tuple[Policy, list[Problem]]:
    """The policy in ``root/guardrails.yaml`` (built-in defaults when absent) and its problems.

    On problems the returned policy still holds every valid setting, so a caller that only
    warns keeps checking with the rest.
    """
    path = Path(root) / POLICY_FILE
    if not path.exists():  # a directory there is a problem (load_yaml says so)
        return Policy(), []
    doc, problems = load_yaml(path, POLICY_FILE)
    if doc is None:
        return Policy(file=POLICY_FILE), problems
    chk = Checker(doc, problems)
    top = chk.mapping(doc.data or {}, (), optional=TOP_KEYS, what=POLICY_FILE)
    if top is None:
        return Policy(file=POLICY_FILE), problems
    kw: dict[str, Any] = {"file": POLICY_FILE}

    severities = dict(DEFAULT_SEVERITIES)
    raw = top.get("severity")
    if raw is not None and chk.typed(raw, ("severity",), dict):
        for rule, sev in raw.items():
            rule = str(rule)
            if rule not in DEFAULT_SEVERITIES:
                chk.add(
                    ("severity", rule),
                    f"unknown rule '{rule}'{did_you_mean(rule, RULES)}",
                    hint=f"rules: {known_list(RULES)}",
                )
            elif sev not in SEVERITIES:
                chk.add(
                    ("severity", rule),
                    f"unknown severity '{sev}'{did_you_mean(str(sev), SEVERITIES)}",
                    hint="severities: error (stops the launch), warning (shown), off",
                )
            else:
                severities[rule] = sev
    kw["severities"] = severities

    for key, strip in (("link_hosts", ""), ("mentions", "@"), ("hashtags", "#")):
        items = _str_list(chk, top.get(key), (key,))
        if items is not None:
            kw[key] = tuple(x.strip().lstrip(strip) for x in items if x.strip())
    if "link_hosts" in kw:
        kw["link_hosts"] = tuple(h.lower().rstrip(".") for h in kw["link_hosts"])

    nums = top.get("number_allowlist")
    if nums is not None and chk.typed(nums, ("number_allowlist",), list):
        ok = []
        for i, n in enumerate(nums):
            text = str(n).strip()
            if isinstance(n, bool) or not text.isdigit():
                chk.add(
                    ("number_allowlist", i),
                    f"'{n}' is not a whole number",
                    hint="list the numbers as written in digits, e.g. [24, 7, 72]",
                )
            else:
                ok.append(str(int(text)) if text.isascii() else text)
        kw["number_allowlist"] = tuple(ok)

    terms = top.get("forbidden_terms")
    if terms is not None and chk.typed(terms, ("forbidden_terms",), dict):
        table: dict[str, tuple[str, ...]] = {}
        for loc, items in terms.items():
            loc = str(loc)
            if loc != "*" and locale_problem(loc):
                chk.add(
                    ("forbidden_terms", loc),
                    f"unknown locale '{loc}'",
                    hint="use a locale code such as en, fr, th, ja, or '*' for every locale",
                )
                continue
            got = _str_list(chk, items, ("forbidden_terms", loc))
            if got is not None:
                table[loc] = tuple(t.strip() for t in got if t.strip())
        kw["forbidden_terms"] = table

    window = top.get("repeat_window")
    if window is not None:
        match = _DURATION.match(window) if isinstance(window, str) else None
        if match:
            kw["repeat_window"] = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        else:
            chk.add(
                ("repeat_window",),
                f"'{window}' is not a duration",
                hint="write e.g. 12h, 24h, 2d",
            )

    for key, lo in (("untranslated_min_words", 2), ("max_exclamations", 0)):
        value = top.get(key)
        if value is not None and _int_at_least(chk, value, (key,), lo):
            kw[key] = value

    shouting = top.get("shouting")
    if shouting is not None:
        body = chk.mapping(shouting, ("shouting",), optional=SHOUTING_KEYS, what="shouting")
        if body is not None:
            if "min_words" in body and _int_at_least(
                chk, body["min_words"], ("shouting", "min_words"), 1
            ):
                kw["shouting_min_words"] = body["min_words"]
            if "max_percent" in body and _int_at_least(
                chk, body["max_percent"], ("shouting", "max_percent"), 0, 100
            ):
                kw["shouting_max_percent"] = body["max_percent"]
            allow = _str_list(chk, body.get("allow"), ("shouting", "allow"))
            if allow is not None:
                kw["shouting_allow"] = tuple(allow)

    solemn = _str_list(chk, top.get("solemn_messages"), ("solemn_messages",))
    if solemn is not None:
        kw["solemn_messages"] = tuple(solemn)
    return Policy(**kw), problems


def _str_list(chk: Checker, value: Any, path: tuple[str | int, ...]) -> list[str] | None:
    if value is None:
        return None
    if not chk.typed(value, path, list):
        return None
    out = []
    for i, item in enumerate(value):
        if isinstance(item, str | int) and not isinstance(item, bool):
            out.append(str(item))
        else:
            chk.add((*path, i), f"expected text, got {item!r}", hint="write one item per line")
    return out


def _int_at_least(
    chk: Checker, value: Any, path: tuple[str | int, ...], lo: int, hi: int | None = None
) -> bool:
    if not chk.typed(value, path, int):
        return False
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        chk.add(path, f"{value} is out of bounds: must be {bound}")
        return False
    return True
