"""Settings are shown to facilitators as people know them: a channel as a mention of it
(its name, on Discord and Slack), and a Slack user group picked with no name given as
Slack's own mention of it (<!subteam^ID>, which Slack shows by its handle), never a bare id."""

from __future__ import annotations

from bot.core.messages import OutgoingMessage
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.platforms.discord.render import render as render_discord
from bot.platforms.memory import MemoryResponder
from bot.platforms.slack.blocks import render as render_slack
from bot.platforms.slack.payloads import command_text
from tests.platforms.readers import slack_reads


class Raw(MemoryResponder):
    """Keeps each answer as the services gave it, for a platform's renderer."""

    def __init__(self) -> None:
        super().__init__()
        self.raw: list[OutgoingMessage] = []

    async def reply(self, message: OutgoingMessage, *, private: bool = True) -> None:
        self.raw.append(message)
        await super().reply(message, private=private)


async def admin_says(app, platform: Platform, text: str) -> OutgoingMessage:
    community = CommunityRef(platform, f"{platform}-community")
    admin = UserRef(community, f"{platform}-ada", "Ada", frozenset({"S0FACILIT8"}), is_admin=True)
    responder = Raw()
    await app.dispatcher.run_text(text, admin, ConversationRef(community, "brew-room"), responder)
    [message] = responder.raw
    return message


def slack_shows(message: OutgoingMessage) -> str:
    return "\n".join(b["text"]["text"] for m in render_slack(message) for b in m.blocks)


async def test_channels_are_shown_as_mentions_on_slack(app):
    await admin_says(app, Platform.SLACK, "/brew settings session_channel C0ROOM123")
    await admin_says(app, Platform.SLACK, "/brew settings working_group_channel <#C0GROUP12|wg>")
    shown = slack_shows(await admin_says(app, Platform.SLACK, "/brew settings"))
    assert "session_channel: <#C0ROOM123>" in shown
    assert "working_group_channel: <#C0GROUP12>" in shown


async def test_channels_are_shown_as_mentions_on_discord(app):
    await admin_says(app, Platform.DISCORD, "/brew settings session_channel <#123456789012345678>")
    [part] = render_discord(await admin_says(app, Platform.DISCORD, "/brew settings"))
    assert part.content is not None and "session_channel: <#123456789012345678>" in part.content


async def test_a_user_group_picked_with_no_name_is_slacks_mention_not_its_id(app):
    typed = command_text("settings facilitator_role <!subteam^S0FACILIT8>")
    changed = slack_shows(await admin_says(app, Platform.SLACK, f"/brew {typed}"))
    assert "<!subteam^S0FACILIT8>" in changed
    shown = slack_shows(await admin_says(app, Platform.SLACK, "/brew settings"))
    assert "facilitator_role: <!subteam^S0FACILIT8>" in shown


async def test_a_user_group_picked_with_its_handle_is_shown_by_it(app):
    typed = command_text("settings facilitator_role <!subteam^S0FACILIT8|@facilitators>")
    await admin_says(app, Platform.SLACK, f"/brew {typed}")
    shown = slack_shows(await admin_says(app, Platform.SLACK, "/brew settings"))
    [line] = [line for line in shown.split("\n") if "facilitators" in line]
    name, value = line.split(": ")
    assert name == "facilitator_role" and slack_reads(value) == "@facilitators"


async def test_a_channel_setting_typed_as_words_is_refused_not_shown_as_a_mention(app):
    answer = await admin_says(app, Platform.SLACK, "/brew settings session_channel <!channel>")
    assert answer.refused or "channel" in slack_reads(slack_shows(answer)).lower()

