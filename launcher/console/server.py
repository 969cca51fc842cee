"""``launcher serve``: the console under uvicorn, bound to 127.0.0.1 unless told otherwise.

uvicorn is the reference ASGI server (the one Starlette documents), run here in one process:
sessions live in its memory (:mod:`.sessions`). Behind a reverse proxy with TLS, give the
proxy's address in ``forwarded_allow_ips`` so the client's own address (rate limiting) and
scheme (HSTS) come from its ``X-Forwarded-*`` headers, and from nowhere else.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .app import Console, create_app
from .config import config_of
from .users import load_users

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build(
    root: Path, settings: Any, ledger: Any, *, clock: Callable[[], float] = time.time
) -> tuple[Console, Any]:
    """The console and its ASGI app, checked: people declared, the users file sound."""
    from ..people.registry import load_people

    if load_people(root) is None:
        raise ConfigError(
            f"the console signs people in, and {root} declares none (people.yaml)",
            hint="declare the people and their roles in people.yaml (docs/operations.md:"
            " People and roles), then enrol them: launcher console enroll PERSON",
        )
    config = config_of(settings)
    load_users(config.users)  # a file others can read is refused before anyone signs in
    console = Console(
        root,
        settings,
        ledger,
        config.users,
        clock=clock,
        idle=config.idle,
        lifetime=config.lifetime,
    )
    return console, create_app(console)


def serve(app: Any, *, host: str, port: int, forwarded_allow_ips: str | None = None) -> None:
    import uvicorn

    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips or "127.0.0.1",
        server_header=False,
        log_level="info",
        workers=1,
    )
