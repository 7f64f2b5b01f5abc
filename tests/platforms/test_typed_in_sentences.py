"""Words someone typed, placed inside one of Brewbot's own sentences (a chosen name in "{name}
has asked for no reminders"), show exactly as typed on every front-end: never a link, a
mention or formatting, while the sentence keeps its own formatting. Each platform's output
is read by the reference readers of tests/platforms/readers.py (written from the platforms'
documentation, not from our escapers)."""

from __future__ import annotations

from html import unescape
from string import Formatter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.marked import CLOSE, OPEN, SEPARATOR, Own, has_marks
from bot.core.messages import OutgoingMessage, unmarked
from bot.engine.texts import Texts
from bot.loopback import holds_marks
from bot.loopback.slack_server import Call, FakeSlack
from bot.platforms.discord.render import render as render_discord
from bot.platforms.slack.blocks import render as render_slack
from bot.platforms.teams.cards import CardWords, message_activities
from bot.platforms.web.render import paragraphs
from tests.conftest import loaded_texts
from tests.fakes.slack_harness import ROOM, slack_world
from tests.platforms.readers import SHY, ZWSP, discord_reads, slack_reads
from tests.platforms.test_escaping import HOSTILE_PARTS
from tests.platforms.test_teams_escape import run_reads
from tests.platforms.test_teams_escape import typed as teams_typed

KEY = "actions.no_reminders_wanted"

# What the auditor typed as a chosen name, and what else a name could be made of.
NAMES = [
    "[click here](https://evil.example)",
    "<https://evil.example|click here>",
    "@everyone",
    "@here",
    "<!channel>",
    "<!here>",
    "<@U0123ABCD>",
    "<@123456789012345678>",
    "<#C0123ABCD>",
    "<!subteam^S0123ABCD>",
    "*bold* _italic_ ~gone~ `code`",
    "**bold** __under__",
    "Tom & Jerry &amp; co",
    "# Heading",
    "> quoted",
    "{{DATE(2017-02-14T06:00:00Z, SHORT)}}",
    "<at>Sam</at>",
    "www.evil.example",
]


def sentence(name: str) -> str:
    return loaded_texts().t(KEY, name=name)


def shown(name: str) -> str:
    """The sentence as a reader should see it: the name exactly as typed."""
    return loaded_texts().strings[KEY].replace("{name}", name)


@pytest.mark.parametrize("name", NAMES)
def test_discord_shows_a_typed_name_in_a_sentence_as_typed(name):
    [part] = render_discord(OutgoingMessage(sentence(name)))
    assert part.content is not None
    assert discord_reads(part.content) == shown(name)


@pytest.mark.parametrize("name", NAMES)
def test_slack_shows_a_typed_name_in_a_sentence_as_typed(name):
    [message] = render_slack(OutgoingMessage(sentence(name)))
    [block] = message.blocks
    assert slack_reads(block["text"]["text"]) == shown(name)
    assert slack_reads(message.text) == shown(name)


def _elements(value: Any) -> list[dict[str, Any]]:
    """Every element of a card, depth first."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if "type" in value:
            found.append(value)
        for inner in value.values():
            found.extend(_elements(inner))
    elif isinstance(value, list):
        for inner in value:
            found.extend(_elements(inner))
    return found


@pytest.mark.parametrize("name", NAMES)
def test_teams_shows_a_typed_name_in_a_sentence_as_typed(name):
    words = CardWords.from_texts(loaded_texts())
    [activity] = message_activities(OutgoingMessage(sentence(name)), words=words)
    elements = _elements(activity["attachments"][0]["content"]["body"])
    # A TextBlock reads Markdown, which Teams cannot be trusted to escape: typed words are
    # only ever in TextRuns, which read none.
    blocks = [e["text"] for e in elements if e["type"] == "TextBlock"]
    assert all(name not in text for text in blocks)
    runs = "".join(run_reads(e["text"]) for e in elements if e["type"] == "TextRun")
    assert runs == shown(name)
    assert not [e for e in elements if e["type"] == "TextRun" and "selectAction" in e]


@pytest.mark.parametrize("name", ["**loud**", "<b>bold</b>", "- listed", "&amp;"])
def test_a_web_page_shows_a_typed_name_in_a_sentence_as_typed(name):
    html = str(paragraphs(sentence(name)))
    assert "<strong>" not in html and "<b>" not in html and "<ul>" not in html
    assert html == f"<p>{escape_html(shown(name))}</p>"


def escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_the_sentences_own_formatting_stays():
    """A sentence of Brewbot's own keeps its bold where a typed value sits in it: only the
    typed words are escaped."""
    texts = Texts(strings={"said": "**Named**: {name}"}, templates={})
    message = OutgoingMessage(texts.t("said", name="**x**"))
    [discord] = render_discord(message)
    assert discord.content == r"**Named**: \*\*x\*\*"
    [slack] = render_slack(message)
    assert slack.blocks[0]["text"]["text"].startswith("*Named*: ")
    assert slack_reads(slack.blocks[0]["text"]["text"].removeprefix("*Named*")) == ": **x**"


# --- the property: any sentence, any typed value, every renderer -----------------------------

SNOWMAN = "\u2603"  # a value every escaper leaves as it is: where the typed words go
HOSTILE = [
    *HOSTILE_PARTS,
    *NAMES,
    "<#C1>",
    "<!subteam^S1>",
    "<!subteam^S1|@team>",
    "```\ncode\n```",
    "<script>alert(1)</script>",
    "\n\n",
    "\u202e",
    "\u200f",
    "\u2066",
]
# Between two letters, so that a message's ends (whose spaces a chat trims) are the sentence's.
typed_values = st.lists(st.sampled_from(HOSTILE), max_size=12).map(lambda p: f"A{''.join(p)}Z")


def _as_read(value: str) -> str:
    """A typed value as Brewbot reads it: any of Brewbot's marks in it (which nobody can type,
    bot/core/typed.py) are taken out, never read, so they can neither end the typed words
    early nor make a mention."""
    return value.translate(dict.fromkeys(map(ord, OPEN + SEPARATOR + CLOSE)))


def _one_placeholder_sentences() -> list[tuple[str, str]]:
    """(key, placeholder) for every short sentence in prompts/strings with a value that
    appears once in it."""
    found = []
    for key, text in sorted(loaded_texts().strings.items()):
        names = [name for _, name, _, _ in Formatter().parse(text) if name]
        if len(text) > 400:
            continue
        found.extend((key, n) for n in sorted(set(names)) if names.count(n) == 1 and n[0] != "/")
    return found


SENTENCES = _one_placeholder_sentences()


def _filled(key: str, name: str, value: str) -> str:
    """The sentence `key` with `value` typed for `name`, and Brewbot's own words elsewhere."""
    text = loaded_texts().strings[key]
    others = {n: Own("Ann") for _, n, _, _ in Formatter().parse(text) if n and n[0] != "/"}
    return loaded_texts().t(key, **(others | {name: value}))


def _between(rendered: str, around: str) -> str:
    """What `rendered` has where `around` (the same sentence rendered with SNOWMAN) has the
    snowman: the typed words as the platform was sent them."""
    before, after = around.split(SNOWMAN)
    assert rendered.startswith(before) and rendered.endswith(after)
    return rendered[len(before) : len(rendered) - len(after)]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SENTENCES), typed_values)
def test_typed_words_in_any_sentence_show_as_typed_on_discord(sentence_value, value):
    key, name = sentence_value
    [rendered] = render_discord(OutgoingMessage(_filled(key, name, value))) or [None]
    [around] = render_discord(OutgoingMessage(_filled(key, name, SNOWMAN)))
    assert rendered is not None and rendered.content and around.content
    typed = _between(rendered.content, around.content)
    assert discord_reads(typed) == _as_read(value).replace(ZWSP, "")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SENTENCES), typed_values)
def test_typed_words_in_any_sentence_show_as_typed_on_slack(sentence_value, value):
    key, name = sentence_value
    [rendered] = render_slack(OutgoingMessage(_filled(key, name, value)))
    [around] = render_slack(OutgoingMessage(_filled(key, name, SNOWMAN)))
    typed = _between(rendered.blocks[0]["text"]["text"], around.blocks[0]["text"]["text"])
    assert slack_reads(typed) == _as_read(value).replace(ZWSP, "").replace(SHY, "")


def _runs(message: OutgoingMessage) -> tuple[list[str], list[str]]:
    """The texts of a Teams card's TextBlocks and of its TextRuns, in order."""
    words = CardWords.from_texts(loaded_texts())
    elements = [e for a in message_activities(message, words=words) for e in _elements(a)]
    blocks = [e["text"] for e in elements if e["type"] == "TextBlock"]
    return blocks, [e["text"] for e in elements if e["type"] == "TextRun"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SENTENCES), typed_values)
def test_typed_words_in_any_sentence_show_as_typed_on_teams(sentence_value, value):
    key, name = sentence_value
    blocks, runs = _runs(OutgoingMessage(_filled(key, name, value)))
    around_blocks, around_runs = _runs(OutgoingMessage(_filled(key, name, SNOWMAN)))
    # Never in a TextBlock, which reads Markdown: only ever in TextRuns, which read none.
    assert blocks == around_blocks
    at = around_runs.index(SNOWMAN)
    after = len(around_runs) - at - 1
    assert runs[:at] == around_runs[:at] and runs[len(runs) - after :] == around_runs[at + 1 :]
    typed = runs[at : len(runs) - after]
    assert "".join(run_reads(run) for run in typed) == teams_typed(_as_read(value))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SENTENCES), typed_values)
def test_typed_words_in_any_sentence_show_as_typed_on_a_web_page(sentence_value, value):
    key, name = sentence_value
    html = str(paragraphs(_filled(key, name, value)))
    around = str(paragraphs(_filled(key, name, SNOWMAN)))
    typed = _between(html, around)
    assert "<" not in typed.replace("<br>", "")
    assert unescape(typed.replace("<br>", "\n")) == _as_read(value)


@given(st.sampled_from(SENTENCES), typed_values)
def test_where_nothing_is_rendered_the_words_show_without_marks(sentence_value, value):
    key, name = sentence_value
    shown = unmarked(OutgoingMessage(_filled(key, name, value))).plain_text()
    assert not has_marks(shown)
    assert _as_read(value) in shown


# --- the auditor's report, end to end -----------------------------------------------------


async def test_a_name_chosen_on_slack_is_no_link_when_a_facilitator_is_told_of_it(sqlite_url):
    """A participant chooses "[click here](https://evil.example)" as the name Brewbot calls
    them; a facilitator gives them an action: the answer names them, as typed, and links
    nowhere (through the real Bolt app and the loopback Slack)."""
    async with slack_world(sqlite_url) as world:
        world.fake.add_user("UADA", "Ada", admin=True)
        world.fake.add_user("UAMIR", "Amir")
        world.fake.add_channel(ROOM, "over-a-brew", members=("UADA", "UAMIR"))
        await world.command("UAMIR", "call me [click here](https://evil.example) <!channel>")
        reply = await world.command("UADA", "action add Ramps person=<@UAMIR|amir> due=friday")
        said = [b["text"]["text"] for b in reply.args["blocks"] if b["type"] == "section"]
        named = [text for text in said if "click here" in text]
        assert named, said
        for text in named:
            assert "<https://" not in text and "<!channel>" not in text
            assert "[click here](https://evil.example) <!channel>" in slack_reads(text)


async def test_a_loopback_fails_the_test_that_sends_it_a_mark():
    """Marks never leave Brewbot: each loopback lists a request holding one, and its
    harness fails the test (tests/fakes/*_harness.py)."""
    assert holds_marks({"blocks": [{"text": {"text": sentence("Sam")}}]})
    assert not holds_marks({"blocks": [{"text": {"text": "Sam has asked"}}]})
    fake = FakeSlack()
    await fake._record(Call(1, "chat.postMessage", {"text": sentence("Sam")}))
    with pytest.raises(AssertionError, match="marks of typed words sent to Slack"):
        fake.assert_unmarked()
