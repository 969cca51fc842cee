"""`status --watch`: plain lines off a terminal (one per change), a live display on one, and
the end of the watch when nothing due is left or nothing moves."""

from __future__ import annotations

import io

from launcher.cli.progress import measure, summary, watch


def _reading(sent: int, sending: int, scheduled: int, pending_accounts: int = 0) -> dict:
    return {
        "L": {
            "posts": {"sent": sent, "sending": sending, "scheduled": scheduled},
            "accounts": {"active": 15 - pending_accounts, "provisioning": pending_accounts},
        }
    }


def test_plain_lines_follow_each_change_and_stop_when_nothing_due_is_left() -> None:
    readings = iter([_reading(0, 10, 20, 5), _reading(0, 10, 20, 5), _reading(12, 8, 10),
                     _reading(30, 0, 0)])  # fmt: skip
    out = io.StringIO()
    last = watch(lambda: measure(next(readings)), out=out, tty=False, sleep=lambda s: None)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3  # the repeated reading printed no new line
    assert "0/30 due posts done (0 sent), 10 sending, 20 waiting; accounts 10/15 ready" in lines[0]
    assert lines[-1].endswith("30/30 due posts done (30 sent), 0 sending; accounts 15/15 ready")
    assert last[0].finished and summary(last) == "30/30 due posts done across 1 launch(es)"


def test_a_watch_over_work_nobody_sends_ends_and_says_why() -> None:
    stuck = _reading(30, 0, 270)
    last = watch(lambda: measure(stuck), out=io.StringIO(), tty=False, sleep=lambda s: None,
                 interval=1.0, stall=5.0)  # fmt: skip
    assert not last[0].finished
    assert "is `launcher daemon` running?" in summary(last)


def test_on_a_terminal_the_display_is_drawn_in_place() -> None:
    readings = iter([_reading(0, 15, 15), _reading(30, 0, 0)])
    out = io.StringIO()
    watch(lambda: measure(next(readings)), out=out, tty=True, sleep=lambda s: None)
    text = out.getvalue()
    assert "\x1b[" in text  # drawn with terminal control sequences
    assert "30/30" in text and "L" in text
