"""A participant's words in a Teams card show exactly as typed: checked against a reference
reader of what a TextRun does (written from Microsoft's documentation, not from our escaper),
and cut anywhere without breaking an escape."""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.splitting import split_text
from bot.platforms.teams.escape import WHOLE, ZWSP, escape_teams, escape_teams_text, neutralise

# Text made mostly of what Teams reads as markup, so hypothesis finds clashes quickly.
HOSTILE_PARTS = [
    *"<>@#!&|^*_~`[]()\\:/-+.=' \n\t{}",
    "\ufff9", "\ufffa@1\ufffb", "\ufffb",
    "<at>Sam</at>",
    "<AT >x</at>",
    "< at>",
    "</at>",
    "{{DATE(2017-02-14T06:00:00Z, SHORT)}}",
    "{{TIME(2017-02-14T06:00:00Z)}}",
    "{{",
    "}}",
    "**bold**",
    "_it_",
    "- ",
    "1. ",
    "[Click for help](https://evil.example)",
    "https://x.example/a_b*c",
    "HTTP://X.EXAMPLE",
    "ftp://x",
    "www.x.example",
    "WWW.",
    "sam@example.org",
    "@everyone",
    "&amp;",
    "&lt;",
    "<b>bold</b>",
    "\r\n",
    "\r",
    "\x00",
    ZWSP,
    "e\u0301",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "\U0001f1ec\U0001f1e7",
    "0123456789",
]
hostile = st.lists(st.one_of(st.sampled_from(HOSTILE_PARTS), st.text(max_size=4)), max_size=40).map(
    "".join
)

# What a TextRun turns into something other than its text (learn.microsoft.com: "TextRun:
# Markdown is not supported"; "Text features": the DATE() and TIME() functions; "Format
# cards": <at>name</at> mentions; and, being careful, what a client may link by itself).
_RUN_MARKUP = {
    "a date or time function": re.compile(r"\{\{"),
    "a mention tag": re.compile(r"<\s*/?\s*at\b", re.IGNORECASE),
    "a link": re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE),
    "a www address": re.compile(r"(?<![\w.])www\.\w", re.IGNORECASE),
    "an e-mail address": re.compile(r"[\w.+-]@[\w-]"),
}


def run_reads(text: str) -> str:
    """What Teams shows for a TextRun's `text` (zero-width spaces are invisible); fails the
    test if any of it would become a date, a mention or a link."""
    for what, pattern in _RUN_MARKUP.items():
        assert not pattern.search(text), f"{what}: {text!r}"
    return text.replace(ZWSP, "")


def typed(text: str) -> str:
    """What a person sees of what they typed: one kind of line end, no invisible spaces, a
    NUL as the replacement character."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    return text.replace(ZWSP, "")


def squeezed(text: str) -> str:
    return re.sub(r"\s", "", text.replace(ZWSP, ""))


@pytest.mark.parametrize(
    "text",
    [
        "<at>Sam</at>",
        "hi <AT>Everyone</AT>!",
        "</at>",
        "{{DATE(2017-02-14T06:00:00Z, SHORT)}}",
        "{{{TIME(2017-02-14T06:00:00Z)}}}",
        "see https://evil.example/login",
        "www.evil.example",
        "mail sam@example.org",
        "@everyone",
    ],
)
def test_mentions_dates_and_links_are_broken_up_invisibly(text):
    out = escape_teams(text)
    assert out != text
    assert run_reads(out) == text


@pytest.mark.parametrize(
    "text", ["**bold** _it_", "- list\n1. numbered", "[x](https://y)", "<b>x</b> &amp; é", "a\\b"]
)
def test_markdown_and_html_are_left_as_typed_for_a_run_that_reads_none(text):
    assert run_reads(escape_teams(text)) == text


def test_line_ends_and_nul_are_what_a_reader_would_show():
    assert escape_teams("a\r\nb\rc\x00") == "a\nb\nc\ufffd"


def test_the_bots_own_words_keep_their_links_and_markdown_but_not_dates_or_mentions():
    out = neutralise("**Hi** [site](https://x.org) <at>Sam</at> {{DATE(2017-02-14T06:00:00Z)}}")
    assert "**Hi** [site](https://x.org)" in out
    assert "<at>" not in out and "{{" not in out
    assert out.replace(ZWSP, "") == (
        "**Hi** [site](https://x.org) <at>Sam</at> {{DATE(2017-02-14T06:00:00Z)}}"
    )


@settings(max_examples=300, deadline=None)
@given(hostile)
def test_any_words_read_back_as_typed(text):
    assert run_reads(escape_teams(text)) == typed(text)


@settings(max_examples=200, deadline=None)
@given(hostile, st.integers(min_value=2, max_value=60))
def test_cutting_escaped_words_never_breaks_an_escape(text, limit):
    pieces = split_text(escape_teams(text), limit, whole=WHOLE)
    assert all(0 < len(piece) <= limit for piece in pieces)
    # Every piece, read on its own (a run of a card of its own), shows only what was typed.
    assert squeezed("".join(run_reads(piece) for piece in pieces)) == squeezed(typed(text))


class _TextReader(HTMLParser):
    """What Teams shows of a message text sent as HTML (`textFormat: "xml"`): its characters
    with entities decoded and <br> as a line end; any other tag fails the test."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shown: list[str] = []

    def handle_starttag(self, tag, attrs):
        assert tag == "br" and not attrs, f"a tag: <{tag}>"
        self.shown.append("\n")

    def handle_endtag(self, tag):
        raise AssertionError(f"a tag: </{tag}>")

    def handle_data(self, data):
        self.shown.append(data)


def text_reads(text: str) -> str:
    reader = _TextReader()
    reader.feed(text)
    reader.close()
    shown = "".join(reader.shown)
    # Tags were checked above; what shows may look like one, but it is text.
    for what in ("a link", "a www address", "an e-mail address"):
        assert not _RUN_MARKUP[what].search(shown), f"{what}: {text!r}"
    return shown.replace(ZWSP, "")


def test_a_message_text_shows_tags_entities_and_line_ends_as_typed():
    words = "<at>Sam</at> <b>x</b> &amp; 1 < 2\r\nhttps://x.y"
    assert escape_teams_text(words).startswith("&lt;at&gt;Sam&lt;/at&gt; &lt;b&gt;")
    assert text_reads(escape_teams_text(words)) == typed(words)


@settings(max_examples=300, deadline=None)
@given(hostile)
def test_any_words_in_a_message_text_read_back_as_typed(text):
    assert text_reads(escape_teams_text(text)) == typed(text)
