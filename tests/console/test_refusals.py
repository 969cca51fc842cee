"""The console refuses, in plain HTTP: no session, no or a wrong CSRF token, another person's
session, the person who ran a launch approving it, a missing role, a revoked key, guessed
passwords (slowed down, then locked for longer and longer), a replayed one-time code. And
what it sends: its headers, its cookie, a fact holding <script> shown as text."""

from __future__ import annotations

import json

import pytest

from tests.console.conftest import PASSWORDS, Client, Site
from tests.identities import AT, act, published

SCRIPT = "<script>window.__pwned=1</script>Umbria"


def run_held(site: Site, who: str = "d.officer") -> str:
    result = act(site.cast, who, "run", "quake", "--mission", "rome", "--set",
                 f"region={SCRIPT}", "--set", "magnitude=5", "--at", AT, "--now", AT,
                 "--yes", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["state"] == "awaiting-approval"
    return doc["launch"]


def state_of(site: Site, launch: str) -> str:
    return json.loads(act(site.cast, None, "status", launch, "--json").stdout)["state"]


@pytest.fixture
def launch(site: Site) -> str:
    return run_held(site)


def signed_in(site: Site, person: str) -> Client:
    client = Client(site)
    r = client.sign_in(person)
    assert r.status_code == 303 and r.headers["location"] == "/launches", r.text
    return client


def test_nothing_without_a_session(site: Site, launch: str) -> None:
    anonymous = Client(site)
    for decision in ("approve", "reject", "halt"):
        r = anonymous.post(f"/launches/{launch}/{decision}", {"csrf": "x", "reason": "y"})
        assert r.status_code == 403 and "Sign in first" in r.text
    assert anonymous.get("/launches").headers["location"] == "/signin"
    assert anonymous.get(f"/launches/{launch}").status_code == 303
    assert anonymous.get(f"/launches/{launch}/preview").status_code == 403
    assert anonymous.get("/log").status_code == 303
    assert state_of(site, launch) == "awaiting-approval" and published() == []


def test_no_decision_without_this_sessions_csrf_token(site: Site, launch: str) -> None:
    deputy = signed_in(site, "a.deputy")
    missing = deputy.post(f"/launches/{launch}/approve", {})
    assert missing.status_code == 403 and "nothing was done" in missing.text
    wrong = deputy.post(f"/launches/{launch}/approve", {"csrf": "forged-token"})
    assert wrong.status_code == 403
    viewer = signed_in(site, "v.viewer")
    theirs = viewer.csrf(f"/launches/{launch}")
    mixed = deputy.post(f"/launches/{launch}/approve", {"csrf": theirs})  # another's token
    assert mixed.status_code == 403
    assert state_of(site, launch) == "awaiting-approval" and published() == []
    token = deputy.csrf(f"/launches/{launch}")  # with its own token it works
    assert deputy.post(f"/launches/{launch}/approve", {"csrf": token}).status_code == 303
    assert state_of(site, launch) in ("active", "complete") and published()


def test_another_persons_session_is_theirs_not_yours(site: Site, launch: str) -> None:
    """The deputy's cookie with the viewer's form: the server knows whose session it is."""
    deputy, viewer = signed_in(site, "a.deputy"), signed_in(site, "v.viewer")
    viewer_token = viewer.csrf(f"/launches/{launch}")
    stolen = Client(site)
    stolen.cookie = viewer.cookie
    r = stolen.post(f"/launches/{launch}/approve", {"csrf": viewer_token})
    assert r.status_code == 403 and "needs the role launch-approver" in r.text
    assert deputy.cookie != viewer.cookie
    assert state_of(site, launch) == "awaiting-approval"


def test_the_person_who_ran_it_cannot_approve_it(site: Site, launch: str) -> None:
    officer = signed_in(site, "d.officer")
    page = officer.get(f"/launches/{launch}")
    assert "You ran this launch" in page.text
    r = officer.post(f"/launches/{launch}/approve", {"csrf": officer.csrf(f"/launches/{launch}")})
    assert r.status_code == 403
    assert "D. Officer (d.officer) ran launch" in r.text and "four eyes" in r.text
    assert state_of(site, launch) == "awaiting-approval" and published() == []


def test_a_missing_role_is_refused(site: Site, launch: str) -> None:
    viewer = signed_in(site, "v.viewer")
    token = viewer.csrf(f"/launches/{launch}")
    for decision in ("approve", "reject", "halt"):
        r = viewer.post(f"/launches/{launch}/{decision}", {"csrf": token, "reason": "no"})
        assert r.status_code == 403 and "V. Viewer (v.viewer) may not" in r.text
    assert state_of(site, launch) == "awaiting-approval"


def test_a_revoked_console_key_ends_the_session(site: Site, launch: str) -> None:
    deputy = signed_in(site, "a.deputy")
    token = deputy.csrf(f"/launches/{launch}")
    for k in site.cast.people["a.deputy"]["keys"]:
        if k["note"] == "console":
            k["revoked"] = "2026-03-28T03:00:00Z"
    site.cast.save()
    r = deputy.post(f"/launches/{launch}/approve", {"csrf": token})
    assert r.status_code == 403 and "revoked" in r.text
    assert deputy.get("/launches").headers["location"] == "/signin"
    assert state_of(site, launch) == "awaiting-approval"


def test_a_console_key_taken_out_of_people_yaml_ends_the_session(site: Site, launch: str) -> None:
    """The key is no longer anyone's (its entry deleted, not revoked): the decision is
    refused and the session made with it ends, as for a revoked key."""
    deputy = signed_in(site, "a.deputy")
    token = deputy.csrf(f"/launches/{launch}")
    keys = site.cast.people["a.deputy"]["keys"]
    keys[:] = [k for k in keys if k["note"] != "console"]
    site.cast.save()
    r = deputy.post(f"/launches/{launch}/approve", {"csrf": token})
    assert r.status_code == 403 and "not the key of anyone" in r.text
    assert deputy.get("/launches").headers["location"] == "/signin"
    assert state_of(site, launch) == "awaiting-approval"


def test_a_missing_role_keeps_the_session(site: Site, launch: str) -> None:
    """Refused for this action only (a viewer may not approve): still signed in."""
    viewer = signed_in(site, "v.viewer")
    token = viewer.csrf(f"/launches/{launch}")
    r = viewer.post(f"/launches/{launch}/approve", {"csrf": token})
    assert r.status_code == 403
    assert viewer.get("/launches").status_code == 200


def test_a_rejection_needs_a_reason(site: Site, launch: str) -> None:
    deputy = signed_in(site, "a.deputy")
    token = deputy.csrf(f"/launches/{launch}")
    empty = deputy.post(f"/launches/{launch}/reject", {"csrf": token, "reason": "  "})
    assert empty.status_code == 400 and "needs a reason" in empty.text
    done = deputy.post(f"/launches/{launch}/reject", {"csrf": token, "reason": "wrong region"})
    assert done.status_code == 303
    assert state_of(site, launch) == "rejected"
    log = json.loads(act(site.cast, None, "log", launch, "--json").stdout)
    [event] = [e for e in log if e["action"] == "launch.rejected"]
    assert event["actor"] == "a.deputy" and event["detail"]["reason"] == "wrong region"
    verified = json.loads(act(site.cast, None, "log", "--verify", "--json").stdout)
    assert verified["ok"]  # signed with the deputy's console key, verified against people.yaml


def test_guessing_passwords_is_slowed_then_locked_longer_and_longer(site: Site) -> None:
    guesser = Client(site)
    for _ in range(3):  # a few honest typos are free
        assert guesser.sign_in("a.deputy", "wrong password!").status_code == 401
    locked = guesser.sign_in("a.deputy", "wrong password!")
    assert locked.status_code == 429 and locked.headers["retry-after"] == "1"
    right = guesser.sign_in("a.deputy")  # even the right password waits: nothing is read
    assert right.status_code == 429
    site.clock.advance(1)
    assert guesser.sign_in("a.deputy", "wrong again!!").status_code == 401
    assert guesser.sign_in("a.deputy").headers["retry-after"] == "2"
    site.clock.advance(2)
    assert guesser.sign_in("a.deputy", "and again!!!").status_code == 401
    assert guesser.sign_in("a.deputy").headers["retry-after"] == "4"
    site.clock.advance(4)
    assert guesser.sign_in("a.deputy").status_code == 303  # the person gets in after the wait


def test_guesses_from_one_address_count_across_names(site: Site) -> None:
    guesser = Client(site)
    for person in ("d.officer", "a.deputy", "v.viewer", "nobody"):
        assert guesser.sign_in(person, "not the password").status_code in (401, 429)
    assert guesser.sign_in("v.viewer").status_code == 429


def test_a_one_time_code_works_once_and_is_required(site: Site) -> None:
    code = site.code("a.deputy")
    first = Client(site)
    assert first.sign_in("a.deputy", code=code).status_code == 303
    replay = Client(site)
    assert replay.sign_in("a.deputy", code=code).status_code == 401
    assert Client(site).sign_in("a.deputy", code="000000").status_code == 401
    no_code = Client(site)
    assert no_code.sign_in("a.deputy", code="").status_code == 401
    site.clock.advance(30)  # the next code
    assert Client(site).sign_in("a.deputy").status_code == 303
    viewer = Client(site)  # an author needs no code
    assert viewer.sign_in("v.viewer", code="").status_code == 303


def test_sessions_expire_when_idle(site: Site) -> None:
    deputy = signed_in(site, "a.deputy")
    assert deputy.get("/launches").status_code == 200
    site.clock.advance(31 * 60)
    assert deputy.get("/launches").headers["location"] == "/signin"


def test_the_signin_form_expires_and_a_wrong_password_says_little(site: Site) -> None:
    client = Client(site)
    r = client.post("/signin", {"csrf": "made-up", "person": "a.deputy",
                                "password": PASSWORDS["a.deputy"]})  # fmt: skip
    assert r.status_code == 403 and "The form had expired" in r.text
    wrong = client.sign_in("a.deputy", "not it at all")
    unknown = Client(site).sign_in("nobody.here", "not it at all")
    assert "Wrong id, password or one-time code." in wrong.text and wrong.status_code == 401
    assert "Wrong id, password or one-time code." in unknown.text


def test_headers_cookies_and_a_script_in_a_fact(site: Site, launch: str) -> None:
    client = Client(site)
    form = client.get("/signin")
    cookie = form.headers["set-cookie"]
    for flag in ("__Host-launcher=", "Secure", "HttpOnly", "SameSite=strict", "Path=/"):
        assert flag in cookie, cookie
    assert "Domain" not in cookie
    csp = form.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script" not in csp
    assert form.headers["x-frame-options"] == "DENY"
    assert form.headers["cache-control"] == "no-store"
    deputy = signed_in(site, "a.deputy")
    page = deputy.get(f"/launches/{launch}")
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;Umbria" in page.text
    assert "<script" not in page.text  # the console has no script, and facts are text
    assert 'sandbox="allow-scripts"' in page.text
    preview = deputy.get(f"/launches/{launch}/preview")
    assert preview.status_code == 200
    assert preview.headers["content-security-policy"].startswith("sandbox allow-scripts")
    assert "&lt;script&gt;window.__pwned=1" in preview.text
    assert "<script>window.__pwned" not in preview.text


def test_a_launch_that_does_not_exist_is_not_found(site: Site, launch: str) -> None:
    """A mistyped launch in the address is 404 (no such launch), not 409 (a launch in the
    wrong state), on the page and on a decision alike; nothing changes."""
    deputy = signed_in(site, "a.deputy")
    assert deputy.get("/launches/nosuch").status_code == 404
    token = deputy.csrf(f"/launches/{launch}")
    r = deputy.post("/launches/nosuch/approve", {"csrf": token})
    assert r.status_code == 404 and "no launch" in r.text
    assert state_of(site, launch) == "awaiting-approval"
