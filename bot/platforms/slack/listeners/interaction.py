"""What listeners share: the Bolt listener that acknowledges at once and leaves its work
running (`after_ack`), and what every interactive one does first (a /brew command, a click, a
form): read who sent it and where from, find the person as the services see them, and make
the Responder that answers them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.refs import CommunityRef, ConversationRef, UserRef
from bot.platforms.slack.payloads import team_of, user_of
from bot.platforms.slack.responder import SlackResponder
from bot.platforms.slack.shared import SlackServices

# Where a request came from, read from its payload (see payloads.py: command_place,
# action_place, form_place): (body, workspace, user id) -> conversation.
Place = Callable[[dict[str, Any], CommunityRef, str], ConversationRef]
# A listener's work: (the request's body, Bolt's context, the request's Web API client).
Work = Callable[[dict[str, Any], AsyncBoltContext, AsyncWebClient], Coroutine[Any, Any, None]]


def after_ack(services: SlackServices, work: Work) -> Callable[..., Awaitable[None]]:
    """A Bolt listener that acknowledges at once (Slack wants an answer within 3 seconds) and
    leaves `work` running, counted by `services.work` so shutting down lets it finish.

    Bolt answers Slack once its listeners return (`process_before_response`, bolt.py), so
    nothing slow may be awaited here. This replaces Bolt's lazy listeners, which deep-copy
    every request before the ack, and with it the Web API client and its open session."""

    async def acknowledge_then_work(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        services.work.start(work(body, context, client))

    return acknowledge_then_work


@dataclass(frozen=True)
class Interaction:
    user: UserRef
    where: ConversationRef
    responder: SlackResponder


async def read_interaction(
    services: SlackServices,
    client: AsyncWebClient,
    body: dict[str, Any],
    place: Place,
    *,
    wait: bool,
    answer_urls: bool = True,
) -> Interaction:
    """Who sent `body`, where from, and a Responder for them. `wait=False` for anything that
    may open a form (see directory.py); `answer_urls=False` leaves out the response_url and
    trigger_id (a form's submission answers through its acknowledgement instead)."""
    community = team_of(body)
    user_id, name = user_of(body)
    where = place(body, community, user_id)
    user = await services.directory.user(client, community, user_id, name, wait=wait)
    responder = SlackResponder(
        services.adapter,
        client,
        team_id=community.id,
        user_id=user_id,
        channel_id=where.id,
        thread_ts=where.thread_id,
        response_url=body.get("response_url") if answer_urls else None,
        trigger_id=body.get("trigger_id") if answer_urls else None,
    )
    return Interaction(user, where, responder)
