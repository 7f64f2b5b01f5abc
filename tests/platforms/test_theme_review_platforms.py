"""The digest's theme review on each platform: the preview's theme buttons render, their
forms become Discord modals and Slack views within each platform's limits, and a submitted
form renames a theme (Discord's own value reading through the shared path; Slack end to end,
the real Bolt app over signed HTTP against the loopback fake Slack)."""

from __future__ import annotations

from sqlmodel import select

from bot.core.domain import SessionState
from bot.platforms.discord.components import build_modal, submitted_values
from bot.platforms.discord.render import render as discord_render
from bot.platforms.slack.blocks import render as slack_render
from bot.platforms.slack.blocks import render_view
from storage.models import Community, Session
from tests.digest.test_theme_review import STATEMENTS, compiled, current_themes, labels
from tests.fakes.slack_harness import ROOM, SlackWorld, slack_world
from tests.helpers import make_session, share_reflections

KINDS = ("rename", "merge", "split", "move")


async def closed_session(app, chat, fac) -> int:
    session_id = await make_session(app, SessionState.REFLECTING)
    await share_reflections(chat, session_id, STATEMENTS, lambda n: chat.person(f"Writer{n}"))
    await chat.say(fac, f"/brew close {session_id}")
    return session_id


async def preview(app, session_id):
    async with app.db.read() as tx:
        session = await tx.get(Session, session_id)
        community = await tx.get(Community, session.community_id)
        return await app.digests.preview_message(tx, community, session)


async def forms(app, chat, fac, session_id):
    found = {}
    for kind in KINDS:
        pressed = await chat.press(fac, f"brew:theme:{kind}:{session_id}")
        (found[kind],) = pressed.forms
    return found


async def test_discord_shows_the_theme_buttons_and_a_modal_renames_a_theme(app, chat, fac):
    session_id = await closed_session(app, chat, fac)
    parts = discord_render(await preview(app, session_id), dm_guild_id="123456789")
    buttons = [item.custom_id for part in parts if part.view for item in part.view.children]
    assert buttons == [
        f"brew:digest:send:{session_id}~123456789",
        *(f"brew:theme:{kind}:{session_id}~123456789" for kind in KINDS),
    ]
    themes = await current_themes(app, session_id)
    modals = {kind: build_modal(form).to_dict() for kind, form in (await forms(
        app, chat, fac, session_id)).items()}  # fmt: skip
    for kind, data in modals.items():
        assert data["custom_id"] == f"brew:theme:{kind}_save:{session_id}"
        assert len(data["title"]) <= 45 and len(data["components"]) <= 5
    select = next(c["component"] for c in modals["rename"]["components"] if c.get("type") == 18)
    assert [o["value"] for o in select["options"]] == [t.label for t in themes]
    # Discord's submission, as its raw components arrive, read as the front-end reads it.
    raw = [
        {"type": 18, "component": {"type": 3, "custom_id": "theme", "values": [themes[0].label]}},
        {"type": 18, "component": {"type": 4, "custom_id": "name", "value": "Getting there"}},
    ]
    done = await chat.press(fac, modals["rename"]["custom_id"], submitted_values(raw))
    assert "is now called Getting there" in done.text
    assert "Getting there" in labels(await compiled(app, session_id))


async def test_slack_shows_the_theme_buttons_and_views_within_its_limits(app, chat, fac):
    session_id = await closed_session(app, chat, fac)
    [*_, last] = slack_render(await preview(app, session_id))
    ids = [e["action_id"] for b in last.blocks if b["type"] == "actions" for e in b["elements"]]
    assert ids == [f"brew:digest:send:{session_id}"] + [
        f"brew:theme:{kind}:{session_id}" for kind in KINDS
    ]
    for kind, form in (await forms(app, chat, fac, session_id)).items():
        view = render_view(form, {"channel": "D1"}, close="Cancel", placeholder="Choose")
        assert view["callback_id"] == f"brew:theme:{kind}_save:{session_id}"
        assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24


# -- Slack, end to end ------------------------------------------------------------------------

ADMIN = "UADA"
WRITERS = [f"UWRITER{n}" for n in range(len(STATEMENTS))]


def workspace(world: SlackWorld) -> None:
    world.fake.add_user(ADMIN, "Ada", admin=True)
    for n, user_id in enumerate(WRITERS):
        world.fake.add_user(user_id, f"Writer {n}")
    world.fake.add_channel(ROOM, "over-a-brew", members=(ADMIN, *WRITERS))


async def test_a_slack_form_submission_renames_a_theme(database_url):
    async with slack_world(database_url) as world:
        workspace(world)
        fake = world.fake
        await world.command(ADMIN, 'schedule tomorrow 2pm theme="Being heard"')
        await world.command(ADMIN, "open")
        await world.command(ADMIN, "reflect")
        async with world.brew.db.read() as tx:
            session = (await tx.exec(select(Session))).one()
        for user_id, (category, text) in zip(WRITERS, STATEMENTS, strict=True):
            opened = await world.click(user_id, f"brew:reflection:open:{session.id}")
            answers = {"category": category, "text": text, "quote": ["yes"], "agree": ["yes"]}
            sent = await world.sender.submit(user_id, opened.args["view"], answers)
            assert sent.status == 200
        await world.command(ADMIN, "close")
        await world.settle()
        draft = [
            c
            for c in fake.calls
            if c.method == "chat.postMessage" and c.args.get("channel") == "DADA"
        ]
        ids = [
            e["action_id"]
            for c in draft
            for b in c.args.get("blocks") or []
            if b["type"] == "actions"
            for e in b["elements"]
        ]
        assert f"brew:theme:rename:{session.id}" in ids
        themes = await current_themes(world.brew, session.id)
        opened = await world.click(ADMIN, f"brew:theme:rename:{session.id}", "DADA")
        assert opened.method == "views.open"
        view = opened.args["view"]
        assert len(view["title"]["text"]) <= 24
        sent = await world.sender.submit(
            ADMIN, view, {"theme": themes[0].label, "name": "Getting there"}
        )
        assert sent.status == 200
        await world.settle()
        digest = await compiled(world.brew, session.id)
        assert "Getting there" in labels(digest)
        assert themes[0].label not in labels(digest)


# -- the terminal chat ------------------------------------------------------------------------


async def test_in_the_terminal_chat_a_button_asks_the_form_one_question_at_a_time(
    sqlite_url, clock
):
    from bot.app import build_app
    from bot.platforms.shell.adapter import ShellAdapter
    from bot.platforms.shell.chat import ShellChat
    from tests.conftest import make_settings

    async def lines(items):
        for item in items:
            yield item

    out: list[str] = []
    adapter = ShellAdapter(out.append)
    app = await build_app(make_settings(sqlite_url), adapter, clock=clock)
    script = [
        '/brew schedule 2026-12-01 14:00 theme="Being heard"',
        "/brew open",
        "/as Sam carer",
        "/brew join",
        "/press 1",
        "/as Facilitator",
        "/brew reflect",
        "/as Sam",
        "/brew reflect",
        "2",
        STATEMENTS[0][1],
        "",
        "1",
        "/as Facilitator",
        "/brew close",
        "/press 2",
        "1",
        "Getting there",
        "/quit",
    ]
    try:
        await ShellChat(app.dispatcher, adapter, lines(script), out.append).run()
        transcript = "\n".join(out)
        assert "Theme 1:" in transcript
        assert 'Facilitator pressed "Rename a theme"' in transcript
        assert "is now called Getting there." in transcript
        assert "Traceback" not in transcript
        async with app.db.read() as tx:
            session = (await tx.exec(select(Session))).one()
        assert "Getting there" in labels(await compiled(app, session.id))
    finally:
        await app.close()
