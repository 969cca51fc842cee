"""Adapters read proxy and CA settings from the environment once, not on every request."""

from __future__ import annotations

from launcher.adapters.http import _session


def test_proxy_settings_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.org:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    s = _session("https://social.example.org")
    assert s.trust_env is False
    assert s.proxies.get("https") == "http://proxy.example.org:3128"


def test_no_proxy_is_honoured(monkeypatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.org:3128")
    monkeypatch.setenv("NO_PROXY", "social.example.org")
    assert "https" not in _session("https://social.example.org").proxies


def test_ca_bundle_from_the_environment(monkeypatch, tmp_path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert _session("https://social.example.org").verify == str(bundle)
