"""Block Kit renderers: Slack's limits, escaping, plain style, buttons, fallback text, modals."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.messages import (
    Action,
    ActionStyle,
    Choice,
    FieldKind,
    Form,
    FormField,
    OutgoingMessage,
    Section,
)
from bot.platforms.slack.blocks import (
    MAX_BLOCKS,
    SECTION_LIMIT,
    render,
    render_view,
    to_mrkdwn,
    view_metadata,
    view_values,
)
from bot.platforms.slack.escape import ZWSP

# Anything Slack would read as a mention or channel link (the date whose fallback shows a
# participant's * _ ~ ` as typed is neither).
CONTROL = re.compile(r"<(?!!date\^00000000\^\{_\}\|)[!@#]")


def all_text(parts) -> str:
    """Everything Slack parses as mrkdwn: the fallback text and section texts (a header is
    plain_text, which Slack never reads as a mention)."""
    out = []
    for part in parts:
        out.append(part.text)
        for block in part.blocks:
            if block["type"] == "section":
                out.append(block["text"]["text"])
    return "\n".join(out)


def test_a_long_message_is_cut_into_messages_within_slack_limits():
    paragraphs = [f"Paragraph {n}. " + "Tea and talk. " * 40 for n in range(400)]
    message = OutgoingMessage(title="Digest", text="\n\n".join(paragraphs))
    parts = render(message)
    assert len(parts) > 1
    for part in parts:
        assert len(part.blocks) <= MAX_BLOCKS
        for block in part.blocks:
            if block["type"] == "section":
                assert 0 < len(block["text"]["text"]) < SECTION_LIMIT + 1
    sections = [b["text"]["text"] for p in parts for b in p.blocks if b["type"] == "section"]
    # Nothing lost or reordered.
    assert "".join(sections).replace(" ", "").replace("\n", "") == "".join(paragraphs).replace(
        " ", ""
    )
    assert parts[0].blocks[0]["type"] == "header"


def test_untrusted_sections_are_escaped_and_trusted_text_cannot_form_controls():
    message = OutgoingMessage(
        text="A facilitator typed <!here> & <@U123>",
        sections=(
            Section("<!channel> <!everyone> <@U999|boss> <#C123> <https://evil.example|bank>"
                    " @here *bold*", untrusted=True),
        ),
    )
    (part,) = render(message)
    text = all_text([part])
    assert not CONTROL.search(text)
    assert "&lt;!channel" in text and "&amp;" in text
    assert "@here" not in text.replace("@" + ZWSP, "")
    assert "*bold*" not in text  # shown as typed, not formatted
    assert "\n> " in part.blocks[0]["text"]["text"]  # set apart as a quote


def test_markdown_becomes_mrkdwn():
    out = to_mrkdwn("# Heading\n\n**Bold** words\n- one\n* two\n> a quote\n[read](https://x.org/a)")
    assert out.splitlines() == [
        "*Heading*",
        "",
        "*Bold* words",
        "• one",
        "• two",
        "> a quote",
        "<https://x.org/a|read>",
    ]
    assert to_mrkdwn("tea @channel") == "tea @" + ZWSP + "channel"


def test_addresses_in_the_bots_own_words_are_links_without_angle_brackets_showing():
    assert to_mrkdwn("see <https://x.org/a> and https://y.org/b.") == (
        "see <https://x.org/a> and <https://y.org/b>."
    )
    assert to_mrkdwn("[read](https://x.org/a) (https://x.org/wiki/A_(b))") == (
        "<https://x.org/a|read> (<https://x.org/wiki/A_(b)>)"
    )


def test_every_block_is_verbatim_so_typed_addresses_and_channels_are_not_linked():
    message = OutgoingMessage(
        text="Hello", sections=(Section("#general https://x.org", untrusted=True),)
    )
    (part,) = render(message)
    sections = [b for b in part.blocks if b["type"] == "section"]
    assert sections and all(b["text"]["verbatim"] is True for b in sections)


def test_plain_style_drops_emoji_and_decoration():
    message = OutgoingMessage(
        title="☕ Welcome", text="**Hello** 🎉 everyone\n\n# Today", plain=True,
        sections=(Section("Said: **great** ☕", untrusted=True),),
    )
    text = all_text(render(message))
    assert "☕" not in text and "🎉" not in text
    assert "**" not in text and "*Hello*" not in text and "#" not in text
    assert "Hello everyone" in text


def test_buttons_have_words_ids_and_styles_and_stay_within_25_a_block():
    choices = [
        Action(f"Choice {n}", f"brew:test:pick:{n}",
               ActionStyle.PRIMARY if n == 0 else ActionStyle.DEFAULT)
        for n in range(30)
    ]
    actions = (*choices, Action("Delete " + "x" * 100, "brew:test:delete:1", ActionStyle.DANGER))
    (part,) = render(OutgoingMessage(text="Pick one", actions=actions))
    action_blocks = [b for b in part.blocks if b["type"] == "actions"]
    assert [len(b["elements"]) for b in action_blocks] == [25, 6]
    buttons = [e for b in action_blocks for e in b["elements"]]
    assert buttons[0]["style"] == "primary" and "style" not in buttons[1]
    assert buttons[-1]["style"] == "danger" and len(buttons[-1]["text"]["text"]) <= 75
    assert [b["action_id"] for b in buttons[:2]] == ["brew:test:pick:0", "brew:test:pick:1"]
    assert all(b["text"]["type"] == "plain_text" and b["text"]["text"] for b in buttons)
    assert "Choice 29" in part.text  # buttons are named in the fallback text


def test_fallback_text_is_plain_escaped_and_short():
    message = OutgoingMessage(
        title="Reminder", text="See you **soon**",
        sections=(Section("<!channel> " + "words " * 1000, untrusted=True),),
    )
    (part,) = render(message)
    assert part.text.startswith("Reminder")
    assert not CONTROL.search(part.text)
    assert 0 < len(part.text) <= 3000


def test_an_empty_message_renders_nothing():
    assert render(OutgoingMessage()) == []


FORM = Form(
    title="Share a reflection about today's session",
    custom_id="brew:reflection:submit:7",
    intro="Write what you like. **Nobody** sees your name.",
    fields=(
        FormField("category", "What is it about?", FieldKind.CHOICE,
                  choices=(Choice("What's working", "working"), Choice("An idea", "idea"))),
        FormField("text", "Your reflection", FieldKind.PARAGRAPH, max_length=2000,
                  hint="Up to 2,000 characters"),
        FormField("quote", "Quote me?", FieldKind.CHECKBOX, required=False,
                  choices=(Choice("Yes, my words may be quoted", "yes"),)),
    ),
    submit_label="Send",
)


def test_a_form_becomes_a_modal_within_slack_limits():
    view = render_view(FORM, {"channel": "C1", "thread": "1.2"}, close="Cancel",
                       placeholder="Choose one")
    assert view["type"] == "modal" and view["callback_id"] == FORM.custom_id
    assert len(view["title"]["text"]) <= 24
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert inputs["category"]["element"]["type"] == "static_select"
    assert [o["value"] for o in inputs["category"]["element"]["options"]] == ["working", "idea"]
    assert inputs["text"]["element"]["multiline"] is True
    assert inputs["text"]["element"]["max_length"] == 2000
    assert inputs["text"]["hint"]["text"] == "Up to 2,000 characters"
    assert inputs["quote"]["element"]["type"] == "checkboxes"
    assert inputs["quote"]["optional"] is True and inputs["text"]["optional"] is False
    assert view["blocks"][0]["text"]["text"].startswith("Write what you like. *Nobody*")
    assert view_metadata(view) == {"channel": "C1", "thread": "1.2"}


def test_submitted_values_are_read_back():
    state = {
        "values": {
            "category": {"category": {"type": "static_select",
                                      "selected_option": {"value": "idea"}}},
            "text": {"text": {"type": "plain_text_input", "value": "More tea"}},
            "quote": {"quote": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}},
            "empty": {"empty": {"type": "plain_text_input", "value": None}},
        }
    }
    assert view_values(state) == {"category": "idea", "text": "More tea", "quote": "yes",
                                  "empty": ""}
    assert view_metadata({"private_metadata": "not json"}) == {}
    assert json.loads(json.dumps(view_values({}))) == {}


_risky = st.lists(
    st.one_of(
        st.sampled_from(["<", ">", "&", "@", "!", "#", "channel", "here", "everyone", "U12",
                         "|", "*", "\n", "\n\n", " ", "https://x.y", "# ", "- ", "**"]),
        st.text(max_size=8),
    ),
    max_size=60,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(text=_risky, body=_risky, heading=_risky, repeat=st.integers(1, 400))
def test_any_words_render_within_limits_and_never_ping(text, body, heading, repeat):
    message = OutgoingMessage(
        title=heading, text=text,
        sections=(Section(body * repeat, heading=heading, untrusted=True), Section(text)),
    )
    for part in render(message):
        assert len(part.blocks) <= MAX_BLOCKS
        assert len(part.text) <= 3000
        for block in part.blocks:
            if block["type"] == "section":
                assert 0 < len(block["text"]["text"]) <= SECTION_LIMIT
            if block["type"] == "header":
                assert 0 < len(block["text"]["text"]) <= 150
        assert not CONTROL.search(all_text([part]))
