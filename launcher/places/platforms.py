"""The platforms' names per locale, from the catalog, with their forms.

A bare "X" inside an Arabic or Turkish sentence reads like a placeholder left behind; the
Arabic press writes "منصة إكس (X)" and Turkish needs the case ending ("X'e erişilemiyor").
The names are catalog entries like any text (context ``platform name``, extracted from
:data:`NAMES_TEMPLATE`), so translators give them with the forms their translations use:
``X | in=X'te | to=X'e`` (:func:`~launcher.places.names.parse_display_name`).
"""

from __future__ import annotations

from typing import Any

from .names import Named, parse_display_name

#: the platforms' names, as English (and the code) writes them
PLATFORM_NAMES = {
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "x": "X",
    "facebook": "Facebook",
    "telegram": "Telegram",
    "sandbox": "Sandbox",
}
#: the template that holds the names as translatable strings (never rendered into a post)
NAMES_TEMPLATE = "names/platforms.j2"
CONTEXT = "platform name"


def platform_names(catalog: Any) -> dict[str, Named]:
    """Platform -> its name in the catalog's locale (a :class:`LoadedCatalog`, or None for
    the English names), with the forms the translator gave."""
    out = {}
    for code, english in PLATFORM_NAMES.items():
        text = english
        if catalog is not None:
            text = catalog.translations.pgettext(CONTEXT, english) or english
        name, forms = parse_display_name(text)
        out[code] = Named(name, {"name": name, **forms}, None, getattr(catalog, "locale", ""))
    return out
