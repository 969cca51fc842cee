"""Redaction with many secrets registered (a thousand accounts' credentials): the index by
pieces of the secrets masks exactly what looking for every secret in turn masks."""

from __future__ import annotations

import json
import random
import string
from urllib.parse import quote

from launcher.errors import MASK, _written_forms, redact, register_secret


def _one_by_one(text: str, secrets: list[str]) -> str:
    """The reference: every secret's written forms, longest first, looked for in turn."""
    entries = sorted((_written_forms(s) for s in secrets), key=lambda f: -len(f[0]))
    for forms in entries:
        for form in forms:
            text = text.replace(form, MASK)
    return text


def test_a_thousand_secrets_masked_in_every_written_form():
    rng = random.Random(20261201)
    alphabet = string.ascii_letters + string.digits
    secrets = ["".join(rng.choices(alphabet, k=rng.randint(12, 40))) for _ in range(1000)]
    secrets += [f"tok/{s[:6]}+é" for s in secrets[:20]]  # characters that escaping changes
    secrets += ["Zq9!", "a1b2c3"]  # shorter than the index's prefix: looked for one by one
    for s in secrets:
        register_secret(s)
    picked = rng.sample(secrets, 60) + secrets[-22:]
    texts = [
        f"Bearer {picked[0]} rejected",
        json.dumps({"access_token": picked[1], "nested": json.dumps({"t": picked[2]})}),
        f"https://example.org/cb?token={quote(picked[3], safe='')}&x=1",
        f"prefix{picked[4]}suffix and {picked[5]}",  # inside a longer run of letters
        " ".join(picked),
        "a plain sentence with no secret in it, 12 words long, and numbers 2026-12-01",
        f"{secrets[-1]} and {secrets[-3]}",
    ]
    for t in texts:
        assert redact(t) == _one_by_one(t, secrets), t
    assert picked[0] not in redact(texts[0])
    assert redact(texts[5]) == texts[5]


def test_a_secret_inside_a_longer_one_leaves_no_part_behind():
    outer = "OUTERsecretABCDEF0123456789xyz"
    inner = "secretABCDEF0123"
    register_secret(inner)
    register_secret(outer)
    assert redact(f"x {outer} y {inner} z") == f"x {MASK} y {MASK} z"


def test_secrets_sharing_a_prefix_are_masked_wherever_they_sit_in_a_text():
    """Page tokens of one app all start alike (``EAAB...``), an organisation names its
    secrets alike, and short cores (8 to 10 characters) take another index: each is masked at
    every offset inside a longer run of letters, where a lookup every few characters could
    step over it."""
    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits
    shared = [f"EAABsbCS1iHgBA{''.join(rng.choices(alphabet, k=24))}" for _ in range(300)]
    named = [f"mastodon-secret-m{i:02d}-{loc}" for i in range(40) for loc in ("ar", "en", "fr")]
    short = ["".join(rng.choices(alphabet, k=k)) for k in (8, 9, 10) for _ in range(5)]
    secrets = shared + named + short
    for s in secrets:
        register_secret(s)
    for secret in rng.sample(shared, 5) + rng.sample(named, 5) + short:
        for offset in range(9):
            text = f"{'x' * offset}{secret}{'y' * (9 - offset)} and {quote(secret, safe='')}"
            assert secret not in redact(text), (secret, offset)
            assert redact(text) == _one_by_one(text, secrets), (secret, offset)
    assert redact("EAABsbCS1iHgBA but no whole token") == "EAABsbCS1iHgBA but no whole token"


def test_rows_on_their_way_into_the_ledger_are_masked_and_clean_ones_not_copied():
    """The ledger's boundary passes every row of every write through redact_value: a secret
    anywhere in a row (a value, a nested list, bytes) is masked; numbers, None and short
    texts pass as they are, and a row with nothing to mask is handed back itself."""
    from launcher.errors import redact_value

    secret = "rowsecret-9f8e7d6c5b4a"
    register_secret(secret)
    register_secret("Qz7!")  # shorter than a window: looked for in short texts too
    clean = {"post_id": 7, "due_at": 1.5, "pin": True, "url": None, "state": "sent"}
    assert redact_value(clean) is clean
    rows = [clean, {"error": f"401 for {secret}", "extra": ["ok", {"token": secret}]}]
    masked = redact_value(rows)
    assert masked[0] is clean
    assert masked[1] == {"error": f"401 for {MASK}", "extra": ["ok", {"token": MASK}]}
    assert redact_value((1, f"x{secret}".encode())) == (1, f"x{MASK}".encode())
    assert redact_value("Qz7!") == MASK and redact_value("ab") == "ab"


def test_session_tokens_are_indexed_under_their_least_shared_stretch():
    """Session tokens (JWTs: a header every token shares, then the random part) are registered
    at every login: the stretch they are indexed under is the one the fewest indexed secrets
    share, found in one pass, the same as trying every stretch in turn; each is masked."""
    from launcher import errors

    rng = random.Random(11)
    alphabet = string.ascii_letters + string.digits
    header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzY29wZSI6ImNvbS5hdHByb3RvLmFjY2VzcyJ9."
    span = errors._WINDOW + errors._STRIDE - 1

    def one_by_one(core: str) -> int:
        def shared(at: int) -> int:
            windows = range(at, at + span - errors._WINDOW + 1)
            return sum(len(errors._index.get(core[i : i + errors._WINDOW], ())) for i in windows)

        return min(range(len(core) - span, -1, -1), key=shared)

    tokens = [header + "".join(rng.choices(alphabet, k=rng.randint(20, 200))) for _ in range(200)]
    for token in tokens:
        core = token.replace(".", "")
        for piece in (token, core):
            if len(piece) >= span:
                assert errors._rarest_stretch(piece, span) == one_by_one(piece)
        register_secret(token)
    for token in rng.sample(tokens, 10):
        assert redact(f"Authorization: Bearer {token}") == f"Authorization: Bearer {MASK}"


def test_short_texts_beside_short_secrets_are_masked_as_by_the_reference():
    """A text shorter than every secret's shortest written form is handed back at once; one
    that can hold a secret, however short, is still searched: short texts built from pieces
    of short secrets (4 to 7 characters, looked for one by one) against the reference."""
    rng = random.Random(20261202)
    # each holds a character that escaping changes: its escaped forms are longer than it
    secrets = ["".join(rng.choices("klmnop", k=rng.randint(3, 6))) + ":" for _ in range(12)]
    for s in secrets:
        register_secret(s)
    for _ in range(400):
        pieces = [rng.choice(secrets)[: rng.randint(1, 7)] for _ in range(rng.randint(1, 3))]
        text = "".join(pieces)[: rng.randint(1, 14)]
        assert redact(text) == _one_by_one(text, secrets), text
    shortest = min(secrets, key=len)
    assert redact(shortest) == MASK
    assert redact(f"({shortest})") == f"({MASK})"
    assert redact(shortest[:-1]) == shortest[:-1]
