"""A .po file with a syntax error is bad content, through the real CLI on a repository made by
`launcher init`: every command names the file and the line and says what to fix, `compile`,
`status`, `validate`, `plan` and `run` exit 2, nothing is rendered, recorded or published,
and `update` rewrites nothing. Then the translator fixes the line and the launch goes out with
the right words."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from launcher.content import i18n
from launcher.content.pofile import PoSyntaxError, read_po_strict
from tests.conftest import REPO, invoke

AT = "2026-05-22T08:30:00Z"
QUAKE = ("earthquake", "--mission", "rome", "--set", "region=Umbria", "--set", "magnitude=6")
PLAN = ("plan", *QUAKE, "--locale", "it", "--at", AT)
RUN = ("run", *QUAKE, "--at", AT, "--now", AT, "--emergency", "--reason", "drill", "--yes")
PO = "locales/it/LC_MESSAGES/messages.po"
CONDOLENCES = b'"Abbiamo appreso con profondo dolore'
READY_MSGID = b'msgid "Exampleland stands ready to help."'
READY_MSGSTR = 'msgstr "Exampleland è pronto ad aiutare."'.encode()
WRONG_FIX = "launcher i18n extract && launcher i18n update"


@pytest.fixture(autouse=True)
def fresh_cache():
    i18n._cache.clear()
    yield
    i18n._cache.clear()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    made = tmp_path / "content"
    assert invoke("init", str(made)).exit_code == 0
    return made


def _index(lines: list[bytes], start: bytes) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(start))


# each edit changes the lines of the Italian catalog and returns the 1-based line to name
def unterminated(lines: list[bytes]) -> int:  # (a)
    i = _index(lines, CONDOLENCES) - 1
    assert lines[i] == b'msgstr ""\n'
    lines[i] = b'msgstr "Abbiamo appreso\n'
    return i + 1


def msgid_deleted(lines: list[bytes]) -> int:  # (b): its msgstr now sits on that line
    i = _index(lines, READY_MSGID)
    del lines[i]
    return i + 1


def not_utf8(lines: list[bytes]) -> int:  # (c)
    i = _index(lines, READY_MSGSTR)
    lines[i] = lines[i].replace("è".encode(), "è".encode("latin-1"))
    return i + 1


def unescaped_quote(lines: list[bytes]) -> int:  # (d)
    i = _index(lines, READY_MSGSTR)
    lines[i] = 'msgstr "Exampleland è "pronto" ad aiutare."\n'.encode()
    return i + 1


def msgstr_deleted(lines: list[bytes]) -> int:  # (d): named at its msgid
    i = _index(lines, READY_MSGSTR)
    del lines[i]
    return i


def break_po(root: Path, edit: Callable[[list[bytes]], int]) -> int:
    path = root / PO
    lines = path.read_bytes().splitlines(keepends=True)
    line = edit(lines)
    path.write_bytes(b"".join(lines))
    return line


CASES = [
    (unterminated, "msgstr: unterminated string, the closing double quote is missing"),
    (msgid_deleted, "msgstr without a msgid before it"),
    (not_utf8, "byte(s) e8 at column 21 are not UTF-8"),
    (unescaped_quote, "msgstr: a double quote inside the text ends the string early"),
    (msgstr_deleted, "missing msgstr for msgid 'Exampleland stands ready to help.'"),
]


@pytest.mark.parametrize(("edit", "reason"), CASES, ids=[c[0].__name__ for c in CASES])
def test_a_syntax_error_in_a_po_is_refused_everywhere_with_file_and_line(
    root: Path, edit, reason: str
) -> None:
    assert invoke("i18n", "compile", root=root).exit_code == 0  # a good .mo is on disk
    line = break_po(root, edit)
    broken = (root / PO).read_bytes()
    where = f"{PO}:{line}: locale it: cannot read catalog: {reason}"

    results = {
        "compile": invoke("i18n", "compile", root=root),
        "status": invoke("i18n", "status", root=root),
        "status --json": invoke("i18n", "status", "--json", root=root),
        "validate": invoke("validate", root=root),
        "plan": invoke(*PLAN, root=root),
        "update": invoke("i18n", "update", root=root),
    }
    for name, result in results.items():
        assert result.exit_code == 2, (name, result.output)
        assert where in result.stderr, (name, result.stderr)
        assert "fix: " in result.stderr, name
        assert WRONG_FIX not in result.output, name
        assert "Traceback" not in result.output, name
    assert "Abbiamo" not in results["plan"].stdout  # nothing of the catalog rendered
    assert "it     locales/it/LC_MESSAGES/messages.po: broken, nothing compiled" in (
        results["compile"].stdout
    )
    row = next(r for r in results["status"].stdout.splitlines() if r.startswith("it "))
    assert row.split() == ["it", "-", "-", "-", "-", "broken"]
    report = json.loads(results["status --json"].stdout)
    it = next(s for s in report["locales"] if s["locale"] == "it")
    assert it["broken"] is True and it["playbooks"]["earthquake"]["launchable"] is False
    assert it["problems"][0]["line"] == line and it["problems"][0]["file"] == PO
    assert (root / PO).read_bytes() == broken  # update rewrote nothing


def test_other_syntax_errors_babel_lets_through_are_named_with_their_line() -> None:
    head = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    cases = {
        'msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n': (8, "defined twice (first on line 5)"),
        'msgid "a"\nmsgstr "b" and c\n': (6, "text after the closing double quote"),
        'msgid "a"\nmsgstr Abbiamo\n': (6, "text outside double quotes"),
        'msgid "a"\nmsgstr\n': (6, "no text in double quotes"),
        'msgid "a"\nmsgstr "b\\q"\n': (6, "unknown escape sequence \\q"),
        'msgid "a"\nmsgstr "b"\nmsgstr "c"\n': (7, "a second msgstr for the same msgid"),
        'msgid "a"\nmsgstr ""\n"b\n': (7, "unterminated string"),
        'msgid_plural "as"\nmsgstr[0] "b"\n': (5, "msgid_plural without a msgid"),
        'msgid "a"\nmsgid_plural "as"\nmsgstr[x] "b"\n': (7, "a plural form is msgstr[0]"),
        'msgid "a"\nmsgtsr "b"\n': (6, "Unknown or misformatted keyword"),  # Babel's own check
    }
    for body, (line, reason) in cases.items():
        with pytest.raises(PoSyntaxError) as caught:
            read_po_strict((head + body).encode(), locale="it")
        assert caught.value.line == line and reason in caught.value.reason, body
        assert caught.value.hint
    good = read_po_strict((head + 'msgid "a \\"b\\""\nmsgstr "x\\ty\\n"\n').encode(), "it")
    assert good.get('a "b"').string == "x\ty\n"


def test_every_shipped_catalog_reads_strictly() -> None:
    paths = [*REPO.glob("locales/**/*.po"), *REPO.glob("locales/*.pot")]
    paths += [*(REPO / "launcher").glob("**/locales/**/*.po")]
    paths += [*(REPO / "launcher").glob("**/*.pot")]
    assert len(paths) > 10
    for path in paths:
        lenient = read_po(path.open("rb"))
        strict = read_po_strict(path.read_bytes())
        assert [(m.id, m.string) for m in strict] == [(m.id, m.string) for m in lenient], path


def test_a_mo_compiled_by_the_old_lenient_reading_is_not_trusted(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A .po broken before this launcher was installed, compiled then by the reading that
    accepted it: the .mo matches the .po's digest but not the reader, and is compiled again."""
    line = break_po(root, unterminated)
    source = (root / PO).read_bytes()
    lenient: Catalog = read_po(iter(source.splitlines(keepends=True)), locale="it")
    monkeypatch.setattr(i18n, "READER_VERSION", "")
    mo, _ = i18n.compile_catalog(lenient, hashlib.sha256(source).hexdigest())
    monkeypatch.undo()
    (root / PO).with_suffix(".mo").write_bytes(mo)
    result = invoke(*PLAN, root=root)
    assert result.exit_code == 2 and f"{PO}:{line}:" in result.stderr, result.output
    assert "appresAbbiamo" not in result.stdout


def _published() -> list[dict]:
    path = Path(os.environ["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    if not path.is_file():
        return []
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    return [r for r in records if r["op"] == "publish"]


def test_a_translator_breaks_a_po_nothing_goes_out_then_fixes_it_and_it_does(root: Path) -> None:
    assert invoke("i18n", "compile", root=root).exit_code == 0
    po = root / PO
    good = po.read_bytes()
    line = break_po(root, unterminated)  # a closing quote lost while editing

    status = invoke("i18n", "status", root=root)
    assert status.exit_code == 2 and "broken" in status.stdout
    assert f"{PO}:{line}:" in status.stderr
    compiled = invoke("i18n", "compile", root=root)
    assert compiled.exit_code == 2 and f"{PO}:{line}:" in compiled.stderr
    plan = invoke(*PLAN, root=root)
    assert plan.exit_code == 2 and f"{PO}:{line}:" in plan.stderr
    run = invoke(*RUN, root=root)
    assert run.exit_code == 2 and f"{PO}:{line}:" in run.stderr, run.output
    assert _published() == []
    assert "No launches yet." in invoke("status", root=root).stdout  # refused before recording

    fixed = po.read_bytes().replace(b'msgstr "Abbiamo appreso\n', b'msgstr ""\n', 1)
    po.write_bytes(fixed)  # the translator puts the line back
    assert fixed == good
    status = invoke("i18n", "status", "--locale", "it", root=root)
    assert status.exit_code == 0 and "ready" in status.stdout, status.output
    run = invoke(*RUN, root=root)
    assert run.exit_code == 0, run.output
    italian = [p["text"] for p in _published() if p["locale"] == "it"]
    assert any(t.startswith("Abbiamo appreso con profondo dolore") for t in italian), italian
    assert not any("appresAbbiamo" in t for t in italian)


def test_a_directory_where_a_catalog_should_be_is_said_by_every_i18n_command(root: Path) -> None:
    """i18n status, compile and update skipped such a locale as if it had no catalog (status
    listed the others as ready, exit 0): each now names the path, exit 2, and writes nothing."""
    po = root / PO
    po.unlink()
    po.mkdir()
    others = sorted((root / "locales").glob("*/LC_MESSAGES/messages.po"))
    before = {p: p.read_bytes() for p in others if p.is_file()}
    for args in (("i18n", "status"), ("i18n", "compile"), ("i18n", "update")):
        r = invoke(*args, root=root)
        assert r.exit_code == 2, (args, r.output)
        assert f"{PO}: is a directory, not a file" in r.output
    assert {p: p.read_bytes() for p in before} == before
