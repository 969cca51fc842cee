"""Settings: which adapter serves each platform (per mission where needed), with its options.

Where: ``--config`` / ``LAUNCHER_CONFIG``, else ``<content root>/launcher.yaml`` when present,
else built-in defaults (every platform on the sandbox). Precedence: environment > file >
defaults (``LAUNCHER_DATA_DIR`` beats ``data_dir``). Format (YAML)::

    data_dir: /var/lib/launcher            # optional; default ~/.local/share/launcher
    database_url: postgresql://...         # optional; default sqlite:///<data_dir>/ledger.sqlite3
    platforms:
      mastodon:
        adapter: mastodon                  # entry-point name or package.module:Class
        options:
          base_url: https://social.example.org
          app_token: env:MASTODON_APP_TOKEN   # credentials are references, never values
        accounts:                          # standby accounts registered in advance
          - mission: kyiv                  # optional filters: mission, locale, handle
            locale: uk
            account_id: "1093"
            credentials: {token: "file:/etc/launcher/kyiv-uk"}
    missions:
      kyiv:                                # per-mission overrides, same shape as above
        platforms:
          telegram: {options: {bot_token: env:KYIV_BOT_TOKEN}}

Validation (:meth:`Settings.problems`) never touches the network and never echoes a value.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from . import credentials
from .adapters.base import AccountRef, Adapter
from .errors import ConfigError, Problem

FILE_NAME = "launcher.yaml"
ENV_CONFIG = "LAUNCHER_CONFIG"
TOP_KEYS = ("data_dir", "database_url", "platforms", "missions")
PLATFORM_KEYS = ("adapter", "options", "accounts")
ACCOUNT_KEYS = ("mission", "locale", "handle", "account_id", "credentials")
DEFAULT_ADAPTER = "sandbox"


def _line_map(text: str) -> dict[tuple[Any, ...], int]:
    """Path of keys/indices → 1-based line, from the YAML node tree."""
    out: dict[tuple[Any, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        out[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                k = (*path, key.value)
                walk(value, k)
                out[k] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return out
    if root is not None:
        walk(root, ())
    return out


class Settings:
    """Loaded settings. Adapters are built on first use and cached per (platform, mission)."""

    def __init__(
        self, raw: Mapping[str, Any] | None = None, *, file: str | None = None, text: str = ""
    ) -> None:
        self.raw: dict[str, Any] = dict(raw or {})
        self.file = file
        self._lines = _line_map(text) if text else {}
        self._adapters: dict[tuple[str, str | None], Adapter] = {}
        #: translation for the adapters' checklists (the CLI sets the user's catalog)
        self.gettext: Callable[[str], str] | None = None

    def __repr__(self) -> str:
        return f"<Settings {self.file or 'defaults'}>"

    # -- plain values --------------------------------------------------------------------
    @cached_property
    def data_dir(self) -> Path:
        from .paths import data_dir

        if os.environ.get("LAUNCHER_DATA_DIR") or not self.raw.get("data_dir"):
            return data_dir()
        return data_dir(Path(str(self.raw["data_dir"])).expanduser())

    @property
    def database_url(self) -> str:
        url = self.raw.get("database_url")
        return str(url) if url else f"sqlite:///{self.data_dir / 'ledger.sqlite3'}"

    # -- adapters ------------------------------------------------------------------------
    def platform_config(self, platform: str, mission: str | None = None) -> dict[str, Any]:
        """The effective ``{adapter, options, accounts}`` for a platform (mission overrides)."""
        base = (self.raw.get("platforms") or {}).get(platform) or {}
        over: Mapping[str, Any] = {}
        if mission:
            m = (self.raw.get("missions") or {}).get(mission) or {}
            over = (m.get("platforms") or {}).get(platform) or {}
        options = {**(base.get("options") or {}), **(over.get("options") or {})}
        return {
            "adapter": over.get("adapter") or base.get("adapter") or DEFAULT_ADAPTER,
            "options": options,
            "accounts": [*(over.get("accounts") or []), *(base.get("accounts") or [])],
        }

    def adapter_for(self, platform: str, mission: str | None = None) -> Adapter:
        key = (platform, mission)
        if key not in self._adapters:
            from .adapters.registry import resolve
            from .adapters.sandbox import SandboxAdapter

            conf = self.platform_config(platform, mission)
            cls = resolve(conf["adapter"])
            options = dict(conf["options"])
            if issubclass(cls, SandboxAdapter):
                options.setdefault("stands_for", platform)
            if any(o.name == "data_dir" for o in cls.options):
                options.setdefault("data_dir", str(self.data_dir))
            self._adapters[key] = cls(options)
        adapter = self._adapters[key]
        if self.gettext is not None and hasattr(adapter, "gettext"):
            adapter.gettext = self.gettext  # type: ignore[attr-defined]
        return adapter

    def account_ref(self, platform: str, mission: str, locale: str, handle: str) -> AccountRef:
        """The standby account registered for (mission, locale), else the planned handle."""
        best: tuple[int, Mapping[str, Any]] | None = None
        for entry in self.platform_config(platform, mission)["accounts"]:
            if not isinstance(entry, Mapping):
                continue
            score = 0
            for k, want in (("mission", mission), ("locale", locale), ("handle", handle)):
                if entry.get(k) is None:
                    continue
                if str(entry[k]) != want:
                    break
                score += 1
            else:
                if best is None or score > best[0]:
                    best = (score, entry)
        if best is None:
            return AccountRef(platform=platform, handle=handle, locale=locale)
        entry = best[1]
        return AccountRef(
            platform=platform,
            handle=str(entry.get("handle") or handle),
            locale=locale,
            account_id=str(entry["account_id"]) if entry.get("account_id") is not None else None,
            credentials={str(k): str(v) for k, v in (entry.get("credentials") or {}).items()},
            standby=True,
        )

    def platforms(self) -> list[str]:
        """Platforms named in the file (at top level or under a mission)."""
        names = list((self.raw.get("platforms") or {}).keys())
        for m in (self.raw.get("missions") or {}).values():
            for p in (m or {}).get("platforms") or {}:
                if p not in names:
                    names.append(p)
        return names

    # -- validation ----------------------------------------------------------------------
    def problems(self) -> list[Problem]:
        """Everything wrong with the settings, with file and line; no network, no values."""
        out: list[Problem] = []

        def add(message: str, path: tuple[Any, ...], hint: str | None = None) -> None:
            line = None
            for i in range(len(path), -1, -1):
                if path[:i] in self._lines:
                    line = self._lines[path[:i]]
                    break
            out.append(
                Problem(
                    message,
                    file=self.file,
                    line=line,
                    field=".".join(str(p) for p in path) or None,
                    hint=hint,
                )
            )

        raw = self.raw
        for key in raw:
            if key not in TOP_KEYS:
                add(f"unknown key {key!r}; known: {', '.join(TOP_KEYS)}", (key,))
        url = raw.get("database_url")
        if url is not None and "://" not in str(url):
            add(
                "database_url must be a URL like sqlite:///path or postgresql://...",
                ("database_url",),
            )
        plats = raw.get("platforms") or {}
        if not isinstance(plats, Mapping):
            add("platforms must be a mapping of platform name to its settings", ("platforms",))
            plats = {}
        for name, conf in plats.items():
            self._check_platform(str(name), conf, ("platforms", name), add)
        missions = raw.get("missions") or {}
        if not isinstance(missions, Mapping):
            add("missions must be a mapping of mission id to overrides", ("missions",))
            missions = {}
        for mid, mconf in missions.items():
            if not isinstance(mconf, Mapping) or set(mconf) - {"platforms"}:
                add("a mission entry takes only 'platforms'", ("missions", mid))
                continue
            for name, conf in (mconf.get("platforms") or {}).items():
                inherited = ((plats.get(name) or {}) if isinstance(plats, Mapping) else {}).get(
                    "adapter"
                )
                path = ("missions", mid, "platforms", name)
                self._check_platform(str(name), conf, path, add, inherited)
        # the effective adapters (mission overrides merged) must build
        for name in self.platforms():
            for mission in [None, *missions.keys()]:
                try:
                    Settings(self.raw).adapter_for(name, mission)
                except ConfigError as exc:
                    where = ("platforms", name) if mission is None else ("missions", mission)
                    msg = f"{name}: {exc.message}"
                    if not any(p.message == msg for p in out):
                        add(msg, where, exc.hint)
                except Exception as exc:  # a broken third-party adapter
                    add(
                        f"{name}: adapter cannot be built: {type(exc).__name__}",
                        ("platforms", name),
                    )
        return out

    def _check_platform(
        self, name: str, conf: Any, path: tuple[Any, ...], add: Any, inherited: Any = None
    ) -> None:
        from .adapters.registry import resolve

        if not isinstance(conf, Mapping):
            add("expected a mapping with adapter, options, accounts", path)
            return
        for key in conf:
            if key not in PLATFORM_KEYS:
                add(f"unknown key {key!r}; known: {', '.join(PLATFORM_KEYS)}", (*path, key))
        cls: type[Adapter] | None = None
        if conf.get("adapter") is not None or "adapter" not in conf:
            try:
                cls = resolve(str(conf.get("adapter") or inherited or DEFAULT_ADAPTER))
            except ConfigError as exc:
                add(exc.message, (*path, "adapter"), exc.hint)
        options = conf.get("options") or {}
        if not isinstance(options, Mapping):
            add("options must be a mapping", (*path, "options"))
            options = {}
        if cls is not None:
            declared = {o.name: o for o in cls.options}
            for key, value in options.items():
                opt = declared.get(key)
                if opt is None:
                    known = ", ".join(declared) or "none"
                    add(
                        f"{cls.name} has no option {key!r}; known: {known}", (*path, "options", key)
                    )
                elif opt.credential:
                    problem = credentials.check(value, what=f"{name}.{key}")
                    if problem:
                        add(problem, (*path, "options", key))
                elif key.endswith("url") and not str(value).startswith(("https://", "http://")):
                    add(f"{key} must start with https://", (*path, "options", key))
            if path[0] == "platforms":
                for opt in cls.options:
                    if opt.required and opt.name not in options:
                        add(f"{cls.name} needs option {opt.name!r}: {opt.description}", path)
        accounts = conf.get("accounts") or []
        if not isinstance(accounts, list):
            add("accounts must be a list", (*path, "accounts"))
            accounts = []
        for i, entry in enumerate(accounts):
            apath = (*path, "accounts", i)
            if not isinstance(entry, Mapping):
                add("an account entry must be a mapping", apath)
                continue
            for key in entry:
                if key not in ACCOUNT_KEYS:
                    add(f"unknown key {key!r}; known: {', '.join(ACCOUNT_KEYS)}", (*apath, key))
            creds = entry.get("credentials") or {}
            if not isinstance(creds, Mapping):
                add("credentials must be a mapping of name to reference", (*apath, "credentials"))
                continue
            for key, ref in creds.items():
                problem = credentials.check(ref, what=f"{name} account credential {key}")
                if problem:
                    add(problem, (*apath, "credentials", key))


def settings_path(
    path: str | os.PathLike[str] | None = None, *, root: str | None = None
) -> Path | None:
    """Which settings file applies, or None for the defaults."""
    if path:
        return Path(path).expanduser()
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env).expanduser()
    from .paths import content_root

    candidate = content_root(root) / FILE_NAME
    return candidate if candidate.is_file() else None


def load_settings(path: str | None = None, *, root: str | None = None) -> Settings:
    """Load the settings: ``path`` → ``$LAUNCHER_CONFIG`` → ``<content root>/launcher.yaml`` →
    defaults (every platform on the sandbox). A missing or unreadable file is a ConfigError."""
    file = settings_path(path, root=root)
    if file is None:
        return Settings()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"settings file {file} cannot be read: {exc.strerror}",
            hint=f"check --config / {ENV_CONFIG}",
        ) from None
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else str(file)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{where}: {problem}") from None  # no snippet: it may hold a secret
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{file}: the settings file must be a mapping")
    return Settings(raw, file=str(file), text=text)
