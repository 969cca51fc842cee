"""Hostile and broken input: every case ends in a clear error through the real CLI, never in
"internal error", with the exit code of its kind (2: the input is wrong; 1: the machine or a
service failed) and the file, field or path and what to do.

One case per input; the ones that need a real process (bytes that are not UTF-8 in argv, a
file-size limit, permissions that hold even for root) run ``python -m launcher``.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import invoke

AT = "2026-07-01T08:00:00Z"
FACTS = ("--set", "region=Lazio", "--set", "magnitude=6.1")
PLAN = ("plan", "quake", "-m", "rome", *FACTS, "--at", AT)
RUN = ("run", "quake", "-m", "rome", *FACTS, "--at", AT, "--now", AT, "--again", "--yes")
NEVER = ("internal error", "please report it", "Traceback", "what was done is in the ledger")


@dataclass
class Env:
    root: Path
    data: Path
    tmp: Path

    @property
    def ledger(self) -> Path:
        return self.data / "ledger.sqlite3"

    def settings(self, text: str | bytes) -> str:
        path = self.tmp / "launcher.yaml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return str(path)

    def launched(self) -> None:
        """A ledger with one launch in it, made by a real `run`."""
        result = invoke(*RUN, root=self.root)
        assert result.exit_code == 0, result.output


@dataclass
class Case:
    id: str
    #: prepares the input; returns the CLI arguments (after --root)
    prepare: Callable[[Env], tuple[str | bytes, ...]]
    code: int
    says: tuple[str, ...]
    #: run as a real process: None (in-process), "plain", "no-dac" (permissions hold for
    #: root too), or "fsize" (a file-size limit, as a full disk behaves)
    process: str | None = None


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(text)


def nul_byte(env: Env) -> tuple[str, ...]:
    _append(env.root / "playbooks/quake.yaml", "notes: a\x00b\n")
    return PLAN


def deep_nesting(env: Env) -> tuple[str, ...]:
    _append(env.root / "playbooks/quake.yaml", "notes: " + "[" * 100_000 + "]" * 100_000 + "\n")
    return PLAN


def huge_range(env: Env) -> tuple[str, ...]:
    _append(env.root / "templates/messages/quake/condolences.j2", "{{ range(10**8)|length }}\n")
    return PLAN


def not_utf8_set(env: Env) -> tuple[str | bytes, ...]:
    return ("plan", "quake", "-m", "rome", "--set", b"region=Laz\xffio", "--set", "magnitude=6.1")


CONDOLENCES = "templates/messages/quake/condolences.j2"
PROFILE = "templates/profiles/crisis.j2"
LINT = ("lint", "quake", "-m", "rome", *FACTS, "--at", AT)


def not_utf8_file(name: str, *args: str) -> Callable[[Env], tuple[str, ...]]:
    """A byte 0xff on a line of its own at the end of the content file ``name``."""

    def prepare(env: Env) -> tuple[str, ...]:
        path = env.root / name
        path.write_bytes(path.read_bytes().rstrip(b"\n") + b"\n\xff\n")
        return args

    return prepare


def _line_of_ff(root: Path, name: str) -> int:
    """The line of the byte 0xff in ``name`` (the one not_utf8_file appended)."""
    data = (root / name).read_bytes()
    return data.count(b"\n", 0, data.index(b"\xff")) + 1


def directory_for(name: str, *args: str) -> Callable[[Env], tuple[str, ...]]:
    """A directory where the content file ``name`` should be."""

    def prepare(env: Env) -> tuple[str, ...]:
        path = env.root / name
        if path.exists():
            path.unlink()
        path.mkdir()
        return args

    return prepare


def schedule(old: str, new: str, *args: str) -> Callable[[Env], tuple[str, ...]]:
    """The mini playbook with ``old`` replaced by ``new`` (its `update` message's schedule)."""

    def prepare(env: Env) -> tuple[str, ...]:
        path = env.root / "playbooks/quake.yaml"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
        return args

    return prepare


HOURLY_30D = ("    every: 6h\n    until: 24h\n", "    every: 1h\n    until: 30d\n")
DEADLINE = (
    "    every: 6h\n    until: 24h\n",
    "    every: 1h\n    until: event.deadline\n    when: event.deadline is not none\n",
)
DEADLINE_PARAM = "  deadline: {type: datetime}\n"


def hourly_until_deadline(env: Env) -> tuple[str, ...]:
    """`update` every hour until a deadline 61 days after the confirmation."""
    schedule(*DEADLINE)(env)
    path = env.root / "playbooks/quake.yaml"
    text = path.read_text(encoding="utf-8").replace("platforms:", DEADLINE_PARAM + "platforms:", 1)
    path.write_text(text, encoding="utf-8")
    return (*PLAN, "--set", "deadline=2026-08-31T08:00:00Z")


def settings(text: str | bytes) -> Callable[[Env], tuple[str, ...]]:
    def prepare(env: Env) -> tuple[str, ...]:
        return ("--config", env.settings(text), *RUN)

    return prepare


def unreachable_postgres(env: Env) -> tuple[str, ...]:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://launcher:pw-PLANTED-99@127.0.0.1:{port}/ledger"
    return ("--config", env.settings(f'database_url: "{url}"\n'), *RUN)


def data_dir_mode(mode: int, *, with_ledger: bool) -> Callable[[Env], tuple[str, ...]]:
    def prepare(env: Env) -> tuple[str, ...]:
        if with_ledger:
            env.launched()
        env.data.chmod(mode)
        return RUN

    return prepare


def read_only_ledger(env: Env) -> tuple[str, ...]:
    env.launched()
    env.ledger.chmod(0o444)
    return RUN


def garbage_ledger(env: Env) -> tuple[str, ...]:
    env.ledger.write_bytes(bytes(range(256)) * 20)
    return ("status",)


def truncated_ledger(env: Env) -> tuple[str, ...]:
    env.launched()
    data = env.ledger.read_bytes()
    env.ledger.write_bytes(data[: len(data) // 3])
    return ("status",)


def corrupted_pages(env: Env) -> tuple[str, ...]:
    env.launched()
    data = bytearray(env.ledger.read_bytes())
    page = 4096
    for i in range(page, min(len(data), 6 * page)):  # every page after the first (the schema)
        data[i] = 0xAB
    env.ledger.write_bytes(bytes(data))
    return ("status",)


def missing_table(env: Env) -> tuple[str, ...]:
    env.launched()
    with sqlite3.connect(env.ledger) as conn:
        conn.execute("DROP TABLE events")
    return ("log",)


def ledger_is_a_directory(env: Env) -> tuple[str, ...]:
    env.ledger.mkdir(parents=True)
    return RUN


def bad_json_row(env: Env) -> tuple[str, ...]:
    env.launched()
    with sqlite3.connect(env.ledger) as conn:
        conn.execute("UPDATE events SET detail = '{bad' WHERE id = 1")
    return ("log",)


def disk_full(env: Env) -> tuple[str, ...]:
    assert invoke("status", root=env.root).exit_code == 0  # the ledger exists, empty
    return RUN


RESTORE = ("from your latest backup", "mv ", "ledger.sqlite3.broken .recover | sqlite3 ")
BAD_SET = ":1: database_url"

CASES = [
    Case("nul-byte-in-playbook", nul_byte, 2, ("playbooks/quake.yaml:22:", "U+0000")),
    Case("100000-deep-nesting", deep_nesting, 2, ("playbooks/quake.yaml", "nested too deeply")),
    Case(
        "range-10**8-in-template",
        huge_range,
        2,
        ("templates/messages/quake/condolences.j2:4", "range() of 100000000 items", "10000"),
    ),
    Case("set-not-utf8", not_utf8_set, 2, ("--set region", "not valid UTF-8", "0xff"), "plain"),
    *(
        Case(
            f"template-not-utf8-{'-'.join(cmd[:2])}-{name.rsplit('/', 1)[1]}",
            not_utf8_file(name, *cmd),
            2,
            (f"{name}:{{line}}:1: not valid UTF-8", "0xff", "fix: save as UTF-8"),
        )
        for name in (CONDOLENCES, PROFILE)
        for cmd in (("validate",), PLAN, LINT, ("lint",))
    ),
    Case(
        "playbook-not-utf8-validate",
        not_utf8_file("playbooks/quake.yaml", "validate"),
        2,
        ("playbooks/quake.yaml:{line}:1: not valid UTF-8", "0xff", "fix: save as UTF-8"),
    ),
    *(
        Case(
            f"directory-{name.rsplit('/', 1)[-1]}-{'-'.join(cmd[:2])}",
            directory_for(name, *cmd),
            2,
            (f"{name}: is a directory, not a file", "this path must be a file"),
        )
        for name, commands in (
            (
                "playbooks/quake.yaml",
                (("validate",), ("list",), ("show", "quake"), PLAN, LINT, ("lint",), RUN),
            ),
            (CONDOLENCES, (("validate",), PLAN, LINT, RUN)),
            (PROFILE, (("validate",), PLAN, LINT)),
            ("locales/it/LC_MESSAGES/messages.po", (("validate",), PLAN, LINT, RUN)),
            ("approvals.yaml", (("validate",), RUN, ("approvals",))),
            ("approval-keys.yaml", (("validate",), RUN)),
            ("missions.yaml", (("validate",), PLAN)),
            ("guardrails.yaml", (("validate",), LINT)),
            ("people.yaml", (("validate",), RUN)),
        )
        for cmd in commands
    ),
    *(
        Case(
            f"every-1h-until-30d-{cmd[0]}",
            schedule(*HOURLY_30D, *cmd),
            2,
            (
                "playbooks/quake.yaml:19:5: messages[1].every: message 'update'",
                "every 1h until +30d makes 718 occurrences, more than the limit of 500",
                "make 'every' longer or 'until' shorter",
            ),
        )
        for cmd in (("validate",), PLAN, LINT, RUN)
    ),
    Case(
        "every-1h-until-a-deadline-61-days-away",
        hourly_until_deadline,
        2,
        (
            "playbooks/quake.yaml:17: messages.update: message 'update'",
            "every 1h until event.deadline = 2026-08-31T08:00:00+00:00 makes 1461 occurrences",
            "more than the limit of 500",
            "make 'every' longer or event.deadline earlier (--set deadline=...)",
        ),
    ),
    Case(
        "at-year-0",
        lambda env: ("plan", "quake", "-m", "rome", *FACTS, "--at", "0001-01-01T00:30+01:00"),
        2,
        ("--at", "0001-01-01T00:30+01:00", "years 1970 to 8999"),
    ),
    Case(
        "at-year-9999",
        lambda env: ("plan", "quake", "-m", "rome", *FACTS, "--at", "9999-12-31T23:00Z"),
        2,
        ("--at", "9999-12-31T23:00Z", "years 1970 to 8999"),
    ),
    Case(
        "platforms-5",
        settings("platforms: 5\n"),
        2,
        ("launcher.yaml:1: platforms", "must be a mapping", "nothing was recorded"),
    ),
    Case(
        "platform-is-a-string",
        settings("platforms:\n  mastodon: mastodon\n"),
        2,
        ("launcher.yaml:2: platforms.mastodon", "expected a mapping", "not a string"),
    ),
    Case(
        "mission-is-a-list",
        settings("missions:\n  rome: [a, b]\n"),
        2,
        ("launcher.yaml:2: missions.rome", "takes only 'platforms'"),
    ),
    Case(
        "timeout-abc",
        settings(
            "platforms:\n  mastodon:\n    adapter: mastodon\n"
            "    options: {base_url: 'https://social.example.org', timeout: abc}\n"
        ),
        2,
        ("launcher.yaml:4: platforms.mastodon.options.timeout", "must be a number", "'abc'"),
    ),
    Case(
        "binary-settings-file",
        settings(b"\x7fELF\x02\x01\x01\x00" + bytes(range(128, 256))),
        2,
        ("launcher.yaml:1:", "not UTF-8 text", "byte 0x80"),
    ),
    Case(
        "database-url-bogus-scheme",
        settings('database_url: "bogus://host/db"\n'),
        2,
        (BAD_SET, "cannot speak 'bogus' databases", "sqlite:///"),
    ),
    Case(
        "database-url-without-scheme",
        settings('database_url: "/var/lib/launcher/ledger.sqlite3"\n'),
        2,
        (BAD_SET, "needs a scheme", "sqlite:///"),
    ),
    Case(
        "database-unreachable-postgresql",
        unreachable_postgres,
        1,
        ("cannot use the ledger database postgresql://launcher:***@127.0.0.1:", "refused"),
    ),
    Case(
        "data-dir-unreadable",
        data_dir_mode(0o000, with_ledger=False),
        1,
        ("cannot open the ledger", "ledger.sqlite3", "readable and writable"),
        "no-dac",
    ),
    Case(
        "data-dir-read-only",
        data_dir_mode(0o500, with_ledger=True),
        1,
        ("the ledger", "is read-only for this user", "writable"),
        "no-dac",
    ),
    Case(
        "ledger-read-only",
        read_only_ledger,
        1,
        ("ledger.sqlite3 is read-only for this user", "chmod u+w"),
        "no-dac",
    ),
    Case(
        "ledger-garbage",
        garbage_ledger,
        1,
        ("ledger.sqlite3 is damaged: it is not an SQLite database", *RESTORE),
    ),
    Case("ledger-truncated", truncated_ledger, 1, ("ledger.sqlite3 is damaged", *RESTORE)),
    Case(
        "ledger-pages-corrupted",
        corrupted_pages,
        1,
        ("ledger.sqlite3 is damaged", "malformed", *RESTORE),
    ),
    Case(
        "ledger-table-missing",
        missing_table,
        1,
        ("ledger.sqlite3 is damaged: it has no table events", "not a complete", *RESTORE),
    ),
    Case(
        "ledger-path-is-a-directory",
        ledger_is_a_directory,
        1,
        ("cannot open the ledger", "ledger.sqlite3: it is a directory", "move the directory"),
    ),
    Case(
        "ledger-row-bad-json",
        bad_json_row,
        1,
        ("ledger.sqlite3 is damaged: events row 1, column detail", *RESTORE),
    ),
    Case(
        "disk-full-during-run",
        disk_full,
        1,
        ("ledger.sqlite3 could not be written", "file-size limit", "launcher status"),
        "fsize",
    ),
]


def _no_dac_override() -> None:
    """Run the child without root's power to ignore file permissions (CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH), so a read-only file is read-only for it as for any user."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _file_size_limit() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, 60_000))  # the ledger file is 53 KB


def _run_process(env: Env, args: tuple[str | bytes, ...], kind: str) -> tuple[int, str]:
    if kind == "no-dac" and os.geteuid() == 0 and not _can_drop_privileges():
        pytest.skip("running as root and cannot drop CAP_DAC_OVERRIDE")
    preexec = {"no-dac": _no_dac_override, "fsize": _file_size_limit}.get(kind)
    argv: list[str | bytes] = [sys.executable, "-m", "launcher", "--root", str(env.root), *args]
    proc = subprocess.run(
        argv,
        env={**os.environ, "LAUNCHER_DATA_DIR": str(env.data)},
        capture_output=True,
        preexec_fn=preexec if os.geteuid() == 0 or kind == "fsize" else None,
        timeout=120,
        check=False,
    )
    return proc.returncode, (proc.stdout + proc.stderr).decode("utf-8", "backslashreplace")


def _can_drop_privileges() -> bool:
    probe = subprocess.run([sys.executable, "-c", "pass"], preexec_fn=_no_dac_override, check=False)
    return probe.returncode == 0


@pytest.fixture
def env(mini_root: Path, tmp_path: Path) -> Iterator[Env]:
    data = Path(os.environ["LAUNCHER_DATA_DIR"])
    e = Env(mini_root, data, tmp_path)
    try:
        yield e
    finally:  # let pytest clean up what a case made unreadable
        data.chmod(0o700)
        if e.ledger.is_file():
            e.ledger.chmod(0o600)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_a_clear_error(env: Env, case: Case) -> None:
    """Each bad input: its exit code, where it is and what to do; never an internal error."""
    args = case.prepare(env)
    if case.process:
        code, output = _run_process(env, args, case.process)
    else:
        result = invoke(*[str(a) for a in args], root=env.root)
        code, output = result.exit_code, result.output
    assert code == case.code, output
    for part in case.says:
        if "{line}" in part:  # the line of the byte a case appended
            part = part.format(line=_line_of_ff(env.root, part.split(":", 1)[0]))
        assert part in output, f"{part!r} not in:\n{output}"
    for part in NEVER:
        assert part not in output, output
    assert "PLANTED" not in output  # a password in database_url is never echoed


SETTINGS_CASES = [c for c in CASES if c.prepare.__qualname__.startswith("settings")]


@pytest.mark.parametrize("case", SETTINGS_CASES, ids=[c.id for c in SETTINGS_CASES])
def test_bad_settings_record_nothing(env: Env, case: Case) -> None:
    """run refuses before the ledger holds anything of the launch."""
    args = case.prepare(env)
    assert invoke(*args, root=env.root).exit_code == 2
    if env.ledger.exists():
        with sqlite3.connect(env.ledger) as conn:
            assert conn.execute("SELECT count(*) FROM launches").fetchone() == (0,)


def test_the_ledger_is_intact_after_a_full_disk(env: Env) -> None:
    """A write that fails for lack of space leaves what was recorded before readable."""
    env.launched()
    code, output = _run_process(env, RUN, "fsize")
    assert code == 1 and "could not be written" in output, output
    result = invoke("status", "--json", root=env.root)
    assert result.exit_code == 0, result.output
    launches = json.loads(result.output)["launches"]
    assert launches and launches[0]["state"] == "active"  # what is due went; the rest waits
    assert launches[0]["counts"]["sent"] > 0
