"""`launcher preview` through the real CLI: where the page goes, what it prints, the same
clear errors as `plan`, --open, and catalogs read afresh like `plan` does."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import pytest

from tests.conftest import invoke

ARGS = ("quake", "-m", "beirut", "--set", "region=Bekaa", "--set", "region.ar=البقاع",
        "--set", "magnitude=5.8")  # fmt: skip
AT = ("--at", "2026-05-22T08:30:00Z")


def test_writes_the_page_under_a_default_name_and_says_what_it_holds(
    mini_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = invoke("preview", *ARGS, *AT, root=mini_root)
    assert result.exit_code == 0, result.output
    page = work / "preview-quake-beirut.html"
    assert result.stdout.splitlines() == [
        f"wrote {page.name}",
        "9 accounts, 45 posts at 4 send times; locales ar, fr, en;"
        " platforms mastodon, x, bluesky; 0 warnings, 0 posts near a limit",
    ]
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.count('<article class="post') == 45
    assert [p.name for p in work.iterdir()] == [page.name]  # no temporary file left


def test_output_to_a_file_a_directory_or_standard_output(mini_root: Path, tmp_path: Path) -> None:
    target = tmp_path / "review.html"
    target.write_text("old", encoding="utf-8")
    result = invoke("preview", *ARGS, *AT, "-o", str(target), root=mini_root)
    assert result.exit_code == 0 and result.stdout.startswith(f"wrote {target}\n")
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")

    result = invoke("preview", *ARGS, *AT, "--output", str(tmp_path), root=mini_root)
    assert result.exit_code == 0
    assert (tmp_path / "preview-quake-beirut.html").read_text(encoding="utf-8") == (
        target.read_text(encoding="utf-8")
    )

    result = invoke("preview", *ARGS, *AT, "-o", "-", root=mini_root)
    assert result.exit_code == 0
    assert result.stdout == target.read_text(encoding="utf-8")
    assert result.stderr.startswith("preview: 9 accounts, 45 posts")


@pytest.mark.parametrize(
    "args",
    [
        ("quake", "-m", "beirut", "--set", "region=Bekaa", "--set", "magnitude=11"),
        ("quake", "-m", "atlantis", "--set", "region=Bekaa", "--set", "magnitude=5"),
        ("quaek", "-m", "beirut"),
        ("quake", "-m", "beirut", "--set", "region=Bekaa", "--set", "magnitude=1", "--locale=it"),
        ("quake", "-m", "beirut", "--set", "region", "--set", "magnitude=5"),
    ],
)
def test_bad_input_gives_the_same_clear_error_as_plan(mini_root: Path, args: tuple) -> None:
    planned = invoke("plan", *args, root=mini_root)
    previewed = invoke("preview", *args, "-o", "-", root=mini_root)
    assert previewed.exit_code == planned.exit_code == 2
    assert previewed.stderr == planned.stderr and previewed.stderr.startswith("error: ")
    assert "Traceback" not in previewed.output and previewed.stdout == ""


def test_a_missing_output_directory_is_bad_input(mini_root: Path, tmp_path: Path) -> None:
    result = invoke("preview", *ARGS, "-o", str(tmp_path / "no" / "p.html"), root=mini_root)
    assert result.exit_code == 2
    assert "--output: directory" in result.stderr and "does not exist" in result.stderr


def test_open_hands_the_file_to_the_browser(
    mini_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    target = tmp_path / "my review.html"
    result = invoke("preview", *ARGS, "-o", str(target), "--open", root=mini_root)
    assert result.exit_code == 0, result.output
    assert opened == [target.resolve().as_uri()] and "%20" in opened[0]
    assert "note:" not in result.stdout


def test_open_without_a_browser_is_a_note_not_an_error(
    mini_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: False)
    target = tmp_path / "p.html"
    result = invoke("preview", *ARGS, "-o", str(target), "--open", root=mini_root)
    assert result.exit_code == 0, result.output
    assert f"note: no web browser found here; open {target.resolve().as_uri()}" in result.stdout


def test_open_needs_a_file(mini_root: Path) -> None:
    result = invoke("preview", *ARGS, "-o", "-", "--open", root=mini_root)
    assert result.exit_code == 2 and "--open needs a file" in result.stderr


def test_an_edited_po_file_shows_in_the_next_preview_with_no_other_step(
    mini_root: Path, tmp_path: Path
) -> None:
    """Catalogs are read through build_plan like `plan` reads them: edit, preview, see."""
    target = tmp_path / "p.html"
    assert invoke("preview", *ARGS, *AT, "-o", str(target), root=mini_root).exit_code == 0
    assert "Ligne d&#39;urgence : " in target.read_text(encoding="utf-8")
    po = mini_root / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace(
            'msgstr "Ligne d\'urgence : %(phone)s"', 'msgstr "Numéro d\'urgence : %(phone)s"'
        ),
        encoding="utf-8",
    )
    result = invoke("preview", *ARGS, *AT, "-o", str(target), root=mini_root)
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert "Numéro d&#39;urgence : +44 20 7946 0201" in html and "Ligne d&#39;urgence" not in html
