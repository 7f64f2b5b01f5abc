"""The Teams front-end's edges, against the loopback connector: re-sent activities, 429s,
refused 1:1 chats, a slow key endpoint, bad input, unsigned requests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from sqlmodel import select

from bot.core.messages import OutgoingMessage
from bot.core.ports import DeliveryError
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.loopback.teams_sender import Response, dialog_card
from bot.loopback.teams_server import CARD, TENANT_ID, Call
from bot.platforms.teams.transport import IN_FLIGHT, ConversationPace
from storage.models import Community
from tests.conftest import loaded_texts
from tests.fakes.teams_harness import TeamsWorld, teams_world, texts, words


async def test_an_activity_sent_again_is_handled_once(sqlite_url):
    async with teams_world(sqlite_url) as world:
        amir = world.lb.add_user("Amir Khan")
        chat = world.lb.install_for(amir.id)
        for _ in range(2):
            sent = await world.sender.message("brew help", amir, chat, activity_id="1700000000001")
            assert sent.status == 200
        await world.settle()
        assert len(world.sends(chat.id)) == 1


async def test_a_429_is_tried_again_after_its_retry_after_then_delivered(sqlite_url):
    async with teams_world(sqlite_url) as world:
        amir = world.lb.add_user("Amir Khan")
        chat = world.lb.install_for(amir.id)
        world.lb.fail("POST", r"/activities$", 429, retry_after=0.3)
        await world.sender.message("brew help", amir, chat)
        await world.settle()
        tries = [c for c in world.lb.of("send") if c.conversation_id == chat.id]
        assert [c.status for c in tries] == [429, 200]
        assert tries[1].at - tries[0].at >= 0.3


async def test_nothing_but_a_429_is_tried_again(sqlite_url):
    async with teams_world(sqlite_url) as world:
        world.lb.add_user("Amir Khan")
        channel = world.lb.add_channel("Over a Brew")
        world.lb.fail("POST", r"/activities$", 500)
        where = CommunityRef(Platform.TEAMS, TENANT_ID)
        from bot.core.refs import ConversationRef

        with pytest.raises(DeliveryError) as refused:
            await world.bot.listeners.adapter.send(
                ConversationRef(where, channel.id), OutgoingMessage("Hello")
            )
        assert refused.value.reason == "failed"
        assert len(world.lb.of("send")) == 1


@pytest.mark.parametrize("status", [412, 413, 500, 503])
async def test_what_teams_answered_is_never_the_detail_a_sentence_names(sqlite_url, status):
    """The detail goes into sentences such as "I could not post the digest in {detail}":
    a status is the error's cause, for its own text only."""
    async with teams_world(sqlite_url) as world:
        channel = world.lb.add_channel("Over a Brew")
        world.lb.fail("POST", r"/activities$", status)
        where = ConversationRef(CommunityRef(Platform.TEAMS, TENANT_ID), channel.id)
        with pytest.raises(DeliveryError) as refused:
            await world.bot.listeners.adapter.send(where, OutgoingMessage("Hello"))
        assert (refused.value.reason, refused.value.detail) == ("failed", "")
        assert refused.value.cause


async def test_a_private_message_to_someone_without_the_app_is_dm_closed(sqlite_url):
    async with teams_world(sqlite_url) as world:
        beth = world.lb.add_user("Beth Jones")  # never installed the app for herself
        user = UserRef(CommunityRef(Platform.TEAMS, TENANT_ID), beth.id, "Beth")
        with pytest.raises(DeliveryError) as refused:
            await world.bot.listeners.adapter.send_private(user, OutgoingMessage("Reminder"))
        assert refused.value.reason == "dm_closed"
        assert [c.status for c in world.lb.of("create_conversation")] == [403]


def dialog_words(answer: Response) -> str:
    card = dialog_card(answer.body)
    assert card is not None, answer.text
    return "\n".join(texts({"attachments": [{"contentType": CARD, "content": card}]}))


async def test_a_private_answer_teams_will_not_deliver_privately_opens_only_for_its_asker(
    sqlite_url,
):
    """Beth has not added Brewbot to her chats: her answer is a card in the channel whose
    button shows it to her in a dialog, and to nobody else; the card itself says nothing."""
    async with teams_world(sqlite_url) as world:
        beth, carl = world.lb.add_user("Beth Jones"), world.lb.add_user("Carl Obi")
        channel = world.lb.add_channel("Over a Brew")
        await world.sender.message("brew help", beth, channel)
        await world.settle()
        (note,) = world.sends(channel.id)
        assert words(note).strip() == loaded_texts().t("teams.answer_here")
        posted = world.lb.posts(channel.id)[-1]
        show = loaded_texts().t("teams.show_answer")
        refused = await world.sender.press(posted, show, carl, channel)
        assert dialog_words(refused).strip() == loaded_texts().t("teams.not_yours")
        shown = await world.sender.press(posted, show, beth, channel)
        assert "schedule" in dialog_words(shown)


async def test_an_anonymous_meeting_guest_gets_answers_and_forms_in_the_meeting_chat(sqlite_url):
    """No bot may message an anonymous guest privately: Brewbot does not try, and what is
    theirs waits behind a button only they can open."""
    async with teams_world(sqlite_url) as world:
        guest = world.lb.add_user("Guest", role="anonymous")
        meeting = world.lb.add_group_chat([guest], meeting=True)
        start = world.lb.last_seq
        await world.sender.message("brew help", guest, meeting)
        await world.settle()
        assert not [c for c in world.lb.after(start) if c.kind == "create_conversation"]
        posted = world.lb.posts(meeting.id)[-1]
        shown = await world.sender.press(
            posted, loaded_texts().t("teams.show_answer"), guest, meeting
        )
        assert "schedule" in dialog_words(shown)


async def test_a_slow_key_endpoint_does_not_stall_the_event_loop(sqlite_url):
    async with teams_world(sqlite_url) as world:
        amir = world.lb.add_user("Amir Khan")
        chat = world.lb.install_for(amir.id)
        world.lb.key_delay = 1.5
        gaps: list[float] = []
        done = asyncio.Event()

        async def tick() -> None:
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(0.01)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        ticker = asyncio.ensure_future(tick())
        sent = await world.sender.message("brew help", amir, chat)
        done.set()
        await ticker
        assert sent.status == 200
        assert world.lb.of("keys")  # the keys were fetched while the ticker ran
        assert max(gaps) < 0.5, max(gaps)


async def test_an_unsigned_or_wrongly_signed_activity_is_refused(sqlite_url):
    async with teams_world(sqlite_url) as world:
        amir = world.lb.add_user("Amir Khan")
        chat = world.lb.install_for(amir.id)
        activity = world.sender.message_activity("brew help", amir, chat)
        unsigned = await world.sender.post(activity, signed=False)
        spoiled = await world.sender.post(activity, token=world.lb.sign(audience="someone-else"))
        assert (unsigned.status, spoiled.status) == (401, 401)
        await world.settle()
        assert world.sends(chat.id) == []


async def test_bad_input_gets_one_clear_sentence(sqlite_url):
    async with teams_world(sqlite_url) as world:
        amir = world.lb.add_user("Amir Khan")
        chat = world.lb.install_for(amir.id)
        await world.sender.message('brew schedule "next', amir, chat)
        await world.settle()
        (answer,) = world.sends(chat.id)
        said = words(answer).strip()
        assert said.count(".") <= 2 and "Traceback" not in said and said


async def test_commands_are_named_as_people_type_them_in_teams(sqlite_url):
    """Teams takes a message starting "/" as its own command, so Brewbot's words say
    `brew ...`, and what they say works when typed."""
    async with teams_world(sqlite_url) as world:
        amir = world.lb.add_user("Amir Khan")
        chat = world.lb.install_for(amir.id)
        await world.sender.message("brew help", amir, chat)
        await world.settle()
        (answer,) = world.sends(chat.id)
        said = words(answer)
        assert "brew join" in said and "/brew" not in said
        await world.sender.message("brew help join", amir, chat)
        await world.settle()
        assert "brew join" in words(world.sends(chat.id)[-1])


async def test_a_person_or_channel_mentioned_in_a_command_is_the_one_it_names(sqlite_url):
    """In Teams a typed @mention is a tag in the text and an entity saying who: a command
    takes it as that person's or channel's id, as a picked one on Slack or Discord."""
    fran_aad = "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
    async with teams_world(sqlite_url, TEAMS_FACILITATORS=fran_aad) as world:
        fran = world.lb.add_user("Fran Ali", aad_object_id=fran_aad)
        beth = world.lb.add_user("Beth Jones")
        chat = world.lb.install_for(fran.id)
        group = world.lb.add_channel("Working group")
        await world.sender.message(
            "brew settings safeguarding_contact <at>Beth Jones</at>", fran, chat, people=[beth]
        )
        await world.sender.message(
            "brew settings working_group_channel <at>Working group</at>", fran, chat, people=[group]
        )
        await world.settle()
        async with world.brew.db.read() as tx:
            community = (await tx.exec(select(Community))).one()
        assert community.safeguarding_contact_id == beth.id
        assert community.working_group_channel_id == group.id


async def test_no_more_calls_to_teams_are_under_way_at_once_than_connections_kept(sqlite_url):
    """With more calls waiting inside httpx's pool than it keeps connections, its bookkeeping
    took the CPU (the bench): the rest wait their turn before it."""
    async with teams_world(sqlite_url) as world:
        where = CommunityRef(Platform.TEAMS, TENANT_ID)
        channels = [world.lb.add_channel(f"Room {n}") for n in range(IN_FLIGHT + 10)]
        gate = world.lb.hold("POST", r"/activities$")
        start = world.lb.last_seq
        sending = [
            asyncio.ensure_future(
                world.bot.listeners.adapter.send(
                    ConversationRef(where, channel.id), OutgoingMessage("Hello")
                )
            )
            for channel in channels
        ]

        def nth_send(n: int) -> Callable[[Call], bool]:
            return lambda call: call.kind == "send" and len(sends_after(world, start)) >= n

        await world.lb.wait_for(nth_send(IN_FLIGHT), after=start)
        # Without the cap, the other ten are on their way at once: half a second is ample
        # for one to arrive. With it, none can until a held call is answered.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(world.lb.wait_for(nth_send(IN_FLIGHT + 1), after=start), 0.5)
        assert len(sends_after(world, start)) == IN_FLIGHT
        gate.set()
        await asyncio.gather(*sending)
        assert len(sends_after(world, start)) == IN_FLIGHT + 10


def sends_after(world: TeamsWorld, start: int) -> list[Call]:
    return [c for c in world.lb.after(start) if c.kind == "send"]


async def test_calls_to_one_conversation_wait_for_its_window_and_others_do_not():
    pace = ConversationPace("2/second")
    loop = asyncio.get_running_loop()
    started = loop.time()
    await pace.wait_turn("a:1")
    await pace.wait_turn("a:1")
    await pace.wait_turn("b:2")  # another conversation has its own window
    third = asyncio.ensure_future(pace.wait_turn("a:1"))
    done, _ = await asyncio.wait([third], timeout=0.2)
    assert not done, "a third call in the same second waits"
    await third
    assert loop.time() - started >= 0.99  # until the first call left the window
