"""The terminal chat: type the same /brew commands as on Discord or Slack, as several people.

    /as Sam carer           act as Sam, who is a carer (creates Sam the first time)
    /as Alex facilitator    act as Alex, a facilitator
    /press 1                press button 1 of the newest message with buttons you can see
    /quit                   leave
Forms are asked one question at a time; a long answer may take several lines (finish it
with an empty line, or a line with just a full stop). Files the bot sends are saved in the
data folder, and where is printed.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from bot.core.messages import FieldKind, Form, FormField, OutgoingMessage
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.core.typed import is_number
from bot.engine.dispatch import Dispatcher
from bot.platforms.shell.adapter import Printer, ShellAdapter, render, unmarking

log = logging.getLogger("brewbot.shell")

COMMUNITY = CommunityRef(Platform.SHELL, "shell", "Shell community")
CHANNEL = ConversationRef(COMMUNITY, "over-a-brew")
# A line with just this ends a long answer, as an empty line does.
END_OF_ANSWER = "."


@dataclass
class ShellResponder:
    chat: ShellChat
    user: UserRef
    pending_form: Form | None = None

    async def defer(self) -> None:
        return None

    async def reply(self, message: OutgoingMessage, *, private: bool = True) -> None:
        label = f"only {self.user.display_name} sees this" if private else "#over-a-brew"
        self.chat.printer(f"[{label}] Brewbot:\n{_indent(render(message))}")
        if private:
            self.chat.adapter.show(message, person=self.user)
        else:
            self.chat.adapter.show(message, conversation=CHANNEL)

    async def open_form(self, form: Form) -> None:
        self.pending_form = form


@dataclass
class ShellChat:
    dispatcher: Dispatcher
    adapter: ShellAdapter
    lines: AsyncIterator[str]
    printer: Printer = print
    user: UserRef | None = None
    people: dict[str, UserRef] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.printer = unmarking(self.printer)

    def t(self, key: str, **values: object) -> str:
        return self.dispatcher.texts.t(key, **values)

    async def run(self) -> None:
        self.printer(__doc__ or "")
        await self.act_as("Facilitator", ["facilitator"])
        async for line in self.lines:
            line = line.strip()
            if not line:
                continue
            if line in ("/quit", "/exit"):
                break
            try:
                await self.handle(line)
            except Exception:
                # The chat goes on: one sentence, as on the platforms, and the rest in the log.
                log.exception("the terminal chat could not handle a line")
                self.printer(self.t("errors.internal"))

    async def handle(self, line: str) -> None:
        words = line.split()
        head = words[0].lower()
        if head == "/as":
            if len(words) < 2:
                self.printer(self.t("shell.as_usage"))
                return
            await self.act_as(words[1], [w.lower() for w in words[2:]])
        elif head == "/press":
            await self.press(words[1] if len(words) > 1 else "")
        else:
            await self.command(line)

    async def act_as(self, name: str, extras: list[str]) -> None:
        key = name.lower()
        known = self.people.get(key)
        facilitator = "facilitator" in extras or (known is not None and bool(known.roles))
        self.user = UserRef(
            COMMUNITY,
            f"shell-{key}",
            name,
            roles=frozenset({"Facilitator"}) if facilitator else frozenset(),
        )
        self.people[key] = self.user
        self.printer(self.t("shell.now_facilitator" if facilitator else "shell.now", name=name))
        role = next((w for w in extras if w != "facilitator"), None)
        if role:
            await self.command(f"/brew describe {role}")

    async def command(self, line: str) -> None:
        assert self.user is not None
        responder = ShellResponder(self, self.user)
        self.printer(f"{self.user.display_name}> {line}")
        await self.dispatcher.run_text(line, self.user, CHANNEL, responder)
        await self._fill_form(responder)

    async def press(self, number: str) -> None:
        """Press a button of the newest message with buttons this person can see: the
        channel's, their thread's, or one shown privately to them, never someone else's."""
        assert self.user is not None
        actions = self.adapter.pressable(self.user)
        if not actions:
            self.printer(self.t("shell.nothing_to_press", name=self.user.display_name))
            return
        if not is_number(number) or not 1 <= int(number) <= len(actions):
            self.printer(self.t("shell.press_usage", most=len(actions)))
            return
        action = actions[int(number) - 1]
        self.printer(self.t("shell.pressed", name=self.user.display_name, label=action.label))
        responder = ShellResponder(self, self.user)
        await self.dispatcher.run_component(action.custom_id, {}, self.user, CHANNEL, responder)
        await self._fill_form(responder)

    async def _fill_form(self, responder: ShellResponder) -> None:
        form = responder.pending_form
        if form is None:
            return
        self.printer(f"{self.t('shell.form', title=form.title)}\n{_indent(form.intro)}")
        values = {form_field.id: await self._answer(form_field) for form_field in form.fields}
        await self.dispatcher.run_component(
            form.custom_id, values, responder.user, CHANNEL, ShellResponder(self, responder.user)
        )

    async def _answer(self, form_field: FormField) -> str:
        """One field's answer: a line, or for a long answer the lines up to an empty one or
        one with just a full stop; a choice may be given by its number."""
        if form_field.kind is FieldKind.PARAGRAPH:
            self.printer(f"  {self.t('shell.lines', label=form_field.label)}")
            answer: list[str] = []
            while (line := (await anext(self.lines, "")).rstrip("\r\n")).strip() not in (
                "",
                END_OF_ANSWER,
            ):
                answer.append(line)
            return "\n".join(answer).strip()
        prompt = form_field.label
        if form_field.choices:
            choices = " / ".join(f"{n}. {c.label}" for n, c in enumerate(form_field.choices, 1))
            key = "shell.choose" if form_field.required else "shell.choose_or_empty"
            prompt = self.t(key, label=prompt, choices=choices)
        self.printer(f"  {prompt}")
        answer_line = (await anext(self.lines, "")).strip()
        if (
            form_field.choices
            and is_number(answer_line)
            and 1 <= int(answer_line) <= len(form_field.choices)
        ):
            return form_field.choices[int(answer_line) - 1].value
        return answer_line


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.splitlines())
