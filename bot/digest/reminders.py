"""Reminding the person who owns a "we said, we did" action before it is due.

bot/scheduling/planner.py plans a reminder at 9am two days before the due day and on the
day, while the action is open; bot/scheduling/jobs.py runs each once (its run key), across
restarts and processes. The reminder is a private message through the outbox, so a moment of
failure is tried again; one refused for good (private messages closed, say) is told to the
facilitator who added the action, with what to do and a Retry button.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import as_id
from bot.core.domain import OPEN_ACTIONS
from bot.core.messages import OutgoingMessage, Reply, Section, custom_id
from bot.delivery.notices import retry_refused
from bot.delivery.outbox import Delivery, Outcome, Refused
from bot.engine.context import CommandContext, Effect
from bot.engine.deps import Deps, zone_of
from bot.scheduling.planner import ACTION_REMIND_DAYS, action_reminder_times
from bot.sessions.timeparse import format_date
from storage.models import ActionItem, Community, Participant, Session
from storage.repositories import find_participant

# The outbox purpose of owners' reminders.
ACTION_REMINDER = "action_reminder"


async def remind_owner(
    deps: Deps, tx: AsyncSession, action_id: int, due: datetime, effects: list[Effect]
) -> bool:
    """The scheduled reminder planned for `due`: recorded in the outbox in this transaction
    (the job's), and tried once it commits. False when there is nothing to do any more: the
    action is done or gone, its day or person changed, or the person asked for no reminders."""
    action = await tx.get(ActionItem, action_id)
    if (
        action is None
        or action.status not in OPEN_ACTIONS
        or action.due_on is None
        or action.owner_participant_id is None
    ):
        return False
    community = await tx.get(Community, action.community_id)
    owner = await tx.get(Participant, action.owner_participant_id)
    if community is None or owner is None or owner.reminders == "none":
        return False
    zone = zone_of(community)
    times = action_reminder_times(action.due_on, zone)
    if due not in times:
        return False  # planned for a due day (or a zone) the action no longer has
    today = deps.clock.now().astimezone(zone).date()
    days = (action.due_on - today).days
    if days < 0:
        return False
    # Which of the action's reminders this is, not its time: an owner reminded at 9am in
    # the community's old zone is not reminded again at 9am in its new one.
    before = ACTION_REMIND_DAYS[times.index(due)]
    key = f"action-remind:{action_id}:{action.due_on.isoformat()}:{before}"
    message = reminder_message(deps, action, owner, days)
    delivery = Delivery(
        key,
        ACTION_REMINDER,
        "private",
        owner.user_id,
        message,
        action.session_id,
        owner.called_by or owner.display_name,
    )
    await deps.outbox.add(tx, community, delivery)
    effects.append(deps.outbox.deliver_effect([key]))
    return True


def reminder_message(
    deps: Deps, action: ActionItem, owner: Participant, days: int
) -> OutgoingMessage:
    t = deps.texts.t
    assert action.due_on is not None
    when = (
        t("actions.reminder.today")
        if days == 0
        else t("actions.reminder.tomorrow")
        if days == 1
        else t("actions.reminder.in_days", days=days)
    )
    style = "easy" if owner.easy_read else "plain"
    sections = [Section(action.said, t("actions.reminder.said"), untrusted=True)]
    if action.did:
        sections.append(Section(action.did, t("actions.reminder.did"), untrusted=True))
    return OutgoingMessage(
        title=t("actions.reminder.title", number=action.id, when=when),
        text=t(f"actions.reminder.{style}", number=action.id, due=format_date(action.due_on)),
        sections=tuple(sections),
        plain=owner.plain_style,
    )


async def reminder_outcome(deps: Deps, tx: AsyncSession, outcome: Outcome) -> list[Effect]:
    """A reminder refused for good: the facilitator who added the action (or, failing that,
    who scheduled its session) hears why, what to do, and gets a Retry button."""
    item = outcome.item
    if outcome.delivered or outcome.told:  # a facilitator who pressed Retry hears it there
        return []
    action_id = as_id(item.key.split(":")[1])
    action = await tx.get(ActionItem, action_id) if action_id is not None else None
    community = await tx.get(Community, item.community_id)
    if action is None or community is None:
        return []
    facilitator = action.created_by
    if not facilitator and action.session_id is not None:
        session = await tx.get(Session, action.session_id)
        facilitator = session.created_by if session is not None else ""
    owner = await find_participant(tx, item.community_id, item.target)
    name = (owner and (owner.called_by or owner.display_name)) or deps.texts.t(
        "actions.reminder.the_owner"
    )
    refused = Refused(
        "actions.reminder.not_delivered",
        "action-remind:failed",
        custom_id("action", "retry", str(item.id)),
        {"number": action.id, "name": name},
    )
    # About the action, not its session: tied to none, so cancelling one does not take it.
    await deps.outbox.tell_refused(tx, community, outcome, facilitator, refused)
    return []


async def retry_reminder(deps: Deps, ctx: CommandContext) -> Reply:
    """The Retry button under a refused reminder: arm it again and try it now."""
    return await retry_refused(deps, ctx, ACTION_REMINDER)
