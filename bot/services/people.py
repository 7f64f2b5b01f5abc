"""How people would like to be described (used only for balanced groups and counts of 5+)."""

from __future__ import annotations

from bot.core.commands import CommandError
from bot.core.messages import OutgoingMessage, Reply
from bot.services.context import CommandContext
from bot.services.deps import Deps
from storage.models import Role

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


def parse_role(word: str) -> Role:
    role = ROLE_WORDS.get(word.strip().lower().replace(" ", "_").replace("-", "_"))
    if role is None:
        raise CommandError("people.unknown_role")
    return role


class PeopleService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def describe(self, ctx: CommandContext) -> Reply:
        t = self.deps.texts.t
        word = ctx.arg("as")
        if word is None:
            current = ctx.actor.role or Role.PREFER_NOT.value
            return Reply(
                OutgoingMessage(t("people.current", description=t(f"people.role.{current}")))
            )
        role = parse_role(word)
        ctx.actor.role = role.value
        if ctx.arg("lived_only") is not None:
            ctx.actor.lived_experience_only = ctx.arg("lived_only") == "yes"
        ctx.tx.add(ctx.actor)
        return Reply(
            OutgoingMessage(t("people.described", description=t(f"people.role.{role.value}")))
        )
