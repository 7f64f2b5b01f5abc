"""The sender's activities as a bot receives them: each one's token passes the Teams SDK's own
check and each one parses as the SDK's own activity type for it, with the fields Teams sets
(mentions where Teams delivers only mentions, channel threads, card values, invoke names)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from microsoft_teams.api import ActivityTypeAdapter, ApiClient, MessageActivityInput
from microsoft_teams.api.activities import (
    AdaptiveCardInvokeActivity,
    ConversationUpdateActivity,
    MessageActivity,
    TaskFetchInvokeActivity,
    TaskSubmitInvokeActivity,
)
from microsoft_teams.api.activities.install_update import (
    InstalledActivity,
    UninstalledActivity,
)
from microsoft_teams.apps.auth.token_validator import InboundActivityTokenValidator

from bot.loopback.teams_sender import TeamsSender, dialog_card
from bot.loopback.teams_server import CARD, TeamsLoopback
from tests.loopback_teams.conftest import APP_ID

DIALOG = {
    "title": "Reflect",
    "card": {
        "contentType": CARD,
        "content": {
            "type": "AdaptiveCard",
            "version": "1.5",
            "body": [
                {"type": "Input.Text", "id": "words", "label": "Your words"},
                {"type": "Input.Toggle", "id": "share", "title": "Share", "value": "false"},
            ],
            "actions": [{"type": "Action.Submit", "title": "Send", "data": {"form": "reflect"}}],
        },
    },
}
RSVP_CARD = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [
        {"type": "TextBlock", "text": "Brew on Tuesday"},
        {"type": "Input.ChoiceSet", "id": "diet", "choices": [], "value": "none"},
    ],
    "actions": [
        {"type": "Action.Submit", "title": "Coming", "data": {"rsvp": "yes"}},
        {"type": "Action.Execute", "title": "Not coming", "verb": "rsvp", "data": {"n": 1}},
        {
            "type": "Action.Submit",
            "title": "Reflect",
            "data": {"msteams": {"type": "task/fetch"}, "form": "reflect"},
        },
        {"type": "Action.OpenUrl", "title": "Privacy", "url": "https://example.org"},
    ],
}


@dataclass
class Endpoint:
    """A bot's messaging endpoint reduced to what the SDK checks: the token (the SDK's
    validator, in a thread, as its key fetch blocks) and the activity (the SDK's models).
    It answers an invoke with a dialog, as a bot would."""

    lb: TeamsLoopback
    url: str = ""
    received: list[Any] = field(default_factory=list)
    raw: list[dict[str, Any]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        validator = InboundActivityTokenValidator(APP_ID, cloud=self.lb.cloud)
        check = validator.validate_token(token, body.get("serviceUrl"))
        try:
            await asyncio.to_thread(asyncio.run, check)
        except Exception:
            return web.json_response({"error": "Unauthorized"}, status=401)
        self.raw.append(body)
        self.received.append(ActivityTypeAdapter.validate_python(body))
        if body.get("name") == "task/fetch" and body["value"]["data"].get("form") == "reflect":
            return web.json_response({"task": {"type": "continue", "value": DIALOG}})
        if body["type"] == "invoke":
            return web.json_response({"task": {"type": "message", "value": "Thanks"}})
        return web.Response(status=200)


@pytest.fixture
async def endpoint(lb: TeamsLoopback) -> AsyncIterator[Endpoint]:
    found = Endpoint(lb)
    app = web.Application()
    app.router.add_post("/api/messages", found.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    found.url = f"http://127.0.0.1:{runner.addresses[0][1]}/api/messages"
    yield found
    await runner.cleanup()


@pytest.fixture
def sender(lb: TeamsLoopback, endpoint: Endpoint) -> TeamsSender:
    return TeamsSender(lb, endpoint.url)


async def test_a_personal_message(
    lb: TeamsLoopback, endpoint: Endpoint, sender: TeamsSender
) -> None:
    jo = lb.add_user("Jo Bloggs")
    chat = lb.install_for(jo.id)
    answer = await sender.message("brew help", jo, chat)
    assert answer.status == 200
    [activity] = endpoint.received
    assert isinstance(activity, MessageActivity)
    assert activity.text == "brew help"
    assert activity.id == answer.activity_id
    assert activity.from_.id == jo.id and activity.from_.aad_object_id == jo.aad_object_id
    assert activity.conversation.conversation_type == "personal"
    assert activity.conversation.id == chat.id
    assert activity.recipient.id == f"28:{APP_ID}"
    assert activity.service_url == lb.url
    assert not [e for e in activity.entities or [] if e.type == "mention"]


async def test_a_channel_message_mentions_the_bot(
    lb: TeamsLoopback, endpoint: Endpoint, sender: TeamsSender
) -> None:
    jo = lb.add_user("Jo Bloggs")
    room = lb.add_channel("Brew room")
    await sender.message("brew <schedule>", jo, room)
    await sender.message("me too", jo, room, thread="1700000000009")
    first, second = endpoint.received
    assert first.text == "<at>Brewbot</at> brew <schedule>"
    [mention] = [e for e in first.entities if e.type == "mention"]
    assert mention.mentioned.id == f"28:{APP_ID}" and mention.text == "<at>Brewbot</at>"
    assert first.is_recipient_mentioned
    assert first.conversation.id == room.id and first.conversation.is_group
    assert first.channel_data.team.id == lb.team_id
    assert first.channel_data.channel.id == room.id
    # The HTML Teams sends alongside escapes what the person typed.
    assert "brew &lt;schedule&gt;" in endpoint.raw[0]["attachments"][0]["content"]
    assert second.conversation.id == f"{room.id};messageid=1700000000009"


async def test_a_meeting_chat_message(
    lb: TeamsLoopback, endpoint: Endpoint, sender: TeamsSender
) -> None:
    jo = lb.add_user("Jo Bloggs")
    chat = lb.add_group_chat([jo], meeting=True)
    await sender.message("brew open", jo, chat, mention=False)
    [activity] = endpoint.received
    assert activity.conversation.conversation_type == "groupChat"
    assert activity.channel_data.meeting.id == chat.meeting_id
    assert activity.text == "brew open"


async def test_ids_are_fresh_unless_given(
    lb: TeamsLoopback, endpoint: Endpoint, sender: TeamsSender
) -> None:
    jo = lb.add_user("Jo Bloggs")
    chat = lb.install_for(jo.id)
    await sender.message("one", jo, chat)
    await sender.message("two", jo, chat)
    await sender.message("again", jo, chat, activity_id="1715600000123")
    await sender.message("again", jo, chat, activity_id="1715600000123")
    ids = [a.id for a in endpoint.received]
    assert ids[0] != ids[1]
    assert ids[2] == ids[3] == "1715600000123"


async def test_a_card_submit(lb: TeamsLoopback, endpoint: Endpoint, sender: TeamsSender) -> None:
    jo = lb.add_user("Jo Bloggs")
    room = lb.add_channel("Brew room")
    answer = await sender.submit_card({"rsvp": "yes"}, jo, room, reply_to_id="1700000000002")
    assert answer.status == 200
    [activity] = endpoint.received
    assert isinstance(activity, MessageActivity)
    assert activity.value == {"rsvp": "yes"}
    assert activity.reply_to_id == "1700000000002"
    assert not activity.text


async def test_invokes(lb: TeamsLoopback, endpoint: Endpoint, sender: TeamsSender) -> None:
    guest = lb.add_user("Guest", role="anonymous", in_team=False)
    chat = lb.add_group_chat([guest], meeting=True)
    status, body = await sender.invoke(
        "task/fetch", sender.task_value({"form": "reflect"}), guest, chat
    )
    assert (status, body) == (200, {"task": {"type": "continue", "value": DIALOG}})
    await sender.invoke("task/submit", sender.task_value({"words": "good"}), guest, chat)
    await sender.invoke("adaptiveCard/action", sender.action_value("rsvp", {"y": 1}), guest, chat)
    fetch, submit, action = endpoint.received
    assert isinstance(fetch, TaskFetchInvokeActivity) and fetch.value.data == {"form": "reflect"}
    assert isinstance(submit, TaskSubmitInvokeActivity)
    assert submit.value.data == {"words": "good"}
    assert isinstance(action, AdaptiveCardInvokeActivity)
    assert (action.value.action.verb, action.value.action.data) == ("rsvp", {"y": 1})
    # An anonymous guest has no Entra object id.
    assert fetch.from_.aad_object_id is None
    assert fetch.id.startswith("f:")


async def test_install_and_removal(
    lb: TeamsLoopback, endpoint: Endpoint, sender: TeamsSender
) -> None:
    jo = lb.add_user("Jo Bloggs")
    chat = lb.personal_chat(jo.id)
    assert jo.id not in lb.installed
    answers = await sender.installed(chat, user=jo)
    assert [a.status for a in answers] == [200, 200]
    assert jo.id in lb.installed
    install, update = endpoint.received
    assert isinstance(install, InstalledActivity)
    assert isinstance(update, ConversationUpdateActivity)
    assert [m.id for m in update.members_added] == [f"28:{APP_ID}"]

    await sender.installed(lb.general, user=jo)
    team_update = endpoint.received[3]
    assert team_update.channel_data.event_type == "teamMemberAdded"

    await sender.installed(chat, user=jo, action="remove")
    assert jo.id not in lb.installed
    assert isinstance(endpoint.received[4], UninstalledActivity)
    assert [m.id for m in endpoint.received[5].members_removed] == [f"28:{APP_ID}"]


async def test_a_spoiled_token_is_turned_away(
    lb: TeamsLoopback, endpoint: Endpoint, sender: TeamsSender
) -> None:
    jo = lb.add_user("Jo Bloggs")
    chat = lb.install_for(jo.id)
    activity = sender.message_activity("hi", jo, chat)
    answer = await sender.post(activity, token=lb.sign(audience="another-app"))
    assert answer.status == 401
    assert endpoint.received == []


async def test_pressing_the_buttons_of_a_posted_card(
    lb: TeamsLoopback, api: ApiClient, endpoint: Endpoint, sender: TeamsSender
) -> None:
    jo = lb.add_user("Jo Bloggs")
    room = lb.add_channel("Brew room")
    sent = await api.conversations.create_activity(
        room.id, MessageActivityInput(text="").add_card(RSVP_CARD)
    )
    [posted] = lb.posts(room.id)
    assert posted.id == sent.id

    coming = await sender.press(posted, "Coming", jo, room, answers={"diet": "vegan"})
    assert coming.status == 200
    await sender.press(posted, "Not coming", jo, room)
    opened = await sender.press(posted, "Reflect", jo, room)
    submit, execute, fetch = endpoint.received
    assert isinstance(submit, MessageActivity)
    assert submit.value == {"rsvp": "yes", "diet": "vegan"}
    assert submit.reply_to_id == posted.id
    # A press in a channel comes from the post's thread.
    assert submit.conversation.id == f"{room.id};messageid={posted.id}"
    assert isinstance(execute, AdaptiveCardInvokeActivity)
    assert (execute.value.action.verb, execute.value.action.data) == (
        "rsvp",
        {"n": 1, "diet": "none"},
    )
    assert isinstance(fetch, TaskFetchInvokeActivity)

    dialog = dialog_card(opened.body)
    assert dialog is not None
    status, _ = await sender.submit_dialog(dialog, jo, room, answers={"words": "lovely"})
    assert status == 200
    submitted = endpoint.received[-1]
    assert isinstance(submitted, TaskSubmitInvokeActivity)
    assert submitted.value.data == {"form": "reflect", "words": "lovely", "share": "false"}


async def test_a_press_the_card_cannot_make_is_a_mistake(
    lb: TeamsLoopback, api: ApiClient, sender: TeamsSender
) -> None:
    jo = lb.add_user("Jo Bloggs")
    await api.conversations.create_activity(
        lb.general.id, MessageActivityInput(text="").add_card(RSVP_CARD)
    )
    [posted] = lb.posts(lb.general.id)
    with pytest.raises(ValueError, match="no button"):
        await sender.press(posted, "Maybe", jo, lb.general)
    with pytest.raises(ValueError, match="no input"):
        await sender.press(posted, "Coming", jo, lb.general, answers={"dite": "vegan"})
    with pytest.raises(ValueError, match="does not reach the bot"):
        await sender.press(posted, "Privacy", jo, lb.general)
    assert dialog_card({"task": {"type": "message", "value": "Thanks"}}) is None


async def test_one_token_serves_many_activities(
    lb: TeamsLoopback, endpoint: Endpoint, sender: TeamsSender
) -> None:
    jo = lb.add_user("Jo Bloggs")
    chat = lb.install_for(jo.id)
    for text in ("one", "two", "three"):
        assert (await sender.message(text, jo, chat)).status == 200
    assert len(endpoint.received) == 3
