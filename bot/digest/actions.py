""" "We said, we did": what people raised, what is being done about it, and, where something
cannot be done, the plain reason why. Replayed at the start of the next session and in every
digest.

Each action may have a due day and a person who owns it: that person is reminded privately
before it is due (bot/digest/reminders.py). Every change of status, or of what was done or
why not, is kept in its history (`action_event`), written with the change. Once a session's
digest has been sent, the people who took part hear in Easy Read when one of its actions is
added or changes status (bot/digest/feedback.py).
"""

from __future__ import annotations

import functools
from datetime import date

from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError
from bot.core.domain import OPEN_ACTIONS, ActionStatus, SessionState
from bot.core.marked import MentionKind, mention
from bot.core.messages import OutgoingMessage, Reply, Section
from bot.digest.feedback import Compiles, clause, share
from bot.digest.reminders import ACTION_REMINDER, reminder_outcome, retry_reminder
from bot.engine.context import CommandContext
from bot.engine.deps import Deps, zone_of
from bot.engine.texts import Texts
from bot.people.settings import person_id
from bot.scheduling.planner import ACTION_REMIND_DAYS
from bot.sessions.timeparse import format_date, format_local, parse_date
from storage.models import ActionEvent, ActionItem, Participant, Session, id_of
from storage.repositories import get_or_create_participant, get_session

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
# Typed for `due` or `person` in `action update`: take it away.
CLEAR = "none"


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
        if action.status in OPEN_ACTIONS and action.due_on is not None:
            line += " " + texts.t("actions.due", due=format_date(action.due_on))
        lines.append(line)
    return "\n".join(lines)


class ActionService:
    def __init__(self, deps: Deps, digests: Compiles) -> None:
        self.deps = deps
        self.digests = digests
        self.t = deps.texts.t
        deps.outbox.listen(ACTION_REMINDER, functools.partial(reminder_outcome, deps))

    async def add(self, ctx: CommandContext) -> Reply:
        status = parse_status(ctx.arg("status") or "planned")
        reason = ctx.arg("reason")
        if status == ActionStatus.CANT_DO and not reason:
            raise CommandError("actions.reason_needed")
        session: Session | None = None
        if ctx.arg("session") is not None:
            session = await get_session(ctx.tx, id_of(ctx.community), ctx.arg("session"))
            if session is None:
                raise CommandError("sessions.unknown", session_id=ctx.arg("session"))
        now = self.deps.clock.now()
        person = await self._person(ctx)
        action = ActionItem(
            community_id=id_of(ctx.community),
            session_id=ctx.arg("session"),
            said=ctx.arg("said"),
            did=ctx.arg("did") or "",
            owner=ctx.arg("owner") or "",
            status=status.value,
            reason=reason,
            due_on=self._due(ctx),
            owner_participant_id=person.id if person else None,
            created_by=ctx.user.id,
            created_at=now,
            updated_at=now,
        )
        ctx.tx.add(action)
        await ctx.tx.flush()
        event = await self._record(ctx.tx, action)
        said = [self.t("actions.added", number=action.id)]
        if action.due_on is not None or person is not None:
            said += self._reminder_notes(action, person)
        said += await self._tell_those_who_took_part(ctx, session, event)
        if action.due_on is not None and person is not None:
            ctx.after_commit(self.deps.action_changed(id_of(action)))
        return Reply(OutgoingMessage(" ".join(said)))

    async def update(self, ctx: CommandContext) -> Reply:
        action = await self._find(ctx)
        before = (action.status, action.did, action.reason)
        planned = (action.status, action.due_on, action.owner_participant_id)
        if ctx.arg("status"):
            action.status = parse_status(ctx.arg("status")).value
        for name in ("did", "owner", "reason"):
            if ctx.arg(name):
                setattr(action, name, ctx.arg(name))
        if action.status == ActionStatus.CANT_DO and not action.reason:
            raise CommandError("actions.reason_needed")
        if action.status != ActionStatus.CANT_DO and not ctx.arg("reason"):
            action.reason = None
        reminding = ctx.arg("due") is not None or ctx.arg("person") is not None
        if ctx.arg("due") is not None:
            action.due_on = self._due(ctx)
        if ctx.arg("person") is not None:
            person = await self._person(ctx)
            action.owner_participant_id = person.id if person else None
        action.updated_at = self.deps.clock.now()
        ctx.tx.add(action)
        said = [
            self.t(
                "actions.updated",
                number=action.id,
                status=self.t(f"actions.status.{action.status}"),
            )
        ]
        if reminding:
            owner = action.owner_participant_id
            person = await ctx.tx.get(Participant, owner) if owner is not None else None
            said += self._reminder_notes(action, person)
        if (action.status, action.did, action.reason) != before:
            event = await self._record(ctx.tx, action)
            if action.status != before[0] and action.session_id is not None:
                session = await get_session(ctx.tx, id_of(ctx.community), action.session_id)
                said += await self._tell_those_who_took_part(ctx, session, event)
        if (action.status, action.due_on, action.owner_participant_id) != planned:
            ctx.after_commit(self.deps.action_changed(id_of(action)))
        return Reply(OutgoingMessage(" ".join(said)))

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

    async def history(self, ctx: CommandContext) -> Reply:
        """One action as it stands (who, by when) and every change to it, oldest first."""
        action = await self._find(ctx)
        t = self.t
        person = (
            await ctx.tx.get(Participant, action.owner_participant_id)
            if action.owner_participant_id is not None
            else None
        )
        about = [
            action.said,
            t("actions.history.owner", owner=action.owner or t("actions.no_owner")),
            t("actions.history.due", due=format_date(action.due_on))
            if action.due_on is not None
            else t("actions.history.no_due"),
        ]
        if person is None:
            who = Section(t("actions.history.no_person"))
        elif person.called_by or person.display_name:
            who = Section(t("actions.history.person", name=self._name(person)), untrusted=True)
        else:
            # Not seen by Brewbot yet: named as a mention (an id `person_id` accepted), which
            # each platform shows as their name. Only the facilitator sees this answer.
            who = Section(
                t("actions.history.person", name=mention(MentionKind.PERSON, person.user_id))
            )
        events = (
            await ctx.tx.exec(
                select(ActionEvent)
                .where(ActionEvent.action_id == action.id)
                .order_by(col(ActionEvent.at), col(ActionEvent.id))
            )
        ).all()
        zone = zone_of(ctx.community)
        changes = []
        for event in events:
            line = t(
                "actions.history.event",
                when=format_local(event.at, zone),
                status=t(f"actions.status.{event.status}"),
                did=clause(event.did) or t("actions.nothing_yet"),
            )
            if event.status == ActionStatus.CANT_DO and event.reason:
                line += " " + t("actions.because", reason=event.reason)
            changes.append(line)
        return Reply(
            OutgoingMessage(
                title=t("actions.history.title", number=action.id),
                # As typed by facilitators, and a person's name: escaped by each renderer.
                sections=(
                    Section("\n".join(about), untrusted=True),
                    who,
                    Section("\n".join(changes), t("actions.history.changes"), untrusted=True),
                ),
            )
        )

    async def retry_reminder(self, ctx: CommandContext) -> Reply:
        return await retry_reminder(self.deps, ctx)

    # -- helpers ------------------------------------------------------------------------------

    async def _find(self, ctx: CommandContext) -> ActionItem:
        action = await ctx.tx.get(ActionItem, ctx.arg("number"))
        if action is None or action.community_id != ctx.community.id:
            raise CommandError("actions.unknown", number=ctx.arg("number"))
        return action

    def _due(self, ctx: CommandContext) -> date | None:
        """The `due` option as a day in the community's calendar (None: not given, or
        cleared)."""
        text = ctx.arg("due")
        if text is None or text.strip().lower() == CLEAR:
            return None
        return parse_date(text, zone_of(ctx.community), self.deps.clock.now())

    async def _person(self, ctx: CommandContext) -> Participant | None:
        """The `person` option (a mention, as each platform passes one) as the community's
        participant, recorded if they have not used Brewbot yet: only for an id their
        platform could give someone (`person_id`), so a reminder promised can reach them."""
        text = (ctx.arg("person") or "").strip()
        if not text or text.lower() == CLEAR:
            return None
        if text.startswith("@"):
            # A name typed rather than picked (the terminal chat; a mention the platform did
            # not turn into one): someone Brewbot knows by exactly that name.
            return await self._named(ctx, text[1:])
        user_id = await person_id(ctx.tx, ctx.community, text)
        return await get_or_create_participant(ctx.tx, ctx.community, user_id)

    async def _named(self, ctx: CommandContext, name: str) -> Participant:
        wanted = name.strip().lower()
        query = select(Participant).where(
            Participant.community_id == ctx.community.id,
            or_(
                func.lower(col(Participant.called_by)) == wanted,
                func.lower(col(Participant.display_name)) == wanted,
            ),
        )
        people = (await ctx.tx.exec(query.limit(2))).all() if wanted else []
        if len(people) != 1:
            raise CommandError("actions.unknown_person", name=name.strip()[:60])
        return people[0]

    async def _record(self, tx: AsyncSession, action: ActionItem) -> ActionEvent:
        """The action's history gains where it stands now, in the change's transaction."""
        event = ActionEvent(
            action_id=id_of(action),
            at=action.updated_at,
            status=action.status,
            did=action.did,
            reason=action.reason,
        )
        tx.add(event)
        await tx.flush()
        return event

    def _reminder_notes(self, action: ActionItem, person: Participant | None) -> tuple[str, ...]:
        """What the facilitator should know about reminders for this action."""
        if action.status not in OPEN_ACTIONS:
            return ()
        if person is None:
            return (self.t("actions.remind_whom"),) if action.due_on is not None else ()
        if action.due_on is None:
            return (self.t("actions.remind_when"),)
        name = self._name(person)
        if person.reminders == "none":
            return (self.t("actions.no_reminders_wanted", name=name),)
        return (self.t("actions.will_remind", name=name, days=ACTION_REMIND_DAYS[0]),)

    def _name(self, person: Participant) -> str:
        return person.called_by or person.display_name or self.t("actions.reminder.the_owner")

    async def _tell_those_who_took_part(
        self, ctx: CommandContext, session: Session | None, event: ActionEvent
    ) -> tuple[str, ...]:
        """Once the session's digest has been sent, everyone who took part hears what is
        happening now. Before that, the digest's own message will tell them."""
        if session is None or session.state != SessionState.SUMMARISED:
            return ()
        shared = await share(
            self.digests, ctx.tx, ctx.community, session, occasion=f"action-{event.id}"
        )
        ctx.after_commit(self.deps.outbox.deliver_effect(shared.keys))
        count = shared.people
        key = "many" if count > 1 else "one" if count == 1 else "none"
        return (self.t(f"actions.sharing_{key}", count=count, session_id=session.id),)
