"""Participant text reposted by the bot can neither ping anyone nor inject formatting."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.platforms.discord.escape import escape_participant_text as discord_escape
from bot.platforms.slack.escape import escape_participant_text as slack_escape

ZWSP = "\u200b"

# Text made mostly of the characters that matter, so hypothesis finds clashes quickly.
_risky = st.lists(
    st.one_of(
        st.sampled_from([*"<>@#!&|^*_~`[]()\\:/-. \n", "everyone", "here", "channel",
                         "https://", "subteam", "123", "U1", ZWSP]),
        st.characters(codec="utf-8"),
    ),
    max_size=40,
).map("".join)

_DISCORD_MARKUP = re.compile(r"<(?:@[!&]?|#|/[^>]*:)\d+>")
_SLACK_PINGS = re.compile(r"@(?:channel|here|everyone)", re.IGNORECASE)


def _visible(text: str) -> str:
    """What a reader sees: Discord hides the zero-width spaces and the backslash escapes."""
    return re.sub(r"\\(.)", r"\1", text.replace(ZWSP, ""), flags=re.DOTALL)


# --- Discord ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "@everyone", "@here", "hi @everyone!", "@Everyone", "<@123>", "<@!123>", "<@&123>",
    "<#123>", "</brew start:123>", "<a:dance:123>", "<t:1700000000:R>",
])
def test_discord_mentions_are_broken_up(text):
    out = discord_escape(text)
    assert "@everyone" not in out.lower() and "@here" not in out.lower()
    assert not _DISCORD_MARKUP.search(out)
    assert "<" not in out.replace("<" + ZWSP, "")
    assert _visible(out) == text  # still reads as typed


@pytest.mark.parametrize(("text", "expected"), [
    ("**bold**", r"\*\*bold\*\*"),
    ("__underline__ _it_", r"\_\_underline\_\_ \_it\_"),
    ("~~gone~~", r"\~\~gone\~\~"),
    ("`code`", r"\`code\`"),
    ("```\nfence\n```", "\\`\\`\\`\nfence\n\\`\\`\\`"),
    ("||spoiler||", r"\|\|spoiler\|\|"),
    ("> quote", r"\> quote"),
    (">>> all quoted", r"\>\>\> all quoted"),
    ("# Big", r"\# Big"),
    ("  ## Indented heading", r"  \## Indented heading"),
    ("-# small print", r"\-# small print"),
    ("- bullet\n+ plus", "\\- bullet\n\\+ plus"),
    ("1. first\n2. second", "1\\. first\n2\\. second"),
    ("a\\*b", r"a\\\*b"),
    ("a - b # c 1. d", "a - b # c 1. d"),  # only at the start of a line
])
def test_discord_markdown_shows_as_typed(text, expected):
    assert discord_escape(text) == expected


def test_discord_masked_links_show_their_address():
    out = discord_escape("see [the council page](https://evil.example/x) now")
    assert out == "see the council page (https://evil.example/x) now"
    out = discord_escape('[**click**](<https://a.example> "title")')
    assert out == r"\*\*click\*\* (https://a.example)"


def test_discord_bare_links_keep_working():
    assert discord_escape("see https://x.example/a_b*c.") == "see https://x.example/a_b*c."
    assert discord_escape("(https://x.example/wiki/A_(b))") == "(https://x.example/wiki/A_(b))"


def test_discord_links_cannot_carry_a_ping():
    out = discord_escape("https://x.example/@everyone")
    assert "@everyone" not in out


@settings(max_examples=200, deadline=None)
@given(_risky)
def test_discord_output_never_pings(text):
    out = discord_escape(text)
    assert "@everyone" not in out.lower()
    assert "@here" not in out.lower()
    assert not _DISCORD_MARKUP.search(out)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="[]()\\"), max_size=80))
def test_discord_output_reads_as_typed(text):
    # Without masked links (which are rewritten on purpose) nothing visible changes.
    assert _visible(discord_escape(text)) == text.replace(ZWSP, "")


# --- Slack ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "<!channel>", "<!here>", "<!everyone>", "<@U123ABC>", "<#C123|general>",
    "<!subteam^S123|@carers>", "<https://evil.example|Your council>", "<!date^1700000000^{date}|x>",
])
def test_slack_control_sequences_are_escaped(text):
    out = slack_escape(text)
    assert "<" not in out and ">" not in out
    assert out.startswith("&lt;") and out.endswith("&gt;")


@pytest.mark.parametrize("text", ["@channel", "@here", "@everyone", "hi @Channel!", "a@here"])
def test_slack_bare_pings_are_broken_up(text):
    out = slack_escape(text)
    assert not _SLACK_PINGS.search(out)
    assert out.replace(ZWSP, "") == text


def test_slack_user_handles_are_broken_up_but_emails_are_not():
    assert slack_escape("@sam") == "@" + ZWSP + "sam"
    assert slack_escape("sam@example.org") == "sam@example.org"


def test_slack_entities():
    assert slack_escape("fish & chips <3 > all") == "fish &amp; chips &lt;3 &gt; all"
    assert slack_escape("&lt;") == "&amp;lt;"


@pytest.mark.parametrize(("text", "expected"), [
    ("*bold*", f"{ZWSP}*{ZWSP}bold{ZWSP}*{ZWSP}"),
    ("_it_", f"{ZWSP}_{ZWSP}it{ZWSP}_{ZWSP}"),
    ("~gone~", f"{ZWSP}~{ZWSP}gone{ZWSP}~{ZWSP}"),
    ("`x`", f"{ZWSP}`{ZWSP}x{ZWSP}`{ZWSP}"),
    ("> quote", f"{ZWSP}&gt; quote"),
    ("a\n  > quote", f"a\n  {ZWSP}&gt; quote"),
    ("a > b", "a &gt; b"),
])
def test_slack_mrkdwn_shows_as_typed(text, expected):
    assert slack_escape(text) == expected


def test_slack_bare_links_keep_working():
    assert slack_escape("see https://x.example/a_b*c") == "see https://x.example/a_b*c"


@settings(max_examples=200, deadline=None)
@given(_risky)
def test_slack_output_never_pings_or_links(text):
    out = slack_escape(text)
    assert "<" not in out and ">" not in out
    assert not _SLACK_PINGS.search(out)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_slack_output_reads_as_typed(text):
    out = slack_escape(text).replace(ZWSP, "")
    unescaped = out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert unescaped == text.replace(ZWSP, "")
