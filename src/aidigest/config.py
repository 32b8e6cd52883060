"""The TOML configuration (``aidigest.toml``), validated by pydantic.

Unknown keys are rejected with a message naming them. Secrets are never values here, only
the NAME of an environment variable (``*_env`` keys); :func:`secret` reads it when needed.
Relative paths are resolved against the directory of the config file.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from aidigest.errors import ConfigError, MissingSecretError
from aidigest.slots import zone

CONFIG_NAME = "aidigest.toml"
CONFIG_ENV = "AIDIGEST_CONFIG"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemsRange(_Strict):
    min: int = Field(8, ge=1, le=50)
    max: int = Field(12, ge=1, le=50)


class DigestSection(_Strict):
    timezone: str = "Asia/Shanghai"
    slot_hours: int = 4
    items: ItemsRange = ItemsRange()
    store: str = "aidigest.db"  # a SQLite path (relative to this file) or a postgresql:// URL
    store_env: str | None = None  # instead: the variable holding the URL (with its password)
    site: str = "site"
    series: str = "过去4小时全球AI发生了什么？"
    default_categories: list[str] = ["AI进展", "AI应用", "大模型", "技术趋势"]
    author_suffix: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value

    @field_validator("store")
    @classmethod
    def _no_password(cls, value: str) -> str:
        from aidigest.store.postgres import _password, is_postgres_url

        if is_postgres_url(value) and _password(value):
            raise ValueError("a postgresql:// URL with a password must not be written in the file; "
                             "put the URL in an environment variable and name it in "
                             "[digest] store_env = \"AIDIGEST_STORE_URL\"")
        return value

    @field_validator("slot_hours")
    @classmethod
    def _divides_day(cls, value: int) -> int:
        if value <= 0 or 24 % value:
            raise ValueError("slot_hours must divide 24 (1, 2, 3, 4, 6, 8, 12 or 24)")
        return value


Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]


class _SourceBase(_Strict):
    name: str = Field(min_length=1)
    enabled: bool = True
    weight: float = Field(1.0, ge=0, allow_inf_nan=False)
    stale_after_hours: Seconds = 48.0
    timeout: Seconds = 20.0


class XApiSource(_SourceBase):
    kind: Literal["x_api"]
    bearer_token_env: str = "X_BEARER_TOKEN"
    base_url: str = "https://api.x.com"
    users: list[str] = []
    lists: list[str] = []
    first_fetch_since: str | None = None
    max_pages: int = Field(5, ge=1)
    max_results: int = Field(100, ge=5, le=100)
    max_wait_seconds: float = Field(900.0, ge=0, allow_inf_nan=False)
    retries: Count = 3


class FeedSource(_SourceBase):
    kind: Literal["feed"]
    url: str
    handle: str | None = None
    retries: Count = 2
    x_mirrors: list[str] = []


class JsonlSource(_SourceBase):
    kind: Literal["jsonl"]
    path: str


SourceConfig = Annotated[XApiSource | FeedSource | JsonlSource, Field(discriminator="kind")]


class Provider(_Strict):
    name: str
    base_url: str
    model: str
    api_key_env: str | None = None
    temperature: float = Field(0.3, ge=0, le=2)
    max_tokens: int = Field(1200, ge=1)
    timeout: Seconds = 60.0
    max_concurrency: int = Field(4, ge=1, le=64)
    max_retries: Count = 2
    price_in: float = Field(0.0, ge=0, allow_inf_nan=False)
    price_out: float = Field(0.0, ge=0, allow_inf_nan=False)
    json_mode: bool = False  # send response_format={"type": "json_object"} (provider supports it)


class LlmSection(_Strict):
    providers: list[Provider] = []
    editor: bool = False
    editor_candidates: int = Field(25, ge=1)
    on_failure: Literal["hold", "offline"] = "hold"
    run_deadline_seconds: Seconds = 600.0
    max_replacements: int = Field(4, ge=0, le=50)


class StoriesSection(_Strict):
    novelty_hours: float = Field(24.0, ge=0, allow_inf_nan=False)
    per_author_cap: int = Field(3, ge=1)
    keywords: list[str] = []
    embeddings: bool = True
    entities: list[str] = []
    exclude_keywords: list[str] = []
    default_keywords: bool = True
    min_score: float = 0.0
    aliases: dict[str, str] = {}  # spelling -> name key, e.g. { "智谱" = "zhipu" }
    aliases_file: str | None = None  # a TOML file of more aliases ([aliases] table)
    mine_aliases: bool = True  # learn aliases from posts that write 中文名 beside a Latin name
    pair_model: str | None = None  # a refitted pair model (scripts/fit_pair_model.py)
    llm_adjudicate: bool = False  # ask the LLM about pairs scored just under the threshold
    adjudicate_max_pairs: int = Field(20, ge=1, le=200)

    @field_validator("aliases")
    @classmethod
    def _alias_keys(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k, v in value.items() if not k.strip() or not v.strip()]
        if bad:
            raise ValueError(f"aliases need a spelling and a name, e.g. {{ \"智谱\" = \"zhipu\" }}; "
                             f"empty: {bad[:3]}")
        return value


class PublishSection(_Strict):
    filename: str = "{slot_key}.md"
    template_dir: str | None = None
    build: bool = True
    git: bool = False
    push: bool = False
    remote: str = "origin"
    branch: str | None = None
    commit_message: str = "digest {slot_key}: {title}"
    git_timeout: Seconds = 60.0
    mode: Literal["auto", "review"] = "auto"  # review: every run ends as a draft for the desk


DELAY_MINUTES_NOTE = ("[schedule] delay_minutes is deprecated: it was read as delay_seconds = {s:g}; "
                      "write 'delay_seconds = {s:g}' instead (the close now waits seconds, not "
                      "minutes: posts are fetched all through the window)")


class ScheduleSection(_Strict):
    # the last short fetch after the close: X's timelines show a post within seconds of its
    # creation, and every earlier post was fetched while the window was open
    delay_seconds: float = Field(5.0, ge=0, le=24 * 3600, allow_inf_nan=False)
    delay_minutes: float | None = Field(None, ge=0, le=24 * 60, allow_inf_nan=False)  # deprecated
    poll_minutes: float = Field(10.0, gt=0, le=24 * 60, allow_inf_nan=False)
    prepare_minutes: float = Field(30.0, gt=0, le=24 * 60, allow_inf_nan=False)
    catch_up: int = Field(6, ge=0, le=60)
    # a slot claim's lease; a dead worker's claim is taken over once it has run out
    lease_seconds: float = Field(900.0, gt=0, le=24 * 3600, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _old_delay(cls, data: Any) -> Any:
        """An old config's ``delay_minutes`` becomes ``delay_seconds`` (both: an error)."""
        if isinstance(data, dict) and data.get("delay_minutes") is not None:
            if data.get("delay_seconds") is not None:
                raise ValueError("set delay_seconds only (delay_minutes is its deprecated, "
                                 "older spelling)")
            minutes = data["delay_minutes"]
            if isinstance(minutes, int | float) and not isinstance(minutes, bool):
                return {**data, "delay_seconds": float(minutes) * 60}
        return data

    @property
    def deprecations(self) -> list[str]:
        """What an old config still spells the old way (said once, as a warning)."""
        if self.delay_minutes is None:
            return []
        return [DELAY_MINUTES_NOTE.format(s=self.delay_seconds)]


class WebhookNotify(_Strict):
    url: str | None = None
    url_env: str | None = None  # for a URL that is itself a secret (Slack, Discord, Feishu hooks)
    timeout: Seconds = 10.0

    @model_validator(mode="after")
    def _one_url(self) -> WebhookNotify:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("set one of url or url_env (the name of a variable holding the URL)")
        return self


NotifyEvent = Literal["published", "held", "draft"]


class ChannelNotify(_Strict):
    """``[[notify.channels]]``: one Apprise URL (or the variable holding it), the events it is
    told about and, optionally, the digest categories routed to it."""

    url: str | None = None
    url_env: str | None = None  # the NAME of a variable holding the URL (it carries a token)
    events: list[NotifyEvent] = ["published", "held", "draft"]
    categories: list[str] = []  # only digests with one of these categories; empty: every digest
    name: str | None = None  # shown in run reports (default: the service's name)

    @model_validator(mode="after")
    def _one_url(self) -> ChannelNotify:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("set one of url or url_env (the name of a variable holding the "
                             "Apprise URL)")
        if self.url is not None:
            from aidigest.publish.channels import check_url

            check_url(self.url)
        return self


class TelegramNotify(_Strict):
    """Old ``[notify.telegram]``: still sent, through Apprise (``tgram://``)."""

    chat_id: str
    bot_token_env: str = "TELEGRAM_BOT_TOKEN"
    api_base: str = "https://api.telegram.org"
    timeout: Seconds = 10.0

    @field_validator("api_base")
    @classmethod
    def _official_api(cls, value: str) -> str:
        if value.rstrip("/") != "https://api.telegram.org":
            raise ValueError("Telegram is sent through Apprise, which talks to "
                             "https://api.telegram.org only; remove api_base")
        return value


class EmailNotify(_Strict):
    """Old ``[notify.email]``: still sent, through Apprise (``mailto://``)."""

    host: str
    sender: str
    to: list[str]
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    timeout: Seconds = 20.0


class RenderSection(_Strict):
    # the headline prefix of an item that updates a story published in an earlier slot
    update_prefix: str = Field("更新：", max_length=20)


class ServeSection(_Strict):
    """``[serve]``: the editor's desk (``aidigest serve``)."""

    host: str = "127.0.0.1"
    port: int = Field(8400, ge=0, le=65535)
    url: str | None = None  # the desk's address, for review-mode notifications
    password_env: str | None = None  # required to bind a non-loopback host
    username: str = "editor"


class NotifySection(_Strict):
    site_url: str | None = None
    webhook: WebhookNotify | None = None
    telegram: TelegramNotify | None = None
    email: EmailNotify | None = None
    channels: list[ChannelNotify] = []


class Config(_Strict):
    digest: DigestSection = DigestSection()
    sources: list[SourceConfig] = []
    llm: LlmSection = LlmSection()
    stories: StoriesSection = StoriesSection()
    publish: PublishSection = PublishSection()
    schedule: ScheduleSection = ScheduleSection()
    notify: NotifySection = NotifySection()
    serve: ServeSection = ServeSection()
    render: RenderSection = RenderSection()
    base_dir: Path = Path(".")

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, value: list[Any]) -> list[Any]:
        names = [s.name for s in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique; repeated: {', '.join(dupes)}")
        return value

    def resolve(self, path: str) -> Path:
        """A config path made absolute against the config file's directory."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def store_path(self) -> Path:
        """The SQLite file (``[digest] store`` as a path); see :attr:`store_target`."""
        return self.resolve(self.digest.store)

    @property
    def store_is_postgres(self) -> bool:
        from aidigest.store.postgres import is_postgres_url

        return bool(self.digest.store_env) or is_postgres_url(self.digest.store)

    @property
    def store_target(self) -> str | Path:
        """What :func:`aidigest.store.open_store` opens: the URL in ``[digest] store_env``'s
        variable, a ``postgresql://`` URL in ``[digest] store``, else the SQLite path."""
        from aidigest.store.postgres import is_postgres_url

        if self.digest.store_env:
            url = secret(self.digest.store_env, "the PostgreSQL store URL ([digest] store_env)")
            if not is_postgres_url(url):
                raise ConfigError(f"environment variable {self.digest.store_env} ([digest] store_env) "
                                  "must hold a postgresql://user:password@host:port/database URL")
            return url
        if is_postgres_url(self.digest.store):
            return self.digest.store.strip()
        return self.store_path

    @property
    def site_path(self) -> Path:
        return self.resolve(self.digest.site)


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The config path: ``explicit``, else ``$AIDIGEST_CONFIG``, else ``./aidigest.toml``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else Path(CONFIG_NAME)


def _describe(exc: ValidationError, path: Path) -> str:
    lines = [f"invalid configuration in {path}:"]
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            lines.append(f"  unknown key '{where}': remove it or check its spelling")
        else:
            lines.append(f"  {where}: {err['msg']}")
    return "\n".join(lines)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate the config; every problem becomes a ConfigError naming the file."""
    cfg_path = find_config(path)
    if not cfg_path.exists():
        raise ConfigError(
            f"no configuration at {cfg_path}; run 'aidigest init DIR' to make one, "
            f"or pass --config PATH (or set {CONFIG_ENV})"
        )
    try:
        data = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {cfg_path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{cfg_path} is not valid TOML: {exc}") from exc
    cfg = config_from_dict(data, cfg_path.resolve().parent, cfg_path)
    for note in cfg.schedule.deprecations:
        _warn_once(f"{cfg_path}: {note}")
    return cfg


_WARNED: set[str] = set()


def _warn_once(message: str) -> None:
    """A deprecation said once per process on stderr (a long ``schedule`` reloads nothing)."""
    if message not in _WARNED:
        _WARNED.add(message)
        print(f"warning: {message}", file=sys.stderr)


def config_from_dict(
    data: dict[str, Any], base_dir: Path, origin: Path | str = "<config>"
) -> Config:
    """Validate a parsed TOML mapping (used by tests and by :func:`load_config`)."""
    if "base_dir" in data:
        raise ConfigError(f"invalid configuration in {origin}: unknown key 'base_dir'")
    try:
        cfg = Config.model_validate({**data, "base_dir": base_dir})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, Path(str(origin)))) from None
    items = cfg.digest.items
    if items.min > items.max:
        raise ConfigError(
            f"invalid configuration in {origin}:\n  digest.items: min ({items.min}) is greater "
            f"than max ({items.max}); make min <= max")
    return cfg


def secret(env_name: str | None, purpose: str) -> str:
    """The value of the environment variable ``env_name``; MissingSecretError if unset."""
    if not env_name:
        raise ConfigError(f"no environment variable named for {purpose}")
    value = os.environ.get(env_name, "")
    if not value.strip():
        raise MissingSecretError(env_name, purpose)
    return value.strip()
