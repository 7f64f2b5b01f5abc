"""Slack's edges, through the real Bolt app in HTTP mode against the loopback fake Slack:
user groups read once and kept fresh, so a form opens within Slack's 3 seconds whatever
usergroups.list does; settings given the way Slack writes them; refused forms that stay
open with the person's words; requests that are not Slack's own; the withdrawal code kept
where the writer can find it; the welcome and the Home tab."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import sqlite3
import time
from collections.abc import Iterator

import pytest
from sqlmodel import select

from bot.core.domain import SessionState
from bot.loopback.slack_server import BOT_USER, TEAM_ID, Call, FakeSlack
from bot.platforms.slack.directory import SlackDirectory
from bot.platforms.slack.http import ReplayGuard
from bot.platforms.slack.listeners import views
from storage.models import Community, OutboxItem, Reflection, Session
from tests.conftest import snapshot
from tests.fakes.slack_harness import ROOM, SlackWorld, reply_text, slack_world

ADMIN, FACILITATOR, PERSON = "UADA", "UFRAN", "UPAT"
CLICKERS = [f"UPERSON{n:02d}" for n in range(30)]
CODE = re.compile(r"\b\d+(?:-[A-Z0-9]{5}){3}\b")


def workspace(world: SlackWorld) -> None:
    fake = world.fake
    fake.add_user(ADMIN, "Ada", admin=True)
    fake.add_user(FACILITATOR, "Fran")
    fake.add_user(PERSON, "Pat")
    for number, user_id in enumerate(CLICKERS):
        fake.add_user(user_id, f"Person {number}")
    fake.add_channel(ROOM, "over-a-brew", members=(ADMIN, FACILITATOR, PERSON, *CLICKERS))
    fake.add_usergroup("facilitators", "Facilitators", [FACILITATOR])


def group_id(fake: FakeSlack, handle: str) -> str:
    return next(g["id"] for g in fake.usergroups if g["handle"] == handle)


async def reflecting(world: SlackWorld) -> Session:
    """A session that has reached reflections, run by the workspace admin."""
    await world.command(ADMIN, 'schedule tomorrow 2pm theme="Being heard"')
    await world.command(ADMIN, "open")
    await world.command(ADMIN, "reflect")
    async with world.brew.db.read() as tx:
        session = (await tx.exec(select(Session))).one()
    assert session.state == SessionState.REFLECTING
    return session


async def open_form(world: SlackWorld, user_id: str, session: Session) -> dict:
    opened = await world.click(user_id, f"brew:reflection:open:{session.id}")
    assert opened.method == "views.open" and opened.answered == "ok"
    return opened.args["view"]


def views_opened(fake: FakeSlack, after: int) -> list[Call]:
    return [c for c in fake.after(after) if c.method == "views.open"]


@contextlib.contextmanager
def held_by_another_process(sqlite_url: str) -> Iterator[None]:
    """The SQLite database written to by another process (its write lock held) meanwhile."""
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.rollback()
        holder.close()


async def uses_facilitator_group(world: SlackWorld) -> None:
    """The admin names the facilitators' group; Fran, in it, may then run the session."""
    await world.command(ADMIN, "settings facilitator_role facilitators")
    reply = await world.command(FACILITATOR, "sessions")
    assert "only facilitators" not in reply_text(reply).lower()


# -- 1 and 2: user groups ----------------------------------------------------------------------


@pytest.mark.parametrize("slack", ["slow", "rate limited", "failing"])
async def test_thirty_reflection_clicks_open_their_forms_whatever_usergroups_list_does(
    sqlite_url, slack
):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        fake = world.fake
        session = await reflecting(world)
        # The groups Brewbot knows are out of date, and Slack is slow to answer again.
        world.bot.services.directory.forget_groups(TEAM_ID)
        held = None
        if slack == "slow":
            held = fake.hold("usergroups.list")
        elif slack == "rate limited":
            fake.rate_limit("usergroups.list", retry_after=20, times=100)
        else:
            fake.fail("usergroups.list", "internal_error", times=100)
        start = fake.last_seq

        clicks = await asyncio.gather(
            *(world.sender.click(u, f"brew:reflection:open:{session.id}") for u in CLICKERS)
        )
        assert all(c.status == 200 for c in clicks)
        await fake.wait_for(lambda _: len(views_opened(fake, start)) == len(CLICKERS))

        # Every form opened, each with its own click's trigger while it was valid (the fake
        # refuses a trigger older than Slack's 3 seconds, or one used twice).
        opened = views_opened(fake, start)
        assert [c.answered for c in opened] == ["ok"] * len(CLICKERS)
        assert len({c.args["trigger_id"] for c in opened}) == len(CLICKERS)
        # usergroups.list was asked once for all of them, never once per click.
        if held is not None:
            held.set()
            await fake.wait_for(lambda c: c.method == "usergroups.list", after=start)
        await world.settle()
        asked = [c for c in fake.after(start) if c.method == "usergroups.list"]
        assert len(asked) == 1


async def test_a_form_slack_refused_to_open_is_said_to_the_person_who_pressed(
    sqlite_url, caplog
):
    """A press whose form Slack turned down (its trigger had expired, in a crowd) showed
    nothing: the person is told, privately, to press again, and the log says not shown."""
    caplog.set_level(logging.INFO)
    async with slack_world(sqlite_url) as world:
        workspace(world)
        session = await reflecting(world)
        world.fake.fail("views.open", "expired_trigger_id")
        sent = await world.sender.click(PERSON, f"brew:reflection:open:{session.id}")
        assert sent.status == 200
        told = await world.answer_to(sent)
        assert told.args.get("response_type") == "ephemeral"
        assert world.brew.deps.texts.t("slack.form_not_opened") in reply_text(told)
        assert [c.answered for c in world.fake.of("views.open")] == ["expired_trigger_id"]
        await world.settle()
    assert any("outcome=form_not_shown" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("why", ["answer lost", "trigger already used"])
async def test_a_form_that_may_be_showing_is_not_said_to_have_failed(sqlite_url, caplog, why):
    """Slack opened the form but its answer was lost, or an earlier call with the same
    trigger opened one: a form may be showing, so nobody is told it did not open."""
    caplog.set_level(logging.INFO)
    async with slack_world(sqlite_url) as world:
        workspace(world)
        session = await reflecting(world)
        if why == "answer lost":
            world.fake.lose_answer("views.open")
        else:
            world.fake.fail("views.open", "exchanged_trigger_id")
        start = world.fake.last_seq
        sent = await world.sender.click(PERSON, f"brew:reflection:open:{session.id}")
        assert sent.status == 200
        await world.fake.wait_for(lambda c: c.method == "views.open", after=start)
        await world.settle()
        said = [c.method for c in world.fake.after(start)]
        assert "views.open" in said and "response_url" not in said, said
        assert "chat.postEphemeral" not in said and "chat.postMessage" not in said, said
    assert any("outcome=form_not_shown" in r.getMessage() for r in caplog.records)


async def test_a_failed_group_lookup_keeps_the_last_good_answer(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        await uses_facilitator_group(world)
        directory = world.bot.services.directory
        # The answer is out of date, and Slack fails every time it is asked again.
        directory.ttl = 0
        world.fake.fail("usergroups.list", "internal_error", times=100)
        for _ in range(3):
            reply = await world.command(FACILITATOR, 'schedule tomorrow 3pm theme="Tea"')
            assert "only facilitators" not in reply_text(reply).lower()
        assert "internal_error" in [c.answered for c in world.fake.of("usergroups.list")]
        async with world.brew.db.read() as tx:
            assert len((await tx.exec(select(Session))).all()) == 3


async def test_with_no_answer_yet_a_facilitator_is_told_so_not_refused(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        await world.command(ADMIN, "settings facilitator_role facilitators")
        # A new process: nothing known yet, and Slack cannot say who is in which group.
        await world.bot.services.directory.close()
        world.bot.services.directory = SlackDirectory()
        world.fake.fail("usergroups.list", "service_unavailable", times=100)
        reply = await world.command(FACILITATOR, 'schedule tomorrow 3pm theme="Tea"')
        text = reply_text(reply)
        assert "could not check just now whether you are a facilitator" in text
        assert "only facilitators" not in text.lower()
        # Admins do not need the groups.
        reply = await world.command(ADMIN, 'schedule tomorrow 3pm theme="Tea"')
        assert "could not check" not in reply_text(reply)


async def test_group_events_keep_the_facilitators_fresh_without_asking_slack(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        fake = world.fake
        await uses_facilitator_group(world)
        refused = await world.command(PERSON, "sessions")
        assert "only facilitators" in reply_text(refused).lower()
        facilitators = group_id(fake, "facilitators")
        asked = len(fake.of("usergroups.list"))

        # Pat joins the group and Fran leaves it; Slack tells the bot.
        fake.usergroups[0]["users"] = [PERSON]
        event = {
            "type": "subteam_members_changed",
            "subteam_id": facilitators,
            "team_id": TEAM_ID,
            "date_previous_update": 1446670362,
            "date_update": 1492906952,
            "added_users": [PERSON],
            "added_users_count": "1",
            "removed_users": [FACILITATOR],
            "removed_users_count": "1",
            "event_ts": "1700000300.000100",
        }
        assert (await world.sender.event(event, "Ev0MEMBERS1")).status == 200
        await world.settle()
        allowed = await world.command(PERSON, "sessions")
        assert "only facilitators" not in reply_text(allowed).lower()
        refused = await world.command(FACILITATOR, "sessions")
        assert "only facilitators" in reply_text(refused).lower()

        # The group is renamed: its new handle counts (and it is still the same group).
        fake.usergroups[0]["handle"] = "hosts"
        updated = {
            "type": "subteam_updated",
            "subteam": {**fake.usergroups[0], "is_usergroup": True, "user_count": 1},
            "event_ts": "1700000400.000100",
        }
        assert (await world.sender.event(updated, "Ev0UPDATED1")).status == 200
        await world.settle()
        await world.command(ADMIN, "settings facilitator_role @hosts")
        allowed = await world.command(PERSON, "sessions")
        assert "only facilitators" not in reply_text(allowed).lower()
        assert len(fake.of("usergroups.list")) == asked


# -- 3 and 4: settings as Slack writes them ----------------------------------------------------


async def test_a_group_picked_in_slack_is_stored_by_id_and_names_grant_nothing(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        fake = world.fake
        # Someone makes a group whose display name is the default role, under another handle.
        fake.add_usergroup("tea-club", "Facilitator", [PERSON])
        refused = await world.command(PERSON, "sessions")
        assert "only facilitators" in reply_text(refused).lower()

        # The admin picks the facilitators' group in the message box (both forms Slack uses).
        facilitators = group_id(fake, "facilitators")
        for picked in (f"<!subteam^{facilitators}|@facilitators>", f"<!subteam^{facilitators}>"):
            await world.command(ADMIN, f"settings facilitator_role {picked}")
            async with world.brew.db.read() as tx:
                community = (await tx.exec(select(Community))).one()
            assert community.facilitator_role == facilitators
            allowed = await world.command(FACILITATOR, "sessions")
            assert "only facilitators" not in reply_text(allowed).lower()
            refused = await world.command(PERSON, "sessions")
            assert "only facilitators" in reply_text(refused).lower()


async def test_a_group_picked_in_slack_is_named_by_its_handle_never_its_id(sqlite_url):
    """The admin and the people refused a facilitator's step read the group's handle, as
    Slack gave it with the mention; its id is for the facilitator check only."""
    async with slack_world(sqlite_url) as world:
        workspace(world)
        facilitators = group_id(world.fake, "facilitators")
        picked = f"<!subteam^{facilitators}|@facilitators>"
        said = {
            "admin": await world.command(ADMIN, f"settings facilitator_role {picked}"),
            "refused": await world.command(PERSON, "sessions"),
            "settings": await world.command(ADMIN, "settings"),
        }
        for who, call in said.items():
            # The handle is the platform's words, shown as typed: "@" and an invisible space.
            words = reply_text(call).replace("\u200b", "")
            assert "@facilitators" in words and facilitators not in words, (who, words)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("<mailto:group@council.gov.uk|group@council.gov.uk>", "group@council.gov.uk"),
        ("<mailto:group@council.gov.uk>", "group@council.gov.uk"),
        (
            "<mailto:a@council.gov.uk|a@council.gov.uk>, <mailto:b@nhs.net|b@nhs.net>",
            "a@council.gov.uk, b@nhs.net",
        ),
    ],
)
async def test_an_email_address_slack_linked_is_stored_as_the_address(sqlite_url, typed, stored):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        reply = await world.command(ADMIN, f"settings digest_email {typed}")
        assert "mailto" not in reply_text(reply)
        async with world.brew.db.read() as tx:
            community = (await tx.exec(select(Community))).one()
        assert community.digest_email == stored


# -- 5: refused forms stay open with the words ------------------------------------------------


@pytest.mark.parametrize("why", ["empty", "too long", "closed", "no category"])
async def test_a_refused_reflection_keeps_the_form_open_with_the_words(sqlite_url, why):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        fake = world.fake
        session = await reflecting(world)
        view = await open_form(world, PERSON, session)
        answers = {"category": "working", "text": "The bus times matter to me", "agree": ["yes"]}
        if why == "empty":
            answers["text"] = "   "
        elif why == "too long":
            answers["text"] = "word " * 500
        elif why == "no category":
            answers["category"] = None
        else:
            await world.command(ADMIN, "close")
        start = fake.last_seq

        sent = await world.sender.submit(PERSON, view, answers)

        assert sent.status == 200
        answer = json.loads(sent.text)
        assert answer["response_action"] == "errors"
        ((field, sentence),) = answer["errors"].items()
        assert field == ("category" if why == "no category" else "text")
        assert sentence and "\n" not in sentence and "**" not in sentence
        await world.settle()
        # Nothing else was said or stored: the words are still in the open form.
        assert [c.method for c in fake.after(start)] == []
        async with world.brew.db.read() as tx:
            assert (await tx.exec(select(Reflection))).all() == []


async def test_an_answer_too_slow_for_the_form_comes_as_a_message_with_the_words(sqlite_url):
    # The database is held by another process for longer than Slack waits for the answer.
    async with slack_world(sqlite_url, BREWBOT_DB_WAIT_SECONDS=3) as world:
        workspace(world)
        fake = world.fake
        session = await reflecting(world)
        view = await open_form(world, PERSON, session)
        start = fake.last_seq
        with held_by_another_process(sqlite_url):
            sent = await world.sender.submit(
                PERSON, view, {"category": "idea", "text": "Buses after six", "agree": ["yes"]}
            )
            # Not known within Slack's time: the form closes...
            assert sent.status == 200 and sent.text == ""
            # ...and the answer follows, turned down for now, with the words to send again.
            answer = await fake.wait_for(lambda c: c.method == "chat.postEphemeral", after=start)
        text = reply_text(answer)
        assert "try again" in text.lower()
        assert "Here is what you wrote" in text and "Buses after six" in text
        await world.settle()
        async with world.brew.db.read() as tx:
            assert (await tx.exec(select(Reflection))).all() == []


async def test_a_refusal_known_in_memory_keeps_the_form_open_while_the_database_is_busy(
    sqlite_url,
):
    # Another process holds the database: an empty reflection is still turned down in the
    # form at once, from what is known in memory, not after waiting for the database.
    async with slack_world(sqlite_url, BREWBOT_DB_WAIT_SECONDS=3) as world:
        workspace(world)
        fake = world.fake
        session = await reflecting(world)
        view = await open_form(world, PERSON, session)
        start = fake.last_seq
        with held_by_another_process(sqlite_url):
            sent = await world.sender.submit(
                PERSON, view, {"category": "idea", "text": "  ", "agree": ["yes"]}
            )
        answer = json.loads(sent.text)
        assert answer["response_action"] == "errors" and list(answer["errors"]) == ["text"]
        await world.settle()
        assert [c.method for c in fake.after(start)] == []


async def test_a_reflection_that_passes_its_checks_closes_the_form_before_it_is_stored(
    sqlite_url, monkeypatch
):
    # However long the form could wait, a reflection with nothing wrong in it is acknowledged
    # once its checks pass: storing it (here held up by another process) comes after.
    monkeypatch.setattr(views, "SUBMIT_WAIT", 60)
    async with slack_world(sqlite_url) as world:
        workspace(world)
        fake = world.fake
        session = await reflecting(world)
        view = await open_form(world, PERSON, session)
        start = fake.last_seq
        with held_by_another_process(sqlite_url):
            sent = await world.sender.submit(
                PERSON, view, {"category": "idea", "text": "Buses after six", "agree": ["yes"]}
            )
            assert sent.status == 200 and sent.text == ""  # the form closed
            assert not [c for c in fake.after(start) if c.method == "chat.postEphemeral"]
        thanks = await fake.wait_for(lambda c: c.method == "chat.postEphemeral", after=start)
        assert CODE.search(reply_text(thanks))
        await world.settle()
        async with world.brew.db.read() as tx:
            assert len((await tx.exec(select(Reflection))).all()) == 1


async def test_an_accepted_reflection_closes_the_form_and_the_code_reaches_the_writer(
    sqlite_url,
):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        fake = world.fake
        session = await reflecting(world)
        view = await open_form(world, PERSON, session)
        start = fake.last_seq
        sent = await world.sender.submit(
            PERSON, view, {"category": "working", "text": "Being heard", "agree": ["yes"]}
        )
        assert sent.status == 200 and sent.text == ""  # the form closes
        thanks = await fake.wait_for(lambda c: c.method == "chat.postEphemeral", after=start)
        await world.settle()
        (copy,) = [c for c in fake.after(start) if c.method == "chat.postMessage"]
        assert copy.args["channel"] == "DPAT"
        code = CODE.search(reply_text(copy)).group(0)
        # The copy arrived first, so the thank-you can say where it is.
        assert code in reply_text(thanks) and "your messages with Brewbot" in reply_text(thanks)
        assert copy.seq < thanks.seq
        # The code is in no row Brewbot keeps, and no delivery was queued for it.
        async with world.brew.db.read() as tx:
            rows = [r.model_dump() for r in (await tx.exec(select(Reflection))).all()]
            outbox = [r.model_dump() for r in (await tx.exec(select(OutboxItem))).all()]
        assert code not in json.dumps(rows, default=str) + json.dumps(outbox, default=str)
        assert code.split("-", 1)[1] not in json.dumps(rows, default=str)


async def test_the_copy_is_not_mentioned_when_it_could_not_be_sent(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        fake = world.fake
        session = await reflecting(world)
        view = await open_form(world, PERSON, session)
        fake.fail("conversations.open", "user_disabled")
        start = fake.last_seq
        await world.sender.submit(
            PERSON, view, {"category": "idea", "text": "More tea", "agree": ["yes"]}
        )
        thanks = await fake.wait_for(lambda c: c.method == "chat.postEphemeral", after=start)
        assert CODE.search(reply_text(thanks))
        assert "your messages with Brewbot" not in reply_text(thanks)
        await world.settle()
        # The copy was tried, and nothing else was sent instead.
        assert [c.answered for c in fake.after(start) if c.method == "conversations.open"] == [
            "user_disabled"
        ]
        assert [c for c in fake.after(start) if c.method == "chat.postMessage"] == []


# -- 6: requests that are not Slack's own -----------------------------------------------------


@pytest.mark.parametrize(
    ("body", "kind", "signed", "status"),
    [
        ("payload=notjson", "application/x-www-form-urlencoded", False, 401),
        ("{not json", "application/json", False, 401),
        ("payload=notjson", "application/x-www-form-urlencoded", True, 400),
        ("{not json", "application/json", True, 400),
        ("[1, 2]", "application/json", True, 400),
    ],
)
async def test_a_malformed_body_is_refused_with_one_line_and_no_traceback(
    sqlite_url, caplog, body, kind, signed, status
):
    async with slack_world(sqlite_url) as world:
        caplog.set_level(logging.INFO)
        caplog.clear()
        sent = await world.sender.post(body, kind, signed=signed)
        assert sent.status == status
        assert "Traceback" not in sent.text and "Server got itself in trouble" not in sent.text
        problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(problems) == 1 and problems[0].exc_info is None
        assert "notjson" not in problems[0].getMessage()
        assert world.fake.calls == []


async def test_a_replayed_command_runs_once(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        body, url = world.sender.command_body(ADMIN, 'schedule tomorrow 2pm theme="Once"', ROOM)
        stamp = int(time.time())
        kind = "application/x-www-form-urlencoded"
        first = await world.sender.post(body, kind, timestamp=stamp)
        again = await world.sender.post(body, kind, timestamp=stamp)
        assert (first.status, again.status) == (200, 401)
        first.response_url = url
        await world.answer_to(first)
        await world.settle()
        async with world.brew.db.read() as tx:
            assert len((await tx.exec(select(Session))).all()) == 1
        # The same words signed at another moment are a new request, as Slack sends them.
        other = await world.sender.post(body, kind, timestamp=stamp - 1)
        assert other.status == 200


def test_the_replay_memory_is_bounded_and_forgets_old_signatures():
    now = [1000.0]
    guard = ReplayGuard(size=3, now=lambda: now[0])
    assert [guard.first_time(s, 1000) for s in ("a", "b", "a")] == [True, True, False]
    for signature in ("c", "d", "e"):
        guard.first_time(signature, 1000)
    assert len(guard._seen) == 3  # the oldest were forgotten
    now[0] = 1000 + 301
    assert guard.first_time("e", 1000) is True and len(guard._seen) == 1


@pytest.mark.parametrize("missing", ["team_id", "user_id"])
async def test_a_command_without_a_workspace_or_person_writes_nothing(sqlite_url, missing):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        before = await snapshot(world.brew)
        body, _ = world.sender.command_body(ADMIN, "join", ROOM)
        body = re.sub(rf"(^|&){missing}=[^&]*", r"\1", body)
        sent = await world.sender.post(body, "application/x-www-form-urlencoded")
        assert sent.status == 200
        assert "could not tell who sent this" in json.loads(sent.text)["text"]
        await world.settle()
        assert await snapshot(world.brew) == before
        assert [c.method for c in world.fake.calls if c.method != "auth.test"] == []


# -- 8: the welcome and the Home tab ----------------------------------------------------------


async def test_brewbot_says_hello_when_it_is_added_to_a_channel(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        fake = world.fake
        joined = {
            "type": "member_joined_channel",
            "channel": ROOM,
            "channel_type": "C",
            "team": TEAM_ID,
            "inviter": ADMIN,
            "event_ts": "1700000500.000100",
        }
        await world.sender.event({**joined, "user": PERSON}, "Ev0JOINED1")
        await world.sender.event({**joined, "user": BOT_USER}, "Ev0JOINED2")
        hello = await fake.wait_for(lambda c: c.method == "chat.postMessage")
        await world.settle()
        assert [c.args["channel"] for c in fake.of("chat.postMessage")] == [ROOM]
        text = reply_text(hello)
        assert "Brewbot" in text and "/brew schedule" in text and "/brew join" in text


async def test_the_home_tab_shows_the_next_session_and_the_persons_choices(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        fake = world.fake
        opened = {
            "type": "app_home_opened",
            "channel": "DPAT",
            "tab": "home",
            "event_ts": "1700000600.000100",
        }
        # Before anything is planned, and before Pat has done anything: nothing is written.
        before = await snapshot(world.brew)
        await world.sender.event({**opened, "user": PERSON}, "Ev0HOME1")
        await fake.wait_for(lambda c: c.method == "views.publish")
        await world.settle()
        assert "No session is planned yet" in reply_text(
            Call(0, "", {"blocks": fake.home_views[PERSON]["blocks"]})
        )
        after = await snapshot(world.brew)
        after.pop("processed_event"), before.pop("processed_event")  # the event's own id
        assert after == before

        await world.command(ADMIN, 'schedule tomorrow 2pm theme="Being heard"')
        await world.command(PERSON, "join")
        await world.command(PERSON, "preferences easy_read=on reminders=none")
        start = fake.last_seq
        await world.sender.event({**opened, "user": PERSON}, "Ev0HOME2")
        published = await fake.wait_for(lambda c: c.method == "views.publish", after=start)
        assert published.answered == "ok" and published.args["user_id"] == PERSON
        home = reply_text(Call(0, "", {"blocks": published.args["view"]["blocks"]}))
        assert "Being heard" in home and "You said you are coming" in home
        assert "Easy Read: on" in home and "Reminders: none" in home
        assert "/brew help" in home

        # The messages tab is not the Home tab: nothing is published for it.
        start = fake.last_seq
        await world.sender.event({**opened, "tab": "messages", "user": PERSON}, "Ev0HOME3")
        await world.settle()
        assert [c for c in fake.after(start) if c.method == "views.publish"] == []
