"""The terminal chat: type the same /brew commands as on Discord or Slack, as several people.

    /as Sam carer           act as Sam, who is a carer (creates Sam the first time)
    /as Alex facilitator    act as Alex, a facilitator
    /press 1                press button 1 of the newest message that had buttons
    /quit                   leave
Forms are asked one question at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from bot.core.messages import FieldKind, Form, OutgoingMessage
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.platforms.shell.adapter import Printer, ShellAdapter, render
from bot.services.dispatch import Dispatcher

COMMUNITY = CommunityRef(Platform.SHELL, "shell", "Shell community")
CHANNEL = ConversationRef(COMMUNITY, "over-a-brew")


@dataclass
class ShellResponder:
    chat: ShellChat
    user: UserRef
    pending_form: Form | None = None

    async def defer(self) -> None:
        return None

    async def reply(self, message: OutgoingMessage, *, private: bool = True) -> None:
        label = f"only {self.user.display_name} sees this" if private else "#over-a-brew"
        if message.actions:
            self.chat.adapter.last_actions = message.actions
        self.chat.printer(f"[{label}] Brewbot:\n{_indent(render(message))}")

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

    async def run(self) -> None:
        self.printer(__doc__ or "")
        await self.act_as("Facilitator", ["facilitator"])
        async for line in self.lines:
            line = line.strip()
            if not line:
                continue
            if line in ("/quit", "/exit"):
                break
            await self.handle(line)

    async def handle(self, line: str) -> None:
        words = line.split()
        head = words[0].lower()
        if head == "/as":
            if len(words) < 2:
                self.printer("Type /as NAME, and optionally a role and 'facilitator'.")
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
        self.printer(f"--- you are now {name}{' (facilitator)' if facilitator else ''}")
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
        assert self.user is not None
        actions = self.adapter.last_actions
        if not number.isdigit() or not 1 <= int(number) <= len(actions):
            self.printer(f"Type /press and a number from 1 to {len(actions) or 1}.")
            return
        action = actions[int(number) - 1]
        self.printer(f'{self.user.display_name} pressed "{action.label}"')
        responder = ShellResponder(self, self.user)
        await self.dispatcher.run_component(action.custom_id, {}, self.user, CHANNEL, responder)
        await self._fill_form(responder)

    async def _fill_form(self, responder: ShellResponder) -> None:
        form = responder.pending_form
        if form is None:
            return
        self.printer(f"[form, only you see this] {form.title}\n{_indent(form.intro)}")
        values: dict[str, str] = {}
        for form_field in form.fields:
            prompt = form_field.label
            if form_field.kind in (FieldKind.CHOICE, FieldKind.CHECKBOX):
                options = " / ".join(
                    f"{n}. {c.label}" for n, c in enumerate(form_field.choices, start=1)
                )
                prompt = (
                    f"{prompt} ({options}{', or leave empty' if not form_field.required else ''})"
                )
            self.printer(f"  {prompt}")
            answer = (await anext(self.lines, "")).strip()
            if (
                form_field.choices
                and answer.isdigit()
                and (1 <= int(answer) <= len(form_field.choices))
            ):
                answer = form_field.choices[int(answer) - 1].value
            values[form_field.id] = answer
        await self.dispatcher.run_component(
            form.custom_id, values, responder.user, CHANNEL, ShellResponder(self, responder.user)
        )


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.splitlines())
