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
    listening: {snapshots: [1h, 24h, 7d]}  # optional: launcher.listening.config
    feeds: {mirrors: {...}}                # optional: launcher.feeds.settings
    notifications: {email: env:SMTP_URL}   # optional: launcher.notify.config
    console: {url: https://...}            # optional: launcher.console.config

Validation (:meth:`Settings.problems`) never touches the network and never echoes a value.
``run`` checks the part of it that concerns the launch (:meth:`Settings.problems_for`) before
it records anything. A file whose shape is wrong (``platforms: 5``) is reported with its file,
line and field wherever it is used, never as a crash.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from . import credentials
from .adapters.base import AccountRef, Adapter
from .errors import ConfigError, Problem, SettingsError

FILE_NAME = "launcher.yaml"
ENV_CONFIG = "LAUNCHER_CONFIG"
TOP_KEYS = (
    "data_dir",
    "database_url",
    "platforms",
    "missions",
    "feeds",
    "listening",
    "notifications",
    "console",
)
#: sections that never concern a launch: a problem there is a warning for `run`
NON_LAUNCH_KEYS = ("notifications", "console")
PLATFORM_KEYS = ("adapter", "options", "accounts")
ACCOUNT_KEYS = ("mission", "locale", "handle", "account_id", "credentials")
DEFAULT_ADAPTER = "sandbox"
#: what an account entry may name to say which planned account it stands for
_ACCOUNT_FIELDS = ("mission", "locale", "handle")
_FIELD_SUBSETS = tuple(
    tuple(f for i, f in enumerate(_ACCOUNT_FIELDS) if bits >> i & 1) for bits in range(8)
)

Path_ = tuple[Any, ...]


def _line_map(text: str, name: str = "settings") -> dict[Path_, int]:
    """Path of keys/indices → 1-based line (bounded: aliases are not followed forever)."""
    from .content.yamlsrc import parse_yaml

    doc, _ = parse_yaml(text, name, yaml.SafeLoader)
    return {path: line for path, (line, _col) in doc.positions.items()} if doc else {}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


class Settings:
    """Loaded settings. Adapters are built on first use and cached per (platform, mission)."""

    def __init__(
        self,
        raw: Mapping[str, Any] | None = None,
        *,
        file: str | None = None,
        text: str = "",
        lines: Mapping[Path_, int] | None = None,
    ) -> None:
        self.raw: dict[str, Any] = dict(raw or {})
        self.file = file
        self._lines: dict[Path_, int] = (
            dict(lines)
            if lines is not None
            else _line_map(text, file or "settings")
            if text
            else {}
        )
        #: problems found while loading (duplicate keys), reported by :meth:`problems`
        self.load_problems: list[Problem] = []
        self._checked: list[tuple[Path_, Problem]] | None = None  # settings never change
        self._adapters: dict[tuple[str, str | None], Adapter] = {}
        self._refs: dict[tuple[str, str, str, str], AccountRef] = {}
        self._filed: dict[
            Path_, dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[int, Any]]
        ] = {}
        self._filing = threading.Lock()
        #: translation for the adapters' checklists (the CLI sets the user's catalog)
        self.gettext: Callable[[str], str] | None = None

    def __repr__(self) -> str:
        return f"<Settings {self.file or 'defaults'}>"

    # -- plain values --------------------------------------------------------------------
    @cached_property
    def budget(self) -> Any:
        """The rate budget the adapters of these settings share (:mod:`launcher.budget`)."""
        from .budget import Budget

        return Budget()

    @cached_property
    def data_dir(self) -> Path:
        from .paths import data_dir

        if os.environ.get("LAUNCHER_DATA_DIR") or not self.raw.get("data_dir"):
            return data_dir()
        return data_dir(Path(str(self.raw["data_dir"])).expanduser())

    @property
    def database_url(self) -> str:
        url = self.raw.get("database_url")
        if not url:
            return f"sqlite:///{self.data_dir / 'ledger.sqlite3'}"
        from .ledger.engine import check_url

        try:
            check_url(str(url))
        except ConfigError as exc:
            where = self.where(("database_url",)).removesuffix(": database_url")
            raise ConfigError(f"{where}: {exc.message}", hint=exc.hint) from None
        return str(url)

    # -- shape ---------------------------------------------------------------------------
    def where(self, path: Path_) -> str:
        """``file:line: field`` for a path (the nearest line known)."""
        line = self.line(path)
        head = (self.file or "settings") + (f":{line}" if line else "")
        return f"{head}: {'.'.join(str(p) for p in path)}" if path else head

    def line(self, path: Path_) -> int | None:
        for i in range(len(path), -1, -1):
            if path[:i] in self._lines:
                return self._lines[path[:i]]
        return None

    def _mapping(self, path: Path_, what: str) -> Mapping[str, Any]:
        """The mapping at ``path`` ({} when absent); ConfigError naming file, line and field
        when something else is there (``platforms: 5``, a platform given as a string)."""
        value: Any = self.raw
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
            if value is None:
                return {}
        if not isinstance(value, Mapping):
            raise ConfigError(
                f"{self.where(path)}: must be {what}, not {_kind(value)}",
                hint="see the settings format in docs/adapters.md (`launcher validate` lists"
                " every problem)",
            )
        return value

    def platform_config(self, platform: str, mission: str | None = None) -> dict[str, Any]:
        """The effective ``{adapter, options, accounts}`` for a platform (mission overrides)."""
        shape = "a mapping with adapter, options, accounts"
        base = self._mapping(("platforms", platform), shape)
        over: Mapping[str, Any] = {}
        if mission:
            over = self._mapping(("missions", mission, "platforms", platform), shape)
        options: dict[str, Any] = {}
        accounts: list[Any] = []
        for where, conf in (
            (("missions", mission, "platforms", platform), over),
            (("platforms", platform), base),
        ):
            if not conf:
                continue
            opts = self._mapping((*where, "options"), "a mapping of option names to values")
            options = {**opts, **options}
            listed = conf.get("accounts") or []
            if not isinstance(listed, list):
                raise ConfigError(f"{self.where((*where, 'accounts'))}: must be a list")
            accounts.extend(listed)
        return {
            "adapter": over.get("adapter") or base.get("adapter") or DEFAULT_ADAPTER,
            "options": options,
            "accounts": accounts,
        }

    @property
    def listening(self) -> Any:
        """The listening post's schedule (:class:`launcher.listening.config.ListenConfig`)."""
        from .listening.config import parse_config

        return parse_config(self.raw.get("listening"))

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
            built = self._adapters[key] = cls(options)
            if hasattr(built, "budget"):  # one rate budget for every adapter of the settings
                built.budget = self.budget
        adapter = self._adapters[key]
        if self.gettext is not None and hasattr(adapter, "gettext"):
            adapter.gettext = self.gettext  # type: ignore[attr-defined]
        return adapter

    def account_ref(self, platform: str, mission: str, locale: str, handle: str) -> AccountRef:
        """The standby account registered for (mission, locale), else the planned handle.
        Looked up once per account (the settings never change): a launch of 50 missions asks
        for each of its 750 accounts at every post, among all the platform's entries."""
        key = (platform, mission, locale, handle)
        ref = self._refs.get(key)
        if ref is None:
            ref = self._refs[key] = self._account_ref(platform, mission, locale, handle)
        return ref

    def _account_ref(self, platform: str, mission: str, locale: str, handle: str) -> AccountRef:
        # the entry that names the most of (mission, locale, handle), all matching, the first
        # such in the file (the mission's own entries first); the entries are filed by what
        # they name, so an account is a few lookups, not a pass over all the platform's
        # entries (a launch of 50 missions: 750 accounts, 150 entries on each platform)
        self.platform_config(platform, mission)  # the shape of both lists, checked
        asked = dict(zip(_ACCOUNT_FIELDS, (mission, locale, handle), strict=True))
        lists = (("missions", mission, "platforms", platform), ("platforms", platform))
        best: tuple[tuple[int, int, int], Mapping[str, Any]] | None = None
        for rank, where in enumerate(lists):
            filed = self._filed_entries(where)
            for named in _FIELD_SUBSETS:
                hit = filed.get((named, tuple(asked[k] for k in named)))
                if hit is not None and (best is None or (-len(named), rank, hit[0]) < best[0]):
                    best = ((-len(named), rank, hit[0]), hit[1])
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

    def _filed_entries(
        self, where: Path_
    ) -> dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[int, Mapping[str, Any]]]:
        """The account entries listed at ``where``, by (the fields of mission, locale and
        handle an entry names, their values): the first entry of each, with its place.
        Filed once, by the first sending thread that asks (the others wait for it)."""
        filed = self._filed.get(where)
        if filed is None:
            with self._filing:
                filed = self._filed.get(where)
                if filed is None:
                    filed = {}
                    conf = self._mapping(where, "a mapping with adapter, options, accounts")
                    for i, entry in enumerate(conf.get("accounts") or []):
                        if isinstance(entry, Mapping):
                            named = tuple(k for k in _ACCOUNT_FIELDS if entry.get(k) is not None)
                            values = tuple(str(entry[k]) for k in named)
                            filed.setdefault((named, values), (i, entry))
                    self._filed[where] = filed
        return filed

    def platforms(self) -> list[str]:
        """Platforms named in the file (at top level or under a mission)."""
        names = [str(n) for n in self._mapping(("platforms",), "a mapping of platforms")]
        for mid in self._mapping(("missions",), "a mapping of mission ids"):
            shape = "a mapping with platforms"
            self._mapping(("missions", mid), shape)
            for p in self._mapping(("missions", mid, "platforms"), "a mapping of platforms"):
                if p not in names:
                    names.append(str(p))
        return names

    # -- validation ----------------------------------------------------------------------
    def problems(self) -> list[Problem]:
        """Everything wrong with the settings, with file and line; no network, no values."""
        return [p for _path, p in self._problems()]

    def problems_for(
        self, platforms: Iterable[str], mission: str
    ) -> tuple[list[Problem], list[Problem]]:
        """(problems that concern a launch on ``platforms`` for ``mission``, the others).

        A launch is concerned by the file as a whole (unknown top-level keys, the database,
        a ``platforms`` or ``missions`` that is not a mapping), by each platform it posts to,
        and by that mission's overrides of those platforms. A typo under a platform or a
        mission the launch does not use does not stop it: ``run`` shows it as a warning.
        """
        wanted = set(platforms)
        mine: list[Problem] = []
        others: list[Problem] = []
        for path, problem in self._problems():
            if path[:1] == ("platforms",) and len(path) > 1:
                concerned = str(path[1]) in wanted
            elif path[:1] == ("missions",) and len(path) > 1:
                concerned = str(path[1]) == mission and (len(path) < 4 or str(path[3]) in wanted)
            elif path[:1] and path[0] in NON_LAUNCH_KEYS:  # a notification never blocks a launch
                concerned = False
            else:
                concerned = True
            (mine if concerned else others).append(problem)
        return mine, others

    def _problems(self) -> list[tuple[Path_, Problem]]:
        """Every problem with its path, checked once (a run for 50 missions asks 50 times)."""
        if self._checked is None:
            self._checked = self._find_problems()
        return list(self._checked)

    def _find_problems(self) -> list[tuple[Path_, Problem]]:
        out: list[tuple[Path_, Problem]] = []

        def add(message: str, path: Path_, hint: str | None = None) -> None:
            field = ".".join(str(p) for p in path) or None
            out.append(
                (
                    path,
                    Problem(message, file=self.file, line=self.line(path), field=field, hint=hint),
                )
            )

        for problem in self.load_problems:  # duplicate keys, where yamlsrc found them
            where = tuple(re.sub(r"\[\d+\]", "", k) for k in (problem.field or "").split("."))
            out.append((where if problem.field else (), problem))
        raw = self.raw
        for key in raw:
            if key not in TOP_KEYS:
                add(f"unknown key {key!r}; known: {', '.join(TOP_KEYS)}", (key,))
        from .listening.config import parse_config

        parse_config(raw.get("listening"), add)  # the listening post's schedule (its module)
        url = raw.get("database_url")
        if url is not None:
            from .ledger.engine import check_url

            try:
                check_url(str(url))
            except ConfigError as exc:
                add(exc.message.removeprefix("database_url: "), ("database_url",), exc.hint)
        from .console.config import check_settings as check_console
        from .notify.config import check_settings as check_notifications

        check_notifications(raw, add)
        check_console(raw, add)
        data_dir = raw.get("data_dir")
        if data_dir is not None and not isinstance(data_dir, str):
            add(f"data_dir must be a directory path, not {_kind(data_dir)}", ("data_dir",))
        if "feeds" in raw:  # event feeds: where sources are fetched from
            from .feeds.settings import feed_settings_problems

            for path, message in feed_settings_problems(raw["feeds"]):
                add(message, ("feeds", *path))
        plats = raw.get("platforms") or {}
        if not isinstance(plats, Mapping):
            add(
                f"platforms must be a mapping of platform name to its settings, not {_kind(plats)}",
                ("platforms",),
            )
            plats = {}
        for name, conf in plats.items():
            self._check_platform(str(name), conf, ("platforms", name), add)
        missions = raw.get("missions") or {}
        if not isinstance(missions, Mapping):
            add(
                f"missions must be a mapping of mission id to overrides, not {_kind(missions)}",
                ("missions",),
            )
            missions = {}
        good_missions = []
        for mid, mconf in missions.items():
            if not isinstance(mconf, Mapping) or set(mconf) - {"platforms"}:
                add("a mission entry takes only 'platforms'", ("missions", mid))
                continue
            mplats = mconf.get("platforms") or {}
            if not isinstance(mplats, Mapping):
                add(
                    "platforms must be a mapping of platform name to its settings",
                    ("missions", mid, "platforms"),
                )
                continue
            good_missions.append(mid)
            for name, conf in mplats.items():
                base = plats.get(name)
                inherited = base.get("adapter") if isinstance(base, Mapping) else None
                path = ("missions", mid, "platforms", name)
                self._check_platform(str(name), conf, path, add, inherited)
        # the effective adapters (mission overrides merged) must build; a platform whose own
        # entries have problems is not built again (it would only say the same thing twice)
        try:
            names = self.platforms()
        except ConfigError:
            return out  # the shape is wrong: reported above
        reported = [path for path, _p in out]
        for name in names:
            for mission in [None, *good_missions]:
                where: Path_ = (
                    ("platforms", name)
                    if mission is None
                    else ("missions", mission, "platforms", name)
                )
                if any(path[: len(w)] == w for path in reported for w in (where, where[:2])):
                    continue
                try:
                    Settings(self.raw, lines=self._lines).adapter_for(name, mission)
                except ConfigError as exc:
                    msg = exc.message if exc.message.startswith(name) else f"{name}: {exc.message}"
                    if not any(p.message == msg for _p, p in out):
                        add(msg, where, exc.hint)
                except Exception as exc:  # a broken third-party adapter
                    add(f"{name}: adapter cannot be built: {type(exc).__name__}", where)
        return out

    def _check_platform(
        self, name: str, conf: Any, path: Path_, add: Any, inherited: Any = None
    ) -> None:
        from .adapters.registry import resolve

        if not isinstance(conf, Mapping):
            add(f"expected a mapping with adapter, options, accounts, not {_kind(conf)}", path)
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
            add(f"options must be a mapping, not {_kind(options)}", (*path, "options"))
            options = {}
        if cls is not None:
            declared = {o.name: o for o in cls.options}
            for key, value in options.items():
                opt = declared.get(key)
                where = (*path, "options", key)
                if opt is None:
                    known = ", ".join(declared) or "none"
                    add(f"{cls.name} has no option {key!r}; known: {known}", where)
                elif opt.credential:
                    problem = credentials.check(value, what=f"{name}.{key}")
                    if problem:
                        add(problem, where)
                elif (
                    key.endswith("url")
                    and value not in ("", None)  # '' is "none" (e.g. web_url: no post links)
                    and not str(value).startswith(("https://", "http://"))
                ):
                    add(f"{key} must start with https://", where)
                else:
                    problem = _option_type(opt.default, value)
                    if problem:
                        add(f"{key} {problem}", where)
            if path[0] == "platforms":
                for opt in cls.options:
                    if opt.required and opt.name not in options:
                        add(f"{cls.name} needs option {opt.name!r}: {opt.description}", path)
        accounts = conf.get("accounts") or []
        if not isinstance(accounts, list):
            add(f"accounts must be a list, not {_kind(accounts)}", (*path, "accounts"))
            accounts = []
        for i, entry in enumerate(accounts):
            apath = (*path, "accounts", i)
            if not isinstance(entry, Mapping):
                add(f"an account entry must be a mapping, not {_kind(entry)}", apath)
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


def _option_type(default: Any, value: Any) -> str | None:
    """What is wrong with an option value, judged by the type of its declared default."""
    if isinstance(default, bool):
        return None if isinstance(value, bool) else f"must be true or false, not {value!r}"
    if isinstance(default, int | float):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return f"must be a number, not {value!r}"
        if isinstance(value, bool) or number != number or number < 0:
            return f"must be a number of 0 or more, not {value!r}"
    return None


def settings_path(
    path: str | os.PathLike[str] | None = None, *, root: str | None = None
) -> Path | None:
    """Which settings file applies, or None for the defaults."""
    if path:
        return Path(path).expanduser()
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env).expanduser()
    from .paths import ROOT_ENV, content_root, content_root_or_none

    # a root someone selected must exist; without one, commands that need no content
    # (status, daemon, adapters) run with the defaults
    chosen = root or os.environ.get(ROOT_ENV)
    if chosen and (Path(chosen).expanduser() / FILE_NAME).is_file():
        return Path(chosen).expanduser() / FILE_NAME
    found = content_root(chosen) if chosen else content_root_or_none()
    candidate = found / FILE_NAME if found is not None else None
    return candidate if candidate is not None and candidate.is_file() else None


def load_settings(path: str | None = None, *, root: str | None = None) -> Settings:
    """Load the settings: ``path`` → ``$LAUNCHER_CONFIG`` → ``<content root>/launcher.yaml`` →
    defaults (every platform on the sandbox). A missing or unreadable file is a ConfigError."""
    file = settings_path(path, root=root)
    if file is None:
        return Settings()
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"settings file {file} cannot be read: {exc.strerror}",
            hint=f"check --config / {ENV_CONFIG}",
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{file}:{line}: the settings file is not UTF-8 text (byte 0x{data[exc.start]:02x})",
            hint=f"is {file} the right file? Settings are a YAML text file saved as UTF-8",
        ) from None
    from .content.yamlsrc import parse_yaml

    # no snippet of the file in any message: it may hold a secret
    doc, problems = parse_yaml(text, str(file), yaml.SafeLoader)
    if doc is None:
        raise SettingsError(problems, intro=f"the settings file {file} cannot be read as YAML")
    raw = doc.data if doc.data is not None else {}
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"{file}: the settings file must be a mapping (data_dir, database_url, platforms,"
            f" missions), not {_kind(raw)}"
        )
    lines = {path: line for path, (line, _col) in doc.positions.items()}
    settings = Settings(raw, file=str(file), lines=lines)
    settings.load_problems = problems  # duplicate keys
    return settings
