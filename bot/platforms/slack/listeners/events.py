"""Events API: a mention answered with a pointer to /brew help; user group changes, which
change what the directory knows at once; a welcome when Brewbot is added to a channel; each
person's App Home tab when they open it; and the app being uninstalled. Duplicate deliveries
never reach here (see dedupe.py)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.ports import DeliveryError
from bot.core.refs import CommunityRef, Platform
from bot.platforms.slack.blocks import render, to_mrkdwn
from bot.platforms.slack.errors import TRANSPORT_ERRORS
from bot.platforms.slack.home import home_view, welcome
from bot.platforms.slack.listeners.interaction import after_ack
from bot.platforms.slack.shared import SlackServices
from bot.sessions.home import home_facts
from storage.engine import DatabaseUnavailable

log = logging.getLogger("brewbot.slack")


def register(app: AsyncApp, services: SlackServices) -> None:
    async def on_mention(
        body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        event = _event(body)
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

    async def on_members_changed(
        body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        event = _event(body)
        services.directory.members_changed(
            str(event.get("team_id") or context.team_id or ""),
            str(event.get("subteam_id") or ""),
            event.get("added_users") or [],
            event.get("removed_users") or [],
        )

    async def on_group_updated(
        body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        group = _event(body).get("subteam") or {}
        if isinstance(group, dict):
            team_id = str(group.get("team_id") or context.team_id or "")
            services.directory.group_updated(team_id, group)

    async def on_member_joined(
        body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        event = _event(body)
        if not event.get("user") or event.get("user") != context.bot_user_id:
            return  # someone else joined: nothing to say
        channel = str(event.get("channel") or "")
        try:
            for part in render(welcome(services.texts)):
                await services.adapter.post(client, channel, part)
        except DeliveryError as exc:
            log.info("could not post the welcome reason=%s", exc.reason)

    async def on_home_opened(
        body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        event = _event(body)
        user_id = str(event.get("user") or "")
        if event.get("tab") != "home" or not user_id or not context.team_id:
            return
        team = CommunityRef(Platform.SLACK, str(context.team_id))
        try:
            facts = await home_facts(services.brew.deps, team, user_id)
        except DatabaseUnavailable:
            return  # the tab keeps what it showed last time
        try:
            await client.views_publish(user_id=user_id, view=home_view(services.texts, facts))
        except TRANSPORT_ERRORS as exc:
            log.info("could not publish the home tab error=%s", type(exc).__name__)

    async def on_uninstalled(
        body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        team_id = str(context.team_id or "")
        if services.installation_store is not None:
            await services.installation_store.async_delete_all(
                enterprise_id=context.enterprise_id, team_id=team_id
            )
        services.clients.forget(team_id)
        await services.brew.sessions.cancel_community(Platform.SLACK.value, team_id)

    async def on_tokens_revoked(
        body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        if services.installation_store is None:
            return
        tokens = _event(body).get("tokens") or {}
        for user_id in tokens.get("oauth") or []:
            await services.installation_store.async_delete_installation(
                enterprise_id=context.enterprise_id, team_id=context.team_id, user_id=user_id
            )
        if tokens.get("bot"):
            await services.installation_store.async_delete_bot(
                enterprise_id=context.enterprise_id, team_id=context.team_id
            )
            services.clients.forget(str(context.team_id or ""))

    app.event("app_mention")(after_ack(services, on_mention))
    app.event("subteam_members_changed")(after_ack(services, on_members_changed))
    app.event("subteam_updated")(after_ack(services, on_group_updated))
    app.event("member_joined_channel")(after_ack(services, on_member_joined))
    app.event("app_home_opened")(after_ack(services, on_home_opened))
    app.event("app_uninstalled")(after_ack(services, on_uninstalled))
    app.event("tokens_revoked")(after_ack(services, on_tokens_revoked))


def _event(body: dict[str, Any]) -> dict[str, Any]:
    """The event an Events API request carries."""
    event = body.get("event")
    return event if isinstance(event, dict) else {}
