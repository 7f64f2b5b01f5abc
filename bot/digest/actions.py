""" "We said, we did": what people raised, what is being done about it, and, where something
cannot be done, the plain reason why. Replayed at the start of the next session and in every
digest."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError
from bot.core.domain import ActionStatus
from bot.core.messages import OutgoingMessage, Reply
from bot.engine.context import CommandContext
from bot.engine.deps import Deps
from bot.engine.texts import Texts
from storage.models import ActionItem, id_of
from storage.repositories import get_session

# Words people may type for a status.
STATUS_WORDS = {
    "planned": ActionStatus.PLANNED,
    "doing": ActionStatus.DOING,
    "done": ActionStatus.DONE,
    "cant_do": ActionStatus.CANT_DO,
    "can't_do": ActionStatus.CANT_DO,
    "cannot": ActionStatus.CANT_DO,
    "can't": ActionStatus.CANT_DO,
    "cant": ActionStatus.CANT_DO,
}
MAX_SHOWN = 20


def parse_status(word: str) -> ActionStatus:
    status = STATUS_WORDS.get(word.strip().lower().replace(" ", "_"))
    if status is None:
        raise CommandError("actions.bad_status")
    return status


async def community_actions(tx: AsyncSession, community_id: int) -> list[ActionItem]:
    query = (
        select(ActionItem)
        .where(ActionItem.community_id == community_id)
        .order_by(col(ActionItem.id))
    )
    return list((await tx.exec(query)).all())


def action_lines(texts: Texts, actions: list[ActionItem]) -> str:
    """The list as people read it: what was said, what we did, and why not where we can't."""
    lines = []
    for action in actions[-MAX_SHOWN:]:
        status = texts.t(f"actions.status.{action.status}")
        line = texts.t(
            "actions.line",
            number=action.id,
            said=action.said,
            status=status,
            did=action.did or texts.t("actions.nothing_yet"),
            owner=action.owner or texts.t("actions.no_owner"),
        )
        if action.status == ActionStatus.CANT_DO and action.reason:
            line += " " + texts.t("actions.because", reason=action.reason)
        lines.append(line)
    return "\n".join(lines)


class ActionService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.t = deps.texts.t

    async def add(self, ctx: CommandContext) -> Reply:
        status = parse_status(ctx.arg("status") or "planned")
        reason = ctx.arg("reason")
        if status == ActionStatus.CANT_DO and not reason:
            raise CommandError("actions.reason_needed")
        action = ActionItem(
            community_id=id_of(ctx.community),
            session_id=ctx.arg("session"),
            said=ctx.arg("said"),
            did=ctx.arg("did") or "",
            owner=ctx.arg("owner") or "",
            status=status.value,
            reason=reason,
            created_at=self.deps.clock.now(),
            updated_at=self.deps.clock.now(),
        )
        if action.session_id is not None:
            if await get_session(ctx.tx, id_of(ctx.community), action.session_id) is None:
                raise CommandError("sessions.unknown", session_id=action.session_id)
        ctx.tx.add(action)
        await ctx.tx.flush()
        return Reply(OutgoingMessage(self.t("actions.added", number=action.id)))

    async def update(self, ctx: CommandContext) -> Reply:
        action = await ctx.tx.get(ActionItem, ctx.arg("number"))
        if action is None or action.community_id != ctx.community.id:
            raise CommandError("actions.unknown", number=ctx.arg("number"))
        if ctx.arg("status"):
            action.status = parse_status(ctx.arg("status")).value
        for name in ("did", "owner", "reason"):
            if ctx.arg(name):
                setattr(action, name, ctx.arg(name))
        if action.status == ActionStatus.CANT_DO and not action.reason:
            raise CommandError("actions.reason_needed")
        if action.status != ActionStatus.CANT_DO and not ctx.arg("reason"):
            action.reason = None
        action.updated_at = self.deps.clock.now()
        ctx.tx.add(action)
        return Reply(
            OutgoingMessage(
                self.t(
                    "actions.updated",
                    number=action.id,
                    status=self.t(f"actions.status.{action.status}"),
                )
            )
        )

    async def list(self, ctx: CommandContext) -> Reply:
        actions = await community_actions(ctx.tx, id_of(ctx.community))
        if not actions:
            return Reply(OutgoingMessage(self.t("actions.none")))
        return Reply(
            OutgoingMessage(
                title=self.t("actions.heading"), text=action_lines(self.deps.texts, actions)
            ),
            private=False,
        )
