"""Buttons and forms on Discord: neutral `Action`s become persistent buttons, `Form`s become
modals, and a submitted modal becomes the plain `{field id: value}` the services expect.

Buttons keep working after a restart: every button is a `BrewButton` (a DynamicItem whose
template matches every `brew:<feature>:<verb>:<arg>` id), registered once at start, in views
with `timeout=None`. Nothing about a button lives only in memory.

Buttons sent by private message carry their server: the id gets `~<guild id>` appended, since
a click in a private message does not say which server it is about.

Modals are sent already stopped, so discord.py does not keep them: one reflection form is
shown to many people under the same id, and a kept modal would be handed the wrong person's
answers or vanish after the first submission. Every submission (before or after a restart)
goes through `submitted_values` instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import discord

from bot.core.marked import unmark
from bot.core.messages import CUSTOM_ID_MAX, Action, ActionStyle, FieldKind, Form, FormField
from bot.core.typed import is_number
from bot.platforms.discord.escape import own_words

# Discord's limits (https://discord.com/developers/docs/components/reference).
BUTTON_LABEL_MAX = 80
# A message holds at most 5 action rows of 5 buttons (docs/components/reference#action-row).
BUTTONS_PER_ROW = 5
BUTTON_ROWS_MAX = 5
BUTTONS_MAX = BUTTONS_PER_ROW * BUTTON_ROWS_MAX
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
LABEL_TEXT_MAX = 45
LABEL_DESCRIPTION_MAX = 100
TEXT_INPUT_MAX = 4000
TEXT_DISPLAY_MAX = 4000
SELECT_OPTIONS_MAX = 25
CHECKBOX_OPTIONS_MAX = 10
OPTION_LABEL_MAX = 100
OPTION_VALUE_MAX = 100

COMMUNITY_MARK = "~"
_TEMPLATE = re.compile(r"brew:[^:~]+:[^:~]+:[^~]*(?:~\d+)?")

_STYLES = {
    ActionStyle.DEFAULT: discord.ButtonStyle.secondary,
    ActionStyle.PRIMARY: discord.ButtonStyle.primary,
    ActionStyle.DANGER: discord.ButtonStyle.danger,
}


def with_community(custom: str, guild_id: str | None) -> str:
    """`custom` marked with its server, for buttons sent by private message (when it fits)."""
    if not guild_id or not is_number(guild_id):
        return custom
    marked = f"{custom}{COMMUNITY_MARK}{guild_id}"
    return marked if len(marked) <= CUSTOM_ID_MAX else custom


def split_community(custom: str) -> tuple[str, str | None]:
    """(the brew id, the server it names or None)."""
    head, mark, tail = custom.rpartition(COMMUNITY_MARK)
    if mark and is_number(tail):
        return head, tail
    return custom, None


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when it was cut; without marks
    (bot/core/marked.py): labels, titles and names are plain text on Discord."""
    text = unmark(text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class BrewButton(discord.ui.DynamicItem[discord.ui.Button], template=_TEMPLATE):
    """Every brew button. A click goes to the bot's `on_brew_button(interaction, custom_id)`."""

    def __init__(self, label: str, custom: str, style: discord.ButtonStyle) -> None:
        super().__init__(discord.ui.Button(label=label, custom_id=custom, style=style))

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> BrewButton:
        button = item if isinstance(item, discord.ui.Button) else None
        label = button.label if button is not None and button.label else "-"
        style = button.style if button is not None else discord.ButtonStyle.secondary
        return cls(label, match.group(0), style)

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.on_brew_button(interaction, self.custom_id)  # type: ignore[attr-defined]


def build_view(actions: Iterable[Action], guild_id: str | None = None) -> discord.ui.View | None:
    """A persistent view (no timeout) of brew buttons; None when there are none. One message
    holds at most BUTTONS_MAX buttons: more is refused, never cut (`render` spreads a
    message's buttons over as many messages as they need)."""
    actions = list(actions)
    if len(actions) > BUTTONS_MAX:
        raise ValueError(f"{len(actions)} buttons, but one Discord message holds {BUTTONS_MAX}")
    view = discord.ui.View(timeout=None)
    for action in actions:
        view.add_item(
            BrewButton(
                shorten(action.label, BUTTON_LABEL_MAX),
                with_community(action.custom_id, guild_id),
                _STYLES[action.style],
            )
        )
    return view if view.children else None


def build_modal(form: Form) -> discord.ui.Modal:
    """The form as a Discord modal: its introduction as text at the top when there is room,
    then one labelled input per field (choices as a menu, a yes/no choice as a checkbox)."""
    modal = discord.ui.Modal(
        title=shorten(form.title, MODAL_TITLE_MAX), custom_id=form.custom_id, timeout=None
    )
    fields = list(form.fields)
    if len(fields) > MODAL_COMPONENTS_MAX:
        raise ValueError(f"form {form.custom_id!r} has more than {MODAL_COMPONENTS_MAX} fields")
    intro = form.intro.strip()
    first_description: str | None = None
    if intro and len(fields) < MODAL_COMPONENTS_MAX:
        # A text display reads Markdown: typed words in it are escaped.
        modal.add_item(discord.ui.TextDisplay(shorten(own_words(intro), TEXT_DISPLAY_MAX)))
    elif intro:
        # No room for a text block: keep the sentences that fit under the first field.
        first_description = _leading_sentences(intro, LABEL_DESCRIPTION_MAX)
    for index, neutral in enumerate(fields):
        most = SELECT_OPTIONS_MAX if neutral.kind is FieldKind.CHOICE else CHECKBOX_OPTIONS_MAX
        form_field = neutral.fitted(most, OPTION_VALUE_MAX)
        description = form_field.hint or (first_description if index == 0 else None)
        modal.add_item(
            discord.ui.Label(
                text=shorten(form_field.label, LABEL_TEXT_MAX),
                description=shorten(description, LABEL_DESCRIPTION_MAX) if description else None,
                component=_input(form_field),
            )
        )
    # Sent stopped, so discord.py does not keep it (see the module docstring).
    modal.stop()
    return modal


def _input(form_field: FormField) -> discord.ui.Item[Any]:
    if form_field.kind in (FieldKind.SHORT, FieldKind.PARAGRAPH):
        return discord.ui.TextInput(
            custom_id=form_field.id,
            style=discord.TextStyle.paragraph
            if form_field.kind is FieldKind.PARAGRAPH
            else discord.TextStyle.short,
            required=form_field.required,
            max_length=min(form_field.max_length or TEXT_INPUT_MAX, TEXT_INPUT_MAX),
        )
    choices = list(form_field.choices)
    if form_field.kind is FieldKind.CHECKBOX and len(choices) == 1:
        # The value the service expects when ticked rides in the id: "quote=yes".
        return discord.ui.Checkbox(custom_id=f"{form_field.id}={choices[0].value}")
    if form_field.kind is FieldKind.CHECKBOX:
        return discord.ui.CheckboxGroup(
            custom_id=form_field.id,
            required=form_field.required,
            min_values=0,
            max_values=len(choices),
            options=[
                discord.CheckboxGroupOption(label=shorten(c.label, OPTION_LABEL_MAX), value=c.value)
                for c in choices
            ],
        )
    return discord.ui.Select(
        custom_id=form_field.id,
        required=form_field.required,
        min_values=1 if form_field.required else 0,
        max_values=1,
        options=[
            discord.SelectOption(label=shorten(c.label, OPTION_LABEL_MAX), value=c.value)
            for c in choices
        ],
    )


def _leading_sentences(text: str, limit: int) -> str:
    kept = ""
    for sentence in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > limit:
            break
        kept = candidate
    return kept or shorten(text, limit)


def submitted_values(components: list[dict[str, Any]]) -> dict[str, str]:
    """`{field id: value}` from a modal submission's raw components (any layout Discord uses:
    labels, action rows of text inputs). A ticked checkbox gives the value in its id."""
    values: dict[str, str] = {}
    stack = list(reversed(components))
    while stack:
        component = stack.pop()
        kind = component.get("type")
        if kind == 18 and isinstance(component.get("component"), dict):  # label
            stack.append(component["component"])
            continue
        if kind == 1:  # action row
            stack.extend(reversed(component.get("components") or []))
            continue
        custom = str(component.get("custom_id", ""))
        if kind == 23:  # checkbox
            name, _, ticked = custom.partition("=")
            values[name] = (ticked or "yes") if component.get("value") else ""
        elif kind in (3, 22):  # select, checkbox group
            values[custom] = ",".join(str(v) for v in component.get("values") or [])
        elif kind in (4, 21):  # text input, radio group
            values[custom] = str(component.get("value") or "")
    return values
