"""Slack Web API errors -> DeliveryError reasons the services word for the facilitator."""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.ports import DeliveryError
from bot.engine.texts import Texts

NOT_FOUND = {"channel_not_found", "thread_not_found", "message_not_found", "not_found"}
ARCHIVED = {"is_archived", "channel_is_archived", "already_archived"}
NOT_MEMBER = {"not_in_channel"}
PERMISSION = {
    "missing_scope",
    "restricted_action",
    "restricted_action_read_only_channel",
    "restricted_action_thread_only_channel",
    "restricted_action_non_threadable_channel",
    "not_allowed_token_type",
    "ekm_access_denied",
    "team_access_not_granted",
    "cant_invite",
    "cant_archive_general",
}
DM_CLOSED = {"cannot_dm_bot", "user_not_found", "user_disabled", "user_not_visible", "not_authed"}
RATE_LIMITED = {"ratelimited", "rate_limited"}

# Errors a network hiccup or Slack outage raises below the Web API layer.
TRANSPORT_ERRORS = (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError)


def api_error(exc: BaseException) -> str:
    """The Web API error code ("channel_not_found"), or "" for a transport failure."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "")
    return ""


def turned_down(exc: BaseException) -> bool:
    """Slack answered, and said no (an error with HTTP 200, or 429): the call did nothing.
    Not so for a timeout or a 5xx, after which it may have been done."""
    return isinstance(exc, SlackApiError) and exc.response.status_code in (200, 429)


def to_delivery_error(
    exc: BaseException, texts: Texts, *, channel: str = "", private: bool = False
) -> DeliveryError:
    """One sentence's worth of reason and detail for what Slack refused."""
    code = api_error(exc)
    if private and (code in DM_CLOSED or code in NOT_FOUND):
        return DeliveryError("dm_closed", code)
    if code in RATE_LIMITED:
        return DeliveryError("rate_limited")
    if code in NOT_FOUND:
        return DeliveryError("not_found", texts.t("slack.detail.channel", channel=channel))
    if code in ARCHIVED:
        return DeliveryError("archived", texts.t("slack.detail.channel", channel=channel))
    if code in NOT_MEMBER:
        return DeliveryError("not_in_channel", texts.t("slack.detail.channel", channel=channel))
    if code in PERMISSION:
        needed = ""
        if isinstance(exc, SlackApiError):
            needed = str(exc.response.get("needed") or "")
        # The sentence reads "I am missing the {detail} permission": name the scope.
        return DeliveryError("missing_permission", needed or code)
    return DeliveryError("failed", cause=code or type(exc).__name__)
