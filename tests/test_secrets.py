"""No secret ever leaves: plant known credential values, drive every adapter through
successes and failures, the CLI (`adapters`, `validate`, `run`), logs and the data
directory (outbox, ledger), and assert the values appear nowhere."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import requests
import responses

from launcher import errors
from launcher.adapters.base import OutgoingPost, ProfileUpdate
from launcher.credentials import Secret, resolve
from launcher.launch.retry import RetryPolicy, deliver
from launcher.settings import load_settings

from .conftest import invoke

SECRETS = {
    "T_SEC_MASTODON": "mastodon-PLANTED-7f3a9c",
    "T_SEC_MASTODON_APP": "mastodon-app-PLANTED-0b1d",
    "T_SEC_X": "x-PLANTED-51e2aa",
    "T_SEC_FB": "facebook-PLANTED-c0ffee",
    "T_SEC_TG": "999999:telegram-PLANTED-beef",
    "T_SEC_BSKY": "bsky-app-password-PLANTED-42",
}
SETTINGS = """\
platforms:
  mastodon:
    adapter: mastodon
    options:
      base_url: https://social.example.org
      token: env:T_SEC_MASTODON
      app_token: env:T_SEC_MASTODON_APP
  x:
    adapter: x
    options: {access_token: env:T_SEC_X}
    accounts: [{account_id: "2244994945"}]
  facebook:
    adapter: facebook
    options: {page_token: env:T_SEC_FB}
    accounts: [{account_id: "1048576"}]
  telegram:
    adapter: telegram
    options: {bot_token: env:T_SEC_TG}
    accounts: [{account_id: "@tl_rome"}]
"""
PLATFORMS = ("mastodon", "x", "facebook", "telegram")


def assert_clean(text: str, where: str) -> None:
    for value in SECRETS.values():
        assert value not in text, f"secret leaked in {where}"
        assert value.split(":")[-1] not in text, f"secret part leaked in {where}"


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    cfg = tmp_path / "launcher.yaml"
    cfg.write_text(SETTINGS)
    return cfg


def _answers(rsps: responses.RequestsMock, status: int, body: dict, headers: dict | None = None):
    import re

    for method in ("GET", "POST", "PATCH", "DELETE"):
        rsps.add(method, re.compile(r"https://.*"), status=status, json=body, headers=headers or {})


OUTCOMES = [
    (401, {"error": "The access token is invalid", "ok": False, "description": "Unauthorized"}),
    (403, {"error": {"message": "bad", "code": 190}, "ok": False, "description": "Forbidden"}),
    (429, {"error": "Too many requests", "ok": False, "description": "Too Many Requests"}),
    (500, {"error": "oops", "ok": False, "description": "Internal Server Error"}),
    (422, {"error": "Validation failed", "ok": False, "description": "Bad Request"}),
]


@pytest.mark.parametrize(("status", "body"), OUTCOMES)
def test_errors_reprs_and_logs_hold_no_secret(
    planted: Path, caplog: pytest.LogCaptureFixture, status: int, body: dict
) -> None:
    settings = load_settings(str(planted))
    seen: list[str] = [repr(settings)]
    post = OutgoingPost(key="k", text="hello https://example.org", locale="it")
    with caplog.at_level(logging.DEBUG):
        for platform in PLATFORMS:
            adapter = settings.adapter_for(platform, "rome")
            account = settings.account_ref(platform, "rome", "it", "tl_rome_it")
            seen += [repr(adapter), str(adapter), repr(account), repr(adapter.settings)]
            with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
                _answers(rsps, status, body, {"Retry-After": "1"})
                calls = (
                    lambda a=adapter, r=account: deliver(
                        a, r, post, policy=RetryPolicy(max_attempts=2), sleep=lambda s: None
                    ),
                    lambda a=adapter, r=account: a.provision(r, ProfileUpdate("n", "b")),
                    lambda a=adapter, r=account: a.retract(r, "1"),
                )
                for call in calls:
                    try:
                        result = call()
                        seen.append(repr(result))
                    except errors.LauncherError as exc:
                        seen += [
                            str(exc),
                            repr(exc),
                            exc.message,
                            str(exc.hint),
                            repr(exc.__dict__),
                        ]
                        if isinstance(exc, errors.Unsupported):
                            seen += exc.checklist
    for text in seen:
        assert_clean(text, text[:60])
    assert_clean(caplog.text, "logs")


@pytest.mark.parametrize("failure", [requests.ReadTimeout, requests.ConnectionError])
def test_transport_failures_hold_no_secret(planted: Path, failure: type) -> None:
    """The Telegram token is in the URL: a transport error must not carry the URL along."""
    settings = load_settings(str(planted))
    adapter = settings.adapter_for("telegram")
    account = settings.account_ref("telegram", "rome", "it", "tl_rome_it")
    post = OutgoingPost(key="k", text="t", locale="it")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        token = SECRETS["T_SEC_TG"]
        rsps.post(
            f"https://api.telegram.org/bot{token}/sendMessage",
            body=failure(f"HTTPSConnectionPool: /bot{token}/sendMessage failed"),
        )
        with pytest.raises(errors.AdapterError) as info:
            adapter.publish(account, post)
    exc = info.value
    assert exc.__cause__ is None and exc.__suppress_context__
    for text in (str(exc), repr(exc), repr(exc.__dict__)):
        assert_clean(text, "transport error")


def test_secret_objects_never_show_their_value(planted: Path) -> None:
    secret = resolve("env:T_SEC_X")
    assert isinstance(secret, Secret)
    for text in (repr(secret), str(secret), f"{secret}", json.dumps({"s": str(secret)})):
        assert_clean(text, "Secret")


def test_cli_outputs_hold_no_secret(planted: Path, mini_root: Path) -> None:
    for args in (("adapters",), ("adapters", "--json"), ("validate",), ("validate", "--json")):
        result = invoke("--config", str(planted), *args, root=mini_root)
        assert_clean(result.output, " ".join(args))
    adapters = json.loads(invoke("--config", str(planted), "adapters", "--json").output)
    assert adapters["platforms"]["telegram"] == "telegram"


def test_a_launch_against_refusing_platforms_leaks_nothing(
    planted: Path, mini_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A whole `launcher run` whose platforms refuse the credentials: output, logs and every
    file in the data directory (ledger, outbox) are free of the planted values."""
    import os

    with (
        caplog.at_level(logging.DEBUG),
        responses.RequestsMock(assert_all_requests_are_fired=False) as rsps,
    ):
        _answers(
            rsps,
            401,
            {"error": "The access token is invalid", "ok": False, "description": "Unauthorized"},
        )
        result = invoke(
            "--config", str(planted), "run", "quake", "-m", "rome",
            "--set", "region=Lazio", "--set", "magnitude=6.1",
            "--at", "2026-07-01T08:00:00Z", "--yes",
            root=mini_root,
        )  # fmt: skip
        json_result = invoke("--config", str(planted), "status", "--json", root=mini_root)
    assert "401" in result.output or "invalid" in result.output, result.output
    assert_clean(result.output, "run output")
    assert_clean(json_result.output, "status --json")
    assert_clean(caplog.text, "logs")
    data_dir = Path(os.environ["LAUNCHER_DATA_DIR"])
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert files, "the launch wrote nothing to the data directory"
    for path in files:
        blob = path.read_bytes()
        for value in SECRETS.values():
            assert value.encode() not in blob, f"secret leaked in {path}"


@pytest.mark.parametrize("debug", ["", "1"])
def test_an_internal_error_is_redacted_with_or_without_its_traceback(
    monkeypatch: pytest.MonkeyPatch, mini_root: Path, debug: str
) -> None:
    """A bug whose message quotes a secret: the one-line report and the LAUNCHER_DEBUG
    traceback are both scrubbed."""
    import launcher.plan.build

    secret = "debug-PLANTED-7e57"
    errors.register_secret(secret)

    def broken(*args: object, **kw: object) -> None:
        raise RuntimeError(f"GET https://api.example.org/bot{secret}/x failed")

    monkeypatch.setattr(launcher.plan.build, "build_plan", broken)
    monkeypatch.setenv("LAUNCHER_DEBUG", debug)
    result = invoke("plan", "quake", "-m", "rome", root=mini_root)
    assert result.exit_code == 1
    assert secret not in result.output and "/bot[redacted]/x" in result.output
    assert ("Traceback" in result.output) == bool(debug)


def test_a_credential_too_short_to_mask_safely_is_refused_without_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Masking a 4-character password everywhere would rewrite ordinary words of posts in the
    ledger (which would then contradict the platform): such a value is refused when read."""
    monkeypatch.setenv("T_SHORT_PW", "news")
    with pytest.raises(errors.ConfigError) as info:
        resolve("env:T_SHORT_PW", what="mastodon token")
    assert "env:T_SHORT_PW holds only 4 characters" in str(info.value)
    assert "news" not in str(info.value) and "news" not in str(info.value.hint)
    assert errors.redact("breaking news") == "breaking news"  # never registered
    monkeypatch.setenv("T_SHORT_PW", "a-real-token-value")
    assert resolve("env:T_SHORT_PW").reveal() == "a-real-token-value"
