"""Account handles that each platform accepts, made the same way every time.

A handle is built from the organisation's prefix, the mission's slug and the locale, e.g.
``exl_rome_it`` (Mastodon), ``exl-rome-it.example.org`` (Bluesky) or ``exl.rome.it``
(Facebook). When that is too long the separators go first, then the slug is shortened; the
prefix and the locale are always kept whole, so two locales of one mission never share a
handle.

==========  =================================================================================
platform    rule
==========  =================================================================================
mastodon    ``[A-Za-z0-9_]``, 1-30 characters
sandbox     as Mastodon
x           ``[A-Za-z0-9_]``, 4-15 characters
bluesky     ``<label>.<domain>``: labels ``[a-z0-9-]``, 1-63, no ``-`` at either end; the
            whole handle at most 253 characters, lower case (atproto handle spec)
telegram    ``[A-Za-z0-9_]``, 5-32, starts with a letter, no trailing ``_``, no ``__``
facebook    letters, digits and periods, 5-50, no period at either end, no ``..``
==========  =================================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["handle_problem", "make_handle"]


@dataclass(frozen=True)
class _Shape:
    sep: str  # joins prefix, slug and locale
    min_len: int
    max_len: int


_SHAPES: dict[str, _Shape] = {
    "mastodon": _Shape("_", 1, 30),
    "sandbox": _Shape("_", 1, 30),
    "x": _Shape("_", 4, 15),
    "bluesky": _Shape("-", 1, 63),  # the first label; the domain is appended
    "telegram": _Shape("_", 5, 32),
    "facebook": _Shape(".", 5, 50),
}

_WORD = re.compile(r"[a-z0-9]+")
_USERNAME = re.compile(r"[A-Za-z0-9_]+")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_FACEBOOK = re.compile(r"[A-Za-z0-9.]+")
# Top-level domains the atproto handle spec refuses.
_BLUESKY_BAD_TLDS = frozenset(
    {"alt", "arpa", "example", "internal", "invalid", "local", "localhost", "onion"}
)


def _check_platform(platform: str) -> _Shape:
    try:
        return _SHAPES[platform]
    except KeyError:
        known = ", ".join(sorted(_SHAPES))
        raise ValueError(f"unknown platform {platform!r}; known platforms: {known}") from None


def _words(value: str) -> list[str]:
    return _WORD.findall(value.lower())


def _label(platform: str, prefix: str, slug: str, locale: str) -> str:
    """The name part of a handle: prefix, slug and locale fitted to the platform's length."""
    shape = _check_platform(platform)
    pre, sl, loc = _words(prefix), _words(slug), _words(locale)
    if platform == "telegram" and not (pre and pre[0][0].isalpha()):
        pre = ["t", *pre]  # a Telegram username starts with a letter
    if not loc:
        raise ValueError(f"locale {locale!r} has no letters or digits to put in a handle")
    sep = shape.sep
    full = sep.join(w for w in (*pre, *sl, *loc))
    if len(full) <= shape.max_len:
        name = full
    else:
        # Drop the separators, keeping one before the locale where there is room, then
        # shorten the slug: the prefix and the locale stay whole.
        head, tail = "".join(pre), "".join(loc)
        for joint in (sep, ""):
            room = shape.max_len - len(head) - len(joint) - len(tail)
            if room >= len("".join(sl)):
                name = head + "".join(sl) + joint + tail
                break
        else:
            room = shape.max_len - len(head) - len(tail)
            if room < 1:
                raise ValueError(
                    f"prefix {prefix!r} and locale {locale!r} leave no room for the slug in a "
                    f"{platform} handle of at most {shape.max_len} characters"
                )
            name = head + "".join(sl)[:room] + tail
    while len(name) < shape.min_len:
        name += "0"
    return name


def make_handle(
    platform: str, *, prefix: str, slug: str, locale: str, domain: str = "example.org"
) -> str:
    """A valid handle for ``platform`` built from ``prefix``, ``slug`` and ``locale``.

    The same inputs always give the same handle; different locales give different handles.
    For Bluesky the handle is ``<name>.<domain>``.
    """
    name = _label(platform, prefix, slug, locale)
    handle = f"{name}.{domain.lower().strip('.')}" if platform == "bluesky" else name
    problem = handle_problem(platform, handle)
    if problem:
        raise ValueError(problem)
    return handle


def handle_problem(platform: str, handle: str) -> str | None:
    """``None`` if ``handle`` is valid on ``platform``, else a message saying what is wrong."""
    _check_platform(platform)
    return _PROBLEMS[platform](platform, handle)


def _length_problem(platform: str, handle: str, lo: int, hi: int) -> str | None:
    if not lo <= len(handle) <= hi:
        return (
            f"{platform} handle {handle!r} has {len(handle)} characters; it must have {lo} to {hi}"
        )
    return None


def _username_problem(platform: str, handle: str) -> str | None:
    shape = _SHAPES[platform]
    if too := _length_problem(platform, handle, shape.min_len, shape.max_len):
        return too
    if not _USERNAME.fullmatch(handle):
        return f"{platform} handle {handle!r} may only contain letters A-Z, digits and underscores"
    return None


def _telegram_problem(platform: str, handle: str) -> str | None:
    if problem := _username_problem(platform, handle):
        return problem
    if not handle[0].isalpha():
        return f"telegram username {handle!r} must start with a letter"
    if handle.endswith("_"):
        return f"telegram username {handle!r} must not end with an underscore"
    if "__" in handle:
        return f"telegram username {handle!r} should not contain two underscores in a row"
    return None


def _facebook_problem(platform: str, handle: str) -> str | None:
    if too := _length_problem(platform, handle, 5, 50):
        return too
    if not _FACEBOOK.fullmatch(handle):
        return f"facebook username {handle!r} may only contain letters, digits and periods"
    if handle.startswith(".") or handle.endswith(".") or ".." in handle:
        return (
            f"facebook username {handle!r} must not start or end with a period "
            "or have two periods in a row"
        )
    return None


def _bluesky_problem(platform: str, handle: str) -> str | None:
    if handle != handle.lower():
        return f"bluesky handle {handle!r} must be lower case"
    if len(handle) > 253:
        return f"bluesky handle {handle!r} has {len(handle)} characters; at most 253 allowed"
    labels = handle.split(".")
    if len(labels) < 2:
        return f"bluesky handle {handle!r} must be a domain name: <name>.<domain>"
    for label in labels:
        if not 1 <= len(label) <= 63:
            return (
                f"bluesky handle {handle!r}: each part between dots must have 1 to 63 "
                f"characters, {label!r} has {len(label)}"
            )
        if not _LABEL.fullmatch(label):
            return (
                f"bluesky handle {handle!r}: part {label!r} may only contain a-z, 0-9 and '-', "
                "and must not start or end with '-'"
            )
    if labels[-1][0].isdigit():
        return f"bluesky handle {handle!r}: the top-level domain must not start with a digit"
    if labels[-1] in _BLUESKY_BAD_TLDS:
        return f"bluesky handle {handle!r}: the top-level domain .{labels[-1]} is not allowed"
    return None


_PROBLEMS = {
    "mastodon": _username_problem,
    "sandbox": _username_problem,
    "x": _username_problem,
    "telegram": _telegram_problem,
    "facebook": _facebook_problem,
    "bluesky": _bluesky_problem,
}
