"""link-host, undeclared-mention, undeclared-hashtag, leftover-placeholder."""

from __future__ import annotations

import pytest

from launcher.models import PlannedAccount

from .plans import lint, plan, policy_for, post

LRI, PDI = "\u2066", "\u2069"


# -- link-host ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "text", "host"),
    [
        ("en", "Register here: https://evil.example.com/register.", "evil.example.com"),
        ("ar", f"سجّلوا هنا: {LRI}https://example.org.evil.net/x{PDI}", "example.org.evil.net"),
        ("ja", "登録はこちら：https://bit.ly/3abc。", "bit.ly"),
        ("uk", "Деталі: www.phishing.test/ukraine", "www.phishing.test"),
        ("th", "ลงทะเบียน http://HELP.EXAMPLE.ORG.attacker.io/th", "help.example.org.attacker.io"),
        # bare domains become links on X, Bluesky, Telegram: found the twitter-text way
        ("es", "Información en exampleland-gob.com hoy", "exampleland-gob.com"),
        ("en", "Stay indoors. Stay.Safe and call us.", "stay.safe"),
    ],
)
def test_link_to_a_host_not_on_the_allow_list(locale, text, host):
    found = lint([post(text, locale=locale)], policy_for("link-host"))
    assert [f.rule for f in found] == ["link-host"]
    assert host in found[0].message
    assert "link_hosts" in found[0].hint
    assert found[0].locale == locale and found[0].message_id == "news"


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("en", "Register: https://help.example.org/register/tokyo."),
        ("ar", f"سجّلوا: {LRI}https://help.example.org/register/tokyo{PDI}"),
        ("ja", "登録：https://tokyo.example.org/ja。詳細はhttps://www.example.org"),
        ("th", "ลงทะเบียน https://HELP.example.org/register/tokyo"),
        ("uk", "Пишіть на tokyo@example.org"),
    ],
)
def test_links_to_allowed_hosts_pass(locale, text):
    assert lint([post(text, locale=locale)], policy_for("link-host")) == []


def test_email_domain_is_checked_and_policy_can_add_hosts():
    p = [post("Écrivez à consul@exampleland-mail.net ou voyez https://partner.org/fr")]
    found = lint(p, policy_for("link-host"))
    assert len(found) == 2
    assert any("exampleland-mail.net" in f.message for f in found)
    extra = policy_for("link-host", link_hosts=("exampleland-mail.net", "partner.org"))
    assert lint(p, extra) == []


def test_profile_links_are_checked():
    acc = PlannedAccount(
        "mastodon", "en", "exl_tokyo_en", "Embassy", "Bio", links=(("Site", "https://evil.test/"),)
    )
    found = lint(plan([post("Hello")], accounts=[acc]), policy_for("link-host"))
    assert [f.message_id for f in found] == ["profile.links"]


# -- mentions and hashtags --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "text", "name"),
    [
        ("en", "Thanks to @RedCross for the help", "RedCross"),
        ("uk", "Дякуємо @ukrainian_rescue за допомогу", "ukrainian_rescue"),
        ("ja", "詳しくは @jma_kishou をご覧ください", "jma_kishou"),
        ("en", "Follow @someone@mastodon.social too", "someone@mastodon.social"),
    ],
)
def test_undeclared_mention(locale, text, name):
    found = lint([post(text, locale=locale)], policy_for("undeclared-mention"))
    assert [f.fragment for f in found] == [f"@{name}"]
    assert "mentions" in found[0].hint and "guardrails.yaml" in found[0].hint


def test_declared_mentions_emails_and_own_accounts_pass():
    acc = PlannedAccount("mastodon", "en", "exl_tokyo_en", "Embassy", "Bio")
    p = plan(
        [
            post("Thanks to @redcross (declared) and @EXL_TOKYO_EN (ours)"),
            post("Écrivez à tokyo@example.org", locale="fr"),
        ],
        accounts=[acc],
    )
    assert lint(p, policy_for("undeclared-mention", mentions=("RedCross",))) == []


@pytest.mark.parametrize(
    ("locale", "text", "tag"),
    [
        ("ja", "地震の情報 #地震", "地震"),
        ("ar", "معلومات #زلزال_تركيا", "زلزال_تركيا"),
        ("th", "ข้อมูล #แผ่นดินไหว", "แผ่นดินไหว"),
        ("en", "Stay safe #PrayFor", "PrayFor"),
        ("uk", "Новини #Землетрус", "Землетрус"),
    ],
)
def test_undeclared_hashtag(locale, text, tag):
    found = lint([post(text, locale=locale)], policy_for("undeclared-hashtag"))
    assert [f.fragment for f in found] == [f"#{tag}"]
    assert "hashtags" in found[0].hint


def test_declared_hashtags_match_case_insensitively_and_non_tags_pass():
    policy = policy_for("undeclared-hashtag", hashtags=("earthquake", "地震", "Землетрус"))
    texts = [
        post("Updates: #Earthquake #EARTHQUAKE"),
        post("情報 ＃地震", locale="ja"),
        post("Новини #землетрус", locale="uk"),
        post("We are #1 for you; see https://www.example.org/page#section; A&#39;B"),
    ]
    assert lint(texts, policy) == []


# -- leftover-placeholder ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "text", "fragment"),
    [
        ("th", "แผ่นดินไหวที่ %(region)s เมื่อวันนี้", "%(region)s"),
        ("ar", "زلزال في {{ region }} اليوم", "{{"),
        ("en", "TODO: check the toll before sending", "TODO"),
        ("fr", "Lorem ipsum dolor sit amet", "Lorem ipsum"),
        ("ja", "[[地域名]]で地震が発生しました", "[[地域名]]"),
        ("uk", "Землетрус у {region}", "{region}"),
        ("es", "Terremoto en {% if x %}", "{%"),
        ("it", "Chiamare XXX per assistenza", "XXX"),
    ],
)
def test_leftover_placeholder(locale, text, fragment):
    found = lint([post(text, locale=locale)], policy_for("leftover-placeholder"))
    assert fragment in [f.fragment for f in found]
    assert found[0].rule == "leftover-placeholder"
    if locale != "en":
        assert f"locales/{locale}/LC_MESSAGES/messages.po" in found[0].hint


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("es", "Todo el mundo debe quedarse en casa; todos a salvo."),
        ("en", "100% of flights are cancelled; call 24/7."),
        ("th", "แผ่นดินไหวที่เชียงราย"),
        ("ja", "東京で地震が発生しました。"),
        ("ar", "زلزال في بيروت"),
    ],
)
def test_finished_text_passes(locale, text):
    assert lint([post(text, locale=locale)], policy_for("leftover-placeholder")) == []
