"""The facilitator's review of the digest's themes (bot/digest/review.py): rename, merge,
split and move, typed and through the preview's buttons and forms, kept in the review edits
and shown in every form of the sent digest. SQLite and PostgreSQL (the `app` fixture)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.app import build_app
from bot.core.domain import SessionState
from bot.core.messages import FieldKind
from bot.digest.model import DigestInput, build_digest, suggested_grouping
from bot.digest.render import to_csv, to_html, to_markdown
from bot.digest.review import (
    apply_edits,
    checked_name,
    find_theme,
    reviewed,
    themes_of,
)
from bot.digest.themes import other_label
from bot.platforms.memory import MemoryAdapter
from bot.reflections.redaction import KnownNames
from storage.models import Digest as DigestRow
from storage.models import Reflection, Session
from tests.conftest import Chat, loaded_sparks, loaded_texts, make_settings, snapshot
from tests.helpers import compiled, make_session

STATEMENTS = [
    ("not_working", "I waited eleven weeks for an assessment and nobody rang me back."),
    ("not_working", "The waiting list for a review is months long and nobody tells you why."),
    ("not_working", "The bus to the day centre stopped, so I cannot get there any more."),
    ("working", "My carer is patient and listens to what I want for my day."),
    ("future", "I want to be asked what matters to me before the plan is written."),
    ("idea", "A weekly coffee morning would stop people feeling so lonely."),
]


async def reflect_all(app, chat, session_id):
    for n, (category, text) in enumerate(STATEMENTS):
        person = Chat.person(f"Writer{n}")
        await chat.press(person, "brew:consent:yes:")
        await chat.press(
            person,
            f"brew:reflection:submit:{session_id}",
            {"category": category, "text": text, "quote": "yes"},
        )


@pytest.fixture
async def closed(app, chat, fac):
    """A closed session with six reflections from six people, its draft made."""
    session_id = await make_session(app, SessionState.REFLECTING)
    await reflect_all(app, chat, session_id)
    await chat.say(fac, f"/brew close {session_id}")
    return session_id


async def current_themes(app, session_id):
    async with app.db.read() as tx:
        session = await tx.get(Session, session_id)
        row = await app.digests.row(tx, session)
        statements = await app.digests.statements(tx, session)
        return themes_of(reviewed(statements, json.loads(row.edits or "{}")))


async def ids(app, session_id):
    async with app.db.read() as tx:
        rows = (await tx.exec(select(Reflection).where(Reflection.session_id == session_id))).all()
        return {r.text: r.id for r in rows}


def labels(digest):
    return {theme.label for section in digest.categories for theme in section.themes}


def everywhere(digest) -> str:
    return "\n".join((to_markdown(digest), to_html(digest), to_csv(digest)))


# --------------------------------------------------------------------------- pure


GROUPING = {
    "not_working": [("Waiting and access", ["a1", "a2"]), ("Transport", ["a3"])],
    "working": [("Being listened to", ["b1"]), ("Transport", ["b2"])],
}


def test_no_edits_leave_the_suggested_grouping_as_it_is():
    assert apply_edits(GROUPING, []) == GROUPING


def test_a_rename_renames_the_theme_in_every_category():
    edited = apply_edits(GROUPING, [{"op": "rename", "theme": "Transport", "to": "Getting there"}])
    assert edited["not_working"][1] == ("Getting there", ["a3"])
    assert edited["working"][1] == ("Getting there", ["b2"])


def test_merge_split_and_move_in_order():
    edits = [
        {"op": "merge", "theme": "Transport", "to": "Waiting and access"},
        {"op": "split", "theme": "Waiting and access", "items": ["a1"], "to": "Phone calls"},
        {"op": "move", "items": ["b1"], "to": "Phone calls"},
    ]
    edited = apply_edits(GROUPING, edits)
    assert edited["not_working"] == [("Waiting and access", ["a2", "a3"]), ("Phone calls", ["a1"])]
    assert edited["working"] == [("Phone calls", ["b1"]), ("Waiting and access", ["b2"])]
    themes = themes_of(edited)
    assert [(t.number, t.label, t.count) for t in themes] == [
        (1, "Waiting and access", 3),
        (2, "Phone calls", 2),
    ]
    # The same edits on the same grouping, always the same result.
    assert apply_edits(GROUPING, edits) == edited


def test_edits_about_what_is_not_there_change_nothing():
    edits = [
        {"op": "rename", "theme": "Housing", "to": "Homes"},
        {"op": "move", "items": ["gone"], "to": "Homes"},
        {"op": "rename", "theme": "Transport", "to": ""},
    ]
    assert apply_edits(GROUPING, edits) == GROUPING


_IDS = [f"i{n}" for n in range(8)]
_LABELS = ["Transport", "Housing", "Waiting and access", "New one"]
_EDIT = st.one_of(
    st.fixed_dictionaries(
        {
            "op": st.sampled_from(["rename", "merge"]),
            "theme": st.sampled_from(_LABELS),
            "to": st.sampled_from(_LABELS),
        }
    ),
    st.fixed_dictionaries(
        {
            "op": st.sampled_from(["split", "move"]),
            "items": st.lists(st.sampled_from(_IDS), max_size=3),
            "to": st.sampled_from(_LABELS),
        }
    ),
)


@given(
    assignment=st.lists(st.sampled_from(_LABELS[:3]), min_size=8, max_size=8),
    edits=st.lists(_EDIT, max_size=6),
)
@settings(max_examples=150, deadline=None)
def test_any_edits_keep_every_statement_once_and_give_the_same_result(assignment, edits):
    grouping: dict[str, list[tuple[str, list[str]]]] = {}
    for n, label in enumerate(assignment):
        category = ("working", "not_working")[n % 2]
        groups = grouping.setdefault(category, [])
        found = next((g for g in groups if g[0] == label), None)
        if found is None:
            groups.append((label, [_IDS[n]]))
        else:
            found[1].append(_IDS[n])
    edited = apply_edits(grouping, edits)
    placed = [i for groups in edited.values() for _, ids in groups for i in ids]
    assert sorted(placed) == sorted(_IDS)
    for category, groups in edited.items():
        assert {i for _, ids in groups for i in ids} == {
            i for _, ids in grouping[category] for i in ids
        }, "a statement stays in its own category"
    assert apply_edits(grouping, edits) == edited
    assert sum(t.count for t in themes_of(edited)) == len(_IDS)


def test_other_points_stays_last_and_themes_are_found_by_number_or_name():
    grouping = {"idea": [("Transport", ["x"]), (other_label(), ["y", "z"])]}
    themes = themes_of(grouping)
    assert [t.label for t in themes] == ["Transport", other_label()]
    assert find_theme(themes, "2").label == other_label()
    assert find_theme(themes, "#1").label == find_theme(themes, "  transport ").label
    assert find_theme(themes, "3") is None and find_theme(themes, "") is None


def test_a_typed_name_is_checked_and_redacted():
    names = KnownNames.build(["Fran Jones"])
    assert checked_name("  Getting   there ", names) == "Getting there"
    assert checked_name("Help from Fran Jones", names) == "Help from [name]"
    assert "[email]" in checked_name("ask bob@example.com", names)
    for bad in ("", "   ", "x" * 41):
        with pytest.raises(Exception) as refused:
            checked_name(bad, names)
        assert refused.value.key in ("review.name_empty", "review.name_too_long")


def test_the_suggested_grouping_is_the_one_the_digest_makes():
    from bot.digest.model import DigestReflection

    reflections = [DigestReflection(f"r{n}", c, t, True) for n, (c, t) in enumerate(STATEMENTS)]
    base = dict(
        title="T",
        theme="T",
        spark_title=None,
        date_text="today",
        session_id=1,
        attendance={},
        total_attended=6,
        reflections=reflections,
        contributors=6,
        actions=[],
    )
    plain = build_digest(DigestInput(**base))
    given = build_digest(DigestInput(**base, grouping=suggested_grouping(reflections)))
    assert plain == given


# --------------------------------------------------------------------------- typed commands


async def test_the_preview_numbers_the_themes_and_offers_buttons(app, chat, fac, closed):
    preview = await chat.say(fac, f"/brew digest {closed}")
    message = preview.replies[0][0]
    assert "Theme 1:" in message.plain_text()
    customs = [a.custom_id for a in message.actions]
    assert customs[0] == f"brew:digest:send:{closed}"
    assert f"brew:theme:rename:{closed}" in customs
    assert f"brew:theme:split:{closed}" in customs
    assert f"brew:theme:move:{closed}" in customs
    # The draft sent at close has them too.
    draft = chat.adapter.private_to("user-fran")[-1]
    assert f"brew:theme:rename:{closed}" in [a.custom_id for a in draft.actions]


async def test_rename_by_command_reaches_every_form_of_the_sent_digest(app, chat, fac, closed):
    first = (await current_themes(app, closed))[0]
    answer = await chat.say(fac, f"/brew digest {closed} rename 1 Getting there")
    assert f"The theme {first.label} is now called Getting there." in answer.text
    digest = await compiled(app, closed)
    assert "Getting there" in labels(digest) and first.label not in labels(digest)
    shown = everywhere(digest)
    assert "Getting there" in shown
    await chat.say(fac, f"/brew digest {closed} send")
    posted = [s.message.plain_text() for s in chat.adapter.ops("send")]
    assert any("Getting there" in text for text in posted)


async def test_merge_split_and_move_by_command(app, chat, fac, closed):
    texts = await ids(app, closed)
    themes = await current_themes(app, closed)
    assert len(themes) >= 2
    answer = await chat.say(fac, f"/brew digest {closed} merge 2 into 1")
    assert f"The theme {themes[1].label} is now part of {themes[0].label}." in answer.text
    merged = await current_themes(app, closed)
    assert len(merged) == len(themes) - 1
    assert merged[0].count == themes[0].count + themes[1].count

    bus = texts[STATEMENTS[2][1]]
    lonely = texts[STATEMENTS[5][1]]
    holder = next(t for t in merged if bus in t.items)
    answer = await chat.say(fac, f"/brew digest {closed} split {holder.number} {bus[:8]} Transport")
    assert "are now under Transport" in answer.text
    answer = await chat.say(fac, f"/brew digest {closed} move {lonely[:8]} Transport")
    assert f"Item {lonely[:8]} is now under Transport." in answer.text
    after = await current_themes(app, closed)
    transport = next(t for t in after if t.label == "Transport")
    assert set(transport.items) == {bus, lonely}
    # Moving to a theme by its number works too.
    answer = await chat.say(fac, f"/brew digest {closed} move {lonely[:8]} {after[0].number}")
    assert f"is now under {after[0].label}" in answer.text
    digest = await compiled(app, closed)
    transport_count = sum(
        t.count for s in digest.categories for t in s.themes if t.label == "Transport"
    )
    assert transport_count == 1


async def test_renaming_to_another_themes_name_makes_them_one(app, chat, fac, closed):
    themes = await current_themes(app, closed)
    other_name = themes[0].label.upper()  # any capitals
    answer = await chat.say(fac, f"/brew digest {closed} rename 2 {other_name}")
    assert "so they are one theme" in answer.text
    after = await current_themes(app, closed)
    assert len(after) == len(themes) - 1
    assert after[0].label == themes[0].label  # the existing spelling is kept


async def test_a_typed_name_is_redacted_before_it_is_stored(app, chat, fac, closed):
    answer = await chat.say(
        fac, f"/brew digest {closed} rename 1 Help from my social worker Jane Smith"
    )
    assert "taken out of the name" in answer.text
    async with app.db.read() as tx:
        row = (await tx.exec(select(DigestRow).where(DigestRow.session_id == closed))).one()
    assert "Jane" not in row.edits and "Smith" not in row.edits
    digest = await compiled(app, closed)
    assert "Help from my social worker [name]" in labels(digest)
    assert "Jane" not in everywhere(digest)


@pytest.mark.parametrize(
    ("words", "sentence"),
    [
        ("rename 9 Anything", "I cannot find theme 9. Please use the number of a theme"),
        ("rename", "Please give the number of a theme from the preview. The themes are: 1 "),
        ("rename 1", "Please type a name for the theme."),
        ("rename 1 " + "x" * 41, "can be up to 40 characters, and this one has 41"),
        ("merge 1 1", "Please choose two different themes to merge."),
        ("move ffff0000 1", "I cannot find item ffff0000 in the digest. Please use an item code"),
        ("split 1 Transport", "Please give the item codes of the statements to take out"),
        ("split 1 abc123def New", "I cannot find item abc123def"),
    ],
)
async def test_bad_input_gets_one_kind_sentence_and_changes_nothing(
    app, chat, fac, closed, words, sentence
):
    before = await snapshot(app)
    answer = await chat.say(fac, f"/brew digest {closed} {words}")
    assert sentence in answer.text
    assert len(answer.replies) == 1
    assert await snapshot(app) == before


async def test_a_statement_from_another_theme_cannot_be_split_out(app, chat, fac, closed):
    themes = await current_themes(app, closed)
    stranger = themes[1].items[0]
    answer = await chat.say(fac, f"/brew digest {closed} split 1 {stranger[:8]} New theme")
    assert f"Item {stranger[:8]} is not in theme 1 ({themes[0].label})" in answer.text


async def test_only_a_facilitator_and_only_before_sending(app, chat, fac, closed):
    before = await snapshot(app)
    someone = Chat.person("Sam")
    answer = await chat.say(someone, f"/brew digest {closed} rename 1 Mine")
    assert "Mine" not in labels(await compiled(app, closed))
    answer = await chat.press(someone, f"brew:theme:rename:{closed}")
    assert not answer.forms
    first = (await current_themes(app, closed))[0]
    answer = await chat.press(
        someone, f"brew:theme:rename_save:{closed}", {"theme": first.label, "name": "Mine"}
    )
    assert "Mine" not in answer.text
    assert await snapshot(app) == before
    await chat.say(fac, f"/brew digest {closed} send")
    answer = await chat.say(fac, f"/brew digest {closed} rename 1 Too late")
    assert (
        answer.text
        == f"The digest for session {closed} has already been sent, so it cannot be changed."
    )
    pressed = await chat.press(fac, f"brew:theme:rename:{closed}")
    assert not pressed.forms and "already been sent" in pressed.text


async def test_not_before_the_session_is_closed(app, chat, fac):
    session_id = await make_session(app, SessionState.REFLECTING)
    answer = await chat.say(fac, f"/brew digest {session_id} rename 1 Early")
    assert "is not closed yet" in answer.text


async def test_edits_survive_a_restart_and_a_new_draft(app, chat, fac, closed, database_url):
    await chat.say(fac, f"/brew digest {closed} rename 1 Getting there")
    await chat.say(fac, f"/brew digest {closed} merge 3 into 2")
    before = to_markdown(await compiled(app, closed))
    # A new draft (the preview made again) and the same digest.
    await chat.say(fac, f"/brew digest {closed}")
    assert to_markdown(await compiled(app, closed)) == before
    again = await build_app(
        make_settings(database_url),
        MemoryAdapter(),
        migrate=False,
        texts=loaded_texts(),
        sparks=loaded_sparks(),
    )
    try:
        assert to_markdown(await compiled(again, closed)) == before
    finally:
        await again.close()


# --------------------------------------------------------------------------- buttons and forms


async def test_each_button_opens_a_small_form(app, chat, fac, closed):
    themes = await current_themes(app, closed)
    for kind in ("rename", "merge", "split", "move"):
        pressed = await chat.press(fac, f"brew:theme:{kind}:{closed}")
        (form,) = pressed.forms
        assert pressed.first == "form"
        assert form.custom_id == f"brew:theme:{kind}_save:{closed}"
        assert 1 <= len(form.fields) <= 5 and len(form.title) <= 24
        choices = [f for f in form.fields if f.kind is FieldKind.CHOICE]
        assert choices and [c.value for c in choices[0].choices] == [t.label for t in themes]


async def test_a_form_renames_merges_splits_and_moves(app, chat, fac, closed):
    texts = await ids(app, closed)
    themes = await current_themes(app, closed)
    done = await chat.press(
        fac, f"brew:theme:rename_save:{closed}", {"theme": themes[0].label, "name": "Waiting"}
    )
    assert "is now called Waiting" in done.text
    assert f"brew:theme:rename:{closed}" in [a.custom_id for a in done.replies[0][0].actions]
    done = await chat.press(
        fac, f"brew:theme:merge_save:{closed}", {"theme": themes[1].label, "into": "Waiting"}
    )
    assert "is now part of Waiting" in done.text
    bus, lonely = texts[STATEMENTS[2][1]], texts[STATEMENTS[5][1]]
    holder = next(t for t in await current_themes(app, closed) if bus in t.items)
    done = await chat.press(
        fac,
        f"brew:theme:split_save:{closed}",
        {"theme": holder.label, "items": f"{bus[:8]},", "name": "Getting about"},
    )
    assert "now under Getting about" in done.text
    done = await chat.press(
        fac,
        f"brew:theme:move_save:{closed}",
        {"item": lonely[:8], "to": "Getting about", "name": ""},
    )
    assert "now under Getting about" in done.text
    digest = await compiled(app, closed)
    assert {"Waiting", "Getting about"} <= labels(digest)
    assert "Getting about" in everywhere(digest)


async def test_a_refused_form_names_the_field(app, chat, fac, closed):
    themes = await current_themes(app, closed)
    before = await snapshot(app)
    done = await chat.press(
        fac, f"brew:theme:rename_save:{closed}", {"theme": themes[0].label, "name": "  "}
    )
    message = done.replies[0][0]
    assert message.refused and message.field == "name"
    assert message.plain_text() == "Please type a name for the theme."
    done = await chat.press(
        fac, f"brew:theme:move_save:{closed}", {"item": "zz", "to": "", "name": ""}
    )
    assert "I cannot find item zz" in done.text
    done = await chat.press(
        fac,
        f"brew:theme:move_save:{closed}",
        {"item": themes[0].items[0][:8], "to": themes[1].label, "name": "New"},
    )
    assert done.text == "Please choose a theme or type a new name, not both."
    assert await snapshot(app) == before


async def test_same_edits_on_the_same_statements_give_the_same_digest(app, chat, fac, closed):
    await chat.say(fac, f"/brew digest {closed} rename 1 Getting there")
    first = await compiled(app, closed)
    second = await compiled(app, closed)
    assert first == second and to_csv(first) == to_csv(second)
