"""One typed Settings object, read from the environment and `.env`, passed in (no globals).

Every field here is documented, with its default, in `.env.example`; a test keeps the two in step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError


class ConfigError(Exception):
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

    slack_http_port: int = Field(3000, alias="SLACK_HTTP_PORT", ge=1, le=65535)
    slack_breakouts: Literal["threads", "channels"] = Field("threads", alias="SLACK_BREAKOUTS")
    slack_client_id: str = Field("", alias="SLACK_CLIENT_ID")
    slack_client_secret: str = Field("", alias="SLACK_CLIENT_SECRET")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("an IANA time zone name such as Europe/London") from exc
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

    @field_validator("reminder_minutes", mode="before")
    @classmethod
    def _split_minutes(cls, value: object) -> object:
        # Accept "1440,15" as well as JSON "[1440, 15]" so .env files stay simple.
        if isinstance(value, str) and not value.strip().startswith("["):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            return [int(p) for p in parts] if all(p.isdigit() for p in parts) else value
        return value

    @field_validator("discord_guild_ids", "discord_shard_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(p.isdigit() for p in parts):
                raise ValueError("whole numbers separated by commas, e.g. 123456789012345678")
            return [int(p) for p in parts]
        return value

    @field_validator("reminder_minutes")
    @classmethod
    def _positive_minutes(cls, value: list[int]) -> list[int]:
        if any(m <= 0 for m in value):
            raise ValueError("whole minutes greater than 0, separated by commas, e.g. 1440,15")
        return sorted(set(value), reverse=True)

    @model_validator(mode="after")
    def _platform_tokens(self) -> Settings:
        if self.slack_bot_token and self.slack_mode == "socket" and not self.slack_app_token:
            raise ValueError("SLACK_APP_TOKEN (an xapp- token) because Socket Mode needs it")
        if self.slack_bot_token and self.slack_mode == "http" and not self.slack_signing_secret:
            raise ValueError("SLACK_SIGNING_SECRET because HTTP mode must verify requests")
        return self

    @property
    def platform(self) -> Literal["discord", "slack", "shell"]:
        if self.discord_token:
            return "discord"
        if self.slack_bot_token:
            return "slack"
        return "shell"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'brewbot.db'}"


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise ConfigError with one line naming the bad variable."""
    try:
        return Settings(**overrides)
    except SettingsError as exc:
        raise ConfigError(f"A setting could not be read: {exc}.") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        what = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:
            # Cross-field rules name their own variable.
            raise ConfigError(f"A setting is missing: expected {what}.") from None
        name = str(first["loc"][0])
        field = Settings.model_fields.get(name)
        variable = field.alias if field and field.alias else name
        raise ConfigError(f"Setting {variable} is not right: expected {what}.") from None
