"""Participants' words reposted by the bot show exactly as typed on Discord and Slack: they
can neither ping anyone, link anywhere nor pick up formatting, and cutting a long message
never breaks an escape. Each platform's one rule is checked against a reference reader of
that platform's own rules (tests/platforms/readers.py), not against itself."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.messages import OutgoingMessage, Section
from bot.core.splitting import split_text
from bot.platforms.discord.escape import WHOLE as DISCORD_WHOLE
from bot.platforms.discord.escape import escape_participant_text as discord_escape
from bot.platforms.discord.render import render as render_discord
from bot.platforms.slack.blocks import render as render_slack
from bot.platforms.slack.escape import WHOLE as SLACK_WHOLE
from bot.platforms.slack.escape import escape_participant_text as slack_escape
from tests.platforms.readers import SHY, ZWSP, discord_reads, slack_reads, unquoted

# Text made mostly of what the platforms read as markup, so hypothesis finds clashes quickly.
HOSTILE_PARTS = [
    *"<>@#!&|^*_~`[]()\\:/-+.=' \n\t",
    "\ufff9", "\ufffa@1\ufffb", "\ufffb",
    "everyone",
    "here",
    "channel",
    "@everyone",
    "@here",
    "<!channel>",
    "<!here>",
    "<@U1>",
    "<@123>",
    "<@&456>",
    "<#789>",
    "</brew start:1>",
    "<t:0:R>",
    "<a:dance:123>",
    "<https://x.example|bank>",
    "[Click for help](http://evil.example)",
    "||spoiler||",
    "# ",
    "## ",
    "-# ",
    "> ",
    ">>> ",
    "- ",
    "* ",
    "+ ",
    "1. ",
    "12) ",
    "```",
    "**",
    "__",
    "~~",
    "https://x.example/a_b*c",
    "www.x.example",
    "&amp;",
    "&lt;",
    "&gt;",
    "\r\n",
    "<!date^0^{_}|*>",
    ZWSP,
    SHY,
    "e\u0301",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "\U0001f1ec\U0001f1e7",
    "\U0001f44d\U0001f3fd",
    "\u2764\ufe0f",
    "0123456789",
]
hostile = st.lists(st.one_of(st.sampled_from(HOSTILE_PARTS), st.text(max_size=4)), max_size=40).map(
    "".join
)


def squeezed(text: str) -> str:
    """Text without whitespace or invisible spaces: what survives a cut whatever it took."""
    return re.sub(r"\s", "", text.replace(ZWSP, "").replace(SHY, ""))


# --- Discord ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "@everyone",
        "@here",
        "hi @everyone!",
        "@Everyone",
        "<@123>",
        "<@!123>",
        "<@&123>",
        "<#123>",
        "</brew start:123>",
        "<a:dance:123>",
        "<t:1700000000:R>",
        "<https://x.example>",
    ],
)
def test_discord_mentions_timestamps_and_markup_are_broken_up(text):
    out = discord_escape(text)
    assert "@everyone" not in out.lower() and "@here" not in out.lower()
    assert "<" not in out.replace("<" + ZWSP, "")
    assert discord_reads(out) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**bold**", r"\*\*bold\*\*"),
        ("__underline__ _it_", r"\_\_underline\_\_ \_it\_"),
        ("~~gone~~", r"\~\~gone\~\~"),
        ("`code`", r"\`code\`"),
        ("```\nfence\n```", "\\`\\`\\`\nfence\n\\`\\`\\`"),
        ("||spoiler||", r"\|\|spoiler\|\|"),
        ("> quote", r"\> quote"),
        (">>> all quoted", r"\>\>\> all quoted"),
        ("# Big", r"\# Big"),
        ("  ## Indented heading", r"  \#\# Indented heading"),
        ("-# small print", r"-\# small print"),
        ("- bullet\n+ plus", "\\- bullet\n\\+ plus"),
        ("1. first\n2) second", "1\\. first\n2\\) second"),
        ("a\\*b", r"a\\\*b"),
        # A long message may be cut at any space: a marker after one is escaped too.
        ("a - b 1. c", r"a \- b 1\. c"),
        ("a-b 3.5 C#", r"a-b 3.5 C\#"),
    ],
)
def test_discord_markdown_shows_as_typed(text, expected):
    assert discord_escape(text) == expected
    assert discord_reads(discord_escape(text)) == text


def test_discord_a_masked_link_and_a_spoiler_in_a_name_show_as_typed():
    name = "[Click for help](http://evil.example) ||x||"
    out = discord_escape(name)
    assert out == r"\[Click for help\](http\://evil.example) \|\|x\|\|"
    assert discord_reads(out) == name


def test_discord_typed_addresses_show_as_typed_but_are_not_links():
    out = discord_escape("see https://x.example/a_b*c.")
    assert out == r"see https\://x.example/a\_b\*c."
    assert discord_reads(out) == "see https://x.example/a_b*c."


@settings(max_examples=200, deadline=None)
@given(hostile)
def test_discord_any_words_read_back_as_typed(text):
    assert discord_reads(discord_escape(text)) == text.replace(ZWSP, "")


@settings(max_examples=200, deadline=None)
@given(hostile, st.integers(min_value=2, max_value=60))
def test_discord_cutting_escaped_words_never_breaks_an_escape(text, limit):
    pieces = split_text(discord_escape(text), limit, whole=DISCORD_WHOLE)
    assert all(0 < len(piece) <= limit for piece in pieces)
    # Every piece, read on its own as Discord reads a message, shows only what was typed.
    assert squeezed("".join(discord_reads(piece) for piece in pieces)) == squeezed(text)


# --- Slack ----------------------------------------------------------------------------------

VERBATIM = "<!date^00000000^{_}|{}>"


def verbatim(marker: str) -> str:
    return VERBATIM.replace("{}", marker)


@pytest.mark.parametrize(
    "text",
    [
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<@U123ABC>",
        "<#C123|general>",
        "<!subteam^S123|@carers>",
        "<https://evil.example|Your council>",
        "<!date^1700000000^{date}|x>",
    ],
)
def test_slack_control_sequences_are_escaped(text):
    out = slack_escape(text)
    assert out.startswith("&lt;") and out.endswith("&gt;")
    assert slack_reads(out) == text


@pytest.mark.parametrize("text", ["@channel", "@here", "@everyone", "hi @Channel!", "a@here"])
def test_slack_bare_pings_are_broken_up(text):
    out = slack_escape(text)
    assert not re.search(r"@(?:channel|here|everyone)", out, re.IGNORECASE)
    assert slack_reads(out) == text


def test_slack_entities():
    assert slack_escape("fish & chips <3") == "fish &amp; chips &lt;3"
    assert slack_escape("&lt;") == "&amp;lt;"
    assert slack_reads(slack_escape("fish & chips <3 > all &lt;")) == "fish & chips <3 > all &lt;"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*bold*", f"{verbatim('*')}bold{verbatim('*')}"),
        ("_it_", f"{verbatim('_')}it{verbatim('_')}"),
        ("~gone~", f"{verbatim('~')}gone{verbatim('~')}"),
        ("`x`", f"{verbatim('`')}x{verbatim('`')}"),
        ("```code```", f"{verbatim('```')}code{verbatim('```')}"),
        ("> quote", f"{SHY}&gt; quote"),
        ("a\n  > quote", f"a\n  {SHY}&gt; quote"),
        ("a>b", f"a{SHY}&gt;b"),
        ("@sam", f"@{ZWSP}sam"),
    ],
)
def test_slack_mrkdwn_shows_as_typed(text, expected):
    assert slack_escape(text) == expected
    assert slack_reads(slack_escape(text)) == text


def test_slack_a_quoted_heading_shows_no_backslash():
    out = slack_escape("# Everyone is wonderful")
    assert "\\" not in out and slack_reads(out) == "# Everyone is wonderful"


@settings(max_examples=200, deadline=None)
@given(hostile)
def test_slack_any_words_read_back_as_typed(text):
    assert slack_reads(slack_escape(text)) == text.replace(ZWSP, "").replace(SHY, "")


@settings(max_examples=200, deadline=None)
@given(hostile, st.integers(min_value=48, max_value=120))
def test_slack_cutting_escaped_words_never_breaks_an_entity(text, limit):
    pieces = split_text(slack_escape(text), limit, whole=SLACK_WHOLE)
    assert all(0 < len(piece) <= limit for piece in pieces)
    assert squeezed("".join(slack_reads(piece) for piece in pieces)) == squeezed(text)


def test_slack_a_long_run_of_ampersands_is_cut_between_entities():
    pieces = split_text(slack_escape("&" * 2000), 3000, whole=SLACK_WHOLE)
    assert len(pieces) > 1
    assert all(piece.startswith("&amp;") and piece.endswith("&amp;") for piece in pieces)


# --- whole messages, cut at the platforms' real limits ---------------------------------------


def long_words() -> list[str]:
    return ["x" + "&" * 2000, "x" + "*_~`" * 1500, "x" + "<@1>" * 1200, "x" + "\\" * 5000]


@pytest.mark.parametrize("words", long_words())
def test_slack_a_long_message_is_cut_into_blocks_without_breaking_an_entity(words):
    parts = render_slack(OutgoingMessage(sections=(Section(words, untrusted=True),)))
    pieces = [b["text"]["text"] for p in parts for b in p.blocks if b["type"] == "section"]
    assert len(pieces) > 1 and all(len(piece) <= 3000 for piece in pieces)
    assert squeezed("".join(slack_reads(unquoted(piece)) for piece in pieces)) == squeezed(words)
    for part in parts:
        slack_reads(unquoted(part.text.removesuffix("…")))  # the notification text too


@pytest.mark.parametrize(
    "words", ["x" + "*_~`|" * 1500, "x" + "<@1>" * 1500, "x" + "\\" * 5000, "x" + "-# 1. " * 2000]
)
def test_discord_a_long_message_is_cut_without_breaking_an_escape(words):
    parts = render_discord(OutgoingMessage(title="T", sections=(Section(words, untrusted=True),)))
    pieces = [e.description for p in parts for e in p.embeds]
    assert len(pieces) > 1 and all(len(piece) <= 4096 for piece in pieces)
    assert squeezed("".join(discord_reads(unquoted(piece)) for piece in pieces)) == squeezed(words)
