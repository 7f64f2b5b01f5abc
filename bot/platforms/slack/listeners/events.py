"""Events API: a mention answered with a pointer to /brew help, user group changes, and the
app being uninstalled. Duplicate deliveries never reach here (see dedupe.py)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.refs import Platform
from bot.platforms.slack.blocks import to_mrkdwn
from bot.platforms.slack.errors import TRANSPORT_ERRORS
from bot.platforms.slack.runtime import SlackServices

log = logging.getLogger("brewbot.slack")


def register(app: AsyncApp, services: SlackServices) -> None:
    async def ack_event(ack: AsyncAck) -> None:
        await ack()

    async def on_mention(event: dict[str, Any], client: AsyncWebClient) -> None:
        async with services.work.track():
            text = to_mrkdwn(services.texts.t("slack.mention_help"))
            args: dict[str, Any] = {
                "channel": event.get("channel"),
                "user": event.get("user"),
                "text": text,
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
            }
            if event.get("thread_ts"):
                args["thread_ts"] = event["thread_ts"]
            try:
                await client.chat_postEphemeral(**args)
            except TRANSPORT_ERRORS:
                log.info("could not answer a mention")

    async def on_groups_changed(context: AsyncBoltContext) -> None:
        services.directory.forget_groups(str(context.team_id or ""))

    async def on_uninstalled(context: AsyncBoltContext) -> None:
        async with services.work.track():
            team_id = str(context.team_id or "")
            if services.installation_store is not None:
                await services.installation_store.async_delete_all(
                    enterprise_id=context.enterprise_id, team_id=team_id
                )
            services.clients.forget(team_id)
            await services.brew.sessions.cancel_community(Platform.SLACK.value, team_id)

    async def on_tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if services.installation_store is None:
            return
        tokens = event.get("tokens") or {}
        for user_id in tokens.get("oauth") or []:
            await services.installation_store.async_delete_installation(
                enterprise_id=context.enterprise_id, team_id=context.team_id, user_id=user_id
            )
        if tokens.get("bot"):
            await services.installation_store.async_delete_bot(
                enterprise_id=context.enterprise_id, team_id=context.team_id
            )
            services.clients.forget(str(context.team_id or ""))

    app.event("app_mention")(ack=ack_event, lazy=[on_mention])
    app.event("subteam_members_changed")(ack=ack_event, lazy=[on_groups_changed])
    app.event("subteam_updated")(ack=ack_event, lazy=[on_groups_changed])
    app.event("app_uninstalled")(ack=ack_event, lazy=[on_uninstalled])
    app.event("tokens_revoked")(ack=ack_event, lazy=[on_tokens_revoked])
