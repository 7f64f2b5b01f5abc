"""Hostile input on the digest's findings (issue 15): the theme review typed and through its
forms, people's priorities, and statements added in chat. Every refusal is one short sentence
that echoes nothing unreadable and leaves the database as it was; what is accepted is stored
readable, and every export neutralises what was typed. SQLite and PostgreSQL (`app`).

tests/engine/test_bad_input.py throws hostile values at every option of every command; these
reach what it cannot: the free words after `digest N rename|merge|split|move`, the values of
the forms, a draft big enough that listing its codes would be an essay, and the exports."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.commands import CommandError
from bot.core.domain import SessionState
from bot.core.typed import readable, shown
from bot.digest.render import to_csv, to_html, to_markdown
from bot.digest.review import NAME_MAX, checked_name
from bot.reflections.redaction import KnownNames
from storage.models import Session
from tests.conftest import Chat, snapshot
from tests.digest.test_theme_review import current_themes
from tests.helpers import compiled, make_session

# Nothing a person can read: refused wherever a name, a statement or a choice is needed.
UNSEEN = ["", " ", "\u200b", "\u202e", "\u200b\u200c\u200d\ufeff", "\x01\x02\x1b", "\u0301\u0301"]
HOSTILE = [
    *UNSEEN,
    "x" * 3900,
    "\u202eabc",
    "tea\x00time\x1b[31m",
    "😀" * 41,
    "e\u0301" * 21,
    "<script>alert(1)</script>",
    "@everyone",
    "<!channel>",
    "[x](javascript:alert(1))",
    '=HYPERLINK("http://e","x")',
    "+cmd",
    "@SUM(1)",
    "-1",
    "0",
    str(2**63),
    "1e309",
    "NaN",
    "2026-02-30",
    "#0",
    "t99999",
    "\u0663",
]
# The most telling of the rest, where each try takes the draft's grouping.
TELLING = ["x" * 3900, "\u202eabc", "tea\x00time\x1b[31m", "@everyone", "<!channel>", "-1"]
INJECTIONS = ['=HYPERLINK("http://e","x") buses', "+cmd buses", "@SUM(1) buses", "-1 buses"]
# Made-up statements, so the draft has more item codes than one sentence should list.
FILLER = [f"Statement number {n} about the bus to the day centre." for n in range(12)]
# Ways an item code cannot be found, however the draft is made.
TYPED_CODES = ["", "\u200b", "1", "zzzz", "ffff0000", "x" * 200, "\u202e70f4"]


def unseen_in(text: str) -> list[str]:
    """Characters of `text` that `readable` would take out (it keeps line breaks)."""
    return [c for c in text if c not in "\n\t" and c not in readable(f"a{c}a")]


def refusal(answer) -> str:
    """The one sentence a refusal is: short, readable, no traceback."""
    assert len(answer.replies) == 1 and not answer.forms, answer.replies
    sentence = answer.text
    assert "Traceback" not in sentence and "went wrong" not in sentence, sentence
    assert 0 < len(sentence) < 400, sentence
    assert not unseen_in(sentence), repr(sentence)
    return sentence


@pytest.fixture
async def closed(app, chat, fac):
    """A closed session whose draft holds 30 statements and four that try CSV injection."""
    session_id = await make_session(app, SessionState.REFLECTING)
    for text in (*FILLER, *INJECTIONS):
        added = await chat.say(
            fac, f'/brew statement add session={session_id} idea "{text}" quote=yes'
        )
        assert added.text.startswith("Added 1 statement"), added.text
    await chat.say(fac, f"/brew close {session_id}")
    return session_id


# --------------------------------------------------------------------------- pure


@given(st.text())
def test_what_is_shown_back_is_one_readable_line_and_never_empty(typed):
    said = shown(typed, 12)
    assert said and "\n" not in said and len(said) <= 12 + 3
    assert not unseen_in(said)
    kept = readable(typed)
    assert kept == kept.strip() and not unseen_in(kept.replace("\n", ""))


@given(st.text(max_size=60))
def test_a_theme_name_is_refused_or_readable(typed):
    try:
        name = checked_name(typed, KnownNames.build([]))
    except CommandError as refused:
        assert refused.key in ("review.name_empty", "review.name_too_long")
        return
    assert name and name == " ".join(name.split()) and not unseen_in(name)


@pytest.mark.parametrize("typed", UNSEEN)
def test_a_name_of_nothing_readable_is_asked_for_again(typed):
    with pytest.raises(CommandError) as refused:
        checked_name(typed, KnownNames.build([]))
    assert refused.value.key == "review.name_empty"


# --------------------------------------------------------------------------- the review


async def test_hostile_words_after_each_review_command_are_refused_or_stored_readable(
    app, chat, fac, closed
):
    code = (await current_themes(app, closed))[0].items[0][:8]
    shapes = ("rename 1 {v}", "rename {v} New", "merge 1 into {v}", "split 1 {v} New",
              "split 1 " + code + " {v}", "move {v} 1", "move " + code + " {v}")  # fmt: skip
    before = await snapshot(app)
    for value in UNSEEN:
        for shape in shapes:
            answer = await chat.say(fac, f"/brew digest {closed} {shape.format(v=value)}")
            assert answer.replies[0][0].refused, (shape, value, answer.text)
            refusal(answer)
    assert await snapshot(app) == before
    for value in TELLING:
        for shape in shapes:
            answer = await chat.say(fac, f"/brew digest {closed} {shape.format(v=value)}")
            if answer.replies[0][0].refused:
                refusal(answer)
            else:
                assert "Traceback" not in answer.text and "went wrong" not in answer.text
        for theme in await current_themes(app, closed):
            assert theme.label and len(theme.label) <= NAME_MAX + 20, theme.label
            assert not unseen_in(theme.label), repr(theme.label)


async def test_a_refusal_lists_a_few_codes_however_big_the_draft(app, chat, fac, closed):
    before = await snapshot(app)
    for typed in TYPED_CODES:
        sentence = refusal(await chat.say(fac, f'/brew digest {closed} move "{typed}" 1'))
        assert "more" in sentence, sentence
        form = await chat.press(
            fac, f"brew:theme:move_save:{closed}", {"item": typed, "to": "", "name": "New"}
        )
        refusal(form)
    assert "Please give the code of a statement" in refusal(
        await chat.press(fac, f"brew:theme:move_save:{closed}", {"item": "\u200b", "name": "N"})
    )
    biggest = (await current_themes(app, closed))[0]
    assert biggest.count > 6
    refusal(await chat.say(fac, f"/brew digest {closed} split 1"))
    refusal(await chat.say(fac, f"/brew digest {closed} rename {'x' * 300} New"))
    assert await snapshot(app) == before


async def test_hostile_form_values_are_refused_in_one_sentence(app, chat, fac, closed):
    themes = await current_themes(app, closed)
    first, code = themes[0].label, themes[0].items[0][:8]
    before = await snapshot(app)
    for value in ["", "\u200b\u200c\u200d\ufeff", "\x01\x02\x1b", "x" * 10_000]:
        for kind, values in (
            ("rename", {"theme": value, "name": "ok"}),
            ("rename", {"theme": first, "name": value}),
            ("merge", {"theme": first, "into": value}),
            ("split", {"theme": first, "items": value, "name": "New"}),
            ("split", {"theme": first, "items": code, "name": value}),
            ("move", {"item": value, "to": "", "name": "New"}),
            ("move", {"item": code, "to": value, "name": ""}),
        ):
            answer = await chat.press(fac, f"brew:theme:{kind}_save:{closed}", values)
            assert answer.replies[0][0].refused, (kind, values, answer.text)
            refusal(answer)
    assert await snapshot(app) == before


async def test_every_export_neutralises_what_was_typed(app, chat, fac, closed):
    for words in ("rename 1 =cmd|calc!A0", "move {code} @SUM(1+1)", "rename 2 <b>bold</b>"):
        code = (await current_themes(app, closed))[-1].items[0][:8]
        await chat.say(fac, f"/brew digest {closed} {words.format(code=code)}")
    digest = await compiled(app, closed)
    cells = [cell for row in csv.reader(io.StringIO(to_csv(digest))) for cell in row]
    assert any("HYPERLINK" in cell for cell in cells) and any("calc" in cell for cell in cells)
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    page = to_html(digest)
    assert "<b>bold" not in page and "&lt;b&gt;bold" in page
    assert "<b>bold" not in to_markdown(digest)


# --------------------------------------------------------------------------- priorities


async def test_hostile_priorities_are_refused_and_store_nothing(app, chat, fac):
    session_id = await make_session(app, SessionState.REFLECTING)
    for text in FILLER[:6]:
        await chat.say(fac, f'/brew statement add session={session_id} working "{text}"')
    before = await snapshot(app)
    voter = Chat.person("Voter")
    for value in [*UNSEEN, *TELLING, '=HYPERLINK("http://e","x")', str(2**63), "NaN"]:
        answer = await chat.press(voter, f"brew:priorities:save:{session_id}", {"third": value})
        sentence = refusal(answer)
        if value in UNSEEN:
            assert sentence == "Please choose at least one theme.", repr(value)
    for custom in ("open:", "open:-1", "open:99999999999999999999", "open:abc", "save:9999"):
        refusal(await chat.press(voter, f"brew:priorities:{custom}", {"first": "x"}))
    assert await snapshot(app) == before


# --------------------------------------------------------------------------- statements


async def test_a_statement_of_nothing_readable_is_refused(app, chat, fac):
    session_id = await make_session(app, SessionState.REFLECTING)
    before = await snapshot(app)
    for value in UNSEEN[2:]:
        answer = await chat.say(fac, f'/brew statement add session={session_id} idea "{value}"')
        # Typed, a value with nothing readable is no value at all (convert_options), so the
        # command asks for its words as for any missing option.
        assert refusal(answer) == (
            "Please add text to the /brew statement add command, or type /brew help to see how."
        )
    added = await chat.say(
        fac, f'/brew statement add session={session_id} idea "\u202eMore\x1b buses"'
    )
    assert added.text.startswith("Added 1 statement")
    async with app.db.read() as tx:
        session = await tx.get(Session, session_id)
        (stored,) = await app.digests.statements(tx, session)
    assert stored.text == "More buses"
    assert await snapshot(app) != before
