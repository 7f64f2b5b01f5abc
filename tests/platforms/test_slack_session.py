"""A whole Over a Brew session through Slack: the real Bolt app in HTTP mode, signed requests
in, the real slack_sdk client out to the loopback fake Slack, a real database underneath."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from bot.loopback.slack_server import BOT_USER, Call
from bot.scheduling.planner import JobKind, PlannedJob
from storage.models import Reflection, Session
from tests.fakes.slack_harness import ROOM, WORKING_GROUP, SlackWorld, reply_text, slack_world
from tests.platforms.readers import slack_reads, unquoted

PEOPLE = {
    "UAMIR": ("Amir", "draws_on_care"),
    "UBETH": ("Beth", "carer"),
    "UCARL": ("Carl", "commissioner"),
    "UDINA": ("Dina", "draws_on_care"),
    "UEVAN": ("Evan", "provider"),
    "UFAYE": ("Faye", "carer"),
}
FACILITATOR, ADMIN = "UFRAN", "UADA"
# Participant words that would ping or forge a link if reposted unescaped.
RISKY = "Being listened to matters <!channel> <!here> <@UCARL> <#C0ROOM> <https://x.example|click>"
# Markup Slack would read: shown as typed in the digest.
MARKUP = "*so* _much_ ~more~ `than` &amp; words\n> # really"
PINGS = re.compile(r"<!(?:channel|here|everyone)[|>]|<@[UW][A-Z0-9]+>|<#C[A-Z0-9]+")


def workspace(world: SlackWorld) -> None:
    fake = world.fake
    fake.add_user(ADMIN, "Ada", admin=True)
    fake.add_user(FACILITATOR, "Fran")
    for user_id, (name, _) in PEOPLE.items():
        fake.add_user(user_id, name)
    everyone = (ADMIN, FACILITATOR, *PEOPLE)
    fake.add_channel(ROOM, "over-a-brew", members=everyone)
    fake.add_channel(WORKING_GROUP, "working-group")
    fake.add_usergroup("facilitators", "Facilitators", [FACILITATOR])


def posts(world: SlackWorld, channel: str, *, after: int = 0) -> list[Call]:
    return [
        c for c in world.fake.after(after)
        if c.method == "chat.postMessage" and c.args.get("channel") == channel
        and c.answered == "ok"
    ]


def action_ids(call: Call) -> list[str]:
    return [
        e["action_id"]
        for b in call.args.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
    ]


async def test_a_whole_session_from_schedule_to_digest(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        fake = world.fake

        # A workspace admin names the facilitators' user group and the working group channel.
        refused = await world.command(FACILITATOR, "settings facilitator_role facilitators")
        assert "facilitator" in reply_text(refused).lower()
        await world.command(ADMIN, "settings facilitator_role facilitators")
        await world.command(ADMIN, f"settings working_group_channel {WORKING_GROUP}")

        # Fran is in the user group, so she may schedule.
        start = fake.last_seq
        reply = await world.command(
            FACILITATOR, 'schedule next Tuesday 2pm theme="Being heard"'
        )
        assert reply.args["response_type"] == "ephemeral"
        (announcement,) = posts(world, ROOM, after=start)
        async with world.brew.db.read() as tx:
            session = (await tx.exec(select(Session))).one()
        assert action_ids(announcement) == [f"brew:rsvp:yes:{session.id}",
                                            f"brew:rsvp:no:{session.id}"]

        # Everyone says yes with the RSVP button, describes themself and agrees to the notice.
        for user_id, (_, role) in PEOPLE.items():
            answer = await world.click(user_id, f"brew:rsvp:yes:{session.id}")
            assert answer.args["response_type"] == "ephemeral"
            assert answer.args["replace_original"] is False
            assert "brew:consent:yes:" in action_ids(answer)
            await world.click(user_id, "brew:consent:yes:")
            await world.command(user_id, f"describe {role}")
        await world.command("UFAYE", f"leave {session.id}")  # Faye can no longer come

        # Reminders go by DM to the people who said yes, and to nobody else.
        due = session.starts_at - timedelta(minutes=15)
        world.clock.set(due)
        start = fake.last_seq
        await world.brew.jobs.run(PlannedJob(JobKind.REMIND, session.id, due))
        opened = {c.args["users"] for c in fake.after(start) if c.method == "conversations.open"}
        assert opened == set(PEOPLE) - {"UFAYE"}
        dms = [c for c in fake.after(start) if c.method == "chat.postMessage"]
        assert {c.args["channel"] for c in dms} == {"D" + u[1:] for u in opened}
        await world.command("UFAYE", f"join {session.id}")  # she made it after all

        # Open; people join with the button on the welcome.
        world.clock.set(session.starts_at)
        start = fake.last_seq
        await world.command(FACILITATOR, "open")
        (welcome,) = posts(world, ROOM, after=start)
        assert f"brew:session:join:{session.id}" in action_ids(welcome)
        for user_id in PEOPLE:
            await world.click(user_id, f"brew:session:join:{session.id}")

        # The spark, as blocks with an Easy Read button that answers only the person.
        start = fake.last_seq
        await world.command(FACILITATOR, "spark")
        (spark,) = posts(world, ROOM, after=start)
        assert spark.args["blocks"][0]["type"] == "header"
        assert f"brew:spark:easy:{session.id}" in action_ids(spark)
        easy = await world.click("UAMIR", f"brew:spark:easy:{session.id}")
        assert easy.method == "response_url" and easy.args["response_type"] == "ephemeral"
        assert len(posts(world, ROOM, after=start)) == 1  # nothing new in the channel

        # Breakouts: one thread per group, each member mentioned once in its opener.
        start = fake.last_seq
        await world.command(FACILITATOR, "breakouts size=3")
        room_posts = posts(world, ROOM, after=start)
        openers = [c for c in room_posts if "thread_ts" not in c.args]
        in_threads = [c for c in room_posts if "thread_ts" in c.args]
        assert len(openers) == 2
        mentioned = [m for c in openers for m in re.findall(r"<@([A-Z0-9]+)>", reply_text(c))]
        # Each person once in the blocks and once in the notification text.
        assert sorted(mentioned) == sorted([*PEOPLE, *PEOPLE])
        opener_texts = {c.args["text"] for c in openers}
        thread_ts = {m["ts"] for m in fake.channels[ROOM].messages if m["text"] in opener_texts}
        assert {c.args["thread_ts"] for c in in_threads} == thread_ts

        start = fake.last_seq
        await world.command(FACILITATOR, "gather")
        threads_told = {c.args.get("thread_ts") for c in posts(world, ROOM, after=start)}
        assert thread_ts <= threads_told

        # Reflections: the button opens the modal first; the form is submitted; thanks by
        # an ephemeral message. Participant words try to ping and forge a link.
        start = fake.last_seq
        await world.command(FACILITATOR, "reflect")
        (invite,) = posts(world, ROOM, after=start)
        (open_id,) = action_ids(invite)
        for number, user_id in enumerate(PEOPLE, start=1):
            before = fake.last_seq
            opened_form = await world.click(user_id, open_id)
            assert opened_form.method == "views.open"
            assert fake.after(before)[0].method == "views.open"  # the form is the first answer
            view = opened_form.args["view"]
            assert len(view["title"]["text"]) <= 24
            sent = await world.sender.submit(
                user_id,
                view,
                {
                    "category": "working",
                    "text": f"{RISKY} number {number} {MARKUP}",
                    "quote": ["yes"],
                },
            )
            assert sent.status == 200
            thanks = await fake.wait_for(
                lambda c, u=user_id: c.method == "chat.postEphemeral" and c.args["user"] == u,
                after=before,
            )
            assert thanks.args["channel"] == ROOM

        async with world.brew.db.read() as tx:
            rows = (await tx.exec(select(Reflection))).all()
        assert len(rows) == len(PEOPLE)
        user_ids = {*PEOPLE, FACILITATOR, ADMIN}
        for row in rows:
            stored = " ".join(str(v) for v in row.model_dump().values())
            assert not any(u in stored for u in user_ids)
            assert not any(name in stored for name, _ in PEOPLE.values())

        # Close: the draft goes to Fran by DM, with a button to send it.
        start = fake.last_seq
        await world.command(FACILITATOR, "close")
        draft = [c for c in posts(world, "DFRAN", after=start) if action_ids(c)]
        # Send first, then the buttons that change the themes (one theme: nothing to merge).
        assert action_ids(draft[-1]) == [
            f"brew:digest:send:{session.id}",
            *(f"brew:theme:{kind}:{session.id}" for kind in ("rename", "split", "move")),
        ]
        for call in posts(world, "DFRAN", after=start):
            assert not PINGS.search(reply_text(call))

        # Sent: the digest reaches the working group channel within Slack's limits.
        start = fake.last_seq
        await world.click(FACILITATOR, f"brew:digest:send:{session.id}", "DFRAN")
        digest = posts(world, WORKING_GROUP, after=start)
        assert digest
        for call in digest:
            blocks = call.args["blocks"]
            assert len(blocks) <= 50
            for block in blocks:
                if block["type"] == "section":
                    assert 0 < len(block["text"]["text"]) <= 3000
            assert not PINGS.search(reply_text(call))
        everything = "\n".join(reply_text(c) for c in digest)
        assert "Being listened to matters" in everything
        quoted = [
            line
            for call in digest
            for block in call.args["blocks"]
            if block["type"] == "section"
            for line in block["text"]["text"].split("\n")
            if line.startswith("> ")
        ]
        shown = slack_reads(unquoted("\n".join(quoted)))  # fails on any formatting
        assert re.search(rf"number \d {re.escape(MARKUP)}", shown)
        assert all(b.get("text", {}).get("verbatim") for c in digest for b in c.args["blocks"]
                   if b["type"] == "section")  # fmt: skip

        # Nothing any participant typed pinged anyone, anywhere the bot posted.
        for call in fake.calls:
            if call.method in ("chat.postMessage", "chat.postEphemeral", "response_url"):
                if "In this group" in reply_text(call) or "has joined this group" in reply_text(
                    call
                ):
                    continue  # the thread openers mention their members on purpose
                if re.search(r"is now <#C[A-Z0-9]+>\.$", reply_text(call).split("\n")[0]):
                    continue  # a channel setting is shown as a link to it, on purpose
                assert not PINGS.search(reply_text(call)), reply_text(call)
        assert all(c.token in (None, "xoxb-000-brew-test") for c in fake.calls)
        assert BOT_USER not in opened


async def test_breakouts_in_private_channels_and_forms_from_the_command(sqlite_url):
    async with slack_world(sqlite_url, SLACK_BREAKOUTS="channels") as world:
        workspace(world)
        fake = world.fake
        await world.command(ADMIN, 'schedule tomorrow 2pm theme="Building the right relationships"')
        await world.command(ADMIN, "open")
        for user_id, (_, role) in PEOPLE.items():
            await world.command(user_id, "join")
            await world.click(user_id, "brew:consent:yes:")
            await world.command(user_id, f"describe {role}")

        # A calendar invite is a file, and a file cannot be ephemeral: it comes by DM.
        await world.command("UAMIR", "calendar")
        upload = await fake.wait_for(lambda c: c.method == "files.completeUploadExternal")
        assert upload.args["channel_id"] == "DAMIR"
        assert b"BEGIN:VCALENDAR" in next(iter(fake.uploads.values()))

        await world.command(ADMIN, "breakouts size=3")
        created = [c for c in fake.of("conversations.create") if c.answered == "ok"]
        assert len(created) == 2
        groups = [ch for ch in fake.channels.values() if ch.name.startswith("brew-breakout-")]
        assert all(ch.is_private for ch in groups)
        assert sorted(u for ch in groups for u in ch.members if u in PEOPLE) == sorted(PEOPLE)
        for channel in groups:
            assert channel.messages  # the group's instructions are in its own channel

        await world.command(ADMIN, "gather")
        assert all(ch.is_archived for ch in groups)

        # Anyone can ask for the reflection form by command once reflections have started.
        await world.command(ADMIN, "reflect")
        before = fake.last_seq
        sent = await world.sender.command("UBETH", "reflect")
        opened = await fake.wait_for(lambda c: c.method == "views.open", after=before)
        assert fake.after(before)[0].method == "views.open"
        assert opened.args["trigger_id"]
        inputs = {b["block_id"]: b["element"] for b in opened.args["view"]["blocks"]
                  if b["type"] == "input"}
        assert inputs["category"]["type"] == "static_select"
        assert inputs["text"]["multiline"] and inputs["text"]["max_length"] == 2000
        assert inputs["quote"]["type"] == "checkboxes"
        assert fake.response_urls[sent.response_url.rsplit("/", 1)[1]] == []
