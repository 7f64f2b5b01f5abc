"""Ordinary posts refused for good: the person who asked hears what to do, with Retry.

A post made while a facilitator waits (a command) is reported in their answer. One refused
later (a job's post, or a command's post that failed for a while first) has nobody waiting,
so the person who asked for it (`/brew post`, which belongs to no session) or else the
facilitator who scheduled its session is told privately, once per refusal.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError, as_id
from bot.core.messages import OutgoingMessage, Reply, Section, custom_id
from bot.delivery.outbox import NOTICE, REMINDER, Outcome, Refused, decode
from bot.engine.context import CommandContext, Effect
from bot.engine.deps import Deps
from storage.models import Community, OutboxItem, OutboxStatus, Session


class NoticeService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.t = deps.texts.t
        deps.outbox.listen(NOTICE, self._refused)
        # A session's posts, and notices about it, are for it going ahead.
        deps.outbox.lapses_with_session(NOTICE)

    async def _refused(self, tx: AsyncSession, outcome: Outcome) -> list[Effect]:
        item = outcome.item
        # A private notice that fails is not reported again in another private notice.
        if outcome.delivered or outcome.told or item.kind == "private":
            return []
        session = await tx.get(Session, item.session_id) if item.session_id else None
        community = await tx.get(Community, item.community_id)
        if community is None:
            return []
        to = item.asked_by or (session.created_by if session else "")
        await self.deps.outbox.tell_refused(
            tx, community, outcome, to, self._refused_post(outcome, session),
            session_id=item.session_id,
        )  # fmt: skip
        return []

    def _refused_post(self, outcome: Outcome, session: Session | None) -> Refused:
        """What was refused and what to do: the session's title, or else the words the
        person asked to post (escaped, as anything a person typed)."""
        retry = custom_id("delivery", "retry", str(outcome.item.id))
        about = "notice:refused"
        if session is not None:
            return Refused("outbox.not_posted", about, retry, {"title": session.title})
        words = decode(outcome.item.kind, outcome.item.payload)
        assert isinstance(words, OutgoingMessage)  # a post, never a letter
        sections = (Section(words.text, untrusted=True),)
        return Refused("outbox.not_posted_yours", about, retry, sections=sections)

    async def retry(self, ctx: CommandContext) -> Reply:
        """The Retry button under a refused post (a reminder's too): arm it again and try it
        now."""
        return await retry_refused(self.deps, ctx, NOTICE, REMINDER)


async def retry_refused(deps: Deps, ctx: CommandContext, *purposes: str) -> Reply:
    """A Retry button under a delivery of one of `purposes` that was refused for good (the
    button's argument is the outbox item): arm it again and try it now, reporting how it
    went."""
    item_id = as_id(str(ctx.arg("arg") or ""))
    item = await ctx.tx.get(OutboxItem, item_id) if item_id is not None else None
    if item is None or item.community_id != ctx.community.id or item.purpose not in purposes:
        raise CommandError("errors.unknown_button")
    if item.status != OutboxStatus.FAILED:
        return Reply(OutgoingMessage(deps.texts.t("outbox.already_going")))
    await deps.outbox.retry(ctx.tx, [item.key])
    ctx.after_commit(deps.outbox.deliver_effect([item.key], report=True))
    return Reply(OutgoingMessage(deps.texts.t("outbox.trying_again")))
