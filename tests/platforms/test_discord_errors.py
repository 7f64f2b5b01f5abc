"""What goes wrong on Discord and how the bot copes: rate limits, missing permissions, a
restart between showing a button and someone pressing it."""

from __future__ import annotations

import discord
import psycopg
import pytest
from psycopg.pq import TransactionStatus

from bot.core.messages import custom_id
from bot.loopback.discord_server import DEFERRED_UPDATE, MODAL, FakeDiscord, Person, message_text
from bot.platforms.discord.permissions import REQUIRED_PERMISSIONS
from tests.fakes.discord_harness import running_discord

MISSING = {"message": "Missing Permissions", "code": 50013}


def _without(flag: str) -> discord.Permissions:
    permissions = discord.Permissions(REQUIRED_PERMISSIONS.value)
    setattr(permissions, flag, False)
    return permissions


async def _six_people_in_an_open_session(fake: FakeDiscord, fran: Person) -> list[Person]:
    people = [fake.add_person(n) for n in ("Amara", "Ben", "Chloe", "Dev", "Eleni", "Femi")]
    await (
        await fake.slash(fran, "schedule", when="2026-11-30 14:00", theme="Being heard")
    ).answered()
    await (await fake.slash(fran, "open")).answered()
    for person in people:
        await (await fake.slash(person, "join")).answered()
    return people


async def test_a_429_is_waited_out_and_the_message_still_arrives(tmp_path):
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    async with running_discord(tmp_path, fake) as (fake, _):
        fake.rate_limit("POST", rf"/channels/{fake.session_channel}/messages", retry_after=0.05)
        posted = await (await fake.slash(fran, "post", message="The tea is ready.")).answered()
        assert "Posted" in posted.text()
        attempts = fake.calls_to("POST", rf"/channels/{fake.session_channel}/messages")
        assert [c.status for c in attempts] == [429, 200]
        assert attempts[0].json == attempts[1].json
        assert message_text(fake.posts_to(fake.session_channel)[-1]) == "The tea is ready."
    fake.assert_clean()


async def test_a_403_on_threads_names_the_permission_once_and_lists_the_groups(tmp_path):
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    async with running_discord(tmp_path, fake) as (fake, _):
        await _six_people_in_an_open_session(fake, fran)
        fake.fail("POST", rf"/channels/{fake.session_channel}/threads", 403, MISSING, times=None)
        started = await (await fake.slash(fran, "breakouts", size=3)).answered()
        assert "missing the Create Private Threads permission" in started.text()
        # One attempt per group: a 403 is not retried.
        assert len(fake.calls_to("POST", rf"/channels/{fake.session_channel}/threads")) == 2
        listed = message_text(fake.posts_to(fake.session_channel)[-1])
        assert "Group 1:" in listed and "Group 2:" in listed
        # The session went on: the groups can be gathered.
        gathered = await (await fake.slash(fran, "gather")).answered()
        assert "closed 2 breakout groups" in gathered.text()
    fake.assert_clean()


async def test_public_threads_when_the_bot_may_not_make_private_ones(tmp_path):
    fake = FakeDiscord(bot_permissions=_without("create_private_threads"))
    fran = fake.add_person("Fran", facilitator=True)
    async with running_discord(tmp_path, fake) as (fake, _):
        people = await _six_people_in_an_open_session(fake, fran)
        started = await (await fake.slash(fran, "breakouts", size=3)).answered()
        assert "missing" not in started.text()
        assert [t["type"] for t in fake.threads.values()] == [11, 11]
        members = {m for t in fake.thread_members.values() for m in t if m != fake.bot.id}
        assert members == {p.id for p in people}
    fake.assert_clean()


async def test_no_permission_for_events_is_one_sentence_and_the_session_is_still_planned(
    tmp_path,
):
    fake = FakeDiscord(bot_permissions=_without("create_events"))
    fran = fake.add_person("Fran", facilitator=True)
    async with running_discord(tmp_path, fake) as (fake, _):
        planned = await (
            await fake.slash(fran, "schedule", when="2026-11-30 14:00", theme="Being heard")
        ).answered()
        assert "Done. I have planned this session" in planned.text()
        assert "missing the Create Events permission" in planned.text()
        assert fake.events == {}
        assert fake.posts_to(fake.session_channel), "the announcement still went out"
        listed = await (await fake.slash(fran, "sessions")).answered()
        assert "Being heard" in listed.text()
    fake.assert_clean()


async def test_buttons_and_forms_keep_working_after_a_restart(tmp_path):
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    sam = fake.add_person("Sam")
    await fake.start()
    try:
        async with running_discord(tmp_path, fake) as (fake, _):
            await (
                await fake.slash(fran, "schedule", when="2026-11-30 14:00", theme="Being heard")
            ).answered()
            form = await (await fake.slash(fran, "sparks add")).answered()
            assert form.callback_types == [MODAL]
        # A new process: nothing from the first one is in memory.
        async with running_discord(tmp_path, fake) as (fake, _):
            coming = await (await fake.click(sam, custom_id("rsvp", "yes", "1"))).answered()
            assert coming.callback_types == [DEFERRED_UPDATE]
            assert "We have noted you are coming" in coming.text()
            added = await (
                await fake.submit(
                    fran,
                    form,
                    {
                        "title": "Cups of tea",
                        "theme": "Being heard",
                        "intro": "Talk about a time someone really listened to you.",
                        "questions": "Who listens to you?\nWhat helps you feel heard?",
                        "reflection_prompt": "What would help you feel heard?",
                    },
                )
            ).answered()
            assert "is added for this community" in added.text()
    finally:
        await fake.stop()
    fake.assert_clean()


MISSING_ACCESS = {"message": "Missing Access", "code": 50001}


async def test_members_that_cannot_be_added_leave_no_empty_thread(tmp_path):
    # Discord made the threads, then refused to add anyone: before, the private threads
    # stayed open and empty, and gather (which knew nothing of them) never archived them.
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    async with running_discord(tmp_path, fake) as (fake, _):
        await _six_people_in_an_open_session(fake, fran)
        fake.fail("PUT", r"/channels/\d+/thread-members/\d+", 403, MISSING, times=None)
        started = await (await fake.slash(fran, "breakouts", size=3)).answered()
        assert "missing the Send Messages in Threads permission" in started.text()
        assert len(fake.threads) == 2, "both groups were tried"
        assert sorted(fake.archived_threads()) == sorted(fake.threads), "and taken away"
        listed = message_text(fake.posts_to(fake.session_channel)[-1])
        assert "Group 1:" in listed and "Group 2:" in listed
        gathered = await (await fake.slash(fran, "gather")).answered()
        assert "closed 2 breakout groups" in gathered.text()
    fake.assert_clean()


async def test_missing_access_says_brewbot_cannot_see_the_channel(tmp_path):
    # 50001: Brewbot cannot see the channel at all. It used to be reported as a missing
    # Send Messages permission, which an admin would find already given.
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    async with running_discord(tmp_path, fake) as (fake, run):
        posts = rf"/channels/{fake.session_channel}/messages"
        fake.fail("POST", posts, 403, MISSING_ACCESS, times=None)
        answer = await (await fake.slash(fran, "post", message="The tea is ready.")).answered()
        assert "Brewbot cannot see the channel" in answer.text()
        assert "View Channels" in answer.text()
        assert "Send Messages" not in answer.text()
        assert not fake.posts_to(fake.session_channel)
        # A delivery refused for good later (the outbox's report) says the same.
        advice = run.app.deps.texts.t("outbox.advice.no_access")
        assert "Brewbot cannot see that channel" in advice and "View Channels" in advice
    fake.assert_clean()


async def test_suggestions_answer_in_time_when_the_database_is_slow(tmp_path, database_url):
    # Discord drops an autocomplete answer after 3 seconds and it cannot be deferred. With
    # the community table locked by another connection, the lookup waits (up to the
    # database timeout, here 30 seconds): the answer must not.
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite readers never wait for a lock (WAL)")
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    async with running_discord(
        tmp_path, fake, database_url=database_url, BREWBOT_DB_TIMEOUT_SECONDS=30
    ) as (fake, _):
        await (
            await fake.slash(fran, "schedule", when="2026-11-30 14:00", theme="Being heard")
        ).answered()
        quick = await (await fake.autocomplete(fran, "cancel", "session", "")).answered()
        assert [c["value"] for c in quick.choices] == [1]
        locker = await psycopg.AsyncConnection.connect(_plain(database_url))
        try:
            await locker.execute("LOCK TABLE community IN ACCESS EXCLUSIVE MODE")
            # The same words as before: the last answer. New words: none, but in time.
            same = await (await fake.autocomplete(fran, "cancel", "session", "")).answered()
            assert [c["value"] for c in same.choices] == [1]
            other = await (await fake.autocomplete(fran, "cancel", "session", "heard")).answered()
            assert other.choices == []
            assert locker.info.transaction_status == TransactionStatus.INTRANS, "still held"
        finally:
            await locker.rollback()
            await locker.close()
        later = await (await fake.autocomplete(fran, "cancel", "session", "heard")).answered()
        assert [c["value"] for c in later.choices] == [1]
    fake.assert_clean()


def _plain(url: str) -> str:
    """The test database's URL as psycopg takes it (no SQLAlchemy driver name)."""
    return url.replace("postgresql+psycopg://", "postgresql://")
