"""Rendering: one sandboxed Jinja environment per (content root, locale).

Translations are bound to an environment, so each locale gets its own; compiled templates are
cached by Jinja inside it. ``StrictUndefined`` turns a misspelt variable into an error, and the
sandbox means event facts (``--set region="{{ 7*7 }}"``) are only ever data: Jinja never
evaluates the content of a variable, and the sandbox blocks attribute tricks in templates.
Rendering is bounded (:mod:`launcher.content.renderlimits`): a template that loops or repeats text
without end is an error naming its file and line.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    pass_context,
)
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..errors import Problem
from . import renderlimits
from .bidi import isolated, unisolate_links
from .files import not_a_file, not_utf8
from .i18n import Formatter, LoadedCatalog, is_rtl
from .typography import finish

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
_BLANKS = re.compile(r"\n{3,}")
_TRAILING = re.compile(r"[ \t]+\n")

_envs: dict[Path, ImmutableSandboxedEnvironment] = {}
_envs_lock = threading.Lock()


class RenderError(Exception):
    """A template could not be rendered; ``problem`` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def environment(root: Path) -> ImmutableSandboxedEnvironment:
    """The one environment of a content root: every template is compiled once.

    Translations are not bound to it; :func:`locale_vars` supplies the gettext functions and
    the formatter of one locale as render variables, which take precedence over globals.
    """
    with _envs_lock:
        env = _envs.get(root)
        if env is None:
            env = _envs[root] = _make_env(root)
    return env


def locale_vars(catalog: LoadedCatalog, formatter: Formatter) -> dict[str, Any]:
    """The render variables that make the shared environment speak one locale."""
    t = catalog.translations
    # a translation may ask for a form of a name: %(region.in)s (launcher.places.names)
    from ..places.names import expand_forms as forms
    from ..places.names import finish as finish_forms

    # Jinja's "newstyle" gettext: the translation is a %-format string filled with the
    # variables of the {% trans %} block (autoescape is off: these are plain-text posts).
    # Facts are isolated (FSI ... PDI) where they are written into the text: here for the
    # variables of a {% trans %} block, by the environment's finalize for {{ ... }}.
    @pass_context
    def gettext(_ctx: Any, message: str, /, **variables: Any) -> str:
        return finish_forms(t.gettext(message) % forms(variables, wrap=isolated))

    @pass_context
    def ngettext(_ctx: Any, singular: str, plural: str, num: int, /, **variables: Any) -> str:
        variables.setdefault("num", num)
        text = t.ngettext(singular, plural, num)
        return finish_forms(text % forms(variables, wrap=isolated))

    # {% trans "context" %}: the same words can need different translations (a label in a
    # profile, a verb in a post); the context tells them apart in the catalog
    @pass_context
    def pgettext(_ctx: Any, context: str, message: str, /, **variables: Any) -> str:
        variables.setdefault("context", context)
        return finish_forms(t.pgettext(context, message) % forms(variables, wrap=isolated))

    @pass_context
    def npgettext(
        _ctx: Any, context: str, singular: str, plural: str, num: int, /, **variables: Any
    ) -> str:
        variables.setdefault("context", context)
        variables.setdefault("num", num)
        text = t.npgettext(context, singular, plural, num)
        return finish_forms(text % forms(variables, wrap=isolated))

    return {
        "gettext": gettext,
        "_": gettext,
        "ngettext": ngettext,
        "pgettext": pgettext,
        "npgettext": npgettext,
        "_fmt": formatter,
        "_rtl": is_rtl(catalog.locale),
    }


#: the Jinja options that change what a template's text is; babel.cfg's [jinja2: ...] section
#: must say the same, or the .pot would hold other strings than the ones looked up at run time
#: (`launcher i18n extract` and `launcher validate` compare them)
JINJA_OPTIONS: dict[str, Any] = {
    "extensions": ["jinja2.ext.i18n"],
    "trim_blocks": True,
    "lstrip_blocks": True,
}


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with ``*`` and ``**`` checked so no expression can grow without bound."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        return renderlimits.checked_binop(operator, left, right)


class ContentLoader(FileSystemLoader):
    """Jinja's file loader, with a template that is not UTF-8 (Jinja raises UnicodeDecodeError)
    or is a directory (Jinja says "not found") a :class:`RenderError` naming the file, and
    the line of the first byte that is not UTF-8."""

    def get_source(self, environment: Any, template: str) -> Any:
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError:
            template_text(Path(self.searchpath[0]).parent, template)  # raises RenderError
            raise
        except TemplateNotFound:  # Jinja says a directory is "not found": say what it is
            path = Path(self.searchpath[0], *split_template_path(template))
            problem = not_a_file(path, f"templates/{template}")
            if problem is not None:
                raise RenderError(problem) from None
            raise


def template_text(root: Path, name: str) -> bytes:
    """The bytes of ``templates/name``, checked to be a file of UTF-8 text (else
    RenderError)."""
    path = root / "templates" / name
    problem = not_a_file(path, f"templates/{name}")
    if problem is not None:
        raise RenderError(problem)
    data = path.read_bytes()
    problem = not_utf8(data, f"templates/{name}")
    if problem is not None:
        raise RenderError(problem)
    return data


def _make_env(root: Path) -> ImmutableSandboxedEnvironment:
    env = BoundedSandbox(
        loader=ContentLoader(str(root / "templates")),
        undefined=StrictUndefined,
        autoescape=False,
        finalize=isolated,  # a fact written with {{ ... }} gets its isolates (content.bidi)
        **JINJA_OPTIONS,
    )
    env.globals["range"] = renderlimits.bounded_range
    # English placeholders so templates also compile and render without a locale
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]

    def fmt(ctx: Any) -> Formatter:
        return ctx["_fmt"]

    @pass_context
    def f_datetime(ctx: Any, value: Any, style: str = "medium") -> str:
        return fmt(ctx).datetime(value, style)

    @pass_context
    def f_date(ctx: Any, value: Any, style: str = "medium") -> str:
        return fmt(ctx).date(value, style)

    @pass_context
    def f_time(ctx: Any, value: Any, style: str = "short", zone: bool = False) -> str:
        return fmt(ctx).time(value, style, zone)

    @pass_context
    def f_zone(ctx: Any, value: Any) -> str:
        return fmt(ctx).zone(value)

    @pass_context
    def f_number(ctx: Any, value: Any) -> str:
        return fmt(ctx).number(value)

    @pass_context
    def f_count(ctx: Any, value: Any) -> str:
        # a count of people (the death toll): never a separator read as a decimal mark
        from .counts import format_count

        return format_count(value, fmt(ctx).locale, fmt(ctx).number)

    @pass_context
    def f_decimal(ctx: Any, value: Any, digits: int = 1) -> str:
        return fmt(ctx).decimal(value, digits)

    @pass_context
    def f_country(ctx: Any, code: str) -> str:
        return fmt(ctx).country_name(code)

    @pass_context
    def f_language(ctx: Any, code: str) -> str:
        return fmt(ctx).language_name(code)

    @pass_context
    def f_ltr(ctx: Any, value: Any) -> str:
        # Phone numbers and URLs inside Arabic text must keep their left-to-right order.
        return f"{LRI}{value}{PDI}" if ctx.get("_rtl") else str(value)

    env.filters.update(
        datetime=f_datetime,
        date=f_date,
        time=f_time,
        zone=f_zone,
        number=f_number,
        headcount=f_count,
        decimal=f_decimal,
        country_name=f_country,
        language_name=f_language,
        ltr=f_ltr,
    )
    return env


def tidy(text: str) -> str:
    """Strip the whitespace template markup leaves behind; keep paragraphs."""
    text = _TRAILING.sub("\n", text.replace("\r\n", "\n"))
    return _BLANKS.sub("\n\n", text).strip()


def _finish(text: str, locale: str | None) -> str:
    return unisolate_links(finish(tidy(text), locale))


def render_template(
    env: ImmutableSandboxedEnvironment,
    name: str,
    variables: Mapping[str, Any],
    *,
    block: str | None = None,
) -> str:
    """Render ``name`` (or one of its blocks), tidy the result and apply the typography of
    the ``locale`` variable (:mod:`launcher.content.typography`), or raise RenderError."""
    budget = renderlimits.start()
    try:
        template = env.get_template(name)
        locale = variables.get("locale")
        if block is None:
            return _finish(renderlimits.collect(template.generate(variables)), locale)
        if block not in template.blocks:
            raise RenderError(
                Problem(
                    f"template has no block '{block}'",
                    file=f"templates/{name}",
                    hint=f"add {{% block {block} %}}...{{% endblock %}}",
                )
            )
        ctx = template.new_context(dict(variables))
        return _finish(renderlimits.collect(template.blocks[block](ctx)), locale)
    except RenderError:
        raise
    except (OverflowError, MemoryError, RecursionError) as exc:
        line, tname = _template_line(exc, name)
        why = str(exc) if isinstance(exc, OverflowError) else type(exc).__name__
        raise RenderError(
            Problem(
                f"template too costly to render: {why}",
                file=f"templates/{tname}",
                line=line,
                hint="a template renders one post: keep its loops, repetitions and macros small"
                " (see docs/content-format.md, 'Limits')",
            )
        ) from None
    except TemplateNotFound as exc:
        raise RenderError(
            Problem(
                f"template '{exc.name}' does not exist",
                file=f"templates/{exc.name}",
                hint="check the name in the playbook (paths are relative to templates/)",
            )
        ) from None
    except TemplateSyntaxError as exc:
        raise RenderError(
            Problem(
                f"template syntax error: {exc.message}",
                file=f"templates/{exc.name or name}",
                line=exc.lineno,
                hint="fix the Jinja markup on this line",
            )
        ) from None
    except UndefinedError as exc:
        line, tname = _template_line(exc, name)
        message, hint = explain_undefined(exc.message or "", env, tname, line, variables)
        raise RenderError(
            Problem(message, file=f"templates/{tname}", line=line, hint=hint)
        ) from None
    except SecurityError as exc:
        line, tname = _template_line(exc, name)
        raise RenderError(
            Problem(f"unsafe template operation: {exc}", file=f"templates/{tname}", line=line)
        ) from None
    except (TemplateError, TypeError, ValueError, KeyError, AttributeError) as exc:
        line, tname = _template_line(exc, name)
        raise RenderError(
            Problem(
                f"template error: {type(exc).__name__}: {exc}",
                file=f"templates/{tname}",
                line=line,
            )
        ) from None
    finally:
        renderlimits.finish(budget)


_NO_ATTRIBUTE = re.compile(r"has no attribute '([^']+)'")
_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")
#: render variables that are launcher's own machinery, not something a template names
_INTERNAL = frozenset(
    {"_fmt", "_rtl", "_platform_names", "gettext", "ngettext", "pgettext", "npgettext", "_"}
)


def explain_undefined(
    message: str, env: Any, template: str, line: int | None, variables: Mapping[str, Any]
) -> tuple[str, str]:
    """'dict object' has no attribute 'hotlin' -> "undefined: event.hotlin, did you mean
    event.hotline?" with the names that do exist, found from the template's line."""
    from .schema import did_you_mean

    found = _UNDEFINED_NAME.match(message)
    if found:
        name = found.group(1)
        known = sorted(k for k in variables if k not in _INTERNAL)
        return (
            f"undefined variable '{name}'{did_you_mean(name, known)}",
            f"templates receive: {', '.join(known)} (docs/content-format.md)",
        )
    found = _NO_ATTRIBUTE.search(message)
    if not found:
        return f"undefined variable: {message}", "see docs/content-format.md"
    attr = found.group(1)
    owner = _owner_of(env, template, line, attr)
    value = variables.get(owner) if owner else None
    if owner and isinstance(value, Mapping):
        known = sorted(str(k) for k in value if "." not in str(k))
        what = {"event": "facts (the playbook's parameters)"}.get(owner, f"{owner}'s names")
        return (
            f"undefined variable '{owner}.{attr}'{did_you_mean(attr, known)}",
            f"{what}: {', '.join(known) or 'none'}",
        )
    return f"undefined variable: {message}", "see docs/content-format.md"


def _owner_of(env: Any, template: str, line: int | None, attr: str) -> str | None:
    """The variable whose ``.attr`` the template's line reads (``event`` in event.hotlin)."""
    try:
        source = env.loader.get_source(env, template)[0].splitlines()
    except Exception:  # the template was found to render it; this is only for the message
        return None
    lines = [source[line - 1]] if line and line <= len(source) else source
    for text in lines:
        hit = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*" + re.escape(attr) + r"\b", text)
        if hit:
            return hit.group(1)
    return None


def _template_line(exc: BaseException, fallback: str) -> tuple[int | None, str]:
    """Jinja rewrites tracebacks so template frames carry the template's file and line."""
    tb = exc.__traceback__
    found: tuple[int | None, str] = (None, fallback)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2") and "templates" in filename:
            found = (tb.tb_lineno, filename.split("templates/", 1)[-1])
        tb = tb.tb_next
    return found


_msgid_cache: dict[tuple[Path, str, float], dict[str, tuple[str, int]]] = {}


def template_msgids(root: Path, name: str) -> dict[str, tuple[str, int]]:
    """Message key (see :func:`~launcher.content.i18n.message_key`) -> (template, line) for every
    translatable string in ``name`` and the templates it extends, includes or imports.

    Extracted by Babel with the runtime's Jinja options, exactly as `launcher i18n extract`
    writes them to the .pot."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract

    from .i18n import message_key

    path = root / "templates" / name
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return {}
    key = (root, name, mtime)
    hit = _msgid_cache.get(key)
    if hit is not None:
        return hit
    out: dict[str, tuple[str, int]] = {}
    data = template_text(root, name)
    try:
        for lineno, message, _comments, context in extract(
            "jinja2.ext:babel_extract", io.BytesIO(data), DEFAULT_KEYWORDS, (), EXTRACT_OPTIONS
        ):
            msgid = message[0] if isinstance(message, tuple | list) else message
            if msgid:
                out.setdefault(message_key(msgid, context), (name, lineno))
    except TemplateSyntaxError as exc:
        raise RenderError(
            Problem(
                f"template syntax error: {exc.message}",
                file=f"templates/{name}",
                line=exc.lineno,
                hint="fix the Jinja markup on this line",
            )
        ) from None
    for parent in _parents(data.decode("utf-8")):
        for msgid, where in template_msgids(root, parent).items():
            out.setdefault(msgid, where)
    _msgid_cache[key] = out
    return out


#: JINJA_OPTIONS as Babel's Jinja extractor takes them (strings), plus silent = false
EXTRACT_OPTIONS: dict[str, str] = {
    "extensions": ",".join(JINJA_OPTIONS["extensions"]),
    "trim_blocks": str(JINJA_OPTIONS["trim_blocks"]).lower(),
    "lstrip_blocks": str(JINJA_OPTIONS["lstrip_blocks"]).lower(),
    "silent": "false",
}


_EXTENDS = re.compile(r"{%-?\s*(?:extends|include|import|from)\s+['\"]([^'\"]+)['\"]")


def _parents(source: str) -> list[str]:
    return _EXTENDS.findall(source)


def playbook_msgids(
    root: Path, playbook: Any, problems: list[Problem]
) -> dict[str, tuple[str, int]]:
    """Every message id a playbook's templates use, with where it is first used: what its
    catalogs must translate. Content knowledge, so planning and the translation workflow
    both take it from here."""
    used: dict[str, tuple[str, int]] = {}
    for name in dict.fromkeys(playbook.templates):  # profile, messages, the sunset's
        try:
            found = template_msgids(root, name)
        except RenderError as exc:
            problems.append(exc.problem)
            continue
        for msgid, where in found.items():
            used.setdefault(msgid, where)
    return used
