"""`launcher adapters`: the capability table comes from the declarations."""

from __future__ import annotations

import json
from pathlib import Path

from launcher.adapters.registry import available

from ..conftest import invoke


def test_table_lists_every_adapter_with_its_capabilities() -> None:
    result = invoke("adapters")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = lines[0]
    for title in ("adapter", "platform", "create", "profile fields", "pin", "delete"):
        assert title in header
    for title in ("lost answer", "limit", "options"):
        assert title in header
    rows = {line.split()[0]: line for line in lines[1:] if line and not line.startswith(" ")}
    assert "idempotency-key" in rows["mastodon"] and "500" in rows["mastodon"]
    assert "reconcile" in rows["x"] and "280" in rows["x"]
    assert "bot_token*" in rows["telegram"]
    assert "mastodon   sandbox" in result.output  # default routing


def test_json_matches_the_declarations() -> None:
    result = invoke("adapters", "--json")
    doc = json.loads(result.output)
    found = available()
    assert {row["name"] for row in doc["adapters"]} == set(found)
    for row in doc["adapters"]:
        cls = found[row["name"]]
        caps = cls.capabilities
        assert row["text_limit"] == caps.text_limit
        assert row["idempotency"] == caps.idempotency
        assert row["pin"] is caps.pin and row["delete"] is caps.delete
        assert row["create_accounts"] is caps.create_accounts
        assert row["profile_fields"] == sorted(caps.profile_fields)
        assert [o["name"] for o in row["options"]] == [o.name for o in cls.options]
    assert doc["platforms"]["telegram"] == "sandbox"


def test_routing_follows_the_settings(tmp_path: Path) -> None:
    cfg = tmp_path / "launcher.yaml"
    cfg.write_text("platforms:\n  x:\n    adapter: x\n")
    doc = json.loads(invoke("--config", str(cfg), "adapters", "--json").output)
    assert doc["platforms"]["x"] == "x" and doc["platforms"]["mastodon"] == "sandbox"
