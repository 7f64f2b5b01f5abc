"""Participants' words in every form of the digest show exactly as typed: Markdown (read by a
real CommonMark + GitHub-flavoured parser), HTML, CSV (and the claims sheet), and the chat
message on Discord and Slack (read by the platforms' own rules)."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import date
from decimal import Decimal
from functools import cache
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from bot.core.escape import safe_cell
from bot.core.marked import has_marks
from bot.core.messages import OutgoingMessage
from bot.digest.model import ActionLine, Digest, DigestItem, build_digest
from bot.digest.render import to_csv, to_html, to_markdown, to_sections
from bot.people.choices import CHARITY, CHOICES, Choice
from bot.people.claims import SHEET_COLUMNS_ADDED, ClaimLine, claims_csv
from bot.platforms.discord.render import render as render_discord
from bot.platforms.slack.blocks import render as render_slack
from tests.digest.test_digest_render import make_input
from tests.platforms.readers import SHY, ZWSP, discord_reads, slack_reads, unquoted
from tests.platforms.test_escaping import hostile

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What a digest's own Markdown may make; anything else came from someone's words.
OUR_TAGS = {"h1", "h2", "h3", "ul", "ol", "li", "p", "strong", "em", "blockquote", "br"}
markdown_words = st.one_of(
    hostile,
    st.sampled_from(
        [
            "<script>alert('hi')</script>",
            '<img src=x onerror="alert(1)">',
            "# Everyone is wonderful\n  ## really",
            "a|b\n-|-\n1|2",
            "line\n===",
            "    indented code",
            "[x]: https://evil.example\n[x]",
            "![pic](https://evil.example/a.png)",
            "www.evil.example and mailto:a@b.example",
            "&amp; &#60;b&#62; \\* \\",
            "- [ ] task\n1) one\n+ plus",
        ]
    ),
).map(lambda words: "".join(c for c in words if not has_marks(c)))
# (Nobody can type the marks of bot/core/marked.py: bot/core/typed.py takes them out.)


@cache
def base() -> Digest:
    return build_digest(make_input())


def with_words(words: str, *, everywhere: bool = True) -> Digest:
    """The sample digest with `words` as the first theme's only quote, as every key message's
    quote and as a reflection in the CSV; with `everywhere`, also as that theme's label, the
    session's title and an action (values that files escape too; in chat those are the bot's
    and the facilitator's words, and a theme label is letters only)."""
    digest = base()
    first = next(s for s in digest.categories if s.themes)
    theme = dataclasses.replace(first.themes[0], quotes=(words,))
    if everywhere:
        theme = dataclasses.replace(theme, label=_one_line(words))
        digest = dataclasses.replace(
            digest,
            title=_one_line(words),
            actions=(ActionLine(_one_line(words), "", "", "planned", None),),
        )
    section = dataclasses.replace(first, themes=(theme, *first.themes[1:]))
    return dataclasses.replace(
        digest,
        categories=tuple(section if s.key == first.key else s for s in digest.categories),
        items=(DigestItem(first.key, "x", words, ()),),
        # The key messages' quotes come first in every form: they carry the words too.
        key_messages=tuple(
            dataclasses.replace(m, quote=words) if m.quote else m for m in digest.key_messages
        ),
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def squash(text: str) -> str:
    return " ".join(text.split())


class Quotes(HTMLParser):
    """The text of every <blockquote>, every tag, and the tags inside blockquotes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.quotes: list[str] = []
        self.tags: set[str] = set()
        self.inside: set[str] = set()
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "blockquote":
            self.depth += 1
            self.quotes.append("")
        elif self.depth:
            self.inside.add(tag)
            self.quotes[-1] += " "  # a line break or a new paragraph

    def handle_endtag(self, tag: str) -> None:
        if tag == "blockquote":
            self.depth -= 1
        elif self.depth:
            self.quotes[-1] += " "

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.quotes[-1] += data


def read_html(page: str) -> Quotes:
    parser = Quotes()
    parser.feed(page)
    parser.close()
    return parser


@cache
def commonmark() -> MarkdownIt:
    """GitHub-flavoured Markdown as e-mail clients and file viewers show it: raw HTML on,
    tables, strike-through and bare links (https://..., www., e-mail addresses)."""
    md = MarkdownIt("gfm-like", {"html": True, "linkify": True})
    md.linkify.set({"fuzzy_link": False, "fuzzy_email": True})
    return md


# Markdown -----------------------------------------------------------------------------------


def test_markdown_script_and_img_from_a_reflection_are_text():
    markdown = to_markdown(with_words('<script>alert(1)</script> <img src=x onerror="alert(1)">'))
    assert not re.search(r"(?<!\\)<(?:script|img)", markdown)
    page = read_html(commonmark().render(markdown))
    assert page.tags <= OUR_TAGS
    assert squash(page.quotes[0]) == '<script>alert(1)</script> <img src=x onerror="alert(1)">'


@settings(max_examples=200, deadline=None)
@given(markdown_words)
def test_markdown_shows_any_words_as_typed(words):
    page = read_html(commonmark().render(to_markdown(with_words(words))))
    assert page.tags <= OUR_TAGS, page.tags - OUR_TAGS
    assert page.inside <= {"p", "br"}, page.inside
    assert squash(page.quotes[0]) == squash(words.replace("\x00", "\ufffd"))


# HTML ---------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(markdown_words)
def test_html_shows_any_words_as_typed(words):
    page = read_html(to_html(with_words(words)))
    assert not page.tags & {"script", "img", "a", "iframe", "object", "embed"}
    assert page.inside <= {"p", "br"}, page.inside
    assert squash(page.quotes[0]) == squash(words)


# CSV ----------------------------------------------------------------------------------------


def cells(sheet: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(sheet, newline="")))


def test_csv_neutralises_a_leading_tab_and_carriage_return():
    for words in ("\t=1+1", "\r=1+1", "-2+3", "@SUM(A1)", "+1"):
        [row] = [r for r in cells(to_csv(with_words(words)))[1:] if r[1] == "x"]
        assert row[3] == "'" + words


@settings(max_examples=200, deadline=None)
@given(markdown_words)
def test_csv_never_starts_a_cell_with_a_formula(words):
    [row] = [r for r in cells(to_csv(with_words(words)))[1:] if r[1] == "x"]
    assert not row[3].startswith(FORMULA_STARTS)
    assert row[3] in (words, "'" + words)


def claim(name: str) -> ClaimLine:
    """A line whose person, session and charity (everything typed) are all `name`."""
    paid_to = Choice(CHARITY, charity=name)
    return ClaimLine(1, 2, name, name, date(2026, 11, 23), 90, Decimal("1.5"), 2250, paid_to)


def sheet(line: ClaimLine) -> list[str]:
    headers = [f"column {n}" for n in range(7 + len(SHEET_COLUMNS_ADDED))]
    words = {choice: choice for choice in CHOICES}
    [row] = cells(claims_csv([line], headers, words, lambda _: "receipts"))[1:]
    return row


def test_the_claims_sheet_neutralises_a_leading_tab_and_carriage_return():
    for name in ('\t=HYPERLINK("http://x")', "\r=1+1", "=1+1"):
        row = sheet(claim(name))
        assert row[0] == row[1] == row[8] == "'" + name


@settings(max_examples=200, deadline=None)
@given(markdown_words)
def test_the_claims_sheet_never_starts_a_cell_with_a_formula(name):
    row = sheet(claim(name))
    assert row[0] == row[1] == row[8] == safe_cell(name)
    assert not any(cell.startswith(FORMULA_STARTS) for cell in row)


# Chat ---------------------------------------------------------------------------------------


def chat_message(words: str) -> OutgoingMessage:
    sections = to_sections(with_words(words, everywhere=False))
    return OutgoingMessage(title="Key findings", sections=sections)


def first_quote(text: str) -> str:
    """The first run of quoted lines (a participant's words) in a rendered digest."""
    run: list[str] = []
    for line in text.split("\n"):
        if line.startswith("> ") or line == ">":
            run.append(line)
        elif run:
            break
    return unquoted("\n".join(run))


def test_in_the_chat_digest_each_quote_is_a_participants_words():
    sections = to_sections(with_words("*bold* <t:0:R>", everywhere=False))
    assert "*bold* <t:0:R>" in [s.body for s in sections if s.untrusted]
    assert all("*bold*" not in s.body for s in sections if not s.untrusted)


@settings(max_examples=200, deadline=None)
@given(markdown_words.filter(str.strip))
def test_discord_digest_shows_quotes_as_typed(words):
    [part, *_] = render_discord(chat_message(words))
    shown = discord_reads(first_quote(part.embeds[0].description))
    assert squash(shown) == squash(words.replace(ZWSP, ""))


@settings(max_examples=200, deadline=None)
@given(markdown_words.filter(str.strip))
def test_slack_digest_shows_quotes_as_typed(words):
    [part, *_] = render_slack(chat_message(words))
    text = "\n\n".join(b["text"]["text"] for b in part.blocks if b["type"] == "section")
    assert squash(slack_reads(first_quote(text))) == squash(
        words.replace(ZWSP, "").replace(SHY, "")
    )
