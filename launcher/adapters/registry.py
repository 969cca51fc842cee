"""Finding adapters: entry points of the group ``launcher.adapters``, or a dotted path.

Like APScheduler's plugin lookup: a third-party package declares

.. code-block:: toml

    [project.entry-points."launcher.adapters"]
    myplatform = "my_package.adapter:MyAdapter"

and ``adapter: myplatform`` in the settings file picks it up without touching launcher.
``resolve`` also takes ``"package.module:Class"`` or ``"package.module.Class"``, and checks that
the result is an :class:`~launcher.adapters.base.Adapter` subclass.
"""

from __future__ import annotations

import importlib
import logging
from functools import cache
from importlib.metadata import EntryPoint, entry_points

from ..errors import ConfigError
from .base import Adapter

GROUP = "launcher.adapters"
log = logging.getLogger("launcher.adapters")


def _entry_points() -> dict[str, EntryPoint]:
    """The group's entry points, read again only when the import path changed (reading every
    installed package's metadata costs milliseconds, and a launch of 50 missions builds 250
    adapters)."""
    import sys

    return _entry_points_for(tuple(sys.path))


@cache
def _entry_points_for(_path: tuple[str, ...]) -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def names() -> list[str]:
    """The registered adapter names, without importing them."""
    return sorted(_entry_points())


@cache
def _load(value: str) -> type:
    module, _, attr = value.partition(":")
    obj: object = importlib.import_module(module)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    if not isinstance(obj, type):
        raise TypeError(f"{value} is not a class")
    return obj


def _check(cls: type, origin: str) -> type[Adapter]:
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise ConfigError(
            f"{origin} is not an adapter (it must subclass launcher.adapters.base.Adapter)"
        )
    return cls


def available() -> dict[str, type[Adapter]]:
    """Every adapter registered through entry points, by name. Broken ones are skipped
    (with a warning); :func:`resolve` reports why."""
    out: dict[str, type[Adapter]] = {}
    for name, ep in sorted(_entry_points().items()):
        try:
            out[name] = _check(_load(ep.value), f"entry point {name!r} ({ep.value})")
        except Exception as exc:
            log.warning("adapter %s cannot be loaded: %s", name, exc)
    return out


def resolve(name_or_path: str | type[Adapter]) -> type[Adapter]:
    """An adapter class by entry-point name, dotted path, or the class itself."""
    if isinstance(name_or_path, type):
        return _check(name_or_path, name_or_path.__qualname__)
    text = str(name_or_path).strip()
    eps = _entry_points()
    if text in eps:
        try:
            cls = _load(eps[text].value)
        except Exception as exc:
            raise ConfigError(
                f"adapter {text!r} ({eps[text].value}) cannot be loaded: {exc}",
                hint="reinstall the package that provides it",
            ) from None
        return _check(cls, f"adapter {text!r}")
    if ":" in text or "." in text:
        path = text if ":" in text else ":".join(text.rsplit(".", 1))
        try:
            cls = _load(path)
        except (ImportError, AttributeError, TypeError, ValueError) as exc:
            raise ConfigError(f"adapter {text!r} cannot be imported: {exc}") from None
        return _check(cls, text)
    known = ", ".join(sorted(eps)) or "(none)"
    raise ConfigError(
        f"unknown adapter {text!r}; known adapters: {known}",
        hint="use one of the known names, a dotted path 'package.module:Class', "
        "or install the package that provides it",
    )
