"""Threads split like a person would: paragraphs first, contacts kept with their labels and
never alone in the last part, numbering in each locale's own form."""

from __future__ import annotations

import pytest
import regex

from launcher.plan.textrules import count, numbering, over_limit, split_thread

LRI, PDI = "\u2066", "\u2069"
PHONE = "+52 55 1234 5678"

# (name, platform, locale, text): each has paragraphs and ends on a hotline
CASES = {
    "en": (
        "x",
        "Are you an Exampleland citizen in the affected area? Tell us whether you are safe or"
        " need help, so we can reach your family.\n\n"
        "If mobile internet does not work, text us: messages often get through when calls"
        " fail. Keep your phone charged and close apps you do not need.\n\n"
        f"24/7 emergency line: {PHONE}",
    ),
    "es": (
        "bluesky",
        "¿Es usted ciudadano de Exampleland y se encuentra en la zona afectada? Díganos si está"
        " a salvo o si necesita ayuda, para que podamos informar a su familia y organizar la"
        " asistencia donde más se necesita.\n\n"
        "Si el internet móvil no funciona, envíenos un SMS: los mensajes suelen llegar aunque"
        " las llamadas fallen. Mantenga su teléfono cargado.\n\n"
        f"Línea de emergencia de la Embajada, disponible las 24 horas: {PHONE}",
    ),
    "uk": (
        "bluesky",
        "Ви громадянин Екзамплленду і перебуваєте в зоні землетрусу? Повідомте нам, чи ви в"
        " безпеці, чи потребуєте допомоги, щоб ми могли зв'язатися з вашою родиною.\n\n"
        "Якщо мобільний інтернет не працює, надішліть нам SMS: повідомлення часто доходять,"
        " коли дзвінки не проходять. Заощаджуйте заряд телефону.\n\n"
        f"Цілодобова гаряча лінія: {PHONE}",
    ),
    "ja": (
        "x",
        "被災地域にいるエグザンプルランド国民の方は、安否と支援の必要の有無をお知らせください。"
        "ご家族への連絡と支援の手配に役立てます。登録は大使館のウェブサイトから数分で完了します。\n\n"
        "モバイル通信がつながらない場合は、SMSでご連絡ください。通話ができなくてもSMSは届くことがあります。\n\n"
        "24時間緊急連絡先：03-1234-5678",
    ),
    "th": (
        "x",
        "พลเมืองเอ็กแซมเปิลแลนด์ที่อยู่ในพื้นที่ประสบภัย โปรดแจ้งให้เราทราบว่าท่านปลอดภัยหรือต้องการความช่วยเหลือ"
        " เพื่อให้เราติดต่อครอบครัวของท่านได้ และจัดความช่วยเหลือไปยังผู้ที่ต้องการมากที่สุด"
        " การลงทะเบียนใช้เวลาเพียงไม่กี่นาทีบนเว็บไซต์ของสถานเอกอัครราชทูต\n\n"
        "หากอินเทอร์เน็ตมือถือใช้งานไม่ได้ โปรดส่ง SMS ซึ่งมักส่งถึงได้แม้โทรไม่ติด\n\n"
        f"สายด่วนตลอด 24 ชั่วโมง: {PHONE}",
    ),
    "ar_LB": (
        "x",
        "هل أنت مواطن من إكزامبلاند في المنطقة المنكوبة؟ أخبرنا إن كنت بأمان أو بحاجة إلى"
        " مساعدة، حتى نتمكن من التواصل مع عائلتك وتنظيم المساعدة حيث تشتد الحاجة إليها."
        " لا يستغرق التسجيل على موقع السفارة سوى بضع دقائق.\n\n"
        "إذا لم يعمل الإنترنت عبر الهاتف المحمول، أرسل لنا رسالة نصية: غالبًا ما تصل الرسائل"
        " عندما تفشل المكالمات.\n\n"
        f"خط الطوارئ على مدار الساعة: {LRI}{PHONE}{PDI}",
    ),
}

NUMBERED = {
    "en": "\n({i}/{n})",
    "es": "\n({i}/{n})",
    "uk": "\n({i}/{n})",
    "ja": "\n（{i}/{n}）",
    "th": "\n({i}/{n})",
    "ar_LB": f"\n{LRI}({{i}}/{{n}}){PDI}",
}


def _bodies(parts: list[str], locale: str) -> list[str]:
    n = len(parts)
    out = []
    for i, part in enumerate(parts, 1):
        suffix = NUMBERED[locale].format(i=i, n=n)
        assert part.endswith(suffix), (part, suffix)
        out.append(part[: -len(suffix)])
    return out


@pytest.mark.parametrize("locale", list(CASES))
def test_split_at_paragraphs_with_the_contact_kept_with_its_label(locale: str) -> None:
    platform, text = CASES[locale]
    assert over_limit(platform, text) is not None
    parts = split_thread(platform, text, locale=locale)
    assert len(parts) >= 2
    bodies = _bodies(parts, locale)
    paragraphs = text.split("\n\n")
    # every cut falls at a paragraph end: each part is whole paragraphs
    for body in bodies:
        assert all(p in paragraphs for p in body.split("\n\n")), body
    # the hotline is with its label, and not alone in the last part
    last = bodies[-1]
    assert last.count("\n\n") >= 1, last
    assert regex.search(r"[:：]\s*\u2066?[+0]", last)
    for part in parts:
        assert over_limit(platform, part) is None
        # the numbering is on its own line, never glued to the number
        assert not regex.search(r"\d[ \u2069]*[（(]\d/\d", part)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "\n(1/2)"),
        ("fr", "\n(1/2)"),
        ("ja", "\n（1/2）"),
        ("ja_JP", "\n（1/2）"),
        ("th", "\n(1/2)"),
        ("ar_LB", f"\n{LRI}(1/2){PDI}"),
        # the digits of the post's own numbers (the Formatter's)
        ("ar_EG", f"\n{LRI}(1/2){PDI}"),
        (None, "\n(1/2)"),
    ],
)
def test_numbering_per_locale(locale: str | None, expected: str) -> None:
    text = "Short sentence here. " * 20
    parts = (
        split_thread("x", text, locale=locale)
        if locale
        else split_thread("x", text, numbering=numbering(None))
    )
    assert parts[0].endswith(expected)
    assert over_limit("x", parts[0]) is None


def test_a_last_part_that_is_only_the_hotline_takes_the_sentence_before() -> None:
    # one paragraph: filled sentence by sentence, the hotline sentence would be alone at the end
    body = "Stay away from damaged buildings. " * 7
    text = body + f"Emergency line: {PHONE}"
    parts = split_thread("x", text, locale="en")
    last = parts[-1]
    assert PHONE in last
    assert "buildings." in last  # a sentence came along
    assert last.index("Emergency line:") < last.index(PHONE)
    for part in parts:
        assert over_limit("x", part) is None


def test_a_label_on_the_line_before_stays_with_its_number() -> None:
    text = ("Keep your phone charged. " * 9) + "\nEmergency line:\n" + PHONE + "\n\nStay safe."
    parts = split_thread("x", text, locale="en")
    holder = next(p for p in parts if PHONE in p)
    assert "Emergency line:" in holder


def test_a_link_is_kept_with_its_label_in_japanese() -> None:
    text = ("余震のおそれがあります。損傷した建物には近づかないでください。" * 4) + (
        "最新情報はこちらでご覧いただけます：https://example.org/ja/updates"
    )
    parts = split_thread("x", text, locale="ja")
    holder = next(p for p in parts if "https://" in p)
    assert "ご覧いただけます：https://example.org/ja/updates" in holder
    assert holder.count("。") >= 1  # not alone: at least one sentence before it
    for part in parts:
        assert over_limit("x", part) is None


def test_a_contact_sentence_longer_than_a_part_is_still_split() -> None:
    text = "Call " + " ".join(["the embassy"] * 40) + f" on {PHONE}."
    parts = split_thread("x", text, locale="en")
    assert len(parts) >= 2
    assert all(over_limit("x", p) is None for p in parts)
    assert "".join(_bodies(parts, "en")).replace(" ", "") == text.replace(" ", "")


def test_mastodon_counts_links_as_23_when_splitting() -> None:
    url = "https://example.org/" + "a" * 200
    text = ("Register with the embassy today. " * 14) + f"\n\nRegister here: {url}"
    parts = split_thread("mastodon", text, locale="en")
    assert all(count("mastodon", p) <= 500 for p in parts)
    assert any(url in p for p in parts)


# --- property: parts fit and rejoin to the text ---------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

WORDS = [
    "help",
    "Register.",
    "now!",
    "Emergency line:",
    PHONE,
    "https://example.org/a?b=c",
    "info@example.org",
    "@consul@social.example.org",
    "สถานทูต",
    "大使館は開いています。",
    "連絡先：",
    "السفارة",
    f"{LRI}{PHONE}{PDI}",
    "\n",
    "\n\n",
    "e\u0301",
    "\U0001f1ee\U0001f1f9",
]


@settings(max_examples=80, deadline=None)
@given(
    platform=st.sampled_from(["x", "mastodon", "bluesky"]),
    locale=st.sampled_from(["en", "ja", "th", "ar_LB", "ar_EG", "uk"]),
    words=st.lists(st.sampled_from(WORDS), min_size=30, max_size=260),
)
def test_parts_stay_within_limits_and_rejoin_to_the_text(platform, locale, words) -> None:
    text = " ".join(words).strip()
    parts = split_thread(platform, text, locale=locale)
    if over_limit(platform, text) is None:
        assert parts == [text]
        return
    for part in parts:
        assert over_limit(platform, part) is None
    n = len(parts)
    template = numbering(locale)
    from launcher.plan.textrules import digits

    table = str.maketrans("0123456789", digits(locale))
    bodies = []
    for i, part in enumerate(parts, 1):
        suffix = template.format(i=str(i).translate(table), n=str(n).translate(table))
        assert part.endswith(suffix)
        bodies.append(part[: -len(suffix)])
    assert "".join("".join(bodies).split()) == "".join(text.split())
