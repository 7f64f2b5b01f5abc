"""A stand-in for cards.py (the Adaptive Card renderer another part of issue 19 builds): the
smallest rendering the front-end needs to run end to end, words as escaped TextBlocks and
buttons as Action.Submit. To be replaced by cards.py's renderer; the button and dialog data
below are the front-end's contract with it (listeners.py reads them):

- a button: Action.Submit with data {"brew": CUSTOM_ID}; a button whose route may answer with
  a form adds "msteams": {"type": "task/fetch"}, so Teams asks for the dialog (task/fetch);
- a dialog: a task "continue" answer whose card's inputs are named by the form's field ids and
  whose submit button's data is {"brew": FORM_CUSTOM_ID}.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.core.messages import FieldKind, Form, OutgoingMessage

CARD = "application/vnd.microsoft.card.adaptive"
VERSION = "1.5"
# Teams shows at most 6 buttons on a card.
MOST_BUTTONS = 6
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!>~|<])")


def escaped(text: str) -> str:
    """Words shown as typed: Teams' markdown in a TextBlock reads none of them."""
    return _MARKDOWN.sub(r"\\\1", text)


def message_cards(
    message: OutgoingMessage, opens_form: Callable[[str], bool]
) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = []
    if message.title:
        body.append(_text(escaped(message.title), weight="Bolder", size="Medium"))
    if message.text:
        body.append(_text(message.text))
    for section in message.sections:
        if section.heading:
            body.append(_text(escaped(section.heading), weight="Bolder"))
        if section.body:
            body.append(_text(escaped(section.body) if section.untrusted else section.body))
    actions = [_button(a.label, a.custom_id, opens_form(a.custom_id)) for a in message.actions]
    cards = []
    for start in range(0, max(len(actions), 1), MOST_BUTTONS):
        card: dict[str, Any] = {"type": "AdaptiveCard", "version": VERSION, "body": body}
        card["actions"] = actions[start : start + MOST_BUTTONS]
        cards.append(card)
        body = [_text("...")] if start + MOST_BUTTONS < len(actions) else []
    return cards


def dialog(form: Form) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    if form.intro:
        body.append(_text(form.intro))
    for field in form.fields:
        body.append(_text(escaped(field.label), weight="Bolder"))
        if field.kind in (FieldKind.CHOICE,):
            body.append(
                {
                    "type": "Input.ChoiceSet",
                    "id": field.id,
                    "isRequired": field.required,
                    "choices": [{"title": c.label, "value": c.value} for c in field.choices],
                }
            )
        elif field.kind is FieldKind.CHECKBOX:
            body.append({"type": "Input.Toggle", "id": field.id, "title": field.label,
                         "valueOn": "yes", "valueOff": ""})  # fmt: skip
        else:
            text: dict[str, Any] = {"type": "Input.Text", "id": field.id}
            text["isMultiline"] = field.kind is FieldKind.PARAGRAPH
            if field.max_length:
                text["maxLength"] = field.max_length
            body.append(text)
    card = {
        "type": "AdaptiveCard",
        "version": VERSION,
        "body": body,
        "actions": [
            {"type": "Action.Submit", "title": form.submit_label, "data": {"brew": form.custom_id}}
        ],
    }
    return {
        "task": {
            "type": "continue",
            "value": {"title": form.title, "card": {"contentType": CARD, "content": card}},
        }
    }


def _text(text: str, **style: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _button(label: str, custom_id: str, opens_form: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"brew": custom_id}
    if opens_form:
        data["msteams"] = {"type": "task/fetch"}
    return {"type": "Action.Submit", "title": label, "data": data}
