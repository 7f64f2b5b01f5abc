"""A whole session on Discord: the real discord.py client against the loopback fake Discord.

Assertions are on what the bot asked Discord to do (the fake's recorded REST calls), and on
what was stored."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.core.domain import SessionState
from bot.core.messages import custom_id
from bot.engine.clock import ManualClock
from bot.loopback.discord_server import (
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE,
    EPHEMERAL,
    MODAL,
    FakeDiscord,
    buttons,
    message_text,
)
from bot.scheduling.planner import JobKind, PlannedJob
from storage.models import Breakout, BreakoutMember, Community, Participant, Reflection, Session
from tests.fakes.discord_harness import START, running_discord
from tests.platforms.readers import discord_reads, unquoted

STARTS = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 2pm London in winter
THEME = "Going through an assessment"
SAMPLES = (
    ("working", "My social worker listened and wrote down what matters to me.", True),
    ("not_working", "I had to tell my story again and again to new people.", True),
    ("future", "Send the questions before the review so I can think about them.", True),
    ("idea", "Let me bring a friend to my assessment without asking first.", False),
    # Markup Discord would read: shown as typed in the digest (mentions are redacted).
    (
        "working",
        "The carers group helped me feel ||less|| **alone** <t:0:R>\n-# @everyone <@&1>",
        True,
    ),
    ("not_working", "Letters use words I do not understand.", True),
)


async def test_a_whole_session_from_schedule_to_digest(tmp_path):
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    people = [fake.add_person(n) for n in ("Amara", "Ben", "Chloe", "Dev", "Eleni", "Femi")]
    femi = people[-1]
    fake.closed_dms.add(femi.id)  # Femi does not accept private messages
    clock = ManualClock(START)
    async with running_discord(tmp_path, fake, clock) as (fake, run):
        app = run.app
        guild = fake.guild_id

        # The facilitator says where digests go.
        said = await digests_go_to_the_working_group(fake, fran)
        assert said.callback_types == [DEFERRED_CHANNEL_MESSAGE]

        # Schedule: deferred first, then the announcement with RSVP buttons, and an event.
        scheduled = await (
            await fake.slash(
                fran,
                "schedule",
                when="2026-11-30 14:00",
                theme=THEME,
                spark="going-through-an-assessment",
            )
        ).answered()
        assert scheduled.callback_types == [DEFERRED_CHANNEL_MESSAGE]
        assert "planned" in scheduled.text()
        announcement = fake.posts_to(fake.session_channel)[-1]
        session_id = await _only_session(app)
        rsvp = custom_id("rsvp", "yes", str(session_id))
        assert rsvp in [b["custom_id"] for b in buttons(announcement)]
        defer_at = _index(fake, "POST", rf"/interactions/{scheduled.id}/.+/callback")
        post_at = _index(fake, "POST", rf"/channels/{fake.session_channel}/messages")
        assert defer_at < post_at, "the command is deferred before anything else happens"
        [event] = fake.events.values()
        assert event["name"] == THEME
        assert event["entity_type"] == 3 and event["status"] == 1
        assert event["scheduled_start_time"].startswith("2026-11-30T14:00")
        assert "#over-a-brew" in event["entity_metadata"]["location"]

        # Session numbers are suggested while typing.
        suggested = await (await fake.autocomplete(fran, "cancel", "session", "")).answered()
        assert [c["value"] for c in suggested.choices] == [session_id]

        # Everyone says they are coming and agrees to the privacy notice.
        for person in people:
            coming = await (await fake.click(person, rsvp)).answered()
            assert coming.callback_types == [DEFERRED_UPDATE]
            assert coming.messages[0]["flags"] & EPHEMERAL
            agree = custom_id("consent", "yes")
            assert agree in [b["custom_id"] for b in buttons(coming.messages[0])]
            agreed = await (await fake.click(person, agree)).answered()
            assert "Thank you" in agreed.text()

        # Reminders go privately to people who said yes; Femi's DMs are closed, so one quiet
        # post goes to the channel instead.
        clock.set(STARTS - timedelta(minutes=15))
        await app.jobs.run(PlannedJob(JobKind.REMIND, session_id, clock.now()))
        for person in people[:-1]:
            [reminder] = fake.posts_to(fake.dm_channel(person))
            assert "gentle reminder" in message_text(reminder)
        refused = fake.calls_to("POST", rf"/channels/{fake.dm_channel(femi)}/messages")
        assert [c.status for c in refused] == [403]
        assert "gentle reminder" in message_text(fake.posts_to(fake.session_channel)[-1])

        # Open: the welcome, and the Discord event starts.
        clock.set(STARTS)
        await (await fake.slash(fran, "open")).answered()
        assert event["status"] == 2
        join = custom_id("session", "join", str(session_id))
        assert join in [b["custom_id"] for b in buttons(fake.posts_to(fake.session_channel)[-1])]
        for person in people:
            await (await fake.click(person, join)).answered()

        # The spark is an embed with an Easy Read button that answers privately.
        await (await fake.slash(fran, "spark")).answered()
        spark = fake.posts_to(fake.session_channel)[-1]
        assert spark["embeds"][0]["title"] == THEME
        easy = custom_id("spark", "easy", str(session_id))
        assert [b["custom_id"] for b in buttons(spark)] == [easy]
        easy_read = await (await fake.click(people[0], easy)).answered()
        assert easy_read.messages[0]["flags"] & EPHEMERAL
        assert easy_read.text() and easy_read.text() != message_text(spark)
        # Its pictures come with it as files (read from discord.py's multipart body), each one
        # an embed refers to.
        sent = fake.calls_to("POST", r"/webhooks/\d+/token-\d+")[-1]
        shown = re.findall(r"attachment://([\w.-]+)", json.dumps(sent.json["embeds"]))
        assert shown and sorted(set(shown)) == sorted(sent.files)

        # Breakouts: private threads named after the theme, with the right people in each
        # and the questions as the first message.
        clock.advance(timedelta(minutes=10))
        question = app.deps.sparks.get("going-through-an-assessment").questions[0]
        started = await (await fake.slash(fran, "breakouts", size=3)).answered()
        assert "groups" in started.text()
        assert len(fake.threads) == 2
        groups = await _groups(app, session_id)
        for thread_id, thread in fake.threads.items():
            assert thread["type"] == 12
            assert thread["thread_metadata"]["invitable"] is False
            number = int(thread["name"].split()[1])
            assert thread["name"] == f"Breakout {number} - {THEME}"
            members = [str(m) for m in fake.thread_members[thread_id] if m != fake.bot.id]
            assert sorted(members) == sorted(groups[number][1])
            assert groups[number][0] == str(thread_id)
            [first] = fake.posts_to(thread_id)
            assert "Welcome to group" in message_text(first)
            assert question in message_text(first)
        in_threads = {m for t in fake.thread_members.values() for m in t if m != fake.bot.id}
        assert in_threads == {p.id for p in people}

        # Someone deletes a thread by hand: the warning and the gathering carry on.
        [kept, deleted] = sorted(fake.threads)
        fake.delete_thread(deleted)
        session = await _session(app, session_id)
        end = session.breakouts_at + timedelta(minutes=session.breakout_minutes)
        clock.set(end - timedelta(minutes=5))
        await app.jobs.run(PlannedJob(JobKind.BREAKOUT_WARNING, session_id, clock.now()))
        assert "minutes left" in message_text(fake.posts_to(kept)[-1])
        clock.set(end)
        await app.jobs.run(PlannedJob(JobKind.BREAKOUT_END, session_id, clock.now()))
        assert "Time is up" in message_text(fake.posts_to(kept)[-1])
        assert fake.archived_threads() == [kept]

        # Reflections: the button opens a form (the first response), several people send one.
        reflecting = await (await fake.slash(fran, "reflect")).answered()
        # `reflect` may answer with a form, so it is not deferred at once; for a facilitator
        # it replies after posting the button, so it is deferred before that posting.
        assert reflecting.callback_types == [DEFERRED_CHANNEL_MESSAGE]
        assert reflecting.text(), "and then answered"
        open_form = custom_id("reflection", "open", str(session_id))
        for person, (category, text, quote) in zip(people, SAMPLES, strict=True):
            opened = await (await fake.click(person, open_form)).answered()
            assert opened.callback_types == [MODAL], "the form is the first response"
            sent = await (
                await fake.submit(
                    person,
                    opened,
                    {"category": [category], "text": text, "quote=yes": quote},
                )
            ).answered()
            assert sent.callback_types == [DEFERRED_CHANNEL_MESSAGE]
            assert "/brew withdraw" in sent.text()

        # Close: the digest draft goes privately to Fran, with a Send button that works from
        # the private message.
        await (await fake.slash(fran, "close")).answered()
        assert event["status"] == 3
        draft = fake.posts_to(fake.dm_channel(fran))[-1]
        send = f"{custom_id('digest', 'send', str(session_id))}~{guild}"
        assert send in [b["custom_id"] for b in buttons(draft)]
        preview = await (await fake.slash(fran, "digest", action="preview")).answered()
        assert "Digest draft" in preview.text()
        # Mentions were redacted when stored; the review list is escaped as participant text.
        assert "@everyone" not in preview.text() and "<@" not in preview.text()
        assert "\\[mention\\]" in preview.text()
        sent = await (await fake.click(fran, send)).answered()
        assert "sending the digest" in sent.text()

        # The digest is in the working-group channel, within Discord's limits (the fake
        # refuses anything longer).
        digest = fake.posts_to(fake.working_group_channel)
        assert digest and digest[0]["embeds"][0]["title"] == f"Key findings: {THEME}"
        # Quotes show exactly as typed: no spoiler, bold, live timestamp or small print.
        quoted = [
            line
            for message in digest
            for embed in message["embeds"]
            for line in (embed.get("description") or "").split("\n")
            if line.startswith("> ")
        ]
        shown = discord_reads(unquoted("\n".join(quoted)))
        assert "helped me feel ||less|| **alone** <t:0:R>\n-# [mention] [mention]" in shown

        # Reflections are stored with no trace of who wrote them.
        async with app.db.read() as tx:
            rows = (await tx.exec(select(Reflection))).all()
        assert len(rows) == len(SAMPLES)
        traces = {str(p.id) for p in [fran, *people]} | {p.name for p in [fran, *people]}
        for row in rows:
            for value in row.model_dump().values():
                assert not any(trace in str(value) for trace in traces)
        assert not {"user_id", "participant_id", "message_id", "created_at"} & set(
            Reflection.model_fields
        )

    # No message ever allowed a ping, and nothing went to a route Discord does not have.
    bodies = fake.message_bodies()
    assert len(bodies) > 40
    for body in bodies:
        assert body.get("allowed_mentions") == {"parse": []}, body
    fake.assert_clean()


def _index(fake: FakeDiscord, method: str, path: str) -> int:
    import re

    pattern = re.compile(f"^{path}$")
    return next(n for n, c in enumerate(fake.calls) if c.method == method and pattern.match(c.path))


async def digests_go_to_the_working_group(fake: FakeDiscord, fran):
    """The facilitator names the working group's channel, as in the settings command."""
    return await (
        await fake.slash(
            fran, "settings", name="working_group_channel", value=f"<#{fake.working_group_channel}>"
        )
    ).answered()


async def _only_session(app) -> int:
    async with app.db.read() as tx:
        [session_id] = (await tx.exec(select(Session.id))).all()
    return session_id


async def _session(app, session_id: int) -> Session:
    async with app.db.read() as tx:
        return await tx.get(Session, session_id)


async def _groups(app, session_id: int) -> dict[int, tuple[str, list[str]]]:
    """Breakout number -> (thread id, user ids of its members), as stored."""
    async with app.db.read() as tx:
        rows = (
            await tx.exec(
                select(Breakout.number, Breakout.thread_id, Participant.user_id)
                .join(BreakoutMember, BreakoutMember.breakout_id == Breakout.id)
                .join(Participant, Participant.id == BreakoutMember.participant_id)
                .where(Breakout.session_id == session_id)
            )
        ).all()
    groups: dict[int, tuple[str, list[str]]] = {}
    for number, thread_id, user_id in rows:
        groups.setdefault(number, (thread_id, []))[1].append(user_id)
    return groups


async def test_a_digest_discord_refuses_is_reported_and_sent_on_retry(tmp_path):
    """Discord answers 403 Missing Permissions for the working-group channel: the facilitator
    is told what to do, the digest is not called sent, and Retry sends it once fixed."""
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    async with running_discord(tmp_path, fake, ManualClock(START)) as (fake, run):
        app = run.app
        await digests_go_to_the_working_group(fake, fran)

        async with app.db.transaction() as tx:
            community = (await tx.exec(select(Community))).one()
            session = Session(
                community_id=community.id,
                title="Being heard",
                starts_at=STARTS,
                state=SessionState.CLOSED,
                closed_at=START,
                created_by=str(fran.id),
            )
            tx.add(session)
            await tx.flush()
            session_id = session.id
        posts = rf"/channels/{fake.working_group_channel}/messages"
        fake.fail("POST", posts, 403, {"message": "Missing Permissions", "code": 50013})
        sent = await (
            await fake.slash(fran, "digest", session=session_id, action="send")
        ).answered()
        assert "sending the digest" in sent.text()
        assert not fake.posts_to(fake.working_group_channel)
        told = [b for b in fake.posts_to(fake.dm_channel(fran)) if "could not post" in
                message_text(b)]  # fmt: skip
        assert told and "permission" in message_text(told[0])
        # In a private message the button also names the server ("~guild").
        [retry] = [b["custom_id"] for b in buttons(told[0])]
        assert retry.startswith(custom_id("digest", "send", str(session_id)))
        assert (await _session(app, session_id)).state == SessionState.CLOSED
        # The permission is given; Retry.
        await (await fake.click(fran, retry)).answered()
        [digest] = fake.posts_to(fake.working_group_channel)
        assert digest["embeds"][0]["title"] == "Key findings: Being heard"
        assert (await _session(app, session_id)).state == SessionState.SUMMARISED

