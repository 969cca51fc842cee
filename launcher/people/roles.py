"""Which role each action needs, and four eyes between verified people.

In a content root with people.yaml:

- a verified person (their key) may do what their roles allow, nothing else;
- a name without a key may still run, halt, resume, retry, retract and reject, recorded as
  not verified, unless people.yaml says ``require_signatures: true`` (halt stays open to
  everyone even then: stopping never publishes anything). It may never approve a launch or
  override an approval: those need a verified person;
- four eyes compares verified people: the person who approves a launch must be verified,
  and the launch's ``launch.created`` event must carry the valid signature of someone else.
  A launch run without a key can therefore never be approved by a second person (it can be
  rejected, or run again with a key). A free-text answer to an inbox item waits for a second
  person the same way: its ``answer.awaiting-approval`` event carries the writer's signature.

Accepting a feed's proposal is the action it leads to: ``run`` for a launch or a correction,
``halt`` (and ``retract``) for a halt, ``emergency`` when the override is asked for.

Without people.yaml nothing here applies: names are compared as before.
"""

from __future__ import annotations

from typing import Any

from ..errors import Refused
from .identity import Actor
from .registry import PEOPLE_FILE

#: action -> (what it is called in messages, roles that allow it)
ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "run": ("run a launch", ("launcher",)),
    "emergency": ("send without approval (emergency override)", ("emergency",)),
    "approve-launch": ("approve a launch", ("launch-approver",)),
    "reject": ("reject a launch", ("launch-approver",)),
    "halt": ("halt a launch", ("launcher", "launch-approver", "emergency")),
    "resume": ("resume a launch", ("launcher", "emergency")),
    "retry": ("retry a launch's posts", ("launcher", "emergency")),
    "retract": ("retract a launch's posts", ("launcher", "emergency")),
    "approve-content": ("approve content", ("content-approver",)),
    # a feed's proposals: accepting one is running (or halting, retracting) its launch
    "dismiss-proposal": ("dismiss a feed's proposal", ("launcher", "launch-approver")),
    # the listening post: an answer is a post of the launch; a free-text one waits for a
    # second person, who releases it like a launch
    "answer": ("answer an inbox item", ("launcher",)),
    "approve-answer": ("approve an answer", ("launch-approver",)),
    "reject-answer": ("reject an answer", ("launch-approver",)),
    "dismiss-item": ("dismiss an inbox item", ("launcher", "launch-approver")),
    # after the crisis: farewell posts, then the accounts retired and their credentials revoked
    "sunset": ("wind a launch down (sunset)", ("launcher",)),
}
#: actions only a verified person may take, whatever people.yaml says
VERIFIED_ONLY = ("approve-launch", "emergency", "approve-content", "approve-answer")
#: actions open to a name without a key even under ``require_signatures: true``
ALWAYS_OPEN = ("halt",)


def authorize(actor: Actor, action: str) -> None:
    """Refused unless ``actor`` may take ``action`` (see the module docstring)."""
    what, roles = ACTIONS[action]
    people = actor.people
    if people is None:
        return
    if actor.person is None:
        if action in VERIFIED_ONLY or (people.require_signatures and action not in ALWAYS_OPEN):
            why = (
                f"{PEOPLE_FILE} requires signatures"
                if action not in VERIFIED_ONLY
                else "only a verified person may"
            )
            raise Refused(
                f"{actor.name} cannot {what} without a key: {why}",
                hint="set LAUNCHER_KEY=file:/path/to/your.key (your key, listed in"
                f" {PEOPLE_FILE}) and try again",
            )
        return
    if not actor.person.has(*roles):
        theirs = ", ".join(sorted(actor.person.roles)) or "none"
        raise Refused(
            f"{actor.person.label()} may not {what}: that needs the role"
            f" {' or '.join(roles)} (their roles: {theirs})",
            hint=f"have someone with that role do it, or add the role to their entry in"
            f" {PEOPLE_FILE} (reviewed like any content change)",
        )


def ran_by(ledger: Any, launch_id: str, actor: Actor) -> tuple[str | None, str | None]:
    """(the verified person who ran the launch, why it is unknown), from the signature on
    the launch's ``launch.created`` event in the audit chain."""
    from ..audit.chain import signed_by

    assert actor.people is not None
    with ledger.engine.connect() as conn:
        return signed_by(conn, launch_id, "launch.created", actor.people.public_keys())


def check_four_eyes(actor: Actor, ledger: Any, launch: Any) -> None:
    """Refused unless ``actor`` is a verified person other than the one who ran ``launch``
    (in a content root with people.yaml; otherwise the ledger compares names)."""
    if actor.people is None:
        return
    authorize(actor, "approve-launch")
    runner, problem = ran_by(ledger, launch.id, actor)
    _second_person(
        actor,
        runner,
        problem,
        did=f"launch {launch.id} was run by {launch.created_by}",
        own=f"ran launch {launch.id}",
        hint=f"reject it (launcher reject {launch.id} --reason ...) and have it run again"
        " by a person with their LAUNCHER_KEY; if it cannot wait, run it again with"
        " --emergency --reason (role emergency)",
    )


def check_four_eyes_answer(actor: Actor, ledger: Any, answer: Any) -> None:
    """Refused unless ``actor`` is a verified person other than the one who wrote ``answer``
    (read from the signature on its ``answer.awaiting-approval`` event, as for launches)."""
    from ..audit.chain import signed_by

    if actor.people is None:
        return
    authorize(actor, "approve-answer")
    with ledger.engine.connect() as conn:
        writer, problem = signed_by(
            conn,
            answer.launch_id,
            "answer.awaiting-approval",
            actor.people.public_keys(),
            detail={"answer": answer.id},
        )
    _second_person(
        actor,
        writer,
        problem,
        did=f"answer {answer.id} was written by {answer.requested_by}",
        own=f"wrote answer {answer.id}",
        hint=f"reject it (launcher reject-answer {answer.id} --reason ...) and have it"
        " written again by a person with their LAUNCHER_KEY",
    )


def _second_person(
    actor: Actor, author: str | None, problem: str | None, *, did: str, own: str, hint: str
) -> None:
    """Four eyes once the author is read from the chain: Refused when the author is not a
    verified person (no second person can be established) or is the actor themselves."""
    assert actor.person is not None  # authorize refused anyone unverified
    if author is None:
        because = f" ({problem})" if problem else ""
        raise Refused(
            f"{did} without a verified key{because}: four eyes cannot be established, so no"
            " second person can approve it",
            hint=hint,
        )
    if author == actor.person.id:
        raise Refused(
            f"{actor.person.label()} {own} and cannot also approve it (four eyes), with"
            " whichever key or name",
            hint="a second person with the role launch-approver approves it",
        )
