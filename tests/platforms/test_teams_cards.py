"""Neutral messages and forms as Teams Adaptive Cards: participants' words only ever in
TextRuns and shown as typed, Teams' limits (six buttons a card, 28 KB a message) on long and
huge messages, buttons that name the same routes as on Discord and Slack, dialogs whose
values come back as the services expect, Easy Read pictures with their words; and every
message and form of a real session, from the real services, rendered."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.core.domain import SessionState
from bot.core.easy_read import MARK
from bot.core.marked import unmark
from bot.core.messages import (
    Action,
    ActionStyle,
    Choice,
    FieldKind,
    Form,
    FormField,
    OutgoingMessage,
    Section,
    parse_custom_id,
)
from bot.engine.texts import Texts
from bot.platforms.teams.cards import (
    BODY_BYTES,
    CARD_TYPE,
    MAX_BUTTONS,
    MESSAGE_BYTES,
    TEXT_LIMIT,
    CardWords,
    dialog,
    form_values,
    json_bytes,
    message_activities,
    open_form_card,
    route_id,
)
from tests.conftest import Chat
from tests.helpers import make_session
from tests.platforms.test_teams_escape import hostile, run_reads, squeezed, typed

WORDS = CardWords.from_texts(Texts.load())
PICTURES = "https://brew.example.org/pictures/"
# What a front-end adds to an activity (conversation, recipient, reply-to) stays within this.
ROOM_FOR_FRONT_END = 2 * 1024


def cards(activities: list[dict]) -> list[dict]:
    out = []
    for activity in activities:
        assert activity["type"] == "message"
        [attachment] = activity["attachments"]
        assert attachment["contentType"] == CARD_TYPE
        card = attachment["content"]
        assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
        out.append(card)
    return out


def elements(node):
    """Every element and action inside a card, depth first, in order."""
    if isinstance(node, dict):
        if "type" in node:
            yield node
        for key in ("body", "items", "columns", "actions", "inlines"):
            for child in node.get(key) or []:
                yield from elements(child)
    elif isinstance(node, list):
        for child in node:
            yield from elements(child)


def markdown_texts(activities) -> str:
    """All the text Teams reads as Markdown (TextBlocks) or shows in notifications."""
    out = [a["summary"] for a in activities]
    for card in cards(activities):
        out += [e["text"] for e in elements(card) if e["type"] == "TextBlock"]
    return "\n".join(out)


def shown_words(activities) -> str:
    """A participant's words as the cards show them: each RichTextBlock a line, a new
    paragraph where it is spaced from the one before."""
    lines = []
    for card in cards(activities):
        for element in elements(card):
            if element["type"] == "RichTextBlock":
                line = "".join(run_reads(r["text"]) for r in element["inlines"])
                starts = element.get("spacing") != "None" and lines
                lines.append(("\n\n" if starts else "\n" if lines else "") + line)
    return "".join(lines)


def buttons(activities) -> list[dict]:
    return [a for card in cards(activities) for a in card.get("actions", [])]


def within_limits(activities) -> None:
    for activity in activities:
        assert json_bytes(activity) + ROOM_FOR_FRONT_END <= MESSAGE_BYTES
        assert len(json.dumps(activity, ensure_ascii=False).encode()) <= MESSAGE_BYTES
        card = activity["attachments"][0]["content"]
        assert json_bytes(card["body"]) <= BODY_BYTES + 64
        assert len(card.get("actions", [])) <= MAX_BUTTONS
        for element in elements(card):
            assert len(element.get("text", "")) <= TEXT_LIMIT


def test_a_participants_words_are_only_in_text_runs_set_apart_and_shown_as_typed():
    words = (
        "<at>Sam</at> **bold** _it_ [Click](https://evil.example) {{DATE(2017-02-14T06:00:00Z)}}"
        "\n- not a list\n1. nor this\n\nsam@example.org www.x.example\r\n  indented"
    )
    message = OutgoingMessage(
        title="Reflections", text="Here is what people said:",
        sections=(Section(words, heading="Quotes", untrusted=True),),
    )  # fmt: skip
    activities = message_activities(message, words=WORDS)
    [card] = cards(activities)
    assert shown_words(activities) == typed(words).replace("\n\n", "\n\n")
    [box] = [e for e in card["body"] if e["type"] == "Container"]
    assert box["style"] == "emphasis"
    assert {e["type"] for e in box["items"]} == {"RichTextBlock"}
    # Nothing of theirs is read as Markdown.
    assert "Sam" not in markdown_texts(activities) and "evil" not in markdown_texts(activities)
    headings = [e for e in card["body"] if e["type"] == "TextBlock"]
    assert headings[0]["text"] == "Reflections" and headings[0]["style"] == "heading"
    assert [h["text"] for h in headings[1:]] == ["Here is what people said:", "Quotes"]


def test_the_bots_markdown_lite_becomes_teams_markdown_a_line_a_block():
    message = OutgoingMessage(
        text="# Next steps\n\n**Bold** and __also__ ~~gone~~\n* one\n+ two\nsee <https://x.org/a>"
        " {{DATE(2017-02-14T06:00:00Z)}} <at>Fran</at>"
    )
    [card] = cards(message_activities(message, words=WORDS))
    blocks = [(e["text"], e.get("spacing")) for e in card["body"]]
    assert [text for text, _ in blocks[:4]] == [
        "**Next steps**", "**Bold** and **also** gone", "- one", "- two",
    ]  # fmt: skip
    assert [spacing for _, spacing in blocks] == ["Medium", "Medium", "None", "None", "None"]
    last = blocks[-1][0]
    assert last.startswith("see [https://x.org/a](https://x.org/a) ")
    assert "{{" not in last and "<at>" not in last  # no date function, no mention


def test_plain_style_drops_emoji_and_decoration():
    message = OutgoingMessage(
        title="☕ Welcome", text="**Hello** 🎉 everyone\n\n# Today", plain=True,
        sections=(Section("Said: **great** ☕", untrusted=True),),
        actions=(Action("🎉 Join", "brew:session:join:1"),),
    )  # fmt: skip
    activities = message_activities(message, words=WORDS)
    shown = markdown_texts(activities) + shown_words(activities)
    shown += " ".join(b["title"] for b in buttons(activities))
    assert "☕" not in shown and "🎉" not in shown and "**" not in shown and "#" not in shown
    assert "Hello everyone" in shown and "Said: great" in shown and "Join" in shown
    [card] = cards(activities)
    assert "weight" not in card["body"][0] and "size" not in card["body"][0]


def test_buttons_name_their_routes_and_ask_for_a_dialog_where_a_form_may_answer():
    actions = (
        Action("Yes, I'm coming", "brew:rsvp:yes:7", ActionStyle.PRIMARY),
        Action("Share a reflection", "brew:reflection:open:7"),
        Action("Cancel the session " + "x" * 100, "brew:session:cancel:7", ActionStyle.DANGER),
    )
    activities = message_activities(
        OutgoingMessage("Tea on Tuesday", actions=actions),
        words=WORDS,
        opens_form=lambda custom: parse_custom_id(custom)[:2] == ("reflection", "open"),
        data={"team": "19:abc"},
    )
    found = buttons(activities)
    assert [route_id(b["data"]) for b in found] == [a.custom_id for a in actions]
    assert [b["type"] for b in found] == ["Action.Submit"] * 3
    assert [b.get("style") for b in found] == ["positive", None, "destructive"]
    assert [b["data"].get("msteams") for b in found] == [None, {"type": "task/fetch"}, None]
    assert all(b["data"]["team"] == "19:abc" for b in found)
    assert len(found[2]["title"]) <= 80 and found[2]["title"].endswith("…")
    # A task/fetch's data, and what is not ours, read back as Teams sends them.
    assert route_id({"type": "task/fetch", **found[1]["data"]}) == "brew:reflection:open:7"
    for foreign in (None, "brew:x:y:z", {}, {"brew": 7}, {"brew": "other:x"}, {"action": "a"}):
        assert route_id(foreign) is None


@pytest.mark.parametrize(("count", "shares"), [(6, [6]), (7, [4, 3]), (8, [4, 4]), (13, [5, 4, 4])])
def test_more_than_six_buttons_are_shared_out_over_further_cards(count, shares):
    actions = tuple(Action(f"Choice {n}", f"brew:needs:add:n{n}") for n in range(count))
    activities = message_activities(OutgoingMessage("Pick", actions=actions), words=WORDS)
    found = cards(activities)
    assert [len(card["actions"]) for card in found] == shares
    assert [route_id(b["data"]) for b in buttons(activities)] == [a.custom_id for a in actions]
    for card in found[1:]:
        assert [e["text"] for e in card["body"]] == [WORDS.more_choices]
    assert found[0]["body"][0]["text"] == "Pick"
    within_limits(activities)


def test_a_long_digest_is_cut_into_cards_within_teams_limits_losing_nothing():
    paragraphs = [f"Paragraph {n}. " + "Tea and talk. " * 40 for n in range(400)]
    quotes = "\n".join(f"Quote {n}: " + "we said so & <at>x</at> " * 20 for n in range(300))
    message = OutgoingMessage(
        title="Digest", text="\n\n".join(paragraphs),
        sections=(Section(quotes, "What people said", untrusted=True),),
        actions=(Action("Send", "brew:digest:send:1"),),
    )  # fmt: skip
    activities = message_activities(message, words=WORDS)
    assert len(activities) > 10
    within_limits(activities)
    texts = [e["text"] for c in cards(activities) for e in elements(c) if e["type"] == "TextBlock"]
    assert squeezed("".join(texts[1:-1])) == squeezed("".join(paragraphs))
    assert shown_words(activities) == typed(quotes)
    # The box of quotes goes on over several cards, set apart on each.
    boxes = [e for c in cards(activities) for e in c["body"] if e["type"] == "Container"]
    assert len(boxes) > 1 and all(b["style"] == "emphasis" for b in boxes)
    assert [len(c.get("actions", [])) for c in cards(activities)][-1] == 1
    assert all(a["summary"] == "Digest" for a in activities)


@pytest.mark.parametrize(
    "words",
    [
        "😀" * 30_000,  # twelve bytes of JSON each
        "\x01" * 20_000,  # six each
        "x" * 50_000,  # one word, no space to cut at
        "a" + " " * 40_000 + "b",  # spaces kept between the runs
        "{{<at>" * 8_000,
    ],
)
def test_huge_words_are_cut_within_the_limits_and_shown_whole(words):
    activities = message_activities(
        OutgoingMessage(sections=(Section(words, untrusted=True),)), words=WORDS
    )
    assert len(activities) > 1
    within_limits(activities)
    runs = [e["text"] for c in cards(activities) for e in elements(c) if e["type"] == "TextRun"]
    assert "".join(run_reads(r) for r in runs) == typed(words)


def test_an_empty_message_is_no_activity_and_buttons_alone_are_one_card():
    assert message_activities(OutgoingMessage(), words=WORDS) == []
    [card] = cards(message_activities(OutgoingMessage(actions=(Action("Retry", "brew:a:b:c"),)),
                                      words=WORDS))  # fmt: skip
    assert card["body"] == [] and len(card["actions"]) == 1


def test_the_summary_is_short_plain_and_cannot_mention_or_link():
    message = OutgoingMessage(
        sections=(Section("<at>All</at> see https://x.y " * 50, untrusted=True),)
    )
    [activity] = message_activities(message, words=WORDS)
    assert 0 < len(activity["summary"]) <= 200
    run_reads(activity["summary"])


def test_easy_read_ideas_show_their_picture_on_the_left_with_its_words():
    texts = Texts.load()
    sections = texts.ideas("welcome", title="Being heard", theme="being heard")
    message = OutgoingMessage(title="Being heard", sections=sections)
    activities = message_activities(message, words=WORDS, pictures=PICTURES)
    [card] = cards(activities)
    rows = [e for e in card["body"] if e["type"] == "ColumnSet"]
    assert len(rows) == len(sections) and all(s.picture for s in sections)
    for row, section in zip(rows, sections, strict=True):
        picture, words = row["columns"]
        [image] = picture["items"]
        assert image == {
            "type": "Image", "url": f"{PICTURES}{section.picture.name}.png",
            "altText": section.picture.alt, "size": "Medium",
        }  # fmt: skip
        assert image["altText"].strip()
        # A line holding typed words (the theme) is TextRuns (bot/core/marked.py).
        shown = [e.get("text") or "".join(r["text"] for r in e["inlines"]) for e in words["items"]]
        assert " ".join(shown) == " ".join(unmark(section.body).split("\n"))
    assert not any(MARK.search(e.get("text", "")) for e in elements(card))  # no [mark] shown
    # No public address, or plain style: the words alone.
    for shown in (
        message_activities(message, words=WORDS),
        message_activities(
            OutgoingMessage(title="x", sections=sections, plain=True),
            words=WORDS,
            pictures=PICTURES,
        ),
    ):
        dumped = json.dumps(shown)
        assert '"Image"' not in dumped and ".png" not in dumped
        assert "Get a cup of tea if you like." in dumped


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
        FormField("name", "A name", required=False),
        FormField("needs", "Needs", FieldKind.CHECKBOX, required=False,
                  choices=tuple(Choice(f"Need {n}", f"n{n}") for n in range(3))),
        FormField("place", "Where", FieldKind.CHOICE,
                  choices=tuple(Choice(f"Place {n}", f"p{n}") for n in range(9))),
    ),
    submit_label="Send",
)  # fmt: skip


def dialog_card(answer: dict) -> tuple[dict, dict]:
    task = answer["task"]
    assert task["type"] == "continue"
    value = task["value"]
    assert value["card"]["contentType"] == CARD_TYPE
    return value, value["card"]["content"]


def test_a_form_becomes_a_dialog_with_labelled_inputs():
    value, card = dialog_card(dialog(FORM, words=WORDS, data={"team": "19:abc"}))
    assert value["title"] == FORM.title and value["width"] == "medium"
    assert value["height"] == "large"
    inputs = {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}
    assert list(inputs) == [f.id for f in FORM.fields]
    assert all(i["label"] for i in inputs.values())  # what a screen reader says
    assert inputs["category"]["type"] == "Input.ChoiceSet"
    assert inputs["category"]["style"] == "expanded" and inputs["category"]["isRequired"] is True
    assert inputs["category"]["errorMessage"] == WORDS.required
    assert [c["value"] for c in inputs["category"]["choices"]] == ["working", "idea"]
    assert inputs["place"]["style"] == "compact" and inputs["place"]["placeholder"] == WORDS.choose
    text = inputs["text"]
    assert text["type"] == "Input.Text" and text["isMultiline"] is True
    assert text["maxLength"] == 2000 and isinstance(text["maxLength"], int)
    assert inputs["name"].get("isMultiline") is False and "isRequired" not in inputs["name"]
    assert inputs["quote"]["type"] == "Input.Toggle" and inputs["quote"]["valueOn"] == "yes"
    assert inputs["quote"]["title"] == "Yes, my words may be quoted"
    assert inputs["needs"]["isMultiSelect"] is True and inputs["needs"]["style"] == "expanded"
    hint = card["body"][card["body"].index(text) + 1]
    assert hint["text"] == "Up to 2,000 characters" and hint["isSubtle"] is True
    assert card["body"][0]["text"] == "Write what you like. **Nobody** sees your name."
    [submit] = card["actions"]
    assert submit["title"] == "Send" and submit["type"] == "Action.Submit"
    assert route_id(submit["data"]) == FORM.custom_id and submit["data"]["team"] == "19:abc"
    assert json_bytes(dialog(FORM, words=WORDS)) < MESSAGE_BYTES


def test_a_submitted_dialog_reads_back_as_the_services_expect():
    # What Teams sends in a task/submit: the submit button's data with every input's value.
    sent = {
        "brew": FORM.custom_id, "msteams": {"type": "task/submit"}, "category": "idea",
        "text": "More tea", "quote": "yes", "needs": "n0,n2", "place": "p3", "extra": "x",
    }  # fmt: skip
    assert route_id(sent) == FORM.custom_id
    assert form_values(FORM, sent) == {
        "category": "idea", "text": "More tea", "quote": "yes", "name": "",
        "needs": "n0,n2", "place": "p3",
    }  # fmt: skip
    # An unticked box, a forged tick, things that are not text, no data at all.
    assert form_values(FORM, {"quote": ""})["quote"] == ""
    assert form_values(FORM, {"quote": "true", "text": 7})["quote"] == ""
    assert form_values(FORM, {"text": ["a"]})["text"] == ""
    assert form_values(FORM, None) == {f.id: "" for f in FORM.fields}


def test_a_refused_dialog_keeps_the_persons_words_and_says_why_under_the_field():
    typed_in = {"category": "idea", "text": "My words, kept", "quote": "yes"}
    refusal = OutgoingMessage("Please write **at most** 2,000 characters.", refused=True,
                              field="text")  # fmt: skip
    _, card = dialog_card(dialog(FORM, words=WORDS, values=typed_in, refusal=refusal))
    body = card["body"]
    inputs = {e["id"]: e for e in body if e["type"].startswith("Input.")}
    assert inputs["text"]["value"] == "My words, kept"
    assert inputs["category"]["value"] == "idea" and inputs["quote"]["value"] == "yes"
    error = body[body.index(inputs["text"]) + 2]  # under the field and its hint
    assert error["text"] == "Please write at most 2,000 characters."
    assert error["color"] == "Attention"
    # A refusal naming no field of the form: under the main text box.
    _, card = dialog_card(dialog(FORM, words=WORDS, refusal=OutgoingMessage("No.", refused=True)))
    index = [e.get("id") for e in card["body"]].index("text")
    assert card["body"][index + 2]["text"] == "No."


def test_an_easy_read_dialog_shows_its_ideas_with_their_pictures():
    ideas = Texts.load().ideas("reflection_form", prompt="What would help?", help="Call 999.")
    form = Form("Share a reflection", "brew:reflection:submit:1",
                (FormField("text", "Your words", FieldKind.PARAGRAPH),),
                intro="\n\n".join(idea.body for idea in ideas), ideas=ideas)  # fmt: skip
    _, card = dialog_card(dialog(form, words=WORDS, pictures=PICTURES))
    images = [e for e in elements(card) if e["type"] == "Image"]
    assert [i["altText"] for i in images] == [idea.picture.alt for idea in ideas if idea.picture]
    assert len(images) >= 6
    _, words_only = dialog_card(dialog(form, words=WORDS))
    assert "Image" not in json.dumps(words_only) and "Your name is not kept." in json.dumps(
        words_only
    )


def test_an_open_the_form_card_asks_teams_for_the_dialog():
    activity = open_form_card("Share a reflection", "brew:reflection:open:7", words=WORDS,
                              data={"team": "19:abc"})  # fmt: skip
    [card] = cards([activity])
    [button] = card["actions"]
    assert button["title"] == WORDS.open_form
    assert button["data"] == {
        "team": "19:abc", "brew": "brew:reflection:open:7", "msteams": {"type": "task/fetch"},
    }  # fmt: skip
    assert card["body"][0]["text"] == "Share a reflection"
    assert activity["summary"] == "Share a reflection"


_risky = st.lists(
    st.one_of(st.sampled_from(["<at>", "{{", "**", "- ", "\n", "\n\n", " ", "https://x.y", "😀"]),
              st.text(max_size=8)),
    max_size=60,
).map("".join)  # fmt: skip


@settings(max_examples=120, deadline=None)
@given(text=_risky, body=hostile, heading=_risky, repeat=st.integers(1, 400),
       count=st.integers(0, 14))  # fmt: skip
# Brewbot's marks (bot/core/marked.py), which nobody can type, are read as marks in a section
# too, never shown: a lone one, and one shaped like a mention, which shows only its id.
@example(text="", body="\ufff9", heading="", repeat=1, count=0)
@example(text="", body="x\ufff9\ufffa@12\ufffby", heading="", repeat=2, count=0)
def test_any_message_renders_within_limits_and_shows_the_words_as_typed(
    text, body, heading, repeat, count
):
    words = body * repeat
    actions = tuple(Action(heading or "x", f"brew:t:v:{n}") for n in range(count))
    message = OutgoingMessage(
        title=heading, text=text, actions=actions,
        sections=(Section(words, heading=heading, untrusted=True), Section(text)),
    )  # fmt: skip
    activities = message_activities(message, words=WORDS)
    within_limits(activities)
    assert [route_id(b["data"]) for b in buttons(activities)] == [a.custom_id for a in actions]
    assert squeezed(shown_words(activities)) == squeezed(typed(unmark(words)))
    assert not re.search(r"<\s*/?\s*at\b|\{\{", markdown_texts(activities), re.IGNORECASE)


async def test_every_message_and_form_of_a_real_session_renders(app, fac):
    """The real services, through the same dispatcher every platform uses: every answer,
    post and form of a session renders, and every button names a route the table has."""
    chat = Chat(app)
    session_id = await make_session(app, SessionState.SCHEDULED, people=3)
    answers = [
        await chat.say(fac, "/brew help"),
        await chat.say(fac, f"/brew open {session_id}"),
        await chat.say(Chat.person("Sam"), f"/brew join {session_id}"),
        await chat.press(Chat.person("Sam"), "brew:consent:yes:"),
        await chat.say(fac, f"/brew spark {session_id}"),
        await chat.say(Chat.person("Sam"), "/brew needs"),
        await chat.say(fac, f"/brew breakouts {session_id}"),
        await chat.say(fac, f"/brew reflect {session_id}"),
        await chat.press(Chat.person("Sam"), f"brew:reflection:open:{session_id}"),
    ]
    messages = [m for a in answers for m, _ in a.replies]
    messages += [s.message for s in chat.adapter.sent if s.message is not None]
    forms = [f for a in answers for f in a.forms]
    assert len(messages) > 10 and forms
    routes = set(app.table.components)
    for message in messages:
        activities = message_activities(message, words=WORDS, pictures=PICTURES)
        within_limits(activities)
        for pressed in buttons(activities):
            parsed = parse_custom_id(route_id(pressed["data"]) or "")
            assert parsed is not None and parsed[:2] in routes, pressed
    for form in forms:
        _, card = dialog_card(dialog(form, words=WORDS, pictures=PICTURES))
        assert json_bytes(card) < MESSAGE_BYTES
        [submit] = card["actions"]
        assert parse_custom_id(route_id(submit["data"]))[:2] in routes
        # A person fills in the dialog; what Teams sends back reaches the service.
        filled = {f.id: (f.choices[0].value if f.choices else "Tea helps.") for f in form.fields}
        values = form_values(form, {**submit["data"], **filled})
        answer = await chat.press(Chat.person("Sam"), form.custom_id, values)
        assert answer.replies and not answer.replies[0][0].refused, answer.text
