"""Consent and data rights: the privacy notice on first contact, "forget me", "my data", and
the retention job. Anonymous reflections are never touched here: they cannot be tied to anyone.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, func, update
from sqlmodel import and_, col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError
from bot.core.messages import (
    Action,
    ActionStyle,
    Attachment,
    OutgoingMessage,
    Reply,
    custom_id,
)
from bot.engine.context import CommandContext
from bot.engine.deps import Deps, zone_of
from bot.engine.texts import Texts
from bot.people.needs import forget_needs, person_needs
from bot.people.payments import expire_payments, forget_payments, payment_data
from bot.reflections.alerts import hand_on
from bot.reflections.safeguarding import SAFEGUARDING
from bot.reflections.together import REQUEST
from bot.sessions.timeparse import format_local
from storage.models import (
    ActionItem,
    Attendance,
    BreakoutMember,
    ClaimExport,
    Community,
    Digest,
    OutboxItem,
    OutboxStatus,
    Participant,
    PostedPart,
    Session,
    id_of,
)
from storage.types import utc_day

log = logging.getLogger("brewbot.privacy")


class PrivacyService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.t = deps.texts.t

    # -- consent ----------------------------------------------------------------------

    def notice(self, community: Community, *, easy: bool = False) -> OutgoingMessage:
        months = max(1, round(community.retention_days / 30.4))
        actions: tuple[Action, ...] = (
            Action(self.t("buttons.consent_yes"), custom_id("consent", "yes"), ActionStyle.PRIMARY),
            Action(self.t("buttons.consent_no"), custom_id("consent", "no")),
        )
        if not easy:
            actions += (Action(self.t("buttons.easy_read"), custom_id("consent", "easy")),)
        texts, retention = self.deps.texts, self.t("privacy.months", months=months)
        return OutgoingMessage(
            title=self.t("privacy.title"),
            text="" if easy else texts.template("consent", retention=retention),
            # Easy Read: one idea at a time, each beside its picture (docs/easy-read.md).
            sections=texts.ideas("consent", retention=retention) if easy else (),
            actions=actions,
        )

    async def show(self, ctx: CommandContext) -> Reply:
        return Reply(self.notice(ctx.community, easy=ctx.actor.easy_read))

    async def easy(self, ctx: CommandContext) -> Reply:
        return Reply(self.notice(ctx.community, easy=True))

    async def agree(self, ctx: CommandContext) -> Reply:
        ctx.actor.consent, ctx.actor.consent_at = "yes", utc_day(self.deps.clock.now())
        ctx.tx.add(ctx.actor)
        return Reply(OutgoingMessage(self.t("privacy.agreed")))

    async def decline(self, ctx: CommandContext) -> Reply:
        ctx.actor.consent, ctx.actor.consent_at = "no", utc_day(self.deps.clock.now())
        ctx.tx.add(ctx.actor)
        return Reply(OutgoingMessage(self.t("privacy.declined")))

    # -- forget me and my data ----------------------------------------------------------

    async def forget_request(self, ctx: CommandContext) -> Reply:
        exported = await exported_claims(ctx.tx, id_of(ctx.actor))
        lines = [self.t("privacy.forget_confirm")]
        if exported:
            lines.append(self.t("privacy.forget_exported", sessions=", ".join(exported)))
        lines.append(self.t("privacy.reflections_unlinkable"))
        return Reply(
            OutgoingMessage(
                text="\n\n".join(lines),
                actions=(
                    Action(
                        self.t("buttons.forget_yes"),
                        custom_id("privacy", "forget", "yes"),
                        ActionStyle.DANGER,
                    ),
                ),
            )
        )

    async def forget_confirmed(self, ctx: CommandContext) -> Reply:
        exported = await forget(ctx.tx, ctx.community, ctx.actor.user_id)
        text = self.t("privacy.forgotten")
        if exported:
            text += " " + self.t("privacy.forget_exported", sessions=", ".join(exported))
        return Reply(OutgoingMessage(text))

    async def my_data(self, ctx: CommandContext) -> Reply:
        data = await person_data(ctx.tx, self.deps.texts, ctx.community, ctx.actor)
        data["reflections"] = self.t("privacy.reflections_unlinkable")
        body = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        readable = self.t("privacy.my_data_intro") + "\n\n" + body + "\n"
        return Reply(
            OutgoingMessage(
                text=self.t("privacy.my_data_ready"),
                attachments=(Attachment("my-brewbot-data.txt", readable.encode(), "text/plain"),),
            )
        )

    # -- retention -----------------------------------------------------------------------

    async def apply_retention(self, tx: AsyncSession, now: datetime) -> dict[str, int]:
        """Delete what is older than each community's retention periods. Counts only."""
        counts = {"participants": 0, "attendance": 0, "digests": 0}
        for community in (await tx.exec(select(Community))).all():
            cutoff = now - timedelta(days=community.retention_days)
            old = select(Session.id).where(
                Session.community_id == community.id, col(Session.starts_at) < cutoff
            )
            counts["attendance"] += (
                await tx.exec(delete(Attendance).where(col(Attendance.session_id).in_(old)))
            ).rowcount or 0
            await tx.exec(delete(ClaimExport).where(col(ClaimExport.session_id).in_(old)))
            await expire_payments(tx, old)
            counts["participants"] += (
                await tx.exec(
                    delete(Participant).where(
                        col(Participant.community_id) == community.id,
                        col(Participant.last_seen_at) < cutoff,
                    )
                )
            ).rowcount or 0
            digest_cutoff = now - timedelta(days=community.digest_retention_days)
            counts["digests"] += (
                await tx.exec(
                    delete(Digest).where(
                        col(Digest.session_id).in_(
                            select(Session.id).where(
                                Session.community_id == community.id,
                                col(Session.starts_at) < digest_cutoff,
                            )
                        )
                    )
                )
            ).rowcount or 0
        log.info(
            "retention applied participants=%d attendance=%d digests=%d",
            counts["participants"],
            counts["attendance"],
            counts["digests"],
        )
        return counts


async def exported_claims(tx: AsyncSession, participant_id: int) -> list[str]:
    rows = (
        await tx.exec(
            select(Session.id, Session.title)
            .join(ClaimExport, col(ClaimExport.session_id) == col(Session.id))
            .where(ClaimExport.participant_id == participant_id)
            .order_by(col(Session.id))
        )
    ).all()
    return [f"{title} (session {sid})" for sid, title in rows]


async def forget(tx: AsyncSession, community: Community, user_id: str) -> list[str]:
    """Delete everything held about one person in one community; return claims already
    exported (finance must be told). Used by `forget me` and `brewbot privacy forget`."""
    person = (
        await tx.exec(
            select(Participant).where(
                Participant.community_id == community.id, Participant.user_id == user_id
            )
        )
    ).first()
    if person is None:
        raise CommandError("privacy.nothing_held")
    exported = await exported_claims(tx, id_of(person))
    # Attendance, breakout places and claim exports go with the participant (cascade); the
    # explicit deletes keep SQLite and PostgreSQL identical even without cascades configured.
    await tx.exec(delete(Attendance).where(col(Attendance.participant_id) == person.id))
    await tx.exec(delete(BreakoutMember).where(col(BreakoutMember.participant_id) == person.id))
    await tx.exec(delete(ClaimExport).where(col(ClaimExport.participant_id) == person.id))
    await forget_needs(tx, id_of(person))
    await forget_payments(tx, id_of(person))
    await tx.exec(
        update(ActionItem)
        .where(col(ActionItem.owner_participant_id) == person.id)
        .values(owner_participant_id=None)
    )
    await tx.delete(person)
    # A facilitator's id is also kept on sessions they scheduled and as a safeguarding contact.
    await tx.exec(
        update(Session)
        .where(col(Session.community_id) == community.id, col(Session.created_by) == user_id)
        .values(created_by="")
    )
    await tx.exec(
        update(ActionItem)
        .where(col(ActionItem.community_id) == community.id, col(ActionItem.created_by) == user_id)
        .values(created_by="")
    )
    # And on a post they asked for, to be told if it is refused.
    await tx.exec(
        update(OutboxItem)
        .where(col(OutboxItem.community_id) == community.id, col(OutboxItem.asked_by) == user_id)
        .values(asked_by="")
    )
    # Someone else's safeguarding message waiting for them is handed on, never lost with
    # them (or, with nobody to take it, forgetting them waits).
    await hand_on(tx, community, user_id)
    # Messages to them, and requests to be contacted that name them, with the parts of each
    # a platform has shown (posted_part rows go with their delivery).
    await tx.exec(delete(OutboxItem).where(deliveries_about(community, user_id)))
    if community.safeguarding_contact_id == user_id:
        community.safeguarding_contact_id = None
        tx.add(community)
    log.info("person forgotten community=%s exported_claims=%d", community.id, len(exported))
    return exported


_STATUS_WORD = {
    OutboxStatus.DONE: "done",
    OutboxStatus.PENDING: "waiting",
    OutboxStatus.SENDING: "waiting",
    OutboxStatus.FAILED: "failed",
}


def deliveries_about(community: Community, user_id: str) -> ColumnElement[bool]:
    """The outbox rows about one person: private messages to them (still to reach them, or
    delivered but not yet pruned), and a request to be contacted that has not gone yet, which
    carries their name and id."""
    return and_(
        col(OutboxItem.community_id) == community.id,
        or_(
            and_(col(OutboxItem.kind) == "private", col(OutboxItem.target) == user_id),
            and_(
                col(OutboxItem.purpose) == SAFEGUARDING,
                col(OutboxItem.key).contains(REQUEST),
                col(OutboxItem.payload).contains(json.dumps(user_id)[1:-1]),
            ),
        ),
    )


async def deliveries_data(
    tx: AsyncSession, texts: Texts, community: Community, user_id: str
) -> list[dict[str, object]]:
    """The deliveries about one person (`deliveries_about`): what each is, how it stands, the
    day it was asked for and how many of its parts a platform has already shown."""
    zone = zone_of(community)
    shown = func.count(col(PostedPart.part))
    rows = (
        await tx.exec(
            select(OutboxItem, shown)
            .outerjoin(PostedPart, col(PostedPart.outbox_id) == col(OutboxItem.id))
            .where(deliveries_about(community, user_id))
            .group_by(col(OutboxItem.id))
            .order_by(col(OutboxItem.id))
        )
    ).all()
    return [
        {
            "what": texts.t(
                "privacy.delivery.message" if item.target == user_id else "privacy.delivery.request"
            ),
            "status": texts.t(f"privacy.delivery.{_STATUS_WORD[OutboxStatus(item.status)]}"),
            "asked_for": _local(item.created_at, zone),
            "parts_already_shown": parts,
        }
        for item, parts in rows
    ]


async def person_data(
    tx: AsyncSession, texts: Texts, community: Community, person: Participant
) -> dict[str, object]:
    """Everything stored about one person, and nothing about anyone else."""
    zone = zone_of(community)
    rows = (
        await tx.exec(
            select(Attendance, Session)
            .join(Session, col(Session.id) == col(Attendance.session_id))
            .where(Attendance.participant_id == person.id)
            .order_by(col(Session.starts_at))
        )
    ).all()
    return {
        "community": community.name or community.external_id,
        "you": {
            "name_to_call_you": person.called_by,
            "display_name": person.display_name,
            "described_as": person.role,
            "in_your_own_words": person.self_description,
            "lived_experience_only_groups": person.lived_experience_only,
            "privacy_notice": person.consent,
            "privacy_answered": _local(person.consent_at, zone),
            "easy_read": person.easy_read,
            "plain_style": person.plain_style,
            "reminders": person.reminders,
            "claiming_for_time": person.claim_opt_in,
            "first_seen": _local(person.created_at, zone),
        },
        "sessions": [
            {
                "session": s.title,
                "date": _local(s.starts_at, zone),
                "said_coming": a.rsvp,
                "joined": _local(a.joined_at, zone),
                "left": _local(a.left_at, zone),
                "marked_present_by_facilitator": a.marked_by_facilitator,
            }
            for a, s in rows
        ],
        "claims_sent_to_finance": await exported_claims(tx, id_of(person)),
        "communication_needs": await person_needs(tx, person),
        "payments": await payment_data(tx, person),
        "messages_to_you": await deliveries_data(tx, texts, community, person.user_id),
        "actions_you_are_reminded_about": [
            f"{a.said} (action {a.id})"
            for a in (
                await tx.exec(
                    select(ActionItem)
                    .where(ActionItem.owner_participant_id == person.id)
                    .order_by(col(ActionItem.id))
                )
            ).all()
        ],
    }


def _local(when: datetime | None, zone: ZoneInfo) -> str | None:
    return format_local(when, zone) if when else None
