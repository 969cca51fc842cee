"""The console's pages and form handlers (see :mod:`.app` for what they promise)."""

from __future__ import annotations

import json
import math
import threading
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..errors import (
    InputError,
    KeyRefused,
    LauncherError,
    LedgerError,
    NotFound,
    Refused,
    redact,
)
from .sessions import COOKIE, Session

if TYPE_CHECKING:
    from .app import Console

DECISIONS = ("approve", "reject", "halt")
#: the preview frame: an opaque origin whose one script cannot reach the console
PREVIEW_CSP = "sandbox allow-scripts; frame-ancestors 'self'"
RECENT = 30


def template_env() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    folder = resources.files("launcher.console").joinpath("templates")
    return Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=True,  # every fact, note and text is data: `<script>` is shown, never run
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def error_status(exc: LauncherError) -> int:
    if isinstance(exc, Refused):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, LedgerError) and exc.exit_code == 2:
        return 409
    return 400 if exc.exit_code == 2 else 503


@cache
def _env() -> Any:
    return template_env()


def _console(request: Request) -> Console:
    return request.app.state.console


def _session(request: Request) -> Session | None:
    return _console(request).sessions.get(request.cookies.get(COOKIE))


def _when(value: float | None, zone: str | None = None) -> str:
    """UTC, or the mission's local time with UTC beside it."""
    if value is None:
        return "-"
    utc = datetime.fromtimestamp(value, UTC)
    if zone:
        try:
            local = utc.astimezone(ZoneInfo(zone))
        except (KeyError, ValueError):
            local = None
        if local is not None:
            return f"{local.strftime('%Y-%m-%d %H:%M %Z')} ({utc.strftime('%H:%M')} UTC)"
    return utc.strftime("%Y-%m-%d %H:%M UTC")


def _render(
    request: Request, name: str, session: Session | None, status: int = 200, **context: Any
) -> HTMLResponse:
    console = _console(request)
    person = None
    if session is not None and session.person:
        people = console.people()
        person = people.person(session.person)
    flash, session_flash = [], session.flash if session is not None else []
    while session_flash:
        flash.append(session_flash.pop(0))
    html = (
        _env()
        .get_template(name)
        .render(person=person, csrf=session.csrf if session else "", flash=flash, **context)
    )
    response = HTMLResponse(html, status_code=status)
    if session is not None:
        _set_cookie(response, session, console)
    return response


def _set_cookie(response: Response, session: Session, console: Console) -> None:
    response.set_cookie(
        COOKIE,
        session.token,
        max_age=int(console.lifetime),
        path="/",
        secure=console.secure_cookies,
        httponly=True,
        samesite="strict",
    )


def _error(
    request: Request,
    session: Session | None,
    status: int,
    heading: str,
    message: str,
    hint: str | None = None,
    back: str = "/launches",
) -> HTMLResponse:
    return _render(
        request,
        "error.html",
        session,
        status=status,
        title=heading,
        heading=heading,
        message=message,
        hint=hint,
        back=back,
    )


def _signed_in(request: Request) -> Session | None:
    session = _session(request)
    return session if session is not None and session.person else None


def _to_signin() -> RedirectResponse:
    return RedirectResponse("/signin", status_code=303)


# -- static ---------------------------------------------------------------------------------
@cache
def _css() -> str:
    return resources.files("launcher.console").joinpath("templates", "console.css").read_text()


async def stylesheet(request: Request) -> Response:
    return Response(_css(), media_type="text/css", headers={"cache-control": "max-age=3600"})


async def home(request: Request) -> Response:
    return RedirectResponse("/launches" if _signed_in(request) else "/signin", status_code=303)


# -- sign-in --------------------------------------------------------------------------------
async def signin_form(request: Request) -> Response:
    if _signed_in(request):
        return RedirectResponse("/launches", status_code=303)
    session = _session(request) or _console(request).sessions.anonymous()
    return _render(request, "signin.html", session, title="Sign in", error=None, person_id="")


async def signin(request: Request) -> Response:
    console = _console(request)
    form = await request.form()
    session = _session(request)
    if session is None or not session.csrf_ok(form.get("csrf")):  # type: ignore[arg-type]
        fresh = console.sessions.anonymous()
        return _render(
            request,
            "signin.html",
            fresh,
            status=403,
            title="Sign in",
            error="The form had expired: sign in again.",
            person_id="",
        )
    ip = request.client.host if request.client else "?"
    person_id = str(form.get("person") or "")
    new, error, wait = await run_in_threadpool(
        console.sign_in,
        session,
        person_id,
        str(form.get("password") or ""),
        str(form.get("code") or ""),
        ip,
    )
    if new is None:
        response = _render(
            request,
            "signin.html",
            session,
            status=429 if wait else 401,
            title="Sign in",
            error=error,
            person_id=person_id,
        )
        if wait:
            response.headers["retry-after"] = str(math.ceil(wait))
        return response
    response = RedirectResponse("/launches", status_code=303)
    _set_cookie(response, new, console)
    return response


async def signout(request: Request) -> Response:
    session = _signed_in(request)
    form = await request.form()
    if session is None or not session.csrf_ok(form.get("csrf")):  # type: ignore[arg-type]
        return _error(request, None, 403, "Refused", "No valid session or form token.")
    _console(request).sessions.end(session)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


# -- launches -------------------------------------------------------------------------------
def _ran_by(people: Any, created_by: str) -> str:
    person = people.person(created_by)
    return person.label() if person else f"{created_by} (not verified)"


async def launches_page(request: Request) -> Response:
    session = _signed_in(request)
    if session is None:
        return _to_signin()
    console = _console(request)

    def read() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        people = console.people()  # people.yaml read once for every waiting launch
        waiting = [
            {
                "id": r.id,
                "playbook": r.playbook,
                "mission": r.mission,
                "note": list(r.note),
                "ran_by": _ran_by(people, r.created_by),
                "created": _when(r.created_at, r.timezone),
            }
            for r in console.ledger.awaiting()
        ]
        summaries = console.ledger.summaries()[-RECENT:]
        recent = [
            {
                "id": s.launch.id,
                "playbook": s.launch.playbook,
                "mission": s.launch.mission,
                "state": s.overall,
                "sent": s.counts.get("sent", 0),
                "total": sum(s.counts.values()),
                "created": _when(s.launch.created_at, s.launch.timezone),
            }
            for s in reversed(summaries)
        ]
        return waiting, recent

    waiting, recent = await run_in_threadpool(read)
    return _render(
        request, "launches.html", session, title="Launches", waiting=waiting, recent=recent
    )


async def launch_page(request: Request) -> Response:
    session = _signed_in(request)
    if session is None:
        return _to_signin()
    console = _console(request)
    try:
        context = await run_in_threadpool(_launch_context, console, session, request)
    except LauncherError as exc:
        return _error(request, session, error_status(exc), "Not available", exc.message, exc.hint)
    return _render(request, "launch.html", session, **context)


def _launch_context(console: Console, session: Session, request: Request) -> dict[str, Any]:
    from ..ledger import overall_state
    from .preview import launch_preview

    ledger = console.ledger
    rec = ledger.resolve(request.path_params["launch"])
    posts = ledger.posts(rec.id)
    counts: dict[str, int] = {}
    for p in posts:
        counts[p.state] = counts.get(p.state, 0) + 1
    preview = launch_preview(ledger, console.root, rec)
    return {
        "title": f"{rec.playbook} · {rec.mission}",
        "launch": rec,
        "state": overall_state(rec.state, counts),
        "ran_by": _ran_by(console.people(), rec.created_by),
        "created": _when(rec.created_at, rec.timezone),
        "facts": [(k, "" if v is None else str(v)) for k, v in sorted(rec.facts.items())],
        "counts": sorted(counts.items()),
        "awaiting": rec.state == "awaiting-approval",
        "own": rec.created_by == session.person,
        "haltable": rec.state in ("active", "provisioning", "awaiting-approval"),
        "preview": preview.html is not None,
        "preview_note": preview.note,
        "posts": [
            {
                "due": _when(p.due_at, rec.timezone),
                "platform": p.platform,
                "locale": p.locale,
                "message": p.message + (f" {p.part}/{p.parts}" if p.parts > 1 else ""),
                "state": p.state,
                "text": p.text,
                "error": p.error,
            }
            for p in posts
        ],
    }


async def preview_page(request: Request) -> Response:
    session = _signed_in(request)
    if session is None:
        return Response("sign in first", status_code=403, media_type="text/plain")
    console = _console(request)

    def build() -> str | None:
        from .preview import launch_preview

        rec = console.ledger.resolve(request.path_params["launch"])
        return launch_preview(console.ledger, console.root, rec).html

    try:
        html = await run_in_threadpool(build)
    except LauncherError as exc:
        return Response(exc.message, status_code=error_status(exc), media_type="text/plain")
    if html is None:
        return Response("no preview", status_code=404, media_type="text/plain")
    return HTMLResponse(
        html,
        headers={"content-security-policy": PREVIEW_CSP, "x-frame-options": "SAMEORIGIN"},
    )


async def decide(request: Request) -> Response:
    """approve, reject (with a reason) or halt: session, CSRF token, role, four eyes."""
    decision = request.path_params["decision"]
    if decision not in DECISIONS:
        return Response("not found", status_code=404, media_type="text/plain")
    session = _signed_in(request)
    form = await request.form()
    if session is None:
        return _error(
            request,
            None,
            403,
            "Refused",
            "Sign in first: no decision without a session.",
            back="/signin",
        )
    if not session.csrf_ok(form.get("csrf")):  # type: ignore[arg-type]
        return _error(
            request,
            session,
            403,
            "Refused",
            "This form's token is not this"
            " session's: nothing was done. Reload the page and decide again.",
        )
    console = _console(request)
    lid = request.path_params["launch"]
    reason = str(form.get("reason") or "").strip()
    try:
        message = await run_in_threadpool(_act, console, session, decision, lid, reason)
    except Refused as exc:
        if isinstance(exc, KeyRefused):  # the key can do nothing more: sign its holder out
            console.sessions.end(session)
        return _error(
            request, session, 403, "Refused", exc.message, exc.hint, back=f"/launches/{lid}"
        )
    except LauncherError as exc:
        return _error(
            request,
            session,
            error_status(exc),
            "Not done",
            redact(exc.message),
            exc.hint,
            back=f"/launches/{lid}",
        )
    session.flash.append(message)
    return RedirectResponse(f"/launches/{lid}", status_code=303)


def _act(console: Console, session: Session, decision: str, lid: str, reason: str) -> str:
    from ..people import actions

    actor = console.actor(session)
    ledger = console.ledger
    rec = ledger.resolve(lid)
    if decision == "approve":
        final = actions.approve_launch(ledger, console.settings, actor, rec, clock=console.clock)
        sent = sum(1 for p in final.posts if p.state == "sent")
        message = (
            f"Approved by {actor.person.label()}: {sent} post(s) sent now; state {final.state}."
        )
    elif decision == "reject":
        if not reason:
            raise InputError("a rejection needs a reason", hint="say why in the reason box")
        n = actions.reject_launch(ledger, actor, rec, reason=reason, now=console.clock())
        message = f"Rejected by {actor.person.label()}: {n} post(s) will never be sent."
    else:
        done, in_flight = actions.halt_launch(ledger, actor, rec.id, now=console.clock())
        n = sum(done.values())
        busy = sum(in_flight.values())
        message = f"Halted by {actor.person.label()}: {n} post(s) waiting to go out stopped" + (
            f", {busy} in flight (each checked right before it goes out)." if busy else "."
        )
    threading.Thread(target=_notify, args=(console,), daemon=True).start()
    return message


def _notify(console: Console) -> None:
    from ..notify.runner import flush

    try:
        flush(console.ledger, console.root, console.settings)
    except Exception:  # the daemon's notifier tries again
        import logging

        logging.getLogger("launcher.console").warning("notifications not sent now", exc_info=True)


# -- the audit log --------------------------------------------------------------------------
async def log_page(request: Request) -> Response:
    session = _signed_in(request)
    if session is None:
        return _to_signin()
    console = _console(request)
    lid = request.query_params.get("launch") or None

    def read() -> dict[str, Any]:
        from ..audit.chain import verify_chain

        ledger = console.ledger
        if lid is not None:
            ledger.resolve(lid)
        with ledger.engine.connect() as conn:
            chain = verify_chain(conn, console.people().public_keys())
        events = ledger.events(lid, limit=200)
        rows = [
            {
                "at": _when(e.at),
                "actor": e.actor,
                "action": e.action,
                "launch": e.launch_id,
                "signed": chain.signatures.get(e.id) == e.actor,
                "detail": json.dumps(dict(e.detail), ensure_ascii=False, sort_keys=True),
            }
            for e in reversed(events)
        ]
        return {"chain": chain, "events": rows}

    try:
        context = await run_in_threadpool(read)
    except LauncherError as exc:
        return _error(request, session, error_status(exc), "Not available", exc.message, exc.hint)
    return _render(request, "log.html", session, title="Audit log", launch_id=lid, **context)
