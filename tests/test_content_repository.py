"""An organisation's own content repository, from `pip install` to a launch: `launcher init`,
content roots that are missing or empty, launcher's own strings outside any content root,
tables that fit their content, shell completion, and a declined confirmation."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, invoke

AT = "2026-03-28T20:00:00Z"
QUAKE = ("earthquake", "--mission", "rome", "--set", "region=Umbria", "--set", "magnitude=5.2")


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory that is neither the checkout nor a content root."""
    where = tmp_path / "elsewhere"
    where.mkdir()
    monkeypatch.chdir(where)
    return where


def test_init_makes_a_repository_that_validates_and_plans(elsewhere: Path) -> None:
    made = invoke("init", "my-content")
    assert made.exit_code == 0, made.output
    root = elsewhere / "my-content"
    for rel in ("missions.yaml", "playbooks/earthquake.yaml", "babel.cfg", "guardrails.yaml",
                "launcher.yaml", "README.md", ".github/workflows/validate.yml",
                "approval-keys.yaml", "locales/messages.pot",
                "locales/uk/LC_MESSAGES/messages.po", "templates/profiles/crisis.j2",
                "places.yaml", "templates/names/platforms.j2"):  # fmt: skip
        assert (root / rel).is_file(), rel
    assert sorted(p.name for p in (root / "playbooks").iterdir()) == ["earthquake.yaml"]
    assert not (root / "approvals.yaml").exists()  # trusts no key until its owners add theirs
    assert yaml.safe_load((root / "approval-keys.yaml").read_text())["keys"] == []
    assert "launcher validate" in (root / ".github/workflows/validate.yml").read_text()
    assert "launcher==" in (root / ".github/workflows/validate.yml").read_text()
    assert "launcher approve keygen" in (root / "README.md").read_text()
    os.chdir(root)
    checked = invoke("validate")
    assert checked.exit_code == 0, checked.output
    status = json.loads(invoke("i18n", "status", "--json").stdout)
    assert status["template"]["current"] is True  # nothing of the other playbooks, nor launcher's
    for loc in status["locales"]:
        assert loc["obsolete"] == [] and loc["playbooks"]["earthquake"]["launchable"], loc
    plan = invoke("plan", *QUAKE, "--at", AT, "--json")
    assert plan.exit_code == 0, plan.output
    assert {p["locale"] for p in json.loads(plan.stdout)["posts"]} == {"it", "en", "fr"}


def test_init_refuses_a_directory_that_holds_something(elsewhere: Path) -> None:
    (elsewhere / "taken").mkdir()
    (elsewhere / "taken" / "notes.txt").write_text("mine")
    result = invoke("init", "taken")
    assert result.exit_code == 2
    assert "exists and is not an empty directory" in result.stderr
    assert (elsewhere / "taken" / "notes.txt").read_text() == "mine"
    unknown = invoke("init", "new", "--playbook", "flood")
    assert unknown.exit_code == 2 and "sample playbooks: coup, earthquake" in unknown.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("--root", "/nonexistent/content", "list"),
            "/nonexistent/content (--root) does not exist",
        ),
        (("--root", "{empty}", "list"), "is not a content root: it has no missions.yaml"),
        (("--root", "{empty}", "plan", *QUAKE), "is not a content root"),
        (("--root", "{nobooks}", "list"), "no playbooks in"),
        (("--root", "{nobooks}", "show", "earthquake"), "has no playbooks"),
        (("--root", "{nomissions}", "plan", *QUAKE), "missions.yaml: file not found"),
    ],
)
def test_a_missing_or_empty_content_root_is_an_error_that_says_what_to_do(
    tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    nobooks = tmp_path / "nobooks"
    (nobooks / "playbooks").mkdir(parents=True)
    shutil.copy(REPO / "missions.yaml", nobooks / "missions.yaml")
    nomissions = tmp_path / "nomissions"
    shutil.copytree(REPO / "playbooks", nomissions / "playbooks")
    argv = [a.format(empty=empty, nobooks=nobooks, nomissions=nomissions) for a in args]
    result = invoke(*argv)
    assert result.exit_code == 2, result.output
    assert said in result.stderr
    assert "launcher init" in result.stderr and "--root" in result.stderr
    assert "Traceback" not in result.output


def test_an_installed_launcher_outside_any_content_says_how_to_start(
    elsewhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No --root, no LAUNCHER_ROOT, a directory without playbooks/, and no checkout to fall
    back on (as for a wheel install): an error, not an empty list."""
    import launcher.paths

    monkeypatch.setattr(launcher.paths, "_checkout", lambda: None)
    listing = invoke("list")
    assert listing.exit_code == 2
    assert f"no content root: {elsewhere} has no playbooks/ folder" in listing.stderr
    assert "launcher init DIR" in listing.stderr and "LAUNCHER_ROOT" in listing.stderr
    assert invoke("status").exit_code == 0  # the ledger needs no content root
    assert invoke("adapters").exit_code == 0


def test_checklists_stay_in_the_operators_language_outside_the_checkout(
    elsewhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """launcher's own strings ship in the package: a content repository made by init holds
    none of them, and a French operator still reads the X checklist in French."""
    assert invoke("init", "content").exit_code == 0
    root = elsewhere / "content"
    assert "Create the X account" not in (root / "locales" / "messages.pot").read_text()
    (root / "launcher.yaml").write_text("platforms:\n  x:\n    adapter: x\n", encoding="utf-8")
    monkeypatch.setenv("LAUNCHER_UI_LOCALE", "fr")
    result = invoke("run", *QUAKE, "--at", AT, "--now", AT, "--really", "--locale", "it",
                    "--emergency", "--reason", "drill of the checklist", "--yes",
                    root=root)  # fmt: skip
    assert "manual steps for x/it exl_rome_it" in result.stdout, result.output
    assert "Créez le compte X @exl_rome_it" in result.stdout
    monkeypatch.setenv("LAUNCHER_UI_LOCALE", "uk")
    assert invoke("i18n", "extract", root=root).exit_code == 0  # still nothing of launcher's
    assert "Create the X account" not in (root / "locales" / "messages.pot").read_text()


def test_list_and_status_columns_fit_long_ids(tmp_path: Path) -> None:
    """Ids longer than the old fixed columns never run into the next column."""
    root = tmp_path / "content"
    assert invoke("init", str(root), "--playbook", "earthquake").exit_code == 0
    long_id = "consular-evacuation-for-the-whole-region"
    text = (root / "playbooks" / "earthquake.yaml").read_text(encoding="utf-8")
    text = text.replace("id: earthquake", f"id: {long_id}").replace(
        "kind: earthquake", f"kind: {long_id}"
    )
    (root / "playbooks" / f"{long_id}.yaml").write_text(text, encoding="utf-8")
    (root / "playbooks" / "earthquake.yaml").unlink()
    listing = invoke("list", root=root).stdout.splitlines()
    assert listing[1].startswith(f"{long_id}  {long_id}  Earthquake response  region")
    assert listing[0].index("KIND") == listing[1].index(long_id, len(long_id))
    run = invoke("run", long_id, "-m", "rome", "--set", "region=Umbria", "--set",
                 "magnitude=5", "--at", AT, "--now", AT, "--emergency", "--reason", "test",
                 "--yes", root=root)  # fmt: skip
    assert run.exit_code == 0, run.output
    lines = invoke("status", root=root).stdout.splitlines()
    head, row = lines[0], lines[1]
    launch = row.split()[0]
    assert long_id in launch and row[len(launch) : len(launch) + 2] == "  "
    assert head.index("STATE") == row.index(row.split()[1], len(launch))


def test_shell_completion_offers_the_names_that_exist(
    shipped_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from launcher.cli import cli

    def complete(words: str) -> list[str]:
        cword = len(words.split()) - (0 if words.endswith(" ") else 1)
        env = {"COMP_WORDS": words, "COMP_CWORD": str(cword), "_LAUNCHER_COMPLETE": "bash_complete"}
        out = CliRunner().invoke(cli, [], env=env, prog_name="launcher").output
        return [line.split(",", 1)[1] for line in out.splitlines() if line]

    monkeypatch.chdir(shipped_root)
    assert complete("launcher plan ") == ["coup", "earthquake", "platform-ban"]
    assert complete("launcher show ea") == ["earthquake"]
    assert complete("launcher plan earthquake -m be") == ["beirut"]
    assert complete("launcher plan earthquake -m rome --locale ") == ["it", "en", "fr"]
    both = complete("launcher plan earthquake -m rome -m kyiv --locale ")
    assert both == ["it", "en", "fr", "uk"]  # the missions' locales, each once
    run = invoke("run", *QUAKE, "--at", AT, "--now", AT, "--yes")
    assert run.exit_code == 0, run.output
    launch = run.stdout.strip().splitlines()[-1]
    assert complete("launcher status ") == [launch]
    assert complete("launcher halt ") == [launch]
    assert complete("launcher --root /nowhere plan ") == []  # never an error on Tab
    script = invoke("completion", "bash")
    assert script.exit_code == 0 and "_LAUNCHER_COMPLETE" in script.stdout


def test_declined_confirmation_exits_3_and_does_nothing(shipped_root: Path) -> None:
    from click.testing import CliRunner

    from launcher.cli import cli

    args = ["--root", str(shipped_root), "run", *QUAKE, "--at", AT, "--now", AT]
    declined = CliRunner().invoke(cli, args, input="n\n")
    assert declined.exit_code == 3
    assert "declined: nothing was done" in declined.output and "Aborted" not in declined.output
    unanswered = CliRunner().invoke(cli, args, input="")  # end of input: no answer is a no
    assert unanswered.exit_code == 3
    assert json.loads(invoke("status", "--json").stdout)["launches"] == []
    ran = invoke("run", *QUAKE, "--at", AT, "--now", AT, "--yes", root=shipped_root)
    launch = ran.stdout.strip().splitlines()[-1]
    kept = CliRunner().invoke(cli, ["retract", launch], input="n\n")
    assert kept.exit_code == 3 and "declined" in kept.output
    assert "retracted" not in invoke("status", launch).stdout


# -- from the wheel, as users install it ------------------------------------------------------


def _build_wheel(tmp_path: Path) -> Path:
    """launcher's wheel, built offline from a copy of the checkout (so the build writes
    nothing into the checkout)."""
    src = tmp_path / "src"
    skip = shutil.ignore_patterns(".git", "tests", "build", "dist", "*.egg-info", "__pycache__",
                                  "*.mo", ".venv", "bench", "scripts", "docs")  # fmt: skip
    shutil.copytree(REPO, src, ignore=skip)
    for mo in (REPO / "launcher" / "uitext" / "locales").rglob("*.mo"):  # shipped compiled
        shutil.copy(mo, src / mo.relative_to(REPO))
    out = tmp_path / "wheelhouse"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(out), str(src)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    (wheel,) = out.glob("launcher-*.whl")
    return wheel


@pytest.mark.integration
def test_the_wheel_installed_elsewhere_goes_from_init_to_a_launch(tmp_path: Path) -> None:
    """`pip install` of the built wheel (not -e) into a fresh environment, then, from another
    directory: an error that says how to start, `init`, `validate`, `plan`, approving the
    content with the organisation's own new key, and `run` on the sandbox, whose posts reach
    the outbox. The fresh environment finds launcher's dependencies through a .pth file
    naming this environment's site-packages (installing them from an index would need the
    network); launcher itself comes only from the wheel."""
    wheel = _build_wheel(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    Path(purelib, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHER_")}
    env.update(LAUNCHER_DATA_DIR=str(tmp_path / "data"), HOME=str(tmp_path / "home"))

    def launcher(*args: str, cwd: Path = work, ok: int = 0) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(venv / "bin" / "launcher"), *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert proc.returncode == ok, proc.stdout + proc.stderr
        return proc

    found = subprocess.run(
        [str(py), "-c", "import launcher; print(launcher.__file__)"],
        cwd=work, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert found.stdout.startswith(purelib)  # the wheel, not the checkout
    assert "launcher init" in launcher("list", ok=2).stderr
    launcher("init", "org-content")
    root = work / "org-content"
    assert "ok:" in launcher("validate", cwd=root).stdout
    plan = json.loads(launcher("plan", *QUAKE, "--at", AT, "--json", cwd=root).stdout)
    assert plan["posts"] and {a["locale"] for a in plan["accounts"]} == {"it", "en", "fr"}
    key = tmp_path / "home" / "approval.key"
    printed = launcher("approve", "keygen", "--out", str(key), "--owner", "Org press office")
    entry = yaml.safe_load(printed.stdout.split("approval-keys.yaml in the content repository:")[1])
    keys = yaml.safe_load((root / "approval-keys.yaml").read_text())
    keys["keys"] = entry["keys"]
    (root / "approval-keys.yaml").write_text(yaml.safe_dump(keys), encoding="utf-8")
    env["LAUNCHER_APPROVAL_KEY"] = f"file:{key}"
    launcher("approve", "content", "earthquake", "--as", "A. Press", cwd=root)
    assert "VALID" in launcher("approvals", cwd=root).stdout
    ran = launcher("run", *QUAKE, "--at", AT, "--now", AT, "--yes", cwd=root)
    assert "awaiting-approval" not in ran.stdout, ran.stdout  # approved: it went out at once
    launch = ran.stdout.strip().splitlines()[-1]
    outbox = Path(env["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    sent = [json.loads(line) for line in outbox.read_text().splitlines()]
    published = [r for r in sent if r.get("op") == "publish"]
    assert {r["locale"] for r in published} == {"it", "en", "fr"}, published[:1]
    status = json.loads(launcher("status", launch, "--json", cwd=work).stdout)
    assert status["counts"]["sent"] == len(published)
