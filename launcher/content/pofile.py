"""Strict reading of .po and .pot files: a syntax error is a located problem, never a guess.

Babel's ``read_po(..., abort_invalid=True)`` refuses an entry without a msgstr, an unknown
keyword, a quoted line outside any entry, merge-conflict markers and more plural forms than
the header allows, but it takes the text between the first and the last character of a line
as the string: an unterminated ``msgstr "Abbiamo appreso`` loses its last letter and is glued
to the next line, an unescaped quote inside a string is kept as text, and a ``msgstr`` whose
``msgid`` line was deleted is attached to the next entry (whose own translation is dropped).
A byte that is not in the file's charset stops it with no line number at all.

:func:`read_po_strict` is Babel's parser with those few checks added (the string syntax of
every line, a msgstr or msgid_plural without its msgid, a second msgstr for one msgid, an
entry defined twice, bytes that do not decode) and every problem raised as
:class:`PoSyntaxError` with its 1-based line and a fix. msgfmt refuses the same files.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from babel import UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, PoFileParser

from ..errors import Problem

#: one C string as gettext writes it: quotes around text whose quotes and backslashes are
#: escaped
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
#: the escapes Babel's reader turns back into characters (gettext's octal and hex escapes
#: would be published as written, backslash and all)
_ESCAPES = frozenset('\\"abfnrtv')
_ESCAPE = re.compile(r"\\(.?)")

_SYNTAX_HINT = (
    'each entry is msgid "..." then msgstr "..." (msgctxt, msgid_plural and msgstr[N] where'
    " needed), every text in double quotes on one line, a long text continued on the next"
    ' lines as "..."; Poedit or `msgfmt --check` show the same error'
)


class PoSyntaxError(Exception):
    """What is wrong with a .po file, where (1-based ``line``), and how to fix it."""

    def __init__(self, reason: str, line: int | None, hint: str = _SYNTAX_HINT) -> None:
        super().__init__(f"{reason} (line {line})" if line else reason)
        self.reason = reason
        self.line = line
        self.hint = hint

    def problem(self, display: str, field: str | None = None) -> Problem:
        return Problem(
            f"cannot read catalog: {self.reason}",
            file=display,
            line=self.line,
            field=field,
            hint=self.hint,
        )


class _Abort(PoFileError):
    """Raised inside the parser; carries our reason and fix (Babel's lineno is 0-based)."""

    def __init__(self, reason: str, catalog: Catalog, line: str, lineno: int, hint: str) -> None:
        super().__init__(reason, catalog, line, lineno)
        self.reason = reason
        self.hint = hint


def _string_problem(text: str) -> tuple[str, str] | None:
    """(what is wrong, fix) with one quoted string of a .po line, or None."""
    if not text:
        return "no text in double quotes after the keyword", 'write msgstr "" for an empty one'
    if not text.startswith('"'):
        return (
            f"text outside double quotes: {_clip(text)}",
            'put the text in double quotes: "..."',
        )
    match = _STRING.match(text)
    if match is None:
        return (
            f"unterminated string, the closing double quote is missing: {_clip(text)}",
            'end the line with a double quote ("); a quote inside the text is written \\"',
        )
    rest = text[match.end() :]
    if rest:
        if '"' in rest:
            return (
                f"a double quote inside the text ends the string early: {_clip(text)}",
                'write a double quote inside the text as \\" (Poedit does this for you)',
            )
        return (
            f"text after the closing double quote: {_clip(text)}",
            "move the text inside the quotes, or start a new line for it",
        )
    for escape in _ESCAPE.finditer(text[1:-1]):
        if escape.group(1) not in _ESCAPES:
            return (
                f"unknown escape sequence \\{escape.group(1)} in {_clip(text)}",
                'a backslash is written \\\\; the escapes read are \\n \\t \\" \\\\',
            )
    return None


def _clip(text: str, width: int = 50) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


class _StrictParser(PoFileParser):
    def __init__(self, catalog: Catalog) -> None:
        super().__init__(catalog, ignore_obsolete=False, abort_invalid=True)
        self._seen: dict[tuple[object, object], int] = {}
        self._obsolete_seen: dict[tuple[object, object], int] = {}

    def _abort(self, line: str, lineno: int, reason: str, hint: str = _SYNTAX_HINT) -> None:
        raise _Abort(reason, self.catalog, line, lineno, hint)

    def _process_keyword_line(self, lineno, line, obsolete=False) -> None:
        keyword, _, arg = line.partition(" ")
        arg = arg.strip()
        if keyword in ("msgid", "msgctxt", "msgid_plural") or keyword.startswith("msgstr"):
            bad = _string_problem(arg)
            if bad:
                self._abort(line, lineno, f"{keyword}: {bad[0]}", bad[1])
        is_msgstr = keyword == "msgstr" or keyword.startswith("msgstr[")
        orphan = not self.messages or (keyword == "msgid_plural" and bool(self.translations))
        if (is_msgstr or keyword == "msgid_plural") and orphan:
            self._abort(
                line,
                lineno,
                f"{keyword} without a msgid before it (was the msgid line deleted?)",
                "restore the msgid line of this entry (the English text, as in"
                " locales/messages.pot), or delete the whole entry and run: launcher i18n"
                " update",
            )
        if keyword == "msgid_plural" and len(self.messages) > 1:
            self._abort(line, lineno, "a second msgid_plural for the same msgid")
        if is_msgstr:
            index = keyword.partition("[")[2][:-1] if "[" in keyword else "0"
            if keyword != "msgstr" and not re.fullmatch(r"msgstr\[\d+\]", keyword):
                self._abort(line, lineno, f"{keyword}: a plural form is msgstr[0], msgstr[1]...")
            if any(str(i) == index for i, _ in self.translations):
                self._abort(
                    line,
                    lineno,
                    f"a second {keyword} for the same msgid (was a msgid line deleted?)",
                    "keep one translation per entry: each msgstr needs its own msgid above it",
                )
        super()._process_keyword_line(lineno, line, obsolete)

    def _process_string_continuation_line(self, line, lineno) -> None:
        bad = _string_problem(line)
        if bad:
            self._abort(line, lineno, bad[0], bad[1])
        super()._process_string_continuation_line(line, lineno)

    def _add_message(self) -> None:
        msgid = (
            tuple(m.denormalize() for m in self.messages)
            if len(self.messages) > 1
            else self.messages[0].denormalize()
        )
        context = self.context.denormalize() if self.context else None
        key = (msgid if isinstance(msgid, str) else msgid[0], context)
        seen = self._obsolete_seen if self.obsolete else self._seen
        if key in seen:
            self._abort(
                "",
                self.offset,
                f"msgid {_clip(repr(key[0]))} is defined twice (first on line {seen[key]})",
                "keep one of the two entries (the one with the right translation)",
            )
        seen[key] = self.offset + 1
        super()._add_message()


def _decoded(parser: _StrictParser, source: bytes) -> Iterator[str]:
    """The lines of ``source`` decoded with the catalog's charset as the parser knows it
    (the header, once read, may change it): a line that does not decode is named."""
    for lineno, raw in enumerate(io.BytesIO(source)):
        charset = parser.catalog.charset or "utf-8"
        try:
            yield raw.decode(charset)
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.end].hex(" ")
            raise _Abort(
                f"byte(s) {bad} at column {exc.start + 1} are not {charset.upper()}",
                parser.catalog,
                "",
                lineno,
                f"save the file as {charset.upper()} (the charset its Content-Type header names);"
                " Poedit and Weblate write UTF-8",
            ) from None
        except LookupError:
            raise _Abort(
                f"unknown charset {charset!r} in the Content-Type header",
                parser.catalog,
                "",
                lineno,
                'write "Content-Type: text/plain; charset=UTF-8\\n" in the header',
            ) from None


def read_po_strict(source: bytes, locale: str | None = None, domain: str | None = None) -> Catalog:
    """The catalog in ``source``, or :class:`PoSyntaxError` naming the line that is wrong."""
    try:
        catalog = Catalog(locale=locale, domain=domain)
    except (UnknownLocaleError, ValueError) as exc:
        raise PoSyntaxError(f"unknown locale: {exc}", None, "use a locale CLDR knows") from None
    parser = _StrictParser(catalog)
    try:
        parser.parse(_decoded(parser, source))
    except _Abort as exc:
        raise PoSyntaxError(exc.reason, exc.lineno + 1, exc.hint) from None
    except PoFileError as exc:  # Babel's own checks
        reason = str(exc).removesuffix(f" on {exc.lineno}")
        raise PoSyntaxError(reason, exc.lineno + 1, _babel_hint(reason)) from None
    except (ValueError, UnknownLocaleError) as exc:  # e.g. a header Babel cannot parse
        raise PoSyntaxError(str(exc), None) from None
    return catalog


def _babel_hint(reason: str) -> str:
    if reason.startswith("missing msgstr"):
        return (
            'add a msgstr line after the msgid: msgstr "" if it is not translated yet, else'
            " the translation in double quotes"
        )
    if "conflicts" in reason:
        return "resolve the merge conflict (#-#-#-#-# lines): keep one translation per entry"
    if "num_plurals" in reason:
        return "give as many msgstr[N] as the Plural-Forms header's nplurals, from msgstr[0]"
    return _SYNTAX_HINT
