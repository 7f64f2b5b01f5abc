"""Block Kit renderers: neutral messages and forms -> Slack blocks, views and fallback text.

Slack's limits (api.slack.com "Block Kit" reference) that shape this module: at most 50 blocks
in a message and 100 in a modal; a section's text at most 3000 characters; a header at most
150 (a longer title opens the text in bold instead); a button label at most 75; at most 25
elements in an actions block; a modal title, submit and close label at most 24; an option
label at most 75 and its value 150; at most 100 options in a menu and 10 tick boxes (a
choice with more is typed instead, FormField.fitted).

Trusted text (what the services wrote) is Markdown-lite and is converted to Slack mrkdwn with
"&", "<" and ">" escaped, so even a facilitator's words cannot form a control sequence such as
<!channel>; words typed inside it (a name, a title: bot/core/marked.py) are escaped as a
participant's are, so they cannot format or link either. Untrusted sections (what a
participant typed) go through `escape_participant_text` and are shown as a quote, set apart
from the bot's own words. The text and sections of a
message are written one after another and cut into section blocks at natural places, never
through an escape (`escape.WHOLE`); every section block is `verbatim`, so Slack does not turn
typed addresses or #channel names into links (the bot's own links are written out as <url>).
A long message becomes several Slack messages, each within the limits (50 blocks, and about
12,000 characters of block text in all), in order.

An Easy Read idea (`Section.picture`) is its own section block with the picture as its
accessory image (Slack shows it on the right of the words) and the picture's words as
`alt_text`. Slack fetches the image from its address, so pictures are shown only when
`pictures` (the address of the web server's /pictures/, bot/platforms/web/pages/pictures.py)
is given: with no public address, and in plain style, the words are shown alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.core.marked import hold, unmark
from bot.core.messages import (
    Action,
    ActionStyle,
    FieldKind,
    Form,
    FormField,
    OutgoingMessage,
    Section,
)
from bot.core.plain import plain_text_style
from bot.core.splitting import split_text
from bot.platforms.slack.escape import WHOLE, ZWSP, entities, escape_participant_text, mention

MAX_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_LIMIT = 75
ACTIONS_PER_BLOCK = 25
MODAL_TITLE_LIMIT = 24
OPTION_LIMIT = 75
SELECT_OPTIONS = 100
CHECKBOX_OPTIONS = 10
OPTION_VALUE_LIMIT = 150
LABEL_LIMIT = 2000
HINT_LIMIT = 2000
INPUT_LIMIT = 3000
VALUE_LIMIT = 2000
FALLBACK_LIMIT = 3000
METADATA_LIMIT = 3000
# Slack refuses a message whose blocks hold more than about 12,000 characters of text in all
# (msg_blocks_too_long: not in the reference; Slack's own figure in slackapi/bolt-js#2509,
# "12,000 text characters with a buffer for block containers"), far less than 50 sections
# of 3,000. A message keeps well under it.
BLOCKS_TEXT_BUDGET = 11_000

Block = dict[str, Any]


@dataclass(frozen=True)
class SlackMessage:
    """One Slack message: blocks, and the plain `text` shown in notifications and to
    clients that cannot show blocks."""

    text: str
    blocks: list[Block]


# -- text -------------------------------------------------------------------------------------

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+")
_QUOTE = re.compile(r"^\s{0,3}&gt;\s?")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_STRIKE = re.compile(r"~~(.+?)~~")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
# An address written <https://...> (Markdown's autolink; escaped to &lt;...&gt; above), or bare.
_AUTOLINK = re.compile(r"&lt;(https?://[^\s<>|]+?)&gt;|(?<![<|\w])(https?://[^\s<>|]+)")
_URL_TRAILING = ".,;:!?'\")"
_MADE_LINK = re.compile(r"(<[^<>]*>)")
_BROADCAST = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)


def to_mrkdwn(markdown: str) -> str:
    """Trusted Markdown-lite as Slack mrkdwn: headings and **bold** as *bold*, lists with
    bullets, [label](url) as a link, quotes kept; nothing can mention anyone. Words typed
    inside it (bot/core/marked.py) are held out while it is converted and put back escaped
    as a participant's are, and the mentions Brewbot built become Slack's."""
    held = hold(markdown)
    return held.restore(_converted(held.text), escape_participant_text, mention)


def _converted(markdown: str) -> str:
    lines: list[str] = []
    for raw in entities(markdown).splitlines():
        heading = _HEADING.match(raw)
        if heading:
            inner = _BOLD.sub(lambda m: m.group(1) or m.group(2), heading.group(1))
            lines.append(f"*{inner}*" if inner else "")
            continue
        line = _BULLET.sub(lambda m: f"{m.group(1)}• ", raw)
        # A quote needs a real ">" at the start of the line; it was escaped above.
        line = _QUOTE.sub("> ", line) if _QUOTE.match(line) else line
        line = _BOLD.sub(lambda m: f"*{m.group(1) or m.group(2)}*", line)
        line = _STRIKE.sub(lambda m: f"~{m.group(1)}~", line)
        line = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1).replace('|', '/')}>", line)
        # Outside the links just made: verbatim blocks would not link an address by itself.
        line = "".join(
            part if part.startswith("<") else _AUTOLINK.sub(_autolink, part)
            for part in _MADE_LINK.split(line)
        )
        lines.append(line)
    # Bare @channel never notifies from the API without link_names, but be sure.
    return _BROADCAST.sub("@" + ZWSP, "\n".join(lines))


def _autolink(match: re.Match[str]) -> str:
    """An address as a Slack link showing itself; sentence punctuation after a bare address
    stays outside it."""
    if match.group(1):
        return f"<{match.group(1)}>"
    url = match.group(2)
    kept = url.rstrip(_URL_TRAILING)
    if url.endswith(")") and kept.count("(") > kept.count(")"):
        kept += ")"
    return f"<{kept}>{url[len(kept) :]}"


def _style(text: str, plain: bool) -> str:
    return plain_text_style(text) if plain and text else text


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _sections(mrkdwn: str) -> list[Block]:
    return [_section(c) for c in split_text(mrkdwn, SECTION_LIMIT, whole=WHOLE) if c.strip()]


def _clip(text: str, limit: int) -> str:
    """Plain text (a header, a label) on one line within `limit`, without marks."""
    text = " ".join(unmark(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section_mrkdwn(section: Section, plain: bool = False) -> str:
    """A section as mrkdwn: its heading in bold; a participant's words escaped and quoted."""
    body = _style(section.body, plain)
    if section.untrusted and body.strip():
        escaped = escape_participant_text(unmark(body))
        body = "\n".join(f"> {line}" for line in escaped.split("\n"))
    elif section.untrusted:
        body = ""
    else:
        body = to_mrkdwn(body)
    heading = " ".join(_style(section.heading, plain).split())
    if heading:
        body = f"*{to_mrkdwn(heading)}*\n{body}"
    return body


def button(action: Action) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": _clip(action.label, BUTTON_LIMIT), "emoji": True},
        "action_id": action.custom_id,
        "value": action.custom_id[:VALUE_LIMIT],
    }
    if action.style is ActionStyle.PRIMARY:
        element["style"] = "primary"
    elif action.style is ActionStyle.DANGER:
        element["style"] = "danger"
    return element


def action_blocks(actions: tuple[Action, ...]) -> list[Block]:
    blocks: list[Block] = []
    for start in range(0, len(actions), ACTIONS_PER_BLOCK):
        elements = [button(a) for a in actions[start : start + ACTIONS_PER_BLOCK]]
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def message_blocks(message: OutgoingMessage, pictures: str = "") -> list[Block]:
    """Every block of the message, in order, before it is cut into Slack messages."""
    plain = message.plain
    blocks: list[Block] = []
    title = " ".join(_style(message.title, plain).split())
    # The text and the sections are one flow, cut at natural places: many short sections
    # (a digest's quotes) share blocks instead of using up the 50 a message may have.
    pieces = [to_mrkdwn(_style(message.text, plain))] if message.text else []
    if len(unmark(title)) > HEADER_LIMIT:
        # Longer than a header may be: the text opens with it in bold, whole.
        pieces.insert(0, f"*{to_mrkdwn(title)}*")
    elif title:
        # A header is plain text, never parsed: the typed words in it need no marks.
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": unmark(title)}})
    if pictures and not plain and any(section.picture for section in message.sections):
        blocks.extend(_sections("\n\n".join(p for p in pieces if p.strip())))
        for section in message.sections:
            blocks.extend(_idea(section, pictures))
    else:
        pieces.extend(section_mrkdwn(section, plain) for section in message.sections)
        blocks.extend(_sections("\n\n".join(p for p in pieces if p.strip())))
    blocks.extend(action_blocks(message.actions))
    return blocks


def _idea(section: Section, pictures: str) -> list[Block]:
    """An Easy Read idea: its words, with its picture beside them."""
    blocks = _sections(section_mrkdwn(section))
    if blocks and section.picture is not None:
        blocks[0]["accessory"] = {
            "type": "image",
            "image_url": f"{pictures}{section.picture.name}.png",
            "alt_text": _clip(section.picture.alt, LABEL_LIMIT),
        }
    return blocks


def fallback_text(blocks: list[Block]) -> str:
    """The notification text for `blocks`: their words (already escaped), buttons by label."""
    parts: list[str] = []
    for block in blocks:
        if block["type"] == "header":
            # A header is plain_text (never parsed), but the fallback text is mrkdwn.
            parts.append(entities(block["text"]["text"]))
        elif block["type"] == "section":
            parts.append(block["text"]["text"])
        elif block["type"] == "actions":
            parts.append(" | ".join(entities(e["text"]["text"]) for e in block["elements"]))
    text = "\n\n".join(p for p in parts if p)
    if len(text) <= FALLBACK_LIMIT:
        return text
    # Shortened where an entity, a date or a link is whole, never through one.
    return split_text(text, FALLBACK_LIMIT - 1, whole=WHOLE)[0] + "…"


def render(message: OutgoingMessage, *, pictures: str = "") -> list[SlackMessage]:
    """The message as one or more Slack messages, each within Slack's limits (`_messages`);
    `pictures`: where Slack can fetch the Easy Read pictures, or "" for the words alone."""
    return [
        SlackMessage(fallback_text(part), part)
        for part in _messages(message_blocks(message, pictures))
    ]


def _messages(blocks: list[Block]) -> list[list[Block]]:
    """`blocks` in order, as few messages as Slack takes: at most MAX_BLOCKS blocks, and
    at most BLOCKS_TEXT_BUDGET characters of text in all, in each."""
    messages: list[list[Block]] = []
    size = 0
    for block in blocks:
        cost = _text_size(block)
        if not messages or len(messages[-1]) == MAX_BLOCKS or size + cost > BLOCKS_TEXT_BUDGET:
            messages.append([])
            size = 0
        messages[-1].append(block)
        size += cost
    return messages


def _text_size(value: Any) -> int:
    """The characters of text a block holds, as Slack counts them toward its total."""
    if isinstance(value, dict):
        return sum(
            len(inner) if key == "text" and isinstance(inner, str) else _text_size(inner)
            for key, inner in value.items()
        )
    if isinstance(value, list):
        return sum(_text_size(item) for item in value)
    return 0


# -- forms ------------------------------------------------------------------------------------


def _plain(text: str, limit: int) -> Block:
    return {"type": "plain_text", "text": _clip(text, limit) or "-", "emoji": True}


def _element(form_field: FormField, placeholder: str) -> Block:
    if form_field.kind is FieldKind.CHOICE:
        return {
            "type": "static_select",
            "action_id": form_field.id,
            "placeholder": _plain(placeholder, 150),
            "options": [
                {"text": _plain(c.label, OPTION_LIMIT), "value": c.value}
                for c in form_field.choices
            ],
        }
    if form_field.kind is FieldKind.CHECKBOX:
        choices = form_field.choices or ()
        options = [{"text": _plain(c.label, OPTION_LIMIT), "value": c.value} for c in choices] or [
            {"text": _plain(form_field.label, OPTION_LIMIT), "value": "yes"}
        ]
        return {"type": "checkboxes", "action_id": form_field.id, "options": options}
    element: Block = {
        "type": "plain_text_input",
        "action_id": form_field.id,
        "multiline": form_field.kind is FieldKind.PARAGRAPH,
    }
    limit = min(form_field.max_length or INPUT_LIMIT, INPUT_LIMIT)
    element["max_length"] = limit
    return element


def render_view(
    form: Form, metadata: dict[str, str], *, close: str, placeholder: str, pictures: str = ""
) -> Block:
    """A modal view for `form`. `metadata` (where it was opened) comes back on submission.
    `pictures`: where Slack can fetch the Easy Read pictures (as for `render`), or "" for
    the words alone."""
    blocks: list[Block] = []
    if pictures and form.ideas:
        for section in form.ideas:
            blocks.extend(_idea(section, pictures))
    elif form.intro:
        blocks.extend(_sections(to_mrkdwn(form.intro)))
    for neutral in form.fields:
        most = SELECT_OPTIONS if neutral.kind is FieldKind.CHOICE else CHECKBOX_OPTIONS
        form_field = neutral.fitted(most, OPTION_VALUE_LIMIT)
        block: Block = {
            "type": "input",
            "block_id": form_field.id,
            "label": _plain(form_field.label, LABEL_LIMIT),
            "element": _element(form_field, placeholder),
            "optional": not form_field.required,
        }
        if form_field.hint:
            block["hint"] = _plain(form_field.hint, HINT_LIMIT)
        blocks.append(block)
    if len(blocks) > MAX_MODAL_BLOCKS:
        # A form never loses a field: one that does not fit is refused, and every form the
        # project builds is checked in tests (test_every_form_fits_a_slack_modal_whole).
        raise ValueError(
            f"form {form.custom_id!r} needs {len(blocks)} blocks; a Slack modal holds"
            f" {MAX_MODAL_BLOCKS}"
        )
    packed = json.dumps(metadata, separators=(",", ":"))
    if len(packed) > METADATA_LIMIT:
        raise ValueError("form metadata is longer than Slack allows")
    return {
        "type": "modal",
        "callback_id": form.custom_id,
        "title": _plain(form.title, MODAL_TITLE_LIMIT),
        "submit": _plain(form.submit_label, MODAL_TITLE_LIMIT),
        "close": _plain(close, MODAL_TITLE_LIMIT),
        "private_metadata": packed,
        "blocks": blocks,
    }


def view_values(state: dict[str, Any]) -> dict[str, str]:
    """A submitted view's `state.values` as {field id: text}; several ticks join with commas."""
    values: dict[str, str] = {}
    for block_id, actions in (state.get("values") or {}).items():
        for action in actions.values():
            kind = action.get("type")
            if kind == "static_select":
                chosen = action.get("selected_option") or {}
                values[block_id] = str(chosen.get("value") or "")
            elif kind == "checkboxes":
                ticked = action.get("selected_options") or []
                values[block_id] = ",".join(str(o.get("value", "")) for o in ticked)
            else:
                values[block_id] = str(action.get("value") or "")
    return values


def view_metadata(view: dict[str, Any]) -> dict[str, str]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
