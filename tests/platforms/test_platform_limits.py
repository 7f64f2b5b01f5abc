"""Discord's and Slack's limits met through the real front-ends, against loopback fakes that
refuse what the platforms refuse (bot/loopback): long titles, many sessions, many themes.
What does not fit is shortened with an ellipsis, split or said, never silently cut."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.messages import Action, OutgoingMessage, custom_id
from bot.core.refs import CommunityRef, ConversationRef, Platform
from bot.digest.review import ReviewTheme
from bot.engine.clock import ManualClock
from bot.loopback.discord_server import FakeDiscord, buttons, message_text, modal_problem
from bot.loopback.slack_server import Call, check_view
from bot.platforms.discord.components import build_modal
from bot.platforms.slack.blocks import render_view
from storage.models import Session
from tests.fakes import slack_harness as harness
from tests.fakes.discord_harness import START, running_discord
from tests.fakes.slack_harness import ROOM, reply_text, slack_world
from tests.platforms.test_discord_e2e import STARTS
from tests.platforms.test_slack_session import ADMIN, FACILITATOR, posts, workspace

KINDS = ("rename", "merge", "split", "move")
# Longer than a Discord embed title (256) and a Slack header (150); a theme may be 300.
LONGEST_THEME = (
    "What it feels like to go through an assessment or a review of our care and support, "
    "from the first letter to the last meeting: being listened to, being believed, having "
    "time to think, bringing someone we trust, understanding the words on the forms and "
    "knowing what happens next"
)
LONG_THEME = (
    "Building the right relationships with the people who support us at home, "
    "in the day centre, at the surgery and at every review of our care and support plans"
)


async def test_a_long_theme_names_breakout_threads_with_an_ellipsis(tmp_path):
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    people = [fake.add_person(name) for name in ("Amara", "Ben", "Chloe", "Dev")]
    clock = ManualClock(START)
    async with running_discord(tmp_path, fake, clock) as (fake, _):
        await (
            await fake.slash(fran, "schedule", when="2026-11-30 14:00", theme=LONG_THEME)
        ).answered()
        for person in people:
            await (await fake.click(person, custom_id("rsvp", "yes", "1"))).answered()
            await (await fake.click(person, custom_id("consent", "yes"))).answered()
        clock.set(STARTS)
        await (await fake.slash(fran, "open")).answered()
        for person in people:
            await (await fake.click(person, custom_id("session", "join", "1"))).answered()
        await (await fake.slash(fran, "breakouts", size=3)).answered()
        [thread] = fake.threads.values()
        thread_name = thread["name"]
        # Discord allows 100 characters: the name was cut at 90, in the middle of a word.
    assert len(thread_name) <= 100
    assert thread_name.startswith("Breakout 1 - Building the right relationships")
    assert thread_name.endswith("…"), thread_name
    fake.assert_clean()


async def test_a_title_longer_than_an_embed_title_is_shown_whole_on_discord(tmp_path):
    """An embed title holds 256 characters: the welcome's title (the session's) was cut to
    255 and an ellipsis. Now a title that does not fit opens the message in bold instead."""
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    clock = ManualClock(START)
    async with running_discord(tmp_path, fake, clock) as (fake, _):
        await (
            await fake.slash(fran, "schedule", when="2026-11-30 14:00", title=LONGEST_THEME)
        ).answered()
        clock.set(STARTS)
        await (await fake.slash(fran, "open")).answered()
        welcome = fake.posts_to(fake.session_channel)[-1]
    [first, *_] = welcome["embeds"]
    shown = f"{first.get('title') or ''}{first.get('description') or ''}"
    assert shown.startswith(f"**{LONGEST_THEME}**") or first.get("title") == LONGEST_THEME
    fake.assert_clean()


async def test_a_title_longer_than_a_header_is_shown_whole_on_slack(sqlite_url):
    """A Slack header holds 150 characters: the welcome's title was cut to 149 and an
    ellipsis. Now a title that does not fit opens the message in bold instead."""
    async with slack_world(sqlite_url) as world:
        workspace(world)
        await world.command(ADMIN, "settings facilitator_role facilitators")
        await world.command(FACILITATOR, f'schedule 2026-12-01 2pm title="{LONGEST_THEME}"')
        world.clock.set(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
        start = world.fake.last_seq
        await world.command(FACILITATOR, "open")
        (welcome,) = posts(world, ROOM, after=start)
    first = welcome.args["blocks"][0]
    assert first["text"]["text"].startswith(f"*{LONGEST_THEME}*"), first


def _themes(count: int) -> list[ReviewTheme]:
    return [ReviewTheme(n, f"Theme number {n}", (f"{n:08x}",)) for n in range(1, count + 1)]


def _labelled(modal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["component"]["custom_id"]: c for c in modal["components"] if c["type"] == 18}


async def test_more_themes_than_a_discord_menu_holds_are_typed_not_dropped(app):
    """A Discord menu holds 25 options: the 26th theme on was left out of the review form
    without a word. With more, the theme is typed (its number or name), which the review
    takes as it does in a typed command."""
    review = app.digests.review
    many = build_modal(review.form("merge", Session(id=7), _themes(30))).to_dict()
    assert modal_problem(many) is None
    fields = _labelled(many)
    for name in ("theme", "into"):
        assert fields[name]["component"]["type"] == 4, "a text input"
        assert fields[name]["description"] == app.deps.texts.t("review.hint.theme_typed")
    few = build_modal(review.form("merge", Session(id=7), _themes(25))).to_dict()
    assert modal_problem(few) is None
    assert len(_labelled(few)["theme"]["component"]["options"]) == 25


async def test_more_themes_than_a_slack_menu_holds_are_typed_not_dropped(app):
    review = app.digests.review

    def view(count: int) -> dict[str, Any]:
        form = review.form("rename", Session(id=7), _themes(count))
        shown = render_view(form, {"channel": "C1"}, close="Close", placeholder="Choose")
        check_view(shown)  # what Slack refuses, the fake refuses
        return {b["block_id"]: b for b in shown["blocks"] if b["type"] == "input"}

    assert len(view(100)["theme"]["element"]["options"]) == 100
    typed = view(120)["theme"]
    assert typed["element"]["type"] == "plain_text_input"
    assert typed["hint"]["text"] == app.deps.texts.t("review.hint.theme_typed")


async def test_no_form_has_words_a_platform_would_cut(app, chat, fac):
    """Every form's own words (title, labels, hints, send button) fit Discord's modal (title
    and labels 45, descriptions 100) and Slack's view (title and buttons 24), so the
    renderers' ellipsis is never what people read; the fakes accept every form."""
    reflections, review = app.reflections, app.digests.review
    forms = [
        reflections.form(1, easy=easy, ask_agreement=agree)
        for easy in (False, True)
        for agree in (False, True)
    ]
    forms += [review.form(kind, Session(id=7), _themes(3)) for kind in KINDS]
    forms += (await chat.say(fac, "/brew sparks add")).forms
    for form in forms:
        modal = build_modal(form).to_dict()
        assert modal_problem(modal) is None
        assert modal["title"] == form.title
        for field, shown in zip(form.fields, _labelled(modal).values(), strict=True):
            assert shown["label"] == field.label
            assert field.hint == "" or shown.get("description") == field.hint
        view = render_view(form, {}, close="Close", placeholder="Choose")
        check_view(view)
        assert view["title"]["text"] == form.title
        assert view["submit"]["text"] == form.submit_label


async def forty_long_sessions(world) -> None:
    """Forty sessions with the longest title: /brew sessions lists them in several parts."""
    workspace(world)
    await world.command(ADMIN, "settings facilitator_role facilitators")
    for day in range(1, 41):
        when = f"2027-01-{day:02d}" if day <= 31 else f"2027-02-{day - 31:02d}"
        await world.command(FACILITATOR, f'schedule {when} 2pm title="{LONGEST_THEME}"')


async def test_an_answer_its_response_url_cut_short_is_finished_not_repeated(sqlite_url):
    """Slack takes five answers through one response_url. When it refuses a later part of a
    long answer, the answer is finished through the Web API: the parts already shown are not
    posted again (they were, so the first sessions of the list were shown twice)."""
    async with slack_world(sqlite_url) as world:
        await forty_long_sessions(world)
        body, url = world.sender.command_body(FACILITATOR, "sessions", ROOM)
        # Four answers already went through this URL (the fake counts as Slack does).
        world.fake.response_urls[url.rsplit("/", 1)[1]].extend({} for _ in range(4))
        start = world.fake.last_seq
        sent = await world.sender.post(body, "application/x-www-form-urlencoded")
        assert sent.status == 200
        await world.fake.wait_for(lambda c: c.method == "chat.postEphemeral", after=start)
        await world.settle()
        shown = [
            b["text"]["text"]
            for c in world.fake.after(start)
            if c.answered == "ok"
            and c.method in ("response_url", "chat.postEphemeral", "chat.postMessage")
            for b in c.args.get("blocks", [])
            if "text" in b
        ]
    listed = " ".join(shown)
    for number in range(1, 41):
        assert listed.count(f"Session {number}:") == 1, number


async def test_a_long_answer_on_slack_is_split_before_slack_refuses_its_blocks(sqlite_url):
    """Slack refuses a message whose blocks hold more than about 12,000 characters of text
    (msg_blocks_too_long), far below 50 sections of 3,000: a list of 40 sessions with long
    titles went as one message of about 16,000 and was refused."""
    async with slack_world(sqlite_url) as world:
        await forty_long_sessions(world)
        start = world.fake.last_seq
        await world.command(FACILITATOR, "sessions")
        await world.settle()
        answers = [
            c
            for c in world.fake.after(start)
            if c.method in ("response_url", "chat.postEphemeral", "chat.postMessage")
        ]
    assert answers and all(c.answered == "ok" for c in answers), [c.answered for c in answers]
    shown = " ".join(b["text"]["text"] for c in answers for b in c.args["blocks"] if "text" in b)
    assert "Session 40:" in shown


async def test_more_buttons_than_a_discord_message_holds_are_all_sent(tmp_path):
    """A Discord message holds 5 action rows of 5 buttons: the 26th button on was dropped
    without a word. Now they follow in more messages of at most 25, in order, each one a
    message the fake (which refuses what Discord refuses) accepts."""
    fake = FakeDiscord()
    labels = [f"Option {n}" for n in range(1, 58)]
    message = OutgoingMessage(
        text="Pick one of these.",
        actions=tuple(
            Action(label, custom_id("pick", "one", str(n))) for n, label in enumerate(labels, 1)
        ),
    )
    async with running_discord(tmp_path, fake) as (fake, run):
        where = ConversationRef(
            CommunityRef(Platform.DISCORD, str(fake.guild_id)), str(fake.session_channel)
        )
        await run.adapter.send(where, message)
        posted = fake.posts_to(fake.session_channel)
    shown = [button["label"] for body in posted for button in buttons(body)]
    assert shown == labels
    # Each message after the first says what its buttons are, for a screen reader.
    assert [body.get("content") for body in posted[1:]] == ["More choices:"] * 2
    assert [len(buttons(body)) for body in posted] == [25, 25, 7]
    assert "Pick one of these." in message_text(posted[0])
    fake.assert_clean()


async def test_a_home_tab_longer_than_slack_allows_ends_by_saying_there_is_more(
    sqlite_url, monkeypatch
):
    """A Home tab holds 100 blocks: the 101st on was cut without a word. Now whole sections
    are kept in order while they fit, and the tab ends with a plain sentence saying there is
    more and which command shows it; the fake Slack accepts what is published."""
    texts = harness.loaded_texts()
    long_help = "\n\n".join(f"- Tip {n}: " + "have a brew and talk. " * 110 for n in range(150))
    texts.strings["slack_home.help"] = long_help
    monkeypatch.setattr(harness, "loaded_texts", lambda: texts)
    async with slack_world(sqlite_url) as world:
        workspace(world)
        world.fake.add_user("UPAT", "Pat")
        opened = {"type": "app_home_opened", "channel": "DPAT", "tab": "home", "user": "UPAT"}
        await world.sender.event({**opened, "event_ts": "1700000600.000100"}, "Ev0HOMELONG")
        published = await world.fake.wait_for(lambda c: c.method == "views.publish")
        await world.settle()
    assert published.answered == "ok"
    blocks = published.args["view"]["blocks"]
    assert len(blocks) <= 100
    words = reply_text(Call(0, "", {"blocks": blocks}))
    assert "No session is planned yet" in words and "Easy Read: off" in words
    more = texts.t("slack_home.more")
    assert blocks[-1]["text"]["text"] == more and "/brew help" in more


async def test_a_form_that_does_not_fit_a_slack_modal_is_refused_not_cut(app):
    """A Slack modal holds 100 blocks: blocks past it were cut, so a form could lose its
    last fields without a word. Now such a form is refused whole."""
    review = app.digests.review
    form = review.form("rename", Session(id=7), _themes(3))
    long = replace(form, intro="\n\n".join("A long introduction. " * 140 for _ in range(120)))
    with pytest.raises(ValueError, match="Slack modal holds 100"):
        render_view(long, {}, close="Close", placeholder="Choose")


async def test_every_form_fits_a_slack_modal_whole(app, chat, fac):
    """Every form the project builds, in every variant (Easy Read with its pictures, with
    and without the agreement question, each review, the spark and priorities forms), is
    a modal Slack takes with every field in it."""
    reflections, review = app.reflections, app.digests.review
    forms = [
        reflections.form(1, easy=easy, ask_agreement=agree)
        for easy in (False, True)
        for agree in (False, True)
    ]
    forms += [
        review.form(kind, Session(id=7), _themes(count)) for kind in KINDS for count in (3, 120)
    ]
    forms += (await chat.say(fac, "/brew sparks add")).forms
    forms.append(app.digests.priorities.form(7, [f"Theme {n}" for n in range(1, 40)]))
    for form in forms:
        for pictures in ("", "https://brew.example/pictures/"):
            view = render_view(
                form, {"channel": "C1"}, close="Close", placeholder="Choose", pictures=pictures
            )
            check_view(view)
            inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
            assert inputs == [f.id for f in form.fields], form.custom_id
