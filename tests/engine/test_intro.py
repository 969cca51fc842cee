"""The profile's pinned_intro block is published: each account's first post, message
``intro``, due at the confirmation time, pinned where the pin can stay beside the playbook's
own pinned message (Mastodon and Telegram keep several pins; Bluesky and Facebook one; X none)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from launcher.content.playbook import load_playbook
from launcher.plan.build import build_plan
from launcher.plan.intro import pinned_on
from tests.conftest import REPO, invoke

AT = datetime(2026, 5, 22, 8, 30, tzinfo=UTC)
QUAKE = {"region": "Umbria", "magnitude": "6.1"}


def test_every_account_gets_its_intro_first_at_the_confirmation_time():
    plan = build_plan("earthquake", "rome", QUAKE, now=AT, root=REPO)
    intros = [p for p in plan.posts if p.message == "intro"]
    assert {(p.platform, p.locale) for p in intros} == {
        (a.platform, a.locale) for a in plan.accounts
    }
    assert all(p.at == AT and p.key == f"intro#1/{p.platform}/{p.locale}" for p in intros)
    assert list(plan.posts[: len(intros)]) == intros  # before the condolences, due at the same time
    en = next(p for p in intros if p.platform == "mastodon" and p.locale == "en")
    assert en.text.startswith("We post official information here for Exampleland citizens")
    assert "Umbria" in en.text and en.length == len(en.text)


def test_pinned_where_the_pin_can_stay_beside_the_pinned_condolences():
    plan = build_plan("earthquake", "rome", QUAKE, now=AT, root=REPO)
    pins = {p.platform: p.pin for p in plan.posts if p.message == "intro"}
    assert pins == {
        "mastodon": True,  # up to five pinned posts
        "telegram": True,  # a list of pinned messages
        "bluesky": False,  # one pinned post: the condolences keep it
        "facebook": False,
        "x": False,  # no pinning through the API
    }
    assert all(p.pin for p in plan.posts if p.message == "condolences")
    assert pinned_on(load_playbook(REPO, "earthquake")) == ["mastodon", "telegram"]
    shown = invoke("plan", "earthquake", "-m", "rome", "--set", "region=Umbria",
                   "--set", "magnitude=6.1", "--at", "2026-05-22T08:30:00Z", "--locale", "en",
                   root=REPO)  # fmt: skip
    assert "    intro#1 [en] [pin: mastodon, telegram]  mastodon " in shown.stdout
    assert "    condolences#1 [en] [pin]  mastodon " in shown.stdout


def test_without_a_pinned_message_the_intro_is_pinned_on_single_pin_platforms(mini_root: Path):
    book = mini_root / "playbooks" / "quake.yaml"
    book.write_text(book.read_text(encoding="utf-8").replace("    pin: true\n", ""), "utf-8")
    plan = build_plan("quake", "rome", QUAKE, now=AT, root=mini_root)
    pins = {p.platform: p.pin for p in plan.posts if p.message == "intro"}
    assert pins == {"mastodon": True, "bluesky": True, "x": False}
    shown = invoke("show", "quake", root=mini_root)
    assert (
        "intro                at +0m, each account's first post [pinned on mastodon, bluesky]"
        in (shown.stdout)
    )


def test_an_empty_intro_publishes_nothing(mini_root: Path):
    tpl = mini_root / "templates" / "profiles" / "crisis.j2"
    text = tpl.read_text(encoding="utf-8")
    start = text.index("{% block pinned_intro %}") + len("{% block pinned_intro %}")
    tpl.write_text(text[:start] + text[text.index("{% endblock %}", start) :], "utf-8")
    plan = build_plan("quake", "rome", QUAKE, now=AT, root=mini_root)
    assert not [p for p in plan.posts if p.message == "intro"]
    assert plan.posts[0].message == "condolences"


def test_the_intro_is_linted_as_a_post_of_the_profile_template(mini_root: Path):
    """A guardrail finding about the intro names the profile template to edit."""
    po = mini_root / "locales" / "en" / "LC_MESSAGES" / "messages.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace(
            'msgstr "Emergency line: %(phone)s"', 'msgstr "Emergency line!! %(phone)s"'
        ),
        encoding="utf-8",
    )
    result = invoke("lint", "quake", "-m", "rome", "--set", "region=U", "--set", "magnitude=6",
                    "--at", "2026-05-22T08:30:00Z", "--json", root=mini_root)  # fmt: skip
    findings = json.loads(result.stdout)["findings"]
    intro = [f for f in findings if f["message_id"] == "intro"]
    assert intro and {f["rule"] for f in intro} == {"exclamations"}
    assert {f["file"] for f in intro} == {"templates/profiles/crisis.j2"}
