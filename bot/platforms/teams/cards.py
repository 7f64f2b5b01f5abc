"""Neutral messages and forms as Microsoft Teams Adaptive Cards (schema 1.5, the newest that
Teams shows on desktop and mobile), built with the Teams SDK's card models.

Every message is one or more cards, each an activity of its own:

- The bot's own words (Markdown-lite) are TextBlocks, one a line, in Teams' Markdown subset
  (**bold**, "- " lists, [label](url)); headings become bold lines. A line per TextBlock
  because the clients disagree on what one line break in a TextBlock means.
- Words someone typed inside the bot's own sentences (a name, a title: bot/core/marked.py)
  are never Markdown either: a line holding them is a RichTextBlock, the bot's bold and links
  the TextRuns' own weight and link, and the typed words escaped as a participant's are.
- A participant's words (`Section(untrusted=True)`) are never Markdown: they go in the
  TextRuns of RichTextBlocks (escape.py says why and what is still broken up), inside an
  "emphasis" container, set apart from the bot's words as the quotes of Discord and Slack
  are. A long line is several TextRuns of one RichTextBlock, which Teams shows as one line.
- An Easy Read idea (`Section.picture`) is two columns: its picture on the left (the
  Department of Health's Easy Read guidance), with the picture's words as `altText`, and its
  words on the right. Teams fetches the picture from the web server's /pictures/, so
  pictures are shown only when `pictures` (that address) is given; in plain style, and with
  no public address, the words are shown alone.
- Buttons are Action.Submit, their `data` carrying the route (`{"brew": "brew:<feature>:
  <verb>:<arg>"}`, the custom id Discord and Slack use, read back by `route_id`). A button
  whose route may answer with a form asks Teams for a dialog (`msteams: task/fetch`): Teams
  opens a dialog only from a card's button. Teams shows at most six buttons on a card, and
  hides the rest in a menu that is easy to miss, so a message with more has its buttons
  shared out evenly over further cards, each saying "More choices:".
- Teams turns down a message over 28 KB. Each card's body is kept to `BODY_BYTES` of JSON
  (counted as the most any JSON encoder could make of it: every character outside ASCII
  escaped), which leaves room for its buttons, its summary and what the front-end adds (the
  conversation, the reply it answers). A long message is cut into several cards at natural
  places (bot.core.splitting), never through an escape, and nothing is dropped.
- `summary` is the plain text Teams shows in notifications and the chat list; the card
  itself is what screen readers read (the title is a heading, every input has a label).

Forms are dialogs (`dialog`): an Adaptive Card with a labelled input a field, answered to
Teams' task/fetch; `form_values` reads a task/submit back into the `{field id: value}` the
services expect, as Slack's `view_values` and Discord's `submitted_values` do. A refusal of
what was sent is shown in the dialog under the field it is about, with the person's words
still in it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from microsoft_teams.cards import (
    AdaptiveCard,
    ChoiceSetInput,
    Column,
    ColumnSet,
    Container,
    Image,
    OpenUrlAction,
    RichTextBlock,
    SerializableObject,
    SubmitAction,
    TeamsCardProperties,
    TextBlock,
    TextInput,
    TextRun,
    ToggleInput,
)
from microsoft_teams.cards import Choice as CardChoice

from bot.core.marked import Mention, Typed, has_marks, has_placeholder, hold, plain_mention, unmark
from bot.core.messages import (
    Action,
    ActionStyle,
    FieldKind,
    Form,
    FormField,
    OutgoingMessage,
    Section,
    parse_custom_id,
)
from bot.core.plain import plain_text_style
from bot.core.splitting import split_text
from bot.engine.texts import Texts
from bot.platforms.teams.escape import WHOLE, escape_teams, neutralise

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
# The key of a button's data that names its route.
ROUTE = "brew"
TASK_FETCH = {"type": "task/fetch"}

# Teams' limits (learn.microsoft.com, "Cards reference" and "Format cards"): a message of at
# most 28 KB; at most six buttons shown on a card.
MESSAGE_BYTES = 28 * 1024
MAX_BUTTONS = 6
# Ours, within them: a card's body, and the text of one TextBlock or TextRun (a thousand
# characters are at most 12 KB of JSON, so every piece fits in a body).
BODY_BYTES = 16 * 1024
PIECE_BYTES = 12 * 1024
TEXT_LIMIT = 1000
TITLE_LIMIT = 300
BUTTON_LIMIT = 80
SUMMARY_LIMIT = 200
DIALOG_TITLE_LIMIT = 100
ERROR_LIMIT = 300
# A choice of up to this many is shown as radio buttons; more, as a drop-down list.
EXPANDED_CHOICES = 5

Element = dict[str, Any]

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[*+]\s+")
_BOLD = re.compile(r"__(.+?)__")
_STRIKE = re.compile(r"~~(.+?)~~")
_AUTOLINK = re.compile(r"<(https?://[^\s<>]+)>")
# What a cut of the bot's Markdown may not go through: bold, a link, an escape.
_MARKUP = re.compile(r"\*\*[^*\n]+\*\*|\[[^\]\n]*\]\([^()\s]*\)|" + WHOLE.pattern)
_DECORATION = re.compile(r"\*\*|__|`")


@dataclass(frozen=True)
class CardWords:
    """The few words the cards add themselves (prompts/strings/teams_cards.yaml)."""

    more_choices: str
    open_form: str
    required: str
    choose: str

    @classmethod
    def from_texts(cls, texts: Texts) -> CardWords:
        return cls(
            more_choices=texts.t("teams_cards.more_choices"),
            open_form=texts.t("teams_cards.open_form"),
            required=texts.t("teams_cards.required"),
            choose=texts.t("teams_cards.choose"),
        )


# -- sizes and small pieces -------------------------------------------------------------------


def json_bytes(value: Any) -> int:
    """The most bytes `value` can take as JSON: every character outside ASCII escaped, with
    spaces after separators (the SDK's encoder makes no more than this)."""
    return len(json.dumps(value, ensure_ascii=True))


def _dump(element: SerializableObject) -> Element:
    return element.model_dump(exclude_none=True)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _style(text: str, plain: bool) -> str:
    return plain_text_style(text) if plain and text else text


def to_teams_markdown(markdown: str) -> str:
    """The bot's Markdown-lite in the subset a TextBlock shows: headings as bold lines, every
    list a "- " list, __bold__ as **bold**, <url> as a link; strike-through (which Teams does
    not show) as its words; no date function or mention tag."""
    lines: list[str] = []
    for raw in neutralise(markdown).split("\n"):
        heading = _HEADING.match(raw)
        if heading:
            inner = heading.group(1).replace("**", "")
            lines.append(f"**{inner}**" if inner else "")
            continue
        line = _BULLET.sub(lambda m: f"{m.group(1)}- ", raw)
        line = _BOLD.sub(r"**\1**", line)
        line = _STRIKE.sub(r"\1", line)
        lines.append(_AUTOLINK.sub(lambda m: f"[{m.group(1)}]({m.group(1)})", line))
    return "\n".join(lines)


def _paragraph_lines(text: str) -> Iterable[tuple[str, bool]]:
    """Each line that shows something, and whether it starts a paragraph."""
    starts = True
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            starts = True
            continue
        yield line, starts
        starts = False


def _spacing(starts: bool) -> Any:
    return "Medium" if starts else "None"


def _trusted(markdown: str, plain: bool = False, **look: Any) -> list[Element]:
    """The bot's words: a TextBlock a line (long lines cut where the Markdown allows). A line
    with words someone typed in it (bot/core/marked.py) is a RichTextBlock instead (`_mixed`),
    since Teams' Markdown escapes cannot be trusted."""
    elements: list[Element] = []
    held = hold(_style(markdown, plain))
    for line, starts in _paragraph_lines(to_teams_markdown(held.text)):
        if held.held and has_placeholder(line):
            elements.append(_mixed(held.parts(line), starts, look))
            continue
        for number, chunk in enumerate(split_text(line, TEXT_LIMIT, whole=_MARKUP)):
            spacing = _spacing(starts and number == 0)
            elements.append(_dump(TextBlock(text=chunk, wrap=True, spacing=spacing, **look)))
    return elements


# In a line of the bot's Teams Markdown: bold on or off, or a link.
_INLINE_MARKUP = re.compile(r"\*\*|\[([^\]\n]*)\]\(([^()\s]*)\)")
# What a TextRun may take from a TextBlock's look.
_RUN_LOOK = ("size", "weight", "color", "is_subtle")


def _mixed(parts: list[str | Typed | Mention], starts: bool, look: Mapping[str, Any]) -> Element:
    """One line of the bot's Markdown with typed words in it, as TextRuns of a RichTextBlock,
    which reads no Markdown: the bot's bold and links become the runs' own weight and link,
    a "- " list item a bullet, and the typed words are escaped as a participant's are."""
    base = {k: v for k, v in look.items() if k in _RUN_LOOK}
    runs: list[Element] = []
    bold = False

    def add(text: str, **more: Any) -> None:
        for piece in _runs(text):
            weight = {"weight": "Bolder"} if bold else {}
            runs.append(_dump(TextRun(text=piece, **(base | weight | more))))

    for number, part in enumerate(parts):
        if isinstance(part, Typed):
            add(escape_teams(part))
        elif isinstance(part, Mention):
            add(escape_teams(plain_mention(part)))
        else:
            text = _BULLET_ITEM.sub("• ", part) if number == 0 else part
            position = 0
            for found in _INLINE_MARKUP.finditer(text):
                add(text[position : found.start()])
                if found.group() == "**":
                    bold = not bold
                else:
                    add(found.group(1), select_action=OpenUrlAction(url=found.group(2)))
                position = found.end()
            add(text[position:])
    return _rich(runs, starts)


_BULLET_ITEM = re.compile(r"^\s*- ")


def _text_block(text: str, **look: Any) -> Element:
    """One short text of the bot's own (a title, a hint) in `look`: a TextBlock, or, with
    words someone typed in it, a RichTextBlock of the same look (`_mixed`)."""
    held = hold(text)
    if held.held:
        return _mixed(held.parts(" ".join(held.text.split())), False, look)
    return _dump(TextBlock(text=neutralise(text), **look))


def _runs(line: str) -> list[str]:
    """`line` cut into TextRuns of at most TEXT_LIMIT characters that give back the whole
    line when shown one after another (the spaces at the cuts are kept in the runs)."""
    pieces = split_text(line, TEXT_LIMIT, whole=WHOLE)
    starts: list[int] = []
    position = 0
    for piece in pieces:
        position = line.find(piece, position)
        starts.append(position)
        position += len(piece)
    if not starts:
        return []
    starts[0] = 0
    runs: list[str] = []
    for start, end in zip(starts, [*starts[1:], len(line)], strict=True):
        # A run longer than the limit only by the spaces after it: cut in the spaces.
        runs.extend(line[cut : min(cut + TEXT_LIMIT, end)] for cut in range(start, end, TEXT_LIMIT))
    return runs


def _words(text: str, plain: bool = False) -> list[Element]:
    """A participant's words: a RichTextBlock of TextRuns a line, never read as Markdown."""
    elements: list[Element] = []
    for line, starts in _paragraph_lines(escape_teams(unmark(_style(text, plain)))):
        group: list[Element] = []
        size = 0
        for run in _runs(line):
            inline = _dump(TextRun(text=run))
            cost = json_bytes(inline) + 2
            if group and size + cost > PIECE_BYTES:
                elements.append(_rich(group, starts))
                group, size, starts = [], 0, False
            group.append(inline)
            size += cost
        if group:
            elements.append(_rich(group, starts))
    return elements


def _rich(inlines: list[Element], starts: bool) -> Element:
    block = _dump(RichTextBlock(spacing=_spacing(starts)))
    block["inlines"] = inlines
    return block


# -- messages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    """One element of a message, in order; `box` numbers the container of a participant's
    words it belongs to (-1: none), so a box cut between two cards is a box on each."""

    element: Element
    box: int = -1


def _title(message: OutgoingMessage) -> list[_Piece]:
    title = _clip(_DECORATION.sub("", _style(message.title, message.plain)), TITLE_LIMIT)
    if not unmark(title):
        return []
    look: dict[str, Any] = {"wrap": True}
    if not message.plain:
        look |= {"size": "Large", "weight": "Bolder"}
    if has_marks(title):
        return [_Piece(_text_block(title, **look))]
    return [_Piece(_dump(TextBlock(text=neutralise(title), style="heading", **look)))]


def _section(section: Section, box: int, plain: bool, pictures: str) -> list[_Piece]:
    heading = " ".join(_style(section.heading, plain).split())
    bold: dict[str, Any] = {} if plain else {"weight": "Bolder"}
    pieces = [_Piece(e) for e in _trusted(heading.replace("**", ""), **bold)] if heading else []
    if section.untrusted:
        pieces += [_Piece(e, box) for e in _words(section.body, plain)]
    else:
        pieces += [_Piece(e) for e in _trusted(section.body, plain)]
    if pictures and not plain and section.picture is not None and pieces:
        pieces = _beside_picture(pieces, section, pictures)
    return pieces


def _beside_picture(pieces: list[_Piece], section: Section, pictures: str) -> list[_Piece]:
    """The idea's first words in a column to the right of its picture; the rest, if it is
    long, below."""
    assert section.picture is not None  # the caller checked
    image = Image(
        url=f"{pictures}{section.picture.name}.png", alt_text=section.picture.alt, size="Medium"
    )
    beside: list[Element] = []
    size = 0
    while pieces and (not beside or size + json_bytes(pieces[0].element) <= PIECE_BYTES):
        size += json_bytes(pieces[0].element)
        beside.append(pieces.pop(0).element)
    columns = _dump(
        ColumnSet(
            columns=[
                Column(width="auto", items=[image]),
                Column(width="stretch", vertical_content_alignment="Center"),
            ],
            spacing="Medium",
        )
    )
    columns["columns"][1]["items"] = beside
    return [_Piece(columns), *pieces]


def _pieces(message: OutgoingMessage, pictures: str) -> list[_Piece]:
    pieces = _title(message)
    pieces += [_Piece(e) for e in _trusted(message.text, message.plain)]
    for number, section in enumerate(message.sections):
        pieces += _section(section, number, message.plain, pictures)
    return pieces


_BOX = _dump(Container(style="emphasis", spacing="Medium"))
_BOX_BYTES = json_bytes({**_BOX, "items": []})


def _pack(pieces: list[_Piece]) -> list[list[Element]]:
    """The pieces in order as the bodies of as few cards as keep within BODY_BYTES each."""
    bodies: list[list[Element]] = []
    body: list[Element] = []
    size = 0
    box = -1
    for piece in pieces:
        cost = json_bytes(piece.element) + 2
        opens = piece.box >= 0 and piece.box != box
        if body and size + cost + (_BOX_BYTES if opens else 0) > BODY_BYTES:
            bodies.append(body)
            body, size, box = [], 0, -1
            opens = piece.box >= 0
        if opens:
            body.append({**_BOX, "items": []})
            size += _BOX_BYTES
        if piece.box >= 0:
            body[-1]["items"].append(piece.element)
        else:
            body.append(piece.element)
        box = piece.box
        size += cost
    if body:
        bodies.append(body)
    return bodies


def button(
    action: Action,
    *,
    plain: bool = False,
    opens_form: Callable[[str], bool] | None = None,
    data: Mapping[str, str] | None = None,
) -> Element:
    """One Action.Submit whose data names the action's route (and carries `data`)."""
    sent: dict[str, Any] = {**(data or {}), ROUTE: action.custom_id}
    if opens_form is not None and opens_form(action.custom_id):
        sent["msteams"] = dict(TASK_FETCH)
    style: Any = {ActionStyle.PRIMARY: "positive", ActionStyle.DANGER: "destructive"}.get(
        action.style
    )
    label = _clip(unmark(_style(action.label, plain)), BUTTON_LIMIT) or action.custom_id
    return _dump(SubmitAction(title=label, style=style, data=sent))


def _shares(count: int) -> list[int]:
    """`count` buttons shared out over as few cards as hold them, as evenly as can be."""
    cards = math.ceil(count / MAX_BUTTONS)
    return [count // cards + (1 if n < count % cards else 0) for n in range(cards)]


def summary(message: OutgoingMessage) -> str:
    """What Teams shows of the message in a notification: its first words, plain."""
    first = next(
        (
            part
            for part in (
                message.title,
                message.text,
                *(f"{s.heading} {s.body}" for s in message.sections),
                *(a.label for a in message.actions),
            )
            if part.strip()
        ),
        "",
    )
    return _plain_line(first)


def _plain_line(text: str) -> str:
    """`text` as one short plain line for a notification (cut after it is escaped: cutting
    off the end of an escape leaves nothing that can mention or link)."""
    return _clip(escape_teams(plain_text_style(unmark(text))), SUMMARY_LIMIT)


def card(body: list[Element], actions: list[Element] | None = None) -> Element:
    """An Adaptive Card 1.5 of `body` and `actions`, as wide as the chat."""
    content = _dump(AdaptiveCard(msteams=TeamsCardProperties(width="full")))
    content["body"] = body
    if actions:
        content["actions"] = actions
    return content


def attachment(content: Element) -> Element:
    return {"contentType": CARD_TYPE, "content": content}


def activity(content: Element, summary_text: str) -> Element:
    """A message activity holding one card."""
    return {"type": "message", "summary": summary_text, "attachments": [attachment(content)]}


def message_activities(
    message: OutgoingMessage,
    *,
    words: CardWords,
    pictures: str = "",
    opens_form: Callable[[str], bool] | None = None,
    data: Mapping[str, str] | None = None,
) -> list[Element]:
    """`message` as the message activities to post, in order, each one card of at most
    MESSAGE_BYTES less what a front-end adds. `pictures`: where Teams can fetch the Easy Read
    pictures, or "" for the words alone. `opens_form(custom_id)`: whether a button's route
    may answer with a form (then it asks Teams for a dialog). `data`: added to every button's
    data (e.g. the team a private message is about). An empty message is no activity."""
    bodies = _pack(_pieces(message, pictures))
    buttons = [
        button(a, plain=message.plain, opens_form=opens_form, data=data) for a in message.actions
    ]
    rows: list[list[Element]] = []
    for share in _shares(len(buttons)) if buttons else []:
        rows.append(buttons[:share])
        buttons = buttons[share:]
    if not bodies and not rows:
        return []
    cards = [card(body) for body in bodies] or [card([])]
    if rows:
        cards[-1]["actions"] = rows[0]
    for row in rows[1:]:
        more = _text_block(words.more_choices, wrap=True)
        cards.append(card([more], row))
    said = summary(message)
    return [activity(content, said) for content in cards]


def open_form_card(
    title: str,
    route: str,
    *,
    words: CardWords,
    data: Mapping[str, str] | None = None,
    button: str = "",
) -> Element:
    """A message with one "Open the form" button (or `button`'s words) that asks Teams for
    the dialog of `route` (with `data`): the answer to a typed command that needs a form,
    since Teams opens a dialog only from a card's button, and an answer only its asker may
    open where Brewbot cannot message them privately."""
    body = _trusted(title) if title.strip() else []
    sent: dict[str, Any] = {**(data or {}), ROUTE: route, "msteams": dict(TASK_FETCH)}
    label = unmark(button or words.open_form)
    action = _dump(SubmitAction(title=label, style="positive", data=sent))
    return activity(card(body, [action]), _plain_line(title))


def route_id(data: Any) -> str | None:
    """The route a pressed button or a sent dialog names (the `value` of an Action.Submit's
    message, or the `data` of a task/fetch or task/submit), or None if it names none."""
    if not isinstance(data, Mapping):
        return None
    value = data.get(ROUTE)
    return value if isinstance(value, str) and parse_custom_id(value) else None


# -- forms ------------------------------------------------------------------------------------


def _single_tick(form_field: FormField) -> tuple[str, str]:
    """(the value a ticked box gives, its words) for a yes/no checkbox."""
    if form_field.choices:
        return form_field.choices[0].value, form_field.choices[0].label
    return "yes", form_field.label


def _input(form_field: FormField, words: CardWords, value: str | None) -> Element:
    # Labels and choices are plain text: no marks (bot/core/marked.py).
    form_field = replace(
        form_field,
        label=unmark(form_field.label),
        choices=tuple(replace(c, label=unmark(c.label)) for c in form_field.choices),
    )
    need: dict[str, Any] = {"label": form_field.label, "id": form_field.id}
    if form_field.required:
        need |= {"is_required": True, "error_message": words.required}
    if form_field.kind in (FieldKind.SHORT, FieldKind.PARAGRAPH):
        text = TextInput(
            is_multiline=form_field.kind is FieldKind.PARAGRAPH,
            max_length=form_field.max_length,
            value=value or None,
            **need,
        )
        element = _dump(text)
        if "maxLength" in element:
            element["maxLength"] = int(element["maxLength"])
        return element
    if form_field.kind is FieldKind.CHECKBOX and len(form_field.choices) <= 1:
        on, label = _single_tick(form_field)
        ticked = on if value == on else None
        return _dump(ToggleInput(title=label, value_on=on, value_off="", value=ticked, **need))
    choices = [CardChoice(title=c.label, value=c.value) for c in form_field.choices]
    many = form_field.kind is FieldKind.CHECKBOX
    expanded = many or len(choices) <= EXPANDED_CHOICES
    return _dump(
        ChoiceSetInput(
            choices=choices,
            is_multi_select=many or None,
            style="expanded" if expanded else "compact",
            placeholder=None if expanded else words.choose,
            value=value or None,
            **need,
        )
    )


def _refused_under(form: Form, refusal: OutgoingMessage) -> str:
    """The field a refusal is shown under: the one it names, else the form's main text box
    (its first multi-line one), else its first field; "" for a form with none."""
    ids = [f.id for f in form.fields]
    if refusal.field in ids:
        return refusal.field
    paragraphs = [f.id for f in form.fields if f.kind is FieldKind.PARAGRAPH]
    return (paragraphs or ids or [""])[0]


def dialog(
    form: Form,
    *,
    words: CardWords,
    data: Mapping[str, str] | None = None,
    pictures: str = "",
    values: Mapping[str, str] | None = None,
    refusal: OutgoingMessage | None = None,
) -> Element:
    """The answer to Teams' task/fetch (or a task/submit that keeps the form open): `form` as
    a dialog. `data` comes back with the submission; `pictures` as for `message_activities`;
    `values` fills the inputs again (the person's own words, when `refusal` turns them down
    and is shown under the field it is about)."""
    body: list[Element] = []
    if pictures and form.ideas:
        for section in form.ideas:
            body += [piece.element for piece in _section(section, -1, False, pictures)]
    elif form.intro:
        body += _trusted(form.intro)
    under = _refused_under(form, refusal) if refusal is not None and refusal.refused else None
    if refusal is not None and under == "":
        body.append(_refusal(refusal))
    for form_field in form.fields:
        body.append(_input(form_field, words, (values or {}).get(form_field.id)))
        if form_field.hint:
            look = {"wrap": True, "is_subtle": True, "size": "Small", "spacing": "Small"}
            body.append(_text_block(form_field.hint, **look))
        if refusal is not None and under == form_field.id:
            body.append(_refusal(refusal))
    sent: dict[str, Any] = {**(data or {}), ROUTE: form.custom_id}
    submit = _dump(SubmitAction(title=unmark(form.submit_label), style="positive", data=sent))
    tall = form.ideas or any(f.kind is FieldKind.PARAGRAPH for f in form.fields)
    return {
        "task": {
            "type": "continue",
            "value": {
                "title": _clip(unmark(form.title), DIALOG_TITLE_LIMIT),
                "card": attachment(card(body, [submit])),
                "width": "medium",
                "height": "large" if tall else "medium",
            },
        }
    }


def _refusal(message: OutgoingMessage) -> Element:
    sentence = _clip(_DECORATION.sub("", message.text), ERROR_LIMIT)
    return _text_block(sentence, wrap=True, color="Attention", spacing="Small")


def form_values(form: Form, data: Any) -> dict[str, str]:
    """A task/submit's `data` as the `{field id: value}` the services expect: every field of
    the form, "" for one left empty; a ticked yes/no box gives its choice's value (as Slack
    and Discord do), several ticks join with commas; anything else sent is left out."""
    sent = data if isinstance(data, Mapping) else {}
    values: dict[str, str] = {}
    for form_field in form.fields:
        raw = sent.get(form_field.id)
        value = raw if isinstance(raw, str) else ""
        if form_field.kind is FieldKind.CHECKBOX and len(form_field.choices) <= 1:
            on, _ = _single_tick(form_field)
            value = on if value == on else ""
        values[form_field.id] = value
    return values
