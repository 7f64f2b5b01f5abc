"""One typed Settings object, read from the environment and `.env`, passed in (no globals).

Every field here is documented, with its default, in `.env.example`; a test keeps the two in step.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import annotated_types
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.core.marked import SaidLine
from bot.core.typed import is_number
from storage.engine import POSTGRES_DRIVER, is_postgres

MINUTES = "whole minutes greater than 0, separated by commas, e.g. 1440,15"
PROXIES = (
    "empty, or your reverse proxies' addresses or networks separated by commas, "
    "e.g. 10.0.0.2,192.168.1.0/24"
)
DATABASE = (
    "empty (SQLite in BREWBOT_DATA_DIR) or a PostgreSQL address such as "
    "postgresql://user:password@host:5432/brewbot"
)
DATABASE_IN_MEMORY = (
    "a database that keeps what Brewbot stores: empty (SQLite in BREWBOT_DATA_DIR), a SQLite "
    "file such as sqlite:///data/brewbot.db, or a PostgreSQL address (a database in memory "
    "forgets everything when Brewbot stops)"
)


class ConfigError(SaidLine):
    """A setting is missing or invalid. The message is one line naming the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(
        "",
        alias="DATABASE_URL",
        description="SQLAlchemy URL; empty means SQLite at BREWBOT_DATA_DIR/brewbot.db",
    )
    data_dir: Path = Field(Path("data"), alias="BREWBOT_DATA_DIR")
    db_wait_seconds: float = Field(5.0, alias="BREWBOT_DB_WAIT_SECONDS", gt=0, le=60)
    # PostgreSQL: how long to wait for a connection, and for one unit of work, before the
    # person is asked to try again in a moment.
    db_timeout_seconds: float = Field(3.0, alias="BREWBOT_DB_TIMEOUT_SECONDS", gt=0, le=300)
    timezone: str = Field("Europe/London", alias="BREWBOT_TIMEZONE")
    facilitator_role: str = Field("Facilitator", alias="BREWBOT_FACILITATOR_ROLE")
    reminder_minutes: Annotated[list[int], NoDecode] = Field(
        [1440, 15], alias="BREWBOT_REMINDER_MINUTES"
    )
    reminder_grace_minutes: int = Field(10, alias="BREWBOT_REMINDER_GRACE_MINUTES", ge=1)
    session_minutes: int = Field(60, alias="BREWBOT_SESSION_MINUTES", ge=15, le=480)
    breakout_minutes: int = Field(20, alias="BREWBOT_BREAKOUT_MINUTES", ge=5, le=120)
    reflect_minutes: int = Field(10, alias="BREWBOT_REFLECT_MINUTES", ge=2, le=120)
    group_size: int = Field(5, alias="BREWBOT_GROUP_SIZE", ge=3, le=12)
    min_count: int = Field(5, alias="BREWBOT_MIN_COUNT", ge=3)
    # Where a safeguarding alert goes too when it cannot reach the safeguarding contact.
    safeguarding_email: str = Field("", alias="BREWBOT_SAFEGUARDING_EMAIL")
    forget_after_days: int = Field(7, alias="BREWBOT_FORGET_AFTER_DAYS", ge=1, le=90)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", alias="BREWBOT_LOG_LEVEL"
    )

    smtp_host: str = Field("", alias="SMTP_HOST")
    smtp_port: int = Field(587, alias="SMTP_PORT", ge=1, le=65535)
    smtp_from: str = Field("", alias="SMTP_FROM")
    smtp_username: str = Field("", alias="SMTP_USERNAME")
    smtp_password: str = Field("", alias="SMTP_PASSWORD")
    smtp_starttls: bool = Field(True, alias="SMTP_STARTTLS")
    # Implicit TLS from the first byte (SMTPS); on by itself when SMTP_PORT is 465.
    smtp_tls: bool = Field(False, alias="SMTP_TLS")
    # A PEM file of certificate authorities to trust for the mail server, besides the
    # system's (a council's own CA); the server's certificate is always checked.
    smtp_ca_file: str = Field("", alias="SMTP_CA_FILE")

    discord_token: str = Field("", alias="DISCORD_TOKEN")
    slack_bot_token: str = Field("", alias="SLACK_BOT_TOKEN")
    slack_app_token: str = Field("", alias="SLACK_APP_TOKEN")
    slack_signing_secret: str = Field("", alias="SLACK_SIGNING_SECRET")
    slack_mode: Literal["socket", "http"] = Field("socket", alias="SLACK_MODE")

    discord_guild_ids: Annotated[list[int], NoDecode] = Field([], alias="DISCORD_GUILD_IDS")
    discord_sync_global: bool = Field(False, alias="DISCORD_SYNC_GLOBAL")
    discord_shard_ids: Annotated[list[int], NoDecode] = Field([], alias="DISCORD_SHARD_IDS")
    discord_shard_count: int = Field(0, alias="DISCORD_SHARD_COUNT", ge=0)
    # Where discord.py sends REST calls and opens the gateway: Discord's own addresses, or a
    # proxy in front of them (a REST rate-limit proxy, a gateway proxy) or a test server.
    discord_api_url: str = Field("https://discord.com/api/v10", alias="DISCORD_API_URL")
    discord_gateway_url: str = Field("wss://gateway.discord.gg/", alias="DISCORD_GATEWAY_URL")

    # The web pages (bot/platforms/web): on by default, on this machine only; BREWBOT_WEB=off
    # turns them off. Port 0 takes any free port (the tests' choice).
    web: bool = Field(True, alias="BREWBOT_WEB")
    web_host: str = Field("127.0.0.1", alias="BREWBOT_WEB_HOST")
    web_port: int = Field(8080, alias="BREWBOT_WEB_PORT", ge=0, le=65535)
    # The address people reach the pages at (a council's reverse proxy), used in links;
    # empty means the running server's own, http://HOST:PORT/.
    web_base_url: str = Field("", alias="BREWBOT_WEB_BASE_URL")
    # The reverse proxies (addresses or networks) whose X-Forwarded-For is believed, so that
    # the rate limit counts each visitor rather than the proxy; empty believes no one.
    web_trusted_proxies: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        [], alias="BREWBOT_WEB_TRUSTED_PROXIES"
    )

    slack_http_port: int = Field(3000, alias="SLACK_HTTP_PORT", ge=1, le=65535)
    slack_breakouts: Literal["threads", "channels"] = Field("threads", alias="SLACK_BREAKOUTS")
    slack_client_id: str = Field("", alias="SLACK_CLIENT_ID")
    slack_client_secret: str = Field("", alias="SLACK_CLIENT_SECRET")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")

    # Microsoft Teams (bot/platforms/teams, docs/teams.md): the bot's Microsoft App ID and
    # client secret from its Azure registration, and the tenant for a single-tenant app.
    teams_app_id: str = Field("", alias="TEAMS_APP_ID")
    teams_app_password: str = Field("", alias="TEAMS_APP_PASSWORD")
    teams_tenant_id: str = Field("", alias="TEAMS_TENANT_ID")
    # Who facilitates on Teams besides a team's owners and the members of its tag named by the
    # community's facilitator_role (read from Microsoft Graph): the people listed here (by
    # their Microsoft Entra object ids, or their Teams ids), everywhere, group chats too;
    # they carry the role named TEAMS_FACILITATOR_ROLE (docs/teams.md).
    teams_facilitator_role: str = Field("Facilitator", alias="TEAMS_FACILITATOR_ROLE")
    teams_facilitators: Annotated[list[str], NoDecode] = Field([], alias="TEAMS_FACILITATORS")
    # Where Microsoft's signing keys for the bot's requests are described, and where posts go
    # when no request has said (a reminder after a restart). Microsoft's public cloud unless
    # set: change them only for a test server.
    teams_openid_url: str = Field(
        "https://login.botframework.com/v1/.well-known/openidconfiguration",
        alias="TEAMS_OPENID_URL",
    )
    teams_service_url: str = Field(
        "https://smba.trafficmanager.net/teams/", alias="TEAMS_SERVICE_URL"
    )
    # Where the bot signs in with TEAMS_APP_ID and TEAMS_APP_PASSWORD for its own token
    # (Microsoft Entra's token endpoint, bot/platforms/teams/signin.py).
    teams_login_url: str = Field("https://login.microsoftonline.com", alias="TEAMS_LOGIN_URL")
    # Microsoft Graph, where a team's tags and owners are read to know its facilitators
    # (bot/platforms/teams/facilitators.py).
    teams_graph_url: str = Field("https://graph.microsoft.com", alias="TEAMS_GRAPH_URL")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("an IANA time zone name such as Europe/London") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        # `postgres://` (Heroku and others) and `postgresql://` are read as psycopg 3 URLs.
        value = value.strip()
        if not value:
            return value
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):  # ValueError: a port that is not a number
            url = None
        if url is not None and is_postgres(url.drivername):
            if url.drivername == POSTGRES_DRIVER:
                return value
            return url.set(drivername=POSTGRES_DRIVER).render_as_string(hide_password=False)
        if url is not None and url.get_backend_name() == "sqlite":
            return value
        raise ValueError(DATABASE)

    @field_validator("slack_bot_token")
    @classmethod
    def _slack_bot_token(cls, value: str) -> str:
        if value and not value.startswith("xoxb-"):
            raise ValueError(
                "the Bot User OAuth Token, starting with xoxb- (your Slack app's Install App page)"
            )
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _slack_app_token(cls, value: str) -> str:
        if value and not value.startswith("xapp-"):
            raise ValueError(
                "an app-level token starting with xapp- (your Slack app's Basic Information, "
                "App-Level Tokens)"
            )
        return value

    @field_validator("discord_token")
    @classmethod
    def _discord_token(cls, value: str) -> str:
        if any(c.isspace() for c in value):
            raise ValueError(
                "the bot token from the Developer Portal (Bot, Reset Token) on its own, with no "
                "spaces and no 'Bot' in front"
            )
        return value

    @field_validator("smtp_ca_file")
    @classmethod
    def _readable_ca_file(cls, value: str) -> str:
        if value and not Path(value).is_file():
            raise ValueError("the path of a PEM file of certificate authorities that exists")
        return value

    @field_validator("discord_api_url", "discord_gateway_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if not value.startswith(("http://", "https://", "ws://", "wss://")):
            raise ValueError("an address starting with https:// or wss://")
        return value

    @field_validator("web_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        # Links are made by appending to it, so it always ends with one slash.
        value = value.strip()
        if not value:
            return value
        if not value.startswith(("http://", "https://")) or any(c.isspace() for c in value):
            raise ValueError(
                "empty, or an address starting with https://, e.g. https://brew.example.org/"
            )
        return value.rstrip("/") + "/"

    @field_validator("web_trusted_proxies", mode="before")
    @classmethod
    def _proxy_networks(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        networks = []
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            try:
                networks.append(ip_network(part))
            except ValueError:
                raise ValueError(f"{PROXIES} ({part!r} is not one)") from None
        return networks

    @field_validator("reminder_minutes", mode="before")
    @classmethod
    def _split_minutes(cls, value: object) -> object:
        # Accept "1440,15" as well as JSON "[1440, 15]" so .env files stay simple.
        if isinstance(value, str) and not value.strip().startswith("["):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(is_number(p) for p in parts):
                raise ValueError(MINUTES)
            return [int(p) for p in parts]
        return value

    @field_validator("discord_guild_ids", "discord_shard_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(is_number(p) for p in parts):
                raise ValueError("whole numbers separated by commas, e.g. 123456789012345678")
            return [int(p) for p in parts]
        return value

    @field_validator("teams_facilitators", mode="before")
    @classmethod
    def _split_people(cls, value: object) -> object:
        if isinstance(value, str):
            return [p.strip() for p in value.split(",") if p.strip()]
        return value

    @field_validator("reminder_minutes")
    @classmethod
    def _positive_minutes(cls, value: list[int]) -> list[int]:
        if any(m <= 0 for m in value):
            raise ValueError(MINUTES)
        return sorted(set(value), reverse=True)

    @model_validator(mode="after")
    def _platform_tokens(self) -> Settings:
        if self.slack_bot_token and self.slack_mode == "socket" and not self.slack_app_token:
            raise ValueError(
                "Socket Mode (SLACK_MODE=socket) needs SLACK_APP_TOKEN, an app-level token "
                "starting with xapp- (your Slack app's Basic Information, App-Level Tokens)"
            )
        if self.slack_bot_token and self.slack_mode == "http" and not self.slack_signing_secret:
            raise ValueError(
                "HTTP mode (SLACK_MODE=http) needs SLACK_SIGNING_SECRET, to check that requests "
                "come from Slack (your Slack app's Basic Information, Signing Secret)"
            )
        return self

    @property
    def platform(self) -> Literal["discord", "slack", "teams", "shell"]:
        if self.discord_token:
            return "discord"
        if self.slack_bot_token:
            return "slack"
        if self.teams_app_id:
            return "teams"
        return "shell"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'brewbot.db'}"


def load_settings(**overrides: Any) -> Settings:
    """Read the settings Brewbot runs with; raise ConfigError with one line naming the bad
    variable and the fix. A database in memory is refused here, not by Settings itself: it
    is right for a command table made without a database (`brewbot teams-app`), and wrong
    for running, where it would take everything stored away with it."""
    from bot.engine.texts import Texts

    try:
        settings = Settings(**overrides)
    except SettingsError as exc:
        raise ConfigError(Texts.load().t("startup.setting_unreadable", error=exc)) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        if not first["loc"]:
            # Cross-field rules name their own variables.
            what = first["msg"].removeprefix("Value error, ")
            raise ConfigError(Texts.load().t("startup.setting_missing", what=what)) from None
        name = str(first["loc"][0])
        field = next((f for n, f in Settings.model_fields.items() if name in (n, f.alias)), None)
        variable = field.alias if field and field.alias else name
        expected = _expected(first, field)
        line = Texts.load().t("startup.setting_wrong", variable=variable, expected=expected)
        raise ConfigError(line) from None
    if _in_memory(settings.database_url):
        line = Texts.load().t(
            "startup.setting_wrong", variable="DATABASE_URL", expected=DATABASE_IN_MEMORY
        )
        raise ConfigError(line)
    return settings


def _in_memory(database_url: str) -> bool:
    """Whether a (valid) DATABASE_URL is a SQLite database in memory: `sqlite://`,
    `sqlite:///`, `sqlite:///:memory:`, or SQLite's own `file::memory:` and `mode=memory`."""
    if not database_url:
        return False  # SQLite in BREWBOT_DATA_DIR
    url = make_url(database_url)
    database = url.database or ""
    return url.get_backend_name() == "sqlite" and (
        not database or ":memory:" in database or url.query.get("mode") == "memory"
    )


def _expected(error: ErrorDetails, field: FieldInfo | None) -> str:
    """What the setting should be, in words (pydantic's own reads "Input should be a valid
    integer, unable to parse string as an integer")."""
    kind = error["type"]
    if kind == "value_error":
        return error["msg"].removeprefix("Value error, ")
    if kind == "literal_error":
        return str((error.get("ctx") or {}).get("expected", ""))
    if kind == "bool_parsing":
        return "True or False"
    if kind.startswith(("int_", "float_", "greater_than", "less_than")):
        whole = field is not None and field.annotation is int
        return ("a whole number" if whole else "a number") + _bounds(field)
    return error["msg"].removeprefix("Input should be ")


def _bounds(field: FieldInfo | None) -> str:
    """' from 3 to 12', ', more than 0 and at most 60', ', 0 or more', or nothing."""
    # annotated_types allows any comparable bound; Settings' are all numbers.
    low: dict[str, object] = {}
    high: dict[str, object] = {}
    for limit in field.metadata if field else ():
        if isinstance(limit, annotated_types.Ge):
            low["ge"] = limit.ge
        elif isinstance(limit, annotated_types.Gt):
            low["gt"] = limit.gt
        elif isinstance(limit, annotated_types.Le):
            high["le"] = limit.le
        elif isinstance(limit, annotated_types.Lt):
            high["lt"] = limit.lt
    if "ge" in low and "le" in high:
        return f" from {low['ge']:g} to {high['le']:g}"
    parts = [f"{low['ge']:g} or more"] if "ge" in low else []
    parts += [f"more than {low['gt']:g}"] if "gt" in low else []
    parts += [f"at most {high['le']:g}"] if "le" in high else []
    parts += [f"less than {high['lt']:g}"] if "lt" in high else []
    return f", {' and '.join(parts)}" if parts else ""
