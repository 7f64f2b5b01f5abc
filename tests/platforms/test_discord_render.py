"""Neutral messages and forms as Discord messages and modals, within Discord's limits."""

from __future__ import annotations

import re

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.marked import CLOSE, OPEN, SEPARATOR
from bot.core.messages import (
    Action,
    ActionStyle,
    Attachment,
    Choice,
    FieldKind,
    Form,
    FormField,
    OutgoingMessage,
    Section,
)
from bot.platforms.discord.components import (
    BrewButton,
    build_modal,
    split_community,
    submitted_values,
    with_community,
)
from bot.platforms.discord.render import render

NONE = {"parse": []}


def _text(parts) -> str:
    out = []
    for part in parts:
        out.append(part.content or "")
        out.extend(e.description or "" for e in part.embeds)
    return "\n".join(out)


def test_a_short_answer_is_plain_content_that_pings_nobody():
    [part] = render(OutgoingMessage("Done. I have planned this session."))
    assert part.content == "Done. I have planned this session."
    assert part.embeds == [] and part.view is None
    assert part.mentions.to_dict() == NONE


def test_a_ping_is_only_for_the_people_named():
    [part] = render(OutgoingMessage("Your turn", ping=True))
    assert part.mentions.to_dict() == {"parse": ["users"]}


def test_a_titled_message_is_an_embed_with_bold_section_headings():
    [part] = render(
        OutgoingMessage(
            title="Going through an assessment",
            text="Intro",
            sections=(Section("One\nTwo", "Questions to talk about"),),
        )
    )
    assert part.content is None
    [embed] = part.embeds
    assert embed.title == "Going through an assessment"
    assert embed.description == "Intro\n\n**Questions to talk about**\nOne\nTwo"


def test_words_a_participant_typed_cannot_ping_or_format():
    typed = "@everyone look **here** <@123> <@&456> [click](https://evil.example)"
    [part] = render(OutgoingMessage(title="Digest", sections=(Section(typed, untrusted=True),)))
    shown = part.embeds[0].description
    assert "@everyone" not in shown and "<@" not in shown
    assert "**here**" not in shown and "\\*\\*here\\*\\*" in shown
    assert "\\[click\\](https\\://evil.example)" in shown  # as typed, and not a link
    assert shown.startswith("> ")  # set apart from the bot's words as a quote
    # The bot's own words are not escaped.
    [own] = render(OutgoingMessage(title="T", sections=(Section("**bold**"),)))
    assert own.embeds[0].description == "**bold**"


def test_plain_style_has_no_embeds_no_decoration_and_still_escapes():
    message = OutgoingMessage(
        title="Welcome \U0001f600",
        text="**Please** read this.",
        sections=(Section("@here hello", "From people", untrusted=True),),
        plain=True,
    )
    [part] = render(message)
    assert part.embeds == []
    assert "**" not in part.content and "\U0001f600" not in part.content
    assert part.content.startswith("Welcome")
    assert "@here" not in part.content and "hello" in part.content


def test_buttons_go_on_the_last_part_files_on_the_first():
    message = OutgoingMessage(
        text="word " * 900,  # more than one message of content
        actions=(
            Action("I'm coming", "brew:rsvp:yes:7", ActionStyle.PRIMARY),
            Action("I can't come", "brew:rsvp:no:7"),
        ),
        attachments=(Attachment("invite.ics", b"BEGIN:VCALENDAR", "text/calendar"),),
    )
    parts = render(message)
    assert len(parts) == 3
    assert [f.filename for f in parts[0].files] == ["invite.ics"]
    assert all(p.view is None for p in parts[:-1])
    view = parts[-1].view
    assert view is not None and view.timeout is None, "buttons survive a restart"
    assert [type(i) for i in view.children] == [BrewButton, BrewButton]
    assert [i.custom_id for i in view.children] == ["brew:rsvp:yes:7", "brew:rsvp:no:7"]
    assert view.children[0].item.style is discord.ButtonStyle.primary
    assert all(len(p.content) <= 2000 for p in parts)


def test_buttons_sent_privately_say_which_server_they_belong_to():
    message = OutgoingMessage(text="Draft", actions=(Action("Send", "brew:digest:send:3"),))
    [part] = render(message, dm_guild_id="123456789")
    assert part.view.children[0].custom_id == "brew:digest:send:3~123456789"
    assert split_community("brew:digest:send:3~123456789") == ("brew:digest:send:3", "123456789")
    assert split_community("brew:digest:send:3") == ("brew:digest:send:3", None)
    long_id = "brew:x:y:" + "a" * 88
    assert with_community(long_id, "123456789") == long_id, "never longer than 100"


def test_every_brew_id_matches_the_button_template():
    template = BrewButton.__discord_ui_compiled_template__
    for value in ("brew:rsvp:yes:12", "brew:consent:yes:", "brew:digest:send:3~99", "brew:a:b:c d"):
        assert template.fullmatch(value), value
    assert not template.fullmatch("other:rsvp:yes:1")


def test_a_buttons_only_message_still_has_something_to_show():
    [part] = render(
        OutgoingMessage(actions=(Action("Share a reflection", "brew:reflection:open:1"),))
    )
    assert part.content and part.view is not None


# Brewbot's marks for typed words (bot/core/marked.py) are never in a text from anyone:
# `readable` takes them out of what people type, so a digest cannot hold one of its own.
_TYPED_MARKS = OPEN + SEPARATOR + CLOSE


@settings(max_examples=40, deadline=None)
@given(
    paragraphs=st.lists(
        st.text(
            alphabet=st.characters(
                codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters=_TYPED_MARKS
            ),
            min_size=1,
            max_size=3000,
        ),
        min_size=1,
        max_size=12,
    )
)
def test_a_digest_of_any_length_fits_discords_limits(paragraphs):
    body = "\n\n".join(paragraphs)
    parts = render(OutgoingMessage(title="Key findings: Being heard", text=body))
    for part in parts:
        assert 1 <= len(part.embeds) <= 10
        total = sum(len(e.description or "") + len(e.title or "") for e in part.embeds)
        assert total <= 6000
        assert all(len(e.description or "") <= 4096 for e in part.embeds)
    assert parts[0].embeds[0].title == "Key findings: Being heard"
    # Nothing is lost: the words come back in order once whitespace is ignored.
    assert re.sub(r"\s+", "", _text(parts)) == re.sub(r"\s+", "", body)


def _reflection_form() -> Form:
    return Form(
        title="Share a reflection",
        custom_id="brew:reflection:submit:4",
        intro="What would you like the working group to hear?\n\nIf you need help now: 999.",
        fields=(
            FormField(
                "category",
                "What is it about?",
                FieldKind.CHOICE,
                choices=(
                    Choice("What's working", "working"),
                    Choice("What's not working", "not_working"),
                ),
            ),
            FormField(
                "text",
                "Your reflection",
                FieldKind.PARAGRAPH,
                max_length=2000,
                hint="Please do not use names.",
            ),
            FormField(
                "quote",
                "May we quote your words?",
                FieldKind.CHECKBOX,
                required=False,
                choices=(Choice("Yes, you may quote my words", "yes"),),
            ),
        ),
    )


async def test_a_form_becomes_a_modal_with_its_introduction_and_labelled_inputs():
    modal = build_modal(_reflection_form())
    data = modal.to_dict()
    assert data["custom_id"] == "brew:reflection:submit:4"
    assert data["title"] == "Share a reflection"
    kinds = [c["type"] for c in data["components"]]
    assert kinds == [10, 18, 18, 18]  # text, then three labelled inputs
    assert "If you need help now" in data["components"][0]["content"]
    select, text, checkbox = (c["component"] for c in data["components"][1:])
    assert select["type"] == 3 and [o["value"] for o in select["options"]] == [
        "working",
        "not_working",
    ]
    assert text["type"] == 4 and text["max_length"] == 2000 and text["style"] == 2
    assert data["components"][2]["description"] == "Please do not use names."
    assert checkbox == {"type": 23, "custom_id": "quote=yes", "default": False}
    # Not kept by discord.py: submissions are routed by id, before or after a restart.
    assert modal.is_finished()


def test_a_form_with_five_fields_keeps_the_first_sentences_of_its_introduction():
    fields = tuple(FormField(f"f{n}", f"Field {n}") for n in range(5))
    intro = "Write a short activity. Use plain words. " + "Put each question on a line. " * 5
    modal = build_modal(Form("Add a spark", "brew:spark:add:", fields, intro=intro))
    data = modal.to_dict()
    assert len(data["components"]) == 5
    assert data["components"][0]["description"].startswith("Write a short activity.")
    assert len(data["components"][0]["description"]) <= 100


def test_long_titles_and_labels_are_shortened_to_discords_limits():
    form = Form("A" * 80, "brew:x:y:", (FormField("a", "B" * 80, hint="C" * 300),))
    data = build_modal(form).to_dict()
    assert len(data["title"]) == 45
    assert len(data["components"][0]["label"]) == 45
    assert len(data["components"][0]["description"]) == 100


def test_submitted_values_from_any_layout():
    components = [
        {"type": 10, "id": 1, "content": "intro"},
        {
            "type": 18,
            "id": 2,
            "component": {"type": 3, "custom_id": "category", "values": ["working"]},
        },
        {"type": 18, "id": 3, "component": {"type": 4, "custom_id": "text", "value": "Hi"}},
        {"type": 18, "id": 4, "component": {"type": 23, "custom_id": "quote=yes", "value": True}},
        {"type": 1, "components": [{"type": 4, "custom_id": "old", "value": "row"}]},
    ]
    assert submitted_values(components) == {
        "category": "working",
        "text": "Hi",
        "quote": "yes",
        "old": "row",
    }
    unticked = [{"type": 18, "component": {"type": 23, "custom_id": "quote=yes", "value": False}}]
    assert submitted_values(unticked) == {"quote": ""}


@settings(max_examples=40, deadline=None)
@given(count=st.integers(min_value=0, max_value=80), words=st.integers(min_value=0, max_value=900))
def test_every_button_is_on_some_message_in_rows_discord_takes(count, words):
    """However many buttons a message has, each is shown once, in order, on messages of at
    most 5 rows of 5 (Discord's limit for one message): none is left out."""
    actions = tuple(Action(f"Choice {n}", f"brew:pick:one:{n}") for n in range(count))
    parts = render(OutgoingMessage(text="word " * words, actions=actions))
    ids = []
    for part in parts:
        if part.view is None:
            continue
        rows = part.view.to_components()
        assert 1 <= len(rows) <= 5
        assert all(len(row["components"]) <= 5 for row in rows)
        ids += [button["custom_id"] for row in rows for button in row["components"]]
        assert part.content or part.embeds, "Discord refuses an empty message"
    assert ids == [a.custom_id for a in actions]
