"""The language an inbound reply is written in, detected from its text.

py3langid (a maintained fork of langid.py, Lui & Baldwin's naive Bayes identifier over byte
n-grams; the model ships inside the package, 97 languages, deterministic, about 20 µs a
short text) rather than a model of our own: replies in a crisis are short, often a single
question, in any language. Mentions (``@user``), links and hashtags are removed first (they
are not language). The platform's own tag (Mastodon ``language``, Bluesky ``langs``, X
``lang``) is kept beside the detection, never instead of it: clients set it from the
author's settings, not from what was typed.

A detection with a normalised probability below :data:`MIN_SCORE` is "unknown" (None).
Between the launch's own locales a small preference applies: when the best language is not one
of them and a launch locale comes within :data:`PREFER_MARGIN`, the launch locale wins (short
Romance-language questions are easily confused).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

MIN_SCORE = 0.5
PREFER_MARGIN = 0.15
_NOISE = re.compile(r"https?://\S+|(?<!\w)[@#][\w.@-]+")
_lock = threading.Lock()
_identifier: Any = None


def _model() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def base_language(tag: str | None) -> str | None:
    """``pt-BR`` / ``pt_BR`` → ``pt``."""
    if not tag:
        return None
    return tag.replace("_", "-").split("-")[0].lower() or None


def detect(
    text: str, declared: str | None = None, candidates: Sequence[str] = ()
) -> tuple[str | None, float | None]:
    """(language, probability) of ``text``; (None, None) when it has no letters to go on,
    (None, p) when the best guess is below :data:`MIN_SCORE`."""
    clean = _NOISE.sub(" ", text or "").strip()
    if not any(ch.isalpha() for ch in clean):
        return None, None
    ranked = _model().rank(clean)
    probs = {lang: float(p) for lang, p in ranked}
    best, score = ranked[0][0], float(ranked[0][1])
    wanted = [b for b in (base_language(c) for c in candidates) if b]
    if best not in wanted and wanted:
        alt = max(wanted, key=lambda c: probs.get(c, 0.0))
        if score - probs.get(alt, 0.0) <= PREFER_MARGIN:
            best, score = alt, probs.get(alt, 0.0)
    if score < MIN_SCORE and not (best in wanted and score >= MIN_SCORE / 2):
        return None, round(score, 3)
    return best, round(score, 3)
