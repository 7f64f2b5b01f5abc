"""Reading what Slack sent: who, in which workspace and channel, and the command text."""

from __future__ import annotations

import re
from typing import Any

from bot.core.refs import CommunityRef, ConversationRef, Platform
from bot.platforms.slack.blocks import view_metadata

_USER_WITH_NAME = re.compile(r"<@([UW][A-Z0-9]+)\|[^>]*>")
# A user group picked in the message box: <!subteam^S123|@facilitators> or <!subteam^S123>.
_GROUP = re.compile(r"<!subteam\^([A-Z0-9]+)(\|[^>]*)?>")
# An e-mail address, which Slack turns into a link: <mailto:a@b.org|a@b.org>.
_MAILTO = re.compile(r"<mailto:([^|>\s]+)(?:\|[^>]*)?>")


def command_text(raw: str) -> str:
    """Slash command text as typed. Slack sends mentions as <@U123|name>, a user group as
    <!subteam^S123|@handle>, an e-mail address as <mailto:a@b.org|a@b.org>, and escapes
    "&", "<" and ">"; the command parser wants <@U123>, a group as <@&S123|@handle> (the
    neutral form of a group or role mention: settings store it by id and show its name),
    the address, and the plain characters."""
    text = _USER_WITH_NAME.sub(r"<@\1>", raw or "")
    text = _GROUP.sub(lambda m: f"<@&{m.group(1)}{m.group(2) or ''}>", text)
    text = _MAILTO.sub(lambda m: m.group(1).replace("&amp;", "&"), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()
    return text or "help"


def team_of(body: dict[str, Any]) -> CommunityRef:
    team = body.get("team")
    if isinstance(team, dict):
        team_id, domain = str(team.get("id") or ""), str(team.get("domain") or "")
        return CommunityRef(Platform.SLACK, team_id, domain)
    user = body.get("user")
    found = body.get("team_id") or (user.get("team_id") if isinstance(user, dict) else "")
    return CommunityRef(Platform.SLACK, str(found or ""), str(body.get("team_domain") or ""))


def user_of(body: dict[str, Any]) -> tuple[str, str]:
    """(user id, the name Slack sent along) for a command or an interaction payload."""
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or ""), str(user.get("name") or user.get("username") or "")
    return str(body.get("user_id") or ""), str(body.get("user_name") or "")


def command_place(body: dict[str, Any], community: CommunityRef, user_id: str) -> ConversationRef:
    """Where a slash command was typed (its channel; else the person's own messages)."""
    return ConversationRef(community, str(body.get("channel_id") or user_id))


def action_place(body: dict[str, Any], community: CommunityRef, user_id: str) -> ConversationRef:
    """Where a button was pressed: its channel, and its thread when it was in one."""
    container = body.get("container") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or ""
    thread = container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")
    return ConversationRef(community, str(channel or user_id), str(thread) if thread else None)


def form_place(body: dict[str, Any], community: CommunityRef, user_id: str) -> ConversationRef:
    """Where a form was opened from, which the form carries in its private metadata."""
    metadata = view_metadata(body.get("view") or {})
    channel, thread = metadata.get("channel") or user_id, metadata.get("thread") or None
    return ConversationRef(community, channel, thread)


def identified(body: dict[str, Any]) -> bool:
    """Whether a command or interaction says which workspace and which person it is from
    (Slack always does; a request without them is not one to act on)."""
    return bool(team_of(body).id and user_of(body)[0])
