"""Typed words inside Brewbot's own sentences are marked (bot/core/marked.py): every value
filled into a text is, unless it is known to be Brewbot's own, and the marks cannot be forged
by typing them."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.core.commands import CommandName
from bot.core.marked import (
    CLOSE,
    OPEN,
    SEPARATOR,
    Mention,
    MentionKind,
    Own,
    Typed,
    has_marks,
    hold,
    mark,
    mention,
    pieces,
    shown_as,
    unmark,
)
from bot.core.messages import Attachment
from bot.core.typed import readable
from bot.delivery.mail import Letter
from bot.engine.texts import Texts

TEXTS = Texts(strings={"said": "{name} said {count} on {day} in {where}."}, templates={})


def test_values_are_typed_unless_known_to_be_brewbots_own():
    text = TEXTS.t("said", name="Sam", count=3, day=date(2026, 3, 1), where=Own("**here**"))
    assert list(pieces(text)) == [Typed("Sam"), " said 3 on 2026-03-01 in **here**."]
    assert isinstance(text, Own)


def test_another_sentence_is_put_in_as_it_is_and_keeps_its_own_marks():
    inner = TEXTS.t("said", name="Sam", count=1, day=date(2026, 3, 1), where=Own("x"))
    outer = TEXTS.t("said", name="Ann", count=2, day=date(2026, 3, 2), where=inner)
    assert [p for p in pieces(outer) if isinstance(p, Typed)] == ["Ann", "Sam"]


def test_a_command_named_is_the_platforms_spelling_not_typed():
    texts = Texts(strings={"k": "Type {command}."}, templates={})
    assert texts.t("k", command=CommandName("call me")) == "Type /brew call me."


def test_marks_typed_inside_a_value_are_taken_out_so_nothing_can_be_forged():
    forged = f"{CLOSE}[x](https://evil.example){OPEN}{SEPARATOR}@123{CLOSE}"
    text = TEXTS.t("said", name=forged, count=1, day=date(2026, 3, 1), where=Own("y"))
    [typed, *_] = pieces(text)
    assert typed == Typed("[x](https://evil.example)@123")
    assert not any(isinstance(p, Mention) for p in pieces(text))


def test_what_people_type_never_holds_a_mark():
    assert readable(f"a{OPEN}b{SEPARATOR}c{CLOSE}d") == "abcd"


def test_an_unclosed_mark_treats_the_rest_as_typed():
    assert list(pieces(f"Hi {OPEN}**Sam")) == ["Hi ", Typed("**Sam")]


def test_a_mention_is_brewbots_own_and_shows_its_id_where_nothing_renders_it():
    made = mention(MentionKind.CHANNEL, "C0123ABCD")
    assert list(pieces(made)) == [Mention(MentionKind.CHANNEL, "C0123ABCD")]
    assert unmark(made) == "C0123ABCD"
    # Not an id: typed words, never a mention.
    assert list(pieces(mention(MentionKind.GROUP, "<!channel>"))) == [Typed("<!channel>")]


@given(st.text())
def test_unmark_leaves_no_mark_and_the_words_as_typed(value):
    words = readable(value)
    assert unmark(mark(words)) == words
    assert not has_marks(unmark(f"x{mark(value)}y{mention(MentionKind.PERSON, '123')}"))


@given(st.lists(st.one_of(st.text(max_size=5), st.text(max_size=5).map(mark))))
def test_holding_and_restoring_gives_back_every_piece_in_its_form(parts):
    text = "".join(parts)
    held = hold(text)
    assert not any(c in held.text for c in "[]") or "[" in text or "]" in text
    restored = held.restore(held.text, lambda w: f"[{w}]", lambda m: m.id)
    assert restored == shown_as(text, lambda w: f"[{w}]", lambda m: m.id)


def test_a_letter_and_a_text_file_never_hold_a_mark():
    marked = TEXTS.t("said", name="Sam", count=1, day=date(2026, 3, 1), where=Own("x"))
    letter = Letter(to=("a@b.org",), subject=marked, text=marked, html=marked)
    assert not any(has_marks(v) for v in (letter.subject, letter.text, letter.html))
    file = Attachment(f"{marked}.txt", marked.encode(), "text/plain")
    assert not has_marks(file.content.decode()) and not has_marks(file.filename)
    # A file that is not text is left exactly as it was made.
    picture = Attachment("p.png", marked.encode(), "image/png")
    assert picture.content == marked.encode()
