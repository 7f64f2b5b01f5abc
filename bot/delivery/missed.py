"""Notices Brewbot could not send a person privately, shown to them in the chat instead.

A private notice (a post refused, a reminder nobody had, a digest that did not arrive) is
refused for good when its person does not accept private messages from Brewbot. It is not
reported in another private notice, which would be refused too: it is kept, and the end of
every private answer that person gets says how many are waiting (`note`), until they ask
for them with `/brew notices` (`show`), which shows each with its own Retry button and then
counts them as delivered. Only ever to the person they were for.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.messages import Action, OutgoingMessage, Reply, Section
from bot.delivery.outbox import NOTICE, decode
from bot.engine.context import CommandContext
from bot.engine.deps import Deps
from storage.models import OutboxItem, id_of

# The most shown in one answer: each brings its buttons, and a platform takes only so many
# in one message (Discord 25, Slack's actions block 25). The rest wait for the next ask.
AT_ONCE = 5


class MissedNotices:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.t = deps.texts.t

    async def _missed(self, ctx: CommandContext) -> list[OutboxItem]:
        return await self.deps.outbox.refused_to(ctx.tx, id_of(ctx.community), NOTICE, ctx.user.id)

    async def note(self, ctx: CommandContext) -> list[str]:
        """For the end of a person's private answer: notices waiting that could not reach
        them privately, and where to read them."""
        community_id, person = id_of(ctx.community), ctx.user.id
        missed = await self.deps.outbox.count_refused_to(ctx.tx, community_id, NOTICE, person)
        return [self.deps.texts.counted("outbox.missed.note", missed)] if missed else []

    async def show(self, ctx: CommandContext) -> Reply:
        """`/brew notices`: the oldest notices that could not reach the person, each with its
        own buttons (Retry), numbered so each button says which it is for. Once shown they
        have reached the person: done, words cleared, never shown again."""
        missed = (await self._missed(ctx))[:AT_ONCE]
        if not missed:
            return Reply(OutgoingMessage(self.t("outbox.missed.none")))
        sections: list[Section] = []
        actions: list[Action] = []
        for number, item in enumerate(missed, start=1):
            notice = decode(item.kind, item.payload)
            assert isinstance(notice, OutgoingMessage)  # a private notice, never a letter
            heading = self.t("outbox.missed.heading", number=number)
            sections.append(Section(notice.text, heading))
            sections.extend(notice.sections)  # what a person typed stays marked untrusted
            actions.extend(
                replace(a, label=self.t("outbox.missed.button", label=a.label, number=number))
                for a in notice.actions
            )
        self.deps.outbox.told_another_way(ctx.tx, missed)
        intro = self.deps.texts.counted("outbox.missed.intro", len(missed))
        return Reply(OutgoingMessage(intro, sections=tuple(sections), actions=tuple(actions)))
