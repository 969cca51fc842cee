"""Finding watchers: entry points of the group ``launcher.feeds``, or a dotted path.

The same lookup as adapters (APScheduler's plugin pattern): a name a package registered, a
``package.module:Class`` path, or the class itself; the result must subclass
:class:`~launcher.feeds.base.Watcher`; an unknown name lists the known ones.
"""

from __future__ import annotations

import importlib
import logging
from functools import cache
from importlib.metadata import EntryPoint, entry_points

from ..content.schema import did_you_mean
from ..errors import ConfigError
from .base import Watcher

GROUP = "launcher.feeds"
log = logging.getLogger("launcher.feeds")


def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def names() -> list[str]:
    return sorted(_entry_points())


@cache
def _load(value: str) -> type:
    module, _, attr = value.partition(":")
    if not attr and "." in module:
        module, attr = module.rsplit(".", 1)
    obj: object = importlib.import_module(module)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    if not isinstance(obj, type):
        raise TypeError(f"{value} is not a class")
    return obj


def _check(cls: type, origin: str) -> type[Watcher]:
    if not (isinstance(cls, type) and issubclass(cls, Watcher)):
        raise ConfigError(f"{origin} is not a watcher (it must subclass launcher.feeds.Watcher)")
    return cls


def resolve(name_or_path: str | type[Watcher]) -> type[Watcher]:
    """A watcher class by entry-point name, dotted path, or the class itself."""
    if isinstance(name_or_path, type):
        return _check(name_or_path, name_or_path.__qualname__)
    text = str(name_or_path).strip()
    eps = _entry_points()
    if text in eps:
        try:
            return _check(_load(eps[text].value), f"entry point {text!r} ({eps[text].value})")
        except ConfigError:
            raise
        except Exception as exc:
            raise ConfigError(
                f"source {text!r} ({eps[text].value}) cannot be loaded: {exc}"
            ) from exc
    if ":" in text or "." in text:
        try:
            return _check(_load(text), text)
        except ConfigError:
            raise
        except Exception as exc:
            raise ConfigError(f"source {text!r} cannot be loaded: {exc}") from exc
    raise ConfigError(
        f"unknown source {text!r}{did_you_mean(text, eps)}",
        hint=f"known sources: {', '.join(sorted(eps)) or 'none'} (or a package.module:Class path)",
    )
