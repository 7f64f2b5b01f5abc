""" "We said, we did": recorded by facilitators, replayed when the next session opens; each
action with a due day, a person reminded before it is due, and a history of its changes."""

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select

from bot.app import build_app
from bot.core.domain import SessionState
from bot.core.ports import DeliveryError
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.digest.reminders import reminder_message
from bot.platforms.memory import MemoryAdapter, MemoryResponder
from bot.platforms.slack.payloads import command_text
from bot.scheduling.planner import JobKind, PlannedJob
from storage.models import ActionEvent, ActionItem, OutboxItem, OutboxStatus, Participant
from tests.conftest import Chat, make_settings, snapshot
from tests.helpers import make_session
from tests.scheduling.test_scheduler import Finished
from tests.test_readability import EASY_MIN, EASY_SENTENCE_WORDS, PLAIN_MIN, _score, _sentences

SAM = Chat.person("Sam")
# The clock starts on Monday 23 November 2026, 9am in London. Friday is the 27th: Sam is
# reminded at 9am on Wednesday the 25th and on the Friday.
DUE = date(2026, 11, 27)
TWO_DAYS_BEFORE = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ON_THE_DAY = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
ADD = '/brew action add More time in reviews owner="Reviews team" due=Friday person=user-sam'


async def test_add_update_and_list(app, chat, fac):
    added = await chat.say(fac, '/brew action add More time in reviews owner="Reviews team"')
    assert "Action 1 is added" in added.text
    await chat.say(fac, '/brew action update 1 status=doing did="Trialling 90-minute reviews"')
    listed = await chat.say(Chat.person("Sam"), "/brew action list")
    assert "You said: More time in reviews" in listed.text
    assert "being done" in listed.text and "Trialling 90-minute reviews" in listed.text


async def test_cant_do_needs_a_plain_reason(app, chat, fac):
    await chat.say(fac, "/brew action add Free bus passes for carers")
    before = await snapshot(app)
    refused = await chat.say(fac, "/brew action update 1 status=cant_do")
    assert "please say why" in refused.text
    assert await snapshot(app) == before
    await chat.say(fac, "/brew action update 1 status=cant_do the council does not run buses")
    listed = await chat.say(fac, "/brew action list")
    assert "We can't do this because the council does not run buses." in listed.text


async def test_the_list_is_replayed_when_the_next_session_opens(app, chat, fac):
    await chat.say(fac, "/brew action add Letters in plain English status=done")
    session_id = await make_session(app, SessionState.SCHEDULED)
    await chat.say(fac, f"/brew open {session_id}")
    [welcome] = [s.message for s in app.deps.adapter.ops("send") if s.message.actions]
    headings = [s.heading for s in welcome.sections]
    assert "We said, we did" in headings
    assert "Letters in plain English" in welcome.plain_text()


async def test_only_facilitators_add_actions(app, chat):
    refused = await chat.say(Chat.person("Sam"), "/brew action add Something")
    assert refused.text.startswith("Only facilitators")


# --- a due day and a person ------------------------------------------------------------------


async def action(app, number: int = 1) -> ActionItem:
    async with app.db.read() as tx:
        return await tx.get(ActionItem, number)


async def test_a_due_day_and_a_person_to_remind(app, chat, fac):
    await chat.say(SAM, "/brew call me Sam")
    added = await chat.say(fac, ADD)
    assert "I will remind Sam privately 2 days before it is due, and on the day" in added.text
    stored = await action(app)
    assert stored.due_on == DUE and stored.owner == "Reviews team"
    async with app.db.read() as tx:
        owner = await tx.get(Participant, stored.owner_participant_id)
    assert owner.user_id == "user-sam"
    assert stored.created_by == fac.id
    listed = await chat.say(SAM, "/brew action list")
    assert "(Reviews team). Due by Friday 27 November 2026." in listed.text
    assert "Sam" not in listed.text.replace("You said", ""), "the public list names no person"


def facilitator_on(platform: Platform) -> tuple[UserRef, ConversationRef]:
    community = CommunityRef(platform, f"{platform}-community")
    return (
        UserRef(community, f"{platform}-fran", "Fran", frozenset({"Facilitator"})),
        ConversationRef(community, "brew-room"),
    )


async def say_on(app, platform: Platform, text: str) -> MemoryResponder:
    """`text` from a facilitator in a community on `platform`, through the dispatcher."""
    user, where = facilitator_on(platform)
    responder = MemoryResponder()
    await app.dispatcher.run_text(text, user, where, responder)
    return responder


async def owner_ids(app) -> set[str]:
    async with app.db.read() as tx:
        query = select(Participant.user_id).join(
            ActionItem, col(ActionItem.owner_participant_id) == Participant.id
        )
        return set((await tx.exec(query)).all())


async def test_a_person_may_be_given_as_each_platform_passes_a_mention(app, chat, fac):
    # Discord sends a member picked in a text option as <@id> (<@!id> from older clients);
    # Slack sends <@U…|name> with "escape channels, users and links" on, which its
    # front-end reads as <@U…>; the terminal chat takes @Name or its own ids.
    await say_on(app, Platform.DISCORD, "/brew action add Ramps person=<@123456789012345678>")
    await say_on(app, Platform.DISCORD, "/brew action add Ramps person=<@!234567890123456789>")
    typed = command_text("action add Ramps person=<@U0123ABCD|sam> due=2026-12-01")
    answer = await say_on(app, Platform.SLACK, f"/brew {typed}")
    assert "I will remind the person named for it" in answer.text, answer.text
    await chat.say(fac, "/brew action add Ramps person=shell-sam")
    assert await owner_ids(app) == {
        "123456789012345678",
        "234567890123456789",
        "U0123ABCD",
        "shell-sam",
    }


async def test_an_id_no_platform_gives_anyone_is_refused_and_nothing_kept(app):
    """NaN, 0, -1 or a date is nobody: no reminder could reach them, so nothing is promised
    or stored, on any platform, for an action or the safeguarding contact."""
    for platform in (Platform.SHELL, Platform.DISCORD, Platform.SLACK):
        await say_on(app, platform, "/brew action add Ramps")
    before = await snapshot(app)
    wide_digits = "１２３４５６７８９０１２３４５６"
    hostile = ("NaN", "0", "-1", "2026-02-30", "<@0>", "<@NaN>", "U1", wide_digits)
    # Each platform's own shape is nobody on another one.
    elsewhere = {
        Platform.SHELL: ("<@123456789012345678>", "U0123ABCD"),
        Platform.DISCORD: ("user-sam", "U0123ABCD", "1234"),
        Platform.SLACK: ("user-sam", "123456789012345678", "u0123abcd"),
    }
    for platform, theirs in elsewhere.items():
        number = {Platform.SHELL: 1, Platform.DISCORD: 2, Platform.SLACK: 3}[platform]
        for value in hostile + theirs:
            for typed in (
                f"/brew action add Ramps person={value} due=2026-12-01",
                f"/brew action update {number} person={value}",
                f"/brew settings safeguarding_contact {value}",
            ):
                refused = await say_on(app, platform, typed)
                assert refused.text == "Please give a person, for example @Sam.", (typed, refused)
    assert await snapshot(app) == before


async def test_someone_already_known_is_accepted_by_their_exact_id(app):
    """An id in no platform's shape is still someone when they have used Brewbot here."""
    await say_on(app, Platform.SLACK, "/brew action add Ramps")
    slack_fran, _ = facilitator_on(Platform.SLACK)
    await say_on(app, Platform.SLACK, f"/brew action update 1 person={slack_fran.id}")
    assert await owner_ids(app) == {slack_fran.id}


async def test_a_person_typed_by_name_is_found_when_the_name_is_theirs_alone(app, chat, fac):
    await chat.say(SAM, "/brew call me Sam")
    await chat.say(fac, "/brew action add Ramps person=@sam due=Friday")
    async with app.db.read() as tx:
        owner = await tx.get(Participant, (await action(app)).owner_participant_id)
    assert owner.user_id == SAM.id
    await chat.say(Chat.person("Samuel"), "/brew call me Sam")
    before = await snapshot(app)
    for typed in ("/brew action update 1 person=@Sam", "/brew action update 1 person=@Nobody"):
        refused = await chat.say(fac, typed)
        assert refused.text.startswith("I cannot tell who @"), refused.text
    assert await snapshot(app) == before


async def test_a_bad_day_or_person_is_refused_in_one_kind_sentence(app, chat, fac):
    await chat.say(fac, "/brew action add Ramps")
    before = await snapshot(app)
    for typed, expected in (
        ("/brew action add Ramps due=banana", "I could not work out that date"),
        ("/brew action add Ramps due=yesterday", "has already passed"),
        ("/brew action add Ramps due=March", "Please give one day"),
        ("/brew action update 1 due=2020-01-01", "has already passed"),
        ('/brew action update 1 person="not a person"', "Please give a person"),
    ):
        refused = await chat.say(fac, typed)
        assert expected in refused.text, typed
        assert refused.text.count(".") <= 2, refused.text
    assert await snapshot(app) == before


async def test_the_facilitator_hears_what_reminders_need(app, chat, fac):
    no_person = await chat.say(fac, "/brew action add Ramps due=Friday")
    assert "add person=@name" in no_person.text
    no_day = await chat.say(fac, "/brew action update 1 due=none person=user-sam")
    assert "add a day" in no_day.text
    assert (await action(app)).due_on is None
    await chat.say(SAM, "/brew preferences reminders=none")
    opted_out = await chat.say(fac, "/brew action update 1 due=Friday")
    assert "has asked for no reminders" in opted_out.text


async def test_history_keeps_each_change_in_order(app, chat, fac, clock):
    await chat.say(fac, ADD)
    clock.advance(timedelta(days=1))
    await chat.say(fac, '/brew action update 1 status=doing did="Trialling 90-minute reviews"')
    # A refused change leaves no history behind.
    await chat.say(fac, "/brew action update 1 status=cant_do")
    # Only the day or the person: no new history entry.
    await chat.say(fac, "/brew action update 1 due=2026-12-04")
    clock.advance(timedelta(days=1))
    await chat.say(fac, "/brew action update 1 status=cant_do the money ran out")
    async with app.db.read() as tx:
        events = (await tx.exec(select(ActionEvent).order_by(ActionEvent.id))).all()
    assert [(e.status, e.did, e.reason) for e in events] == [
        ("planned", "", None),
        ("doing", "Trialling 90-minute reviews", None),
        ("cant_do", "Trialling 90-minute reviews", "the money ran out"),
    ]
    assert [e.at - events[0].at for e in events] == [
        timedelta(0),
        timedelta(days=1),
        timedelta(days=2),
    ]
    shown = await chat.say(fac, "/brew action history 1")
    text = shown.text
    assert "Action 1: its history" in text
    # A mention Brewbot builds (each chat shows it as the person); its id where nothing does.
    assert "Reminders go to user-sam." in text, "named as a mention until a name is known"
    await chat.say(SAM, "/brew call me Sam")
    assert "Reminders go to Sam." in (await chat.say(fac, "/brew action history 1")).text
    assert "Due by Friday 4 December 2026." in text
    lines = [line for line in text.splitlines() if line.startswith(("Monday", "Tuesday", "Wed"))]
    assert lines == [
        "Monday 23 November 2026, 9:00am: planned. What we did: nothing yet.",
        "Tuesday 24 November 2026, 9:00am: being done. What we did: Trialling 90-minute reviews.",
        "Wednesday 25 November 2026, 9:00am: can't do. What we did: Trialling 90-minute "
        "reviews. We can't do this because the money ran out.",
    ]
    refused = await chat.say(SAM, "/brew action history 1")
    assert refused.text.startswith("Only facilitators")


# --- reminding the owner ---------------------------------------------------------------------


def reminders_to(app, user_id: str = "user-sam") -> list:
    return [m for m in app.deps.adapter.private_to(user_id) if m.title.startswith("Reminder")]


async def test_the_owner_is_reminded_two_days_before_and_on_the_day(app, chat, fac, clock):
    await app.start()
    await chat.say(fac, ADD)
    planned = sorted(i for i in app.scheduler.job_ids() if i.startswith("action_due:"))
    assert planned == ["action_due:1:20261125T090000Z", "action_due:1:20261127T090000Z"]
    # Two days before: the scheduler, rebuilt at that moment, runs it at once.
    sent = Finished(JobKind.ACTION_DUE)
    app.jobs.listeners.append(sent)
    clock.set(TWO_DAYS_BEFORE)
    await app.scheduler.rebuild()
    await sent.wait()
    [first] = reminders_to(app)
    assert first.title == "Reminder: action 1 is due in 2 days"
    assert "It is due on Friday 27 November 2026." in first.text
    assert first.sections[0].body == "More time in reviews" and first.sections[0].untrusted
    # On the day, again, while it is still open.
    sent.event.clear()
    clock.set(ON_THE_DAY)
    await app.scheduler.rebuild()
    await sent.wait()
    assert [m.title for m in reminders_to(app)][-1] == "Reminder: action 1 is due today"
    assert sent.outcomes == ["done", "done"]


async def test_a_done_action_is_not_reminded_and_its_jobs_go(app, chat, fac, clock):
    await app.start()
    await chat.say(fac, ADD)
    await chat.say(fac, "/brew action update 1 status=done")
    assert not [i for i in app.scheduler.job_ids() if i.startswith("action_due:")]
    # A job planned before the change (another process's, say) finds nothing to do.
    clock.set(TWO_DAYS_BEFORE)
    seen = Finished(JobKind.ACTION_DUE)
    app.jobs.listeners.append(seen)
    await app.jobs.run(PlannedJob(JobKind.ACTION_DUE, 1, TWO_DAYS_BEFORE))
    assert seen.outcomes == ["stale"] and reminders_to(app) == []


async def test_a_moved_due_day_moves_the_reminders(app, chat, fac, clock):
    await app.start()
    await chat.say(fac, ADD)
    await chat.say(fac, "/brew action update 1 due=2026-12-04")
    planned = sorted(i for i in app.scheduler.job_ids() if i.startswith("action_due:"))
    assert planned == ["action_due:1:20261202T090000Z", "action_due:1:20261204T090000Z"]
    # The old day's reminder, had it been planned elsewhere, is stale.
    clock.set(TWO_DAYS_BEFORE)
    seen = Finished(JobKind.ACTION_DUE)
    app.jobs.listeners.append(seen)
    await app.jobs.run(PlannedJob(JobKind.ACTION_DUE, 1, TWO_DAYS_BEFORE))
    assert seen.outcomes == ["stale"]


async def test_a_new_time_zone_moves_the_reminders_in_the_running_process(app, chat, fac, clock):
    await app.start()
    await chat.say(fac, ADD)
    await chat.say(fac, "/brew settings timezone Europe/Paris")
    # 9am in Paris is 8am UTC in November: what a restart would plan, planned at once.
    paris = [TWO_DAYS_BEFORE - timedelta(hours=1), ON_THE_DAY - timedelta(hours=1)]
    planned = sorted(i for i in app.scheduler.job_ids() if i.startswith("action_due:"))
    assert planned == [PlannedJob(JobKind.ACTION_DUE, 1, due).id for due in paris]
    await app.scheduler.rebuild()
    assert planned == sorted(i for i in app.scheduler.job_ids() if i.startswith("action_due:"))
    clock.set(paris[0])
    sent = Finished(JobKind.ACTION_DUE)
    app.jobs.listeners.append(sent)
    await app.jobs.run(PlannedJob(JobKind.ACTION_DUE, 1, paris[0]))
    assert sent.outcomes == ["done"]
    assert [m.title for m in reminders_to(app)] == ["Reminder: action 1 is due in 2 days"]


async def test_a_reminder_had_before_the_zone_changed_is_not_had_again(app, chat, fac, clock):
    await app.start()
    await chat.say(fac, ADD)
    clock.set(TWO_DAYS_BEFORE)  # 9am in London
    await app.jobs.run(PlannedJob(JobKind.ACTION_DUE, 1, TWO_DAYS_BEFORE))
    assert len(reminders_to(app)) == 1
    clock.set(TWO_DAYS_BEFORE + timedelta(hours=1))
    await chat.say(fac, "/brew settings timezone America/New_York")
    # 9am in New York is still to come that day, and finds Sam reminded already.
    new_york = TWO_DAYS_BEFORE + timedelta(hours=5)
    assert PlannedJob(JobKind.ACTION_DUE, 1, new_york).id in app.scheduler.job_ids()
    clock.set(new_york)
    await app.jobs.run(PlannedJob(JobKind.ACTION_DUE, 1, new_york))
    assert len(reminders_to(app)) == 1


async def test_the_reminder_survives_a_restart(app, chat, fac, clock, database_url):
    await chat.say(fac, ADD)
    await app.close()
    # The bot was down at 9am on Wednesday and comes back at noon: the reminder goes then.
    clock.set(TWO_DAYS_BEFORE + timedelta(hours=3))
    again = await build_app(make_settings(database_url), MemoryAdapter(), clock=clock)
    sent = Finished(JobKind.ACTION_DUE)
    again.jobs.listeners.append(sent)
    try:
        await again.start()
        await sent.wait()
        assert sent.outcomes == ["done"]
        assert [m.title for m in reminders_to(again)] == ["Reminder: action 1 is due in 2 days"]
    finally:
        await again.close()


async def test_two_processes_send_the_reminder_once(app, chat, fac, clock, database_url):
    await chat.say(fac, ADD)
    clock.set(TWO_DAYS_BEFORE)
    second = await build_app(make_settings(database_url), MemoryAdapter(), clock=clock)
    outcomes: list[str] = []
    for each in (app, second):
        each.jobs.listeners.append(lambda job, outcome: outcomes.append(outcome))
    job = PlannedJob(JobKind.ACTION_DUE, 1, TWO_DAYS_BEFORE)
    try:
        await asyncio.gather(app.jobs.run(job), second.jobs.run(job))
        assert sorted(outcomes) == ["done", "duplicate"]
        assert len(reminders_to(app)) + len(reminders_to(second)) == 1
    finally:
        await second.close()


async def test_a_moment_of_failure_is_tried_again_until_it_arrives(app, chat, fac, clock):
    await chat.say(fac, ADD)
    clock.set(TWO_DAYS_BEFORE)
    app.deps.adapter.failures["private:user-sam"] = DeliveryError("rate_limited")
    await app.jobs.run(PlannedJob(JobKind.ACTION_DUE, 1, TWO_DAYS_BEFORE))
    async with app.db.read() as tx:
        [item] = (
            await tx.exec(select(OutboxItem).where(OutboxItem.purpose == "action_reminder"))
        ).all()
    assert item.status == OutboxStatus.PENDING and item.attempts == 1
    assert not app.deps.adapter.private_to(fac.id), "nobody is troubled by a moment's failure"
    app.deps.adapter.failures.clear()
    clock.advance(timedelta(minutes=1))
    await app.deps.outbox.deliver()
    assert len(reminders_to(app)) == 1


async def test_a_refused_reminder_is_told_to_the_facilitator_with_retry(app, chat, fac, clock):
    await chat.say(SAM, "/brew call me Sam")
    await chat.say(fac, ADD)
    clock.set(TWO_DAYS_BEFORE)
    app.deps.adapter.failures["private:user-sam"] = DeliveryError("dm_closed")
    await app.jobs.run(PlannedJob(JobKind.ACTION_DUE, 1, TWO_DAYS_BEFORE))
    [told] = app.deps.adapter.private_to(fac.id)
    assert told.text.startswith("I could not send the reminder about action 1 to Sam.")
    assert "does not accept private messages" in told.text
    assert [a.label for a in told.actions] == ["Retry"]
    # Sam opens their private messages; the facilitator presses Retry.
    app.deps.adapter.failures.clear()
    answer = await chat.press(fac, told.actions[0].custom_id)
    assert "trying that message again" in answer.text
    assert len(reminders_to(app)) == 1
    again = await chat.press(fac, told.actions[0].custom_id)
    assert "already" in again.text and len(reminders_to(app)) == 1
    refused = await chat.press(SAM, told.actions[0].custom_id)
    assert refused.text.startswith("Only facilitators")


async def test_a_reminder_refused_again_after_retry_is_told_again(app, chat, fac, clock):
    await chat.say(SAM, "/brew call me Sam")
    await chat.say(fac, ADD)
    clock.set(TWO_DAYS_BEFORE)
    app.deps.adapter.failures["private:user-sam"] = DeliveryError("rate_limited")
    await app.jobs.run(PlannedJob(JobKind.ACTION_DUE, 1, TWO_DAYS_BEFORE))
    app.deps.adapter.failures["private:user-sam"] = DeliveryError("dm_closed")
    clock.advance(timedelta(minutes=1))
    await app.deps.outbox.deliver()
    [first] = app.deps.adapter.private_to(fac.id)
    # Retry: slowed down for a moment, then refused again.
    app.deps.adapter.failures["private:user-sam"] = DeliveryError("rate_limited")
    answer = await chat.press(fac, first.actions[0].custom_id)
    assert "keep trying" in answer.text
    app.deps.adapter.failures["private:user-sam"] = DeliveryError("dm_closed")
    clock.advance(timedelta(minutes=1))
    await app.deps.outbox.deliver()
    told = app.deps.adapter.private_to(fac.id)
    assert [m.text for m in told] == [first.text, first.text], "the second refusal is told too"
    assert told[1].actions == first.actions and not reminders_to(app)


async def test_a_reminder_refused_when_retried_is_told_in_the_answer_only(app, chat, fac, clock):
    await chat.say(fac, ADD)
    clock.set(TWO_DAYS_BEFORE)
    app.deps.adapter.failures["private:user-sam"] = DeliveryError("dm_closed")
    await app.jobs.run(PlannedJob(JobKind.ACTION_DUE, 1, TWO_DAYS_BEFORE))
    [told] = app.deps.adapter.private_to(fac.id)
    answer = await chat.press(fac, told.actions[0].custom_id)
    assert "does not accept private messages" in answer.text
    assert app.deps.adapter.private_to(fac.id) == [told], "not told twice"


async def test_someone_who_asked_for_no_reminders_gets_none(app, chat, fac, clock):
    await chat.say(SAM, "/brew preferences reminders=none")
    await chat.say(fac, ADD)
    clock.set(TWO_DAYS_BEFORE)
    seen = Finished(JobKind.ACTION_DUE)
    app.jobs.listeners.append(seen)
    await app.jobs.run(PlannedJob(JobKind.ACTION_DUE, 1, TWO_DAYS_BEFORE))
    assert seen.outcomes == ["stale"] and reminders_to(app) == []


async def test_forget_me_forgets_the_owner_and_who_added_it(app, chat, fac):
    await chat.say(fac, ADD)
    data = await chat.say(SAM, "/brew my data")
    [file] = data.replies[0][0].attachments
    assert "More time in reviews (action 1)" in file.content.decode()
    for person in (SAM, fac):
        await chat.say(person, "/brew forget me")
        await chat.press(person, "brew:privacy:forget:yes")
    stored = await action(app)
    assert stored.owner_participant_id is None and stored.created_by == ""
    assert stored.said == "More time in reviews", "the action itself stays"


async def test_the_reminder_reads_easily(app, chat, fac):
    await chat.say(fac, ADD)
    stored = await action(app)
    for easy, minimum in ((False, PLAIN_MIN), (True, EASY_MIN)):
        owner = Participant(community_id=1, user_id="user-sam", easy_read=easy)
        message = reminder_message(app.deps, stored, owner, 2)
        assert _score(message.text) >= minimum, message.text
    for sentence in _sentences(message.text):
        assert len(sentence.split()) <= EASY_SENTENCE_WORDS, sentence
