"""The Slack ChatAdapter against the loopback fake Slack: threads or private channels for
breakouts, DMs, files, and Slack's refusals as DeliveryErrors the services can word."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.core.messages import Attachment, OutgoingMessage
from bot.core.ports import ChatAdapter, DeliveryError
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.engine.texts import Texts
from bot.loopback.slack_server import BOT_USER, TEAM_ID, FakeSlack
from bot.platforms.slack.adapter import SlackAdapter, channel_name
from bot.platforms.slack.clients import SlackClients
from bot.platforms.slack.directory import SlackDirectory

TEAM = CommunityRef(Platform.SLACK, TEAM_ID, "brew")
ROOM = ConversationRef(TEAM, "C0ROOM")
PEOPLE = [UserRef(TEAM, u, n) for u, n in (("UAMIR", "Amir"), ("UBETH", "Beth"))]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack()
    await slack.start()
    slack.add_user("UAMIR", "Amir")
    slack.add_user("UBETH", "Beth", admin=True)
    slack.add_channel("C0ROOM", "over-a-brew", members=("UAMIR", "UBETH"))
    yield slack
    await slack.close()


def adapter_for(fake: FakeSlack, breakouts: str = "threads") -> SlackAdapter:
    clients = SlackClients(fake.api_url, token="xoxb-test")
    return SlackAdapter(clients, Texts.load(), breakouts=breakouts)  # type: ignore[arg-type]


def test_it_is_a_chat_adapter(fake):
    assert isinstance(adapter_for(fake), ChatAdapter)


async def test_breakouts_as_threads(fake):
    adapter = adapter_for(fake)
    thread = await adapter.create_thread(ROOM, "Group 1: Being <heard>", PEOPLE)
    assert thread.id == "C0ROOM" and thread.thread_id
    (opener,) = fake.of("chat.postMessage")
    assert "thread_ts" not in opener.args
    assert opener.args["blocks"][0]["text"]["text"].count("<@UAMIR>") == 1
    assert "Being &lt;heard&gt;" in opener.args["text"]

    ref = await adapter.send(thread, OutgoingMessage("Welcome to group 1"))
    assert fake.of("chat.postMessage")[-1].args["thread_ts"] == thread.thread_id
    assert ref.id

    late = UserRef(TEAM, "UCARL", "Carl")
    await adapter.add_member(thread, late)
    assert "<@UCARL>" in fake.of("chat.postMessage")[-1].args["text"]
    await adapter.archive_thread(thread)  # a thread cannot be archived; nothing to do
    assert fake.of("conversations.archive") == []


async def test_breakouts_as_private_channels(fake):
    adapter = adapter_for(fake, "channels")
    group = await adapter.create_thread(ROOM, "Group 2: What skills matter?", PEOPLE)
    (created,) = fake.of("conversations.create")
    assert created.args["is_private"] in (True, "true", "1")
    assert created.args["name"].startswith("brew-group-2-what-skills-matter-")
    channel = fake.channels[group.thread_id]
    assert {"UAMIR", "UBETH"} <= channel.members

    await adapter.send(group, OutgoingMessage("Welcome to group 2"))
    assert fake.of("chat.postMessage")[-1].args["channel"] == group.thread_id
    assert "thread_ts" not in fake.of("chat.postMessage")[-1].args

    fake.add_user("UCARL", "Carl")
    await adapter.add_member(group, UserRef(TEAM, "UCARL"))
    assert "UCARL" in channel.members
    await adapter.archive_thread(group)
    assert channel.is_archived
    await adapter.archive_thread(group)  # twice is fine


async def test_a_taken_channel_name_gets_another_suffix(fake):
    adapter = adapter_for(fake, "channels")
    fake.fail("conversations.create", "name_taken")
    group = await adapter.create_thread(ROOM, "Group 1", PEOPLE[:1])
    assert [c.answered for c in fake.of("conversations.create")] == ["name_taken", "ok"]
    assert group.thread_id in fake.channels


def test_channel_names_are_valid():
    name = channel_name("Group 12: Ça va? Très BIEN!! " + "x" * 200, "ab12")
    assert len(name) <= 80 and name.endswith("-ab12") and name == name.lower()
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789-_")


async def test_private_messages_and_files(fake):
    adapter = adapter_for(fake)
    ref = await adapter.send_private(
        PEOPLE[0],
        OutgoingMessage("Your data", attachments=(Attachment("my-data.json", b'{"a": 1}'),)),
    )
    assert ref.conversation.id == "DAMIR"
    assert fake.of("chat.postMessage")[0].args["channel"] == "DAMIR"
    (complete,) = fake.of("files.completeUploadExternal")
    assert complete.args["channel_id"] == "DAMIR"
    assert list(fake.uploads.values()) == [b'{"a": 1}']
    await adapter.send_private(PEOPLE[0], OutgoingMessage("Reminder"))
    assert len(fake.of("conversations.open")) == 1  # the DM is opened once


@pytest.mark.parametrize(
    ("error", "reason"),
    [("channel_not_found", "not_found"), ("is_archived", "archived"),
     ("missing_scope", "missing_permission"), ("restricted_action", "missing_permission"),
     ("fatal_error", "failed")],
)
async def test_refusals_become_delivery_errors(fake, error, reason):
    adapter = adapter_for(fake)
    fake.fail("chat.postMessage", error)
    with pytest.raises(DeliveryError) as caught:
        await adapter.send(ROOM, OutgoingMessage("Hello"))
    assert caught.value.reason == reason
    if reason in ("not_found", "archived"):
        assert "C0ROOM" in caught.value.detail


async def test_someone_who_cannot_be_messaged_is_dm_closed(fake):
    adapter = adapter_for(fake)
    with pytest.raises(DeliveryError) as caught:
        await adapter.send_private(UserRef(TEAM, "UGONE"), OutgoingMessage("Reminder"))
    assert caught.value.reason == "dm_closed"
    with pytest.raises(DeliveryError) as caught:
        await adapter.send_private(UserRef(TEAM, BOT_USER), OutgoingMessage("Reminder"))
    assert caught.value.reason == "dm_closed"


async def test_rate_limits_beyond_the_retries_are_reported(fake):
    adapter = adapter_for(fake)
    fake.rate_limit("chat.postMessage", retry_after=0, times=4)
    with pytest.raises(DeliveryError) as caught:
        await adapter.send(ROOM, OutgoingMessage("Hello"))
    assert caught.value.reason == "rate_limited"
    assert len(fake.of("chat.postMessage")) == 4  # the first try and three retries


async def test_the_directory_knows_admins_and_user_groups(fake):
    fake.add_usergroup("facilitators", "Facilitators", ["UAMIR"])
    directory = SlackDirectory()
    client = SlackClients(fake.api_url, token="xoxb-test").default
    amir = await directory.user(client, TEAM, "UAMIR")
    beth = await directory.user(client, TEAM, "UBETH")
    (group,) = fake.usergroups
    assert amir.display_name == "Amir" and not amir.is_admin
    # A group counts by its id and its handle, never by its display name.
    assert amir.roles == {group["id"], "facilitators", "@facilitators"}
    assert beth.is_admin and beth.roles == frozenset()
    # Asked once each, then remembered.
    await directory.user(client, TEAM, "UAMIR")
    assert len(fake.of("usergroups.list")) == 1 and len(fake.of("users.info")) == 2
    seen = fake.last_seq
    directory.forget_groups(TEAM_ID)
    again = await directory.user(client, TEAM, "UAMIR")  # answered from what is known...
    assert again.roles == amir.roles
    await fake.wait_for(lambda c: c.method == "usergroups.list", after=seen)
    await directory.close()  # ...while it is read again


async def test_without_user_groups_only_admins_are_facilitators(fake):
    fake.fail("usergroups.list", "paid_teams_only")
    fake.fail("users.info", "user_not_found")
    directory = SlackDirectory()
    client = SlackClients(fake.api_url, token="xoxb-test").default
    someone = await directory.user(client, TEAM, "UZED", "zed")
    assert someone.roles == frozenset() and not someone.is_admin
    assert someone.display_name == "zed"
