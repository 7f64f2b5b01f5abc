"""How people would like to be described, the name they like to be called by, and their
accessibility preferences.

Descriptions are used only to balance breakout groups and for digest counts of 5 or more;
the free-text self-description is shown to nobody but the person.
"""

from __future__ import annotations

from bot.core.commands import CommandError
from bot.core.domain import Role
from bot.core.messages import OutgoingMessage, Reply
from bot.engine.context import CommandContext
from bot.engine.deps import Deps
from bot.people.needs import NeedsService

# Words people may type for each description, so nobody has to learn an internal code.
ROLE_WORDS: dict[str, Role] = {
    "draws_on_care": Role.DRAWS_ON_CARE,
    "lived": Role.DRAWS_ON_CARE,
    "person": Role.DRAWS_ON_CARE,
    "carer": Role.CARER,
    "commissioner": Role.COMMISSIONER,
    "provider": Role.PROVIDER,
    "other": Role.OTHER,
    "prefer_not": Role.PREFER_NOT,
    "none": Role.PREFER_NOT,
}
ON_OFF = ("on", "off")
REMINDER_CHOICES = ("private", "none")


def parse_role(word: str) -> Role:
    role = ROLE_WORDS.get(word.strip().lower().replace(" ", "_").replace("-", "_"))
    if role is None:
        raise CommandError("people.unknown_role")
    return role


class PeopleService:
    def __init__(self, deps: Deps, needs: NeedsService) -> None:
        self.deps = deps
        self.needs = needs
        self.t = deps.texts.t

    async def describe(self, ctx: CommandContext) -> Reply:
        t = self.t
        person = ctx.actor
        if ctx.arg("clear") == "yes":
            person.role, person.self_description, person.lived_experience_only = None, None, False
            ctx.tx.add(person)
            return Reply(OutgoingMessage(t("people.cleared")))
        if ctx.arg("as") is not None:
            person.role = parse_role(ctx.arg("as")).value
        if ctx.arg("lived_only") is not None:
            person.lived_experience_only = ctx.arg("lived_only") == "yes"
        if ctx.arg("self") is not None:
            person.self_description = ctx.arg("self")
        ctx.tx.add(person)
        description = t(f"people.role.{person.role or Role.PREFER_NOT.value}")
        lines = [t("people.current", description=description)]
        if person.self_description:
            lines.append(t("people.self", text=person.self_description))
        return Reply(OutgoingMessage("\n".join(lines)))

    async def call_me(self, ctx: CommandContext) -> Reply:
        name = " ".join((ctx.arg("name") or "").split())
        if len(name) > 60:
            raise CommandError("people.name_too_long")
        ctx.actor.called_by = name or None
        ctx.tx.add(ctx.actor)
        if not name:
            return Reply(OutgoingMessage(self.t("people.name_cleared")))
        return Reply(OutgoingMessage(self.t("people.name_set", name=name)))

    async def preferences(self, ctx: CommandContext) -> Reply:
        person = ctx.actor
        if ctx.arg("easy_read") is not None:
            person.easy_read = ctx.arg("easy_read") == "on"
        if ctx.arg("plain") is not None:
            person.plain_style = ctx.arg("plain") == "on"
        if ctx.arg("reminders") is not None:
            person.reminders = ctx.arg("reminders")
        ctx.tx.add(person)
        return Reply(
            OutgoingMessage(
                self.t(
                    "people.preferences",
                    easy_read=self.t(f"people.switch.{'on' if person.easy_read else 'off'}"),
                    plain=self.t(f"people.switch.{'on' if person.plain_style else 'off'}"),
                    reminders=self.t(f"people.reminders.{person.reminders}"),
                )
                + "\n\n"
                + await self.needs.line_for(ctx.tx, person)
            )
        )
