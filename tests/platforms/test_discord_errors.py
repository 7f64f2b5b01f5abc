"""What goes wrong on Discord and how the bot copes: rate limits, missing permissions, a
restart between showing a button and someone pressing it."""

from __future__ import annotations

import discord

from bot.core.messages import custom_id
from bot.platforms.discord.permissions import REQUIRED_PERMISSIONS
from tests.fakes.discord_fake import DEFERRED_UPDATE, MODAL, FakeDiscord, Person, message_text
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
