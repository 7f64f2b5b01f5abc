"""Bolt's authorize step: which token answers a request and who the bot is in its workspace,
with one lookup per workspace in flight at a time (issue 17).

Bolt's own steps ask Slack for every request until an answer comes: just after a start, a
crowd pressing a button made one auth.test call each, all at once. Here everyone who arrives
while a workspace's lookup runs waits for that lookup's answer.

- One workspace (SLACK_BOT_TOKEN): auth.test once; its answer is kept while the process runs,
  as Bolt's single-workspace step keeps it. Until then a refusal is not kept: the next
  request asks again.
- Several (OAuth): Bolt's own installation-store step, with its answers from auth.test kept
  per token (Bolt's `cache_enabled`). The installation is read again by every request that
  finds no read in flight, so an uninstalled workspace or a new token is seen as before.
  Brewbot asks for bot scopes only, so a workspace's answer is the same for everyone in it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable
from functools import partial

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import (
    AsyncAuthorize,
    AsyncInstallationStoreAuthorize,
)
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings


class TokenAuthorize(AsyncAuthorize):
    """The one workspace of a bot token: who the bot is there, from auth.test."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        answer = await context.client.auth_test(token=self.token)
        return AuthorizeResult.from_auth_test_response(
            auth_test_response=answer,
            bot_token=self.token,
            bot_scopes=answer.headers.get("x-oauth-scopes"),
        )


class SharedAuthorize(AsyncAuthorize):
    """One `ask` in flight per workspace; whoever comes meanwhile shares its answer (or its
    error). With `keep`, an answer is kept for every later request from that workspace."""

    def __init__(self, ask: AsyncAuthorize, *, keep: bool) -> None:
        self.ask = ask
        self.keep = keep
        self._flights: dict[Hashable, asyncio.Future[AuthorizeResult | None]] = {}
        self._kept: dict[Hashable, AuthorizeResult] = {}

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        key = (enterprise_id, team_id, context.is_enterprise_install)
        kept = self._kept.get(key)
        if kept is not None:
            return kept
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(
                self.ask(
                    context=context,
                    enterprise_id=enterprise_id,
                    team_id=team_id,
                    user_id=user_id,
                    actor_enterprise_id=actor_enterprise_id,
                    actor_team_id=actor_team_id,
                    actor_user_id=actor_user_id,
                )
            )
            self._flights[key] = flight
            flight.add_done_callback(partial(self._landed, key))
        # Shielded: a request that goes away does not cancel the others' lookup.
        return await asyncio.shield(flight)

    def _landed(self, key: Hashable, flight: asyncio.Future[AuthorizeResult | None]) -> None:
        self._flights.pop(key, None)
        if flight.cancelled() or flight.exception() is not None:
            return  # each waiter has its error; the next request asks again
        result = flight.result()
        if self.keep and result is not None:
            self._kept[key] = result


def shared_authorize(
    token: str | None, oauth: AsyncOAuthSettings | None, logger: logging.Logger
) -> AsyncAuthorize | None:
    """The authorize step for Bolt: OAuth installations if `oauth`, else the one `token`;
    None when there is neither (Bolt then refuses to start, as it always has)."""
    if oauth is not None:
        installations = AsyncInstallationStoreAuthorize(
            logger=logger,
            installation_store=oauth.installation_store,
            client_id=oauth.client_id,
            client_secret=oauth.client_secret,
            token_rotation_expiration_minutes=oauth.token_rotation_expiration_minutes,
            bot_only=oauth.installation_store_bot_only,
            user_token_resolution=oauth.user_token_resolution,
            cache_enabled=True,
        )
        return SharedAuthorize(installations, keep=False)
    if token:
        return SharedAuthorize(TokenAuthorize(token), keep=True)
    return None
