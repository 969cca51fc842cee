"""The adapter contract suite's fixture table.

Every adapter joins the contract suite (``test_contract.py``) through one *case*: a module
``tests/adapters/case_<name>.py`` defining ``CASE = Case(...)``. Cases are discovered
automatically, so adding an adapter to the suite is adding that one file. A case says how
to build the adapter (credentials as ``env:`` references to fake values) and, for each
operation, registers with ``responses`` the exact requests the official API documents
(method, path, headers, body) and the answers, then returns what the adapter must produce.

The suite runs every case inside ``responses.RequestsMock(assert_all_requests_are_fired=True)``
with a fixed clock (``NOW``) and an injected ``sleep`` that records waits; nothing sleeps,
nothing touches the network.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import responses

from launcher.adapters.base import AccountRef, Adapter, OutgoingPost

#: the fixed "now" of every adapter in the suite (adapters read ``self.clock``)
NOW = datetime(2026, 7, 1, 12, 30, 0, tzinfo=UTC)


@dataclass
class Ctx:
    """What a case's callables get: the mock, the adapter under test and pytest helpers."""

    rsps: responses.RequestsMock
    adapter: Adapter
    monkeypatch: pytest.MonkeyPatch
    tmp_path: Path


@dataclass
class Case:
    #: entry-point name of the adapter
    name: str
    #: build the adapter from settings options (credential options as env: references)
    build: Callable[[Path], Adapter]
    #: environment variables holding the fake credentials the references point at
    env: dict[str, str]
    #: the standby account the suite acts on
    account: AccountRef
    #: register the requests of one publish of ``post`` (honour post.reply_to and post.image);
    #: return the expected platform post id
    publish: Callable[[Ctx, OutgoingPost], str]
    #: register a rate-limited answer (with the platform's own hint) followed by success;
    #: return the wait in seconds the hint asks for (at NOW)
    rate_limited: Callable[[Ctx, OutgoingPost], float]
    #: register a create whose answer is lost after sending, then what makes a retry safe
    #: (reconciliation read, or the same idempotency key); return the expected post id, or
    #: None when the adapter must refuse (PermanentError) rather than risk a second post
    lost_answer: Callable[[Ctx, OutgoingPost], str | None]
    #: register a refusal of the credentials on publish
    auth_failure: Callable[[Ctx, OutgoingPost], None]
    #: register a delete of the given post id (None: the platform cannot delete)
    retract: Callable[[Ctx, str], None] | None = None
    #: register a pin of the given post id (None: the platform cannot pin)
    pin: Callable[[Ctx, str], None] | None = None
    #: register the activation of the standby account (profile update)
    activate: Callable[[Ctx], None] | None = None
    #: the create request of a publish: (method, url substring) counted in lost-answer tests
    create_call: tuple[str, str] = ("POST", "")
    extra: dict[str, Any] = field(default_factory=dict)


def _discover() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    here = Path(__file__).parent
    for info in pkgutil.iter_modules([str(here)]):
        if info.name.startswith("case_"):
            module = importlib.import_module(f"{__package__}.{info.name}")
            case: Case = module.CASE
            cases[case.name] = case
    return dict(sorted(cases.items()))


CASES = _discover()


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request: pytest.FixtureRequest) -> Case:
    return CASES[request.param]


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def ctx(
    case: Case, rsps: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Ctx:
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    adapter = case.build(tmp_path)
    if hasattr(adapter, "clock"):
        adapter.clock = lambda: NOW  # type: ignore[attr-defined]
    if hasattr(adapter, "sleep"):
        adapter.sleep = lambda s: None  # type: ignore[attr-defined]
    return Ctx(rsps=rsps, adapter=adapter, monkeypatch=monkeypatch, tmp_path=tmp_path)


class Sleeps(list):
    """An injected ``sleep`` that records the waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def post(key: str = "launch-1/alert/0/1", text: str = "", **kw: Any) -> OutgoingPost:
    return OutgoingPost(
        key=key,
        text=text or "Earthquake: shelters open. Info https://example.org/q?a=1&b=2",
        locale=kw.pop("locale", "it"),
        **kw,
    )
