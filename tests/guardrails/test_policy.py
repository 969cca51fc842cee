"""guardrails.yaml: defaults, located problems, severities; Finding.to_problem."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from launcher.guardrails import DEFAULT_SEVERITIES, RULES, Policy, load_policy

from .plans import lint, post

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "guardrails.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_absent_file_means_built_in_defaults(tmp_path):
    policy, problems = load_policy(tmp_path)
    assert problems == [] and policy == Policy()
    assert policy.repeat_window == timedelta(hours=24)
    assert set(RULES) == set(DEFAULT_SEVERITIES)


def test_shipped_policy_loads_without_problems():
    policy, problems = load_policy(REPO)
    assert problems == []
    assert {"24", "7"} <= set(policy.number_allowlist)
    for loc in ("en", "fr", "tr", "th", "it", "uk", "ar", "ja", "es"):
        assert policy.terms_for(loc), f"no forbidden terms for {loc}"


def test_settings_are_read(tmp_path):
    policy, problems = load_policy(
        write(
            tmp_path,
            "severity: {shouting: error, typed-number: 'off'}\n"
            "mentions: ['@RedCross']\nhashtags: ['#地震']\nnumber_allowlist: [24, 112]\n"
            "link_hosts: [Partner.ORG]\nrepeat_window: 12h\nuntranslated_min_words: 4\n"
            "shouting: {min_words: 2, max_percent: 50, allow: [UNICEF]}\n"
            "max_exclamations: 0\nsolemn_messages: [condolences]\n"
            "forbidden_terms: {'*': [fake news], th: [ข่าวลือ], fr_CA: [niaiseries]}\n",
        )
    )
    assert problems == []
    assert policy.severity("shouting") == "error" and not policy.enabled("typed-number")
    assert policy.mentions == ("RedCross",) and policy.hashtags == ("地震",)
    assert policy.number_allowlist == ("24", "112") and policy.link_hosts == ("partner.org",)
    assert policy.repeat_window == timedelta(hours=12)
    assert (policy.untranslated_min_words, policy.max_exclamations) == (4, 0)
    assert (policy.shouting_min_words, policy.shouting_max_percent) == (2, 50)
    assert policy.terms_for("th") == ("fake news", "ข่าวลือ")
    assert policy.terms_for("fr_CA") == ("fake news", "niaiseries")


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        ("severity:\n  shoutng: warning\n", 2, "unknown rule 'shoutng', did you mean 'shouting'?"),
        ("severity:\n  shouting: loud\n", 2, "unknown severity 'loud'"),
        ("severity:\n  shouting: warnig\n", 2, "did you mean 'warning'?"),
        ("hashtag: [a]\n", 1, "unknown key 'hashtag', did you mean 'hashtags'?"),
        ("repeat_window: soon\n", 1, "'soon' is not a duration"),
        ("number_allowlist: [24, seven]\n", 1, "'seven' is not a whole number"),
        ("forbidden_terms:\n  xx-nope: [a]\n", 2, "unknown locale 'xx-nope'"),
        ("shouting: {min_words: 0}\n", 1, "must be at least 1"),
        ("mentions: RedCross\n", 1, "expected a list"),
        ("severity: [\n", None, "malformed YAML"),
    ],
)
def test_bad_file_gives_located_problems(tmp_path, text, line, expected):
    _policy, problems = load_policy(write(tmp_path, text))
    assert len(problems) == 1, problems
    p = problems[0]
    assert expected in p.message and p.file == "guardrails.yaml"
    if line is not None:
        assert p.line == line


def test_severity_off_disables_a_rule_and_warning_is_kept():
    text = [post("STAY INDOORS, EVERYONE, RIGHT NOW!!", locale="en")]
    sev = dict(DEFAULT_SEVERITIES)
    found = {f.rule: f.severity for f in lint(text, Policy(severities=sev))}
    assert found == {"shouting": "warning", "exclamations": "warning"}
    sev.update({"shouting": "off", "exclamations": "error"})
    found = {f.rule: f.severity for f in lint(text, Policy(severities=sev))}
    assert found == {"exclamations": "error"}


def test_finding_to_problem_names_post_rule_and_fix():
    sev = dict.fromkeys(RULES, "off") | {"emoji-in-condolences": "error"}
    p = [post("قلوبنا مع الضحايا 🙏", locale="ar", platform="x", message="condolences")]
    (f,) = lint(p, Policy(severities=sev), tones={"condolences": "solemn"})
    problem = f.to_problem()
    assert problem.field == "test: condolences (locale ar, platform x) [rule emoji-in-condolences]"
    assert problem.file == "templates/messages/test/condolences.j2"
    assert "🙏" in problem.message and problem.hint
    assert "fix:" in str(problem)
    assert f.post_key == "condolences#1/x/ar"
    assert f.as_dict()["rule"] == "emoji-in-condolences"


def test_findings_to_problems_merges_platforms():
    from launcher.guardrails import findings_to_problems

    sev = dict.fromkeys(RULES, "off") | {"leftover-placeholder": "error", "shouting": "warning"}
    posts = [post("TODO check", platform=p) for p in ("mastodon", "x")]
    posts.append(post("STAY INDOORS EVERYONE", platform="x", message="other"))
    found = lint(posts, Policy(severities=sev))
    errors = findings_to_problems(found, "error")
    assert len(errors) == 1
    assert errors[0].field == (
        "test: news (locale en; platforms mastodon, x; mission tokyo) [rule leftover-placeholder]"
    )
    assert [p.field for p in findings_to_problems(found, "warning")] == [
        "test: other (locale en; platform x; mission tokyo) [rule shouting]"
    ]
