"""People's priorities (bot/digest/priorities.py): before the close, participants see the
suggested themes and each marks up to three that matter most; only counts are stored, and the
digest shows the themes marked by 5 people or more. SQLite and PostgreSQL (the `app` fixture)."""

from __future__ import annotations

import json

import pytest
from sqlmodel import SQLModel, select

from bot.core.domain import SessionState
from bot.core.marked import unmark
from bot.core.messages import FieldKind
from bot.digest.render import to_html, to_json, to_markdown, to_sections
from bot.digest.review import reviewed, themes_of
from bot.digest.themes import other_label
from storage.models import PriorityCount, Session
from tests import forensics
from tests.conftest import Chat, snapshot
from tests.helpers import compiled, make_session, share_reflections

STATEMENTS = [
    ("not_working", "I waited eleven weeks for an assessment and nobody rang me back."),
    ("not_working", "The waiting list for a review is months long and nobody tells you why."),
    ("not_working", "The bus to the day centre stopped, so I cannot get there any more."),
    ("working", "My carer is patient and listens to what I want for my day."),
    ("future", "I want to be asked what matters to me before the plan is written."),
    ("idea", "A weekly coffee morning would stop people feeling so lonely."),
]
HEADING = "What people said matters most"


@pytest.fixture
async def reflecting(app, chat):
    """A session collecting reflections, with six reflections from six people."""
    session_id = await make_session(app, SessionState.REFLECTING)
    await share_reflections(chat, session_id, STATEMENTS, lambda n: Chat.person(f"Writer{n}"))
    return session_id


async def theme_labels(app, session_id):
    async with app.db.read() as tx:
        session = await tx.get(Session, session_id)
        statements = await app.digests.statements(tx, session)
        grouping = reviewed(statements, await app.digests.edits(tx, session))
        return [t.label for t in themes_of(grouping) if t.label != other_label()]


async def mark(chat, name, session_id, *labels):
    values = dict(zip(("first", "second", "third"), labels, strict=False))
    return await chat.press(Chat.person(name), f"brew:priorities:save:{session_id}", values)


def posted(app):
    return [
        s.message
        for s in app.deps.adapter.sent
        if s.message is not None and s.message.title == "What matters most to you?"
    ]


async def test_the_facilitator_posts_the_themes_with_a_button(app, chat, fac, reflecting):
    labels = await theme_labels(app, reflecting)
    assert len(labels) >= 2
    answer = await chat.say(fac, f"/brew digest {reflecting} priorities")
    assert f"themes in the session's channel for session {reflecting}" in answer.text
    (message,) = posted(app)
    shown = message.plain_text()
    assert all(label in shown for label in labels)
    # Theme labels only, never anyone's words.
    assert all(text not in shown for _, text in STATEMENTS)
    assert [a.custom_id for a in message.actions] == [f"brew:priorities:open:{reflecting}"]


async def test_only_a_facilitator_and_only_while_reflecting(app, chat, fac, reflecting):
    before = await snapshot(app)
    answer = await chat.say(Chat.person("Sam"), f"/brew digest {reflecting} priorities")
    assert not posted(app) and "themes in the session's channel" not in answer.text
    assert await snapshot(app) == before
    early = await make_session(app, SessionState.SCHEDULED, people=0)
    answer = await chat.say(fac, f"/brew digest {early} priorities")
    assert answer.text == (
        f"People can only choose what matters most while session {early} is taking reflections."
    )
    assert not posted(app)


async def test_the_button_opens_three_choices_of_the_themes(app, chat, reflecting):
    labels = await theme_labels(app, reflecting)
    pressed = await chat.press(Chat.person("Voter"), f"brew:priorities:open:{reflecting}")
    (form,) = pressed.forms
    assert pressed.first == "form"
    assert form.custom_id == f"brew:priorities:save:{reflecting}"
    assert len(form.fields) == 3 and len(form.title) <= 24
    for form_field in form.fields:
        assert form_field.kind is FieldKind.CHOICE
        assert [c.value for c in form_field.choices] == labels


async def test_marks_are_counted_and_shown_from_five_people_in_every_form(
    app, chat, fac, reflecting
):
    labels = await theme_labels(app, reflecting)
    first, second = labels[0], labels[1]
    for n in range(5):
        answer = await mark(chat, f"Voter{n}", reflecting, first, second if n < 4 else "")
        assert answer.text == "Thank you. What you chose has been counted, without your name."
    await chat.say(fac, f"/brew close {reflecting}")
    digest = await compiled(app, reflecting)
    assert [(p.label, p.count) for p in digest.priorities] == [(first, 5)]
    markdown, html = to_markdown(digest), to_html(digest)
    chat_post = unmark("\n".join(s.body for s in to_sections(digest)))
    for shown in (markdown, html, chat_post):
        assert HEADING in shown and f"{first}: 5 marks" in shown
    assert f"{second}: 4 marks" not in markdown + html + chat_post
    assert json.loads(to_json(digest))["priorities"] == [{"label": first, "count": 5}]


async def test_under_five_nothing_is_shown(app, chat, fac, reflecting):
    labels = await theme_labels(app, reflecting)
    for n in range(4):
        await mark(chat, f"Voter{n}", reflecting, labels[0])
    await chat.say(fac, f"/brew close {reflecting}")
    digest = await compiled(app, reflecting)
    assert digest.priorities == ()
    assert HEADING not in to_markdown(digest) + to_html(digest)
    assert json.loads(to_json(digest))["priorities"] == []


async def test_a_second_go_is_refused_kindly_and_changes_nothing(app, chat, reflecting):
    labels = await theme_labels(app, reflecting)
    await mark(chat, "Voter", reflecting, labels[0])
    before = await snapshot(app)
    answer = await mark(chat, "Voter", reflecting, labels[1])
    assert (
        answer.text
        == "You have already chosen what matters most to you in this session. Thank you."
    )
    assert len(answer.replies) == 1
    pressed = await chat.press(Chat.person("Voter"), f"brew:priorities:open:{reflecting}")
    assert not pressed.forms and "already chosen" in pressed.text
    assert await snapshot(app) == before


async def test_at_most_three_and_one_theme_twice_counts_once(app, chat, fac, reflecting):
    labels = await theme_labels(app, reflecting)
    for n in range(5):
        await chat.press(
            Chat.person(f"Voter{n}"),
            f"brew:priorities:save:{reflecting}",
            # A fourth answer is not a field of the form: it is not read.
            {"first": labels[0], "second": labels[0], "third": "", "fourth": labels[1]},
        )
    await chat.say(fac, f"/brew close {reflecting}")
    digest = await compiled(app, reflecting)
    assert [(p.label, p.count) for p in digest.priorities] == [(labels[0], 5)]


@pytest.mark.parametrize(
    ("values", "sentence"),
    [
        ({}, "Please choose at least one theme."),
        ({"first": "Made up theme"}, "I do not know the theme Made up theme. Please choose from:"),
    ],
)
async def test_bad_input_gets_one_kind_sentence_and_stores_nothing(
    app, chat, reflecting, values, sentence
):
    before = await snapshot(app)
    answer = await chat.press(Chat.person("Voter"), f"brew:priorities:save:{reflecting}", values)
    assert sentence in answer.text
    assert len(answer.replies) == 1
    assert await snapshot(app) == before


async def test_after_the_close_choosing_has_closed(app, chat, fac, reflecting):
    labels = await theme_labels(app, reflecting)
    await chat.say(fac, f"/brew close {reflecting}")
    before = await snapshot(app)
    answer = await mark(chat, "Late", reflecting, labels[0])
    assert answer.text == (
        f"Choosing for session {reflecting} has closed. Thank you for wanting to take part."
    )
    assert await snapshot(app) == before


async def test_nothing_stored_ties_a_person_to_a_mark(app, chat, fac, reflecting):
    labels = await theme_labels(app, reflecting)
    await chat.say(fac, f"/brew digest {reflecting} priorities")
    before = await snapshot(app)
    await mark(chat, "Voter", reflecting, labels[0], labels[1])
    after = await snapshot(app)
    changed = {name for name in after if after[name] != before[name]}
    # Only the counts changed: no participant row, no last-seen time, no outbox row.
    assert changed == {"priority_count"}
    columns = {c.name for c in SQLModel.metadata.tables["priority_count"].columns}
    assert columns == {"session_id", "label", "count"}
    stored = repr(after["priority_count"])
    assert "voter" not in stored.lower() and "user-" not in stored


async def review(chat, fac, session_id, kind, values):
    answer = await chat.press(fac, f"brew:theme:{kind}_save:{session_id}", values)
    assert "Themes" in answer.text or "theme" in answer.text.lower(), answer.text
    return answer


async def test_marks_follow_the_themes_as_the_review_left_them(app, chat, fac, reflecting):
    """Marks are counted per suggested theme; the facilitator then renames one and merges
    two. The digest shows the new names, a merged theme with the marks of both (a person
    who marked both cannot be told apart without storing who marked what, so it counts
    marks and says so), and nothing under a name that is gone."""
    first, second, third = (await theme_labels(app, reflecting))[:3]
    for n in range(6):
        await mark(chat, f"Both{n}", reflecting, first, second)
    for n in range(5):
        await mark(chat, f"Third{n}", reflecting, third)
    await chat.say(fac, f"/brew close {reflecting}")
    await review(chat, fac, reflecting, "rename", {"theme": third, "name": "Getting there"})
    await review(chat, fac, reflecting, "merge", {"theme": second, "into": first})
    digest = await compiled(app, reflecting)
    assert [(p.label, p.count) for p in digest.priorities] == [
        (first, 12),
        ("Getting there", 5),
    ]
    markdown, html = to_markdown(digest), to_html(digest)
    chat_post = unmark("\n".join(s.body for s in to_sections(digest)))
    for shown in (markdown, html, chat_post):
        assert f"{first}: 12 marks" in shown and "Getting there: 5 marks" in shown
        assert second not in shown.split(HEADING, 1)[1] and third not in shown.split(HEADING)[1]
    assert json.loads(to_json(digest))["priorities"] == [
        {"label": first, "count": 12},
        {"label": "Getting there", "count": 5},
    ]


async def test_a_merge_is_shown_only_when_one_of_its_themes_reached_five_people(
    app, chat, fac, reflecting
):
    """Three people marked both merged themes: six marks, but perhaps only three people,
    so nothing is shown."""
    first, second = (await theme_labels(app, reflecting))[:2]
    for n in range(3):
        await mark(chat, f"Both{n}", reflecting, first, second)
    await chat.say(fac, f"/brew close {reflecting}")
    await review(chat, fac, reflecting, "merge", {"theme": second, "into": first})
    assert (await compiled(app, reflecting)).priorities == ()


async def test_a_theme_whose_statements_all_moved_away_keeps_no_marks(app, chat, fac, reflecting):
    labels = await theme_labels(app, reflecting)
    for n in range(5):
        await mark(chat, f"Voter{n}", reflecting, labels[-1])
    await chat.say(fac, f"/brew close {reflecting}")
    async with app.db.read() as tx:
        session = await tx.get(Session, reflecting)
        statements = await app.digests.statements(tx, session)
    [gone] = [t for t in themes_of(reviewed(statements, {})) if t.label == labels[-1]]
    for item in gone.items:
        await review(chat, fac, reflecting, "move", {"item": item[:8], "to": labels[0]})
    assert (await compiled(app, reflecting)).priorities == ()


async def test_opening_and_marking_before_any_draft_write_only_the_counts(app, chat, reflecting):
    # A button pressed before the facilitator has reviewed anything: the draft row does not
    # exist yet, and this anonymous step must not create it (nor anything else).
    labels = await theme_labels(app, reflecting)
    before = await snapshot(app)
    assert before["digest"] == []
    await chat.press(Chat.person("Early"), f"brew:priorities:open:{reflecting}")
    assert await snapshot(app) == before
    await mark(chat, "Early", reflecting, labels[0])
    after = await snapshot(app)
    assert {name for name in after if after[name] != before[name]} == {"priority_count"}


async def test_sealing_rewrites_the_counts_so_none_keeps_its_last_markers_transaction(
    app, chat, fac, reflecting, database_url
):
    labels = await theme_labels(app, reflecting)
    await chat.say(fac, f"/brew digest {reflecting} priorities")
    for n in range(5):
        await mark(chat, f"Voter{n}", reflecting, labels[n % 2])
    before = await priority_rows(app, reflecting)
    postgres = not database_url.startswith("sqlite")
    if postgres:
        # Every mark rewrites them all: they share the last mark's transaction id.
        assert (
            len({xmin for xmin, *_ in forensics.pg_row_versions(database_url, "priority_count")})
            == 1
        )
    await chat.say(fac, f"/brew close {reflecting}")
    await chat.say(fac, f"/brew digest {reflecting} send")
    async with app.db.read() as tx:
        assert (await tx.get(Session, reflecting)).sealed_at is not None
    assert await priority_rows(app, reflecting) == before
    if postgres:
        counts = forensics.pg_row_versions(database_url, "priority_count")
        reflections = forensics.pg_row_versions(database_url, "reflection")
        # One transaction, the seal's, wrote them all, and the reflections with them.
        assert len({xmin for xmin, *_ in counts + reflections}) == 1


async def priority_rows(app, session_id):
    async with app.db.read() as tx:
        rows = await tx.exec(select(PriorityCount).where(PriorityCount.session_id == session_id))
        return sorted((r.label, r.count) for r in rows)
