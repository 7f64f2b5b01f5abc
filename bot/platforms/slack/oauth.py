"""Optional multi-workspace install (OAuth v2), with Bolt's SQLAlchemy installation and state
stores in the bot's own database. Used when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set.

The stores create their tables (slack_installations, slack_bots, slack_oauth_states) on start
if they are missing; they are Bolt's own schema, so they are not in our migrations.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings

# Must match bot/platforms/slack/manifest.yml (a test keeps them in step).
BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "channels:join",
    # member_joined_channel (the welcome when Brewbot is added): public, then private channels.
    "channels:read",
    "chat:write",
    "chat:write.public",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "groups:write",
    "im:history",
    "im:write",
    "usergroups:read",
    "users:read",
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600


@dataclass
class OAuthParts:
    settings: AsyncOAuthSettings
    installations: AsyncSQLAlchemyInstallationStore
    states: AsyncSQLAlchemyOAuthStateStore

    async def create_tables(self) -> None:
        await self.installations.create_tables()
        await self.states.create_tables()


def oauth_enabled(settings: Settings) -> bool:
    return bool(settings.slack_client_id and settings.slack_client_secret)


def build_oauth(settings: Settings, engine: AsyncEngine) -> OAuthParts:
    installations = AsyncSQLAlchemyInstallationStore(
        client_id=settings.slack_client_id, engine=engine
    )
    states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine)
    oauth_settings = AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installations,
        state_store=states,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
    )
    return OAuthParts(oauth_settings, installations, states)
