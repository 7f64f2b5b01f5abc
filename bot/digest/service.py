"""The digest: a private draft for the facilitator at close, their review (hold, redact,
release a safeguarding hold), then sending to the working group, which also seals the
session (bot/reflections/sealing.py) so nothing can ever be tied back to a person."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from bot.core.commands import CommandError, as_id
from bot.core.domain import ENDED_STATES, SessionState
from bot.core.messages import Action, ActionStyle, OutgoingMessage, Reply, Section, custom_id
from bot.core.ports import DeliveryError
from bot.delivery.mail import Letter, addresses, readdressed
from bot.delivery.outbox import NOTICE, Delivery, Outcome, Refused, decode, encode
from bot.digest.feedback import after_digest_sent
from bot.digest.marks import review_marks
from bot.digest.model import (
    ActionLine,
    Digest,
    DigestInput,
    DigestReflection,
    build_digest,
)
from bot.digest.priorities import Priorities, priority_counts
from bot.digest.render import to_csv, to_html, to_markdown, to_sections
from bot.digest.review import THEME_ACTIONS, ThemeReview, reviewed
from bot.engine.context import CommandContext, Effect, Work
from bot.engine.deps import Deps, session_channel, zone_of
from bot.reflections.anonymity import writers_at_least
from bot.reflections.sealing import seal, small_number
from bot.sessions.running import RunningService
from bot.sessions.service import SessionService
from bot.sessions.timeparse import format_local
from bot.sparks.service import library_for
from storage.models import (
    ActionItem,
    Attendance,
    Community,
    OutboxItem,
    OutboxStatus,
    Participant,
    Reflection,
    Session,
    id_of,
)
from storage.models import (
    Digest as DigestRow,
)

log = logging.getLogger("brewbot.digests")

DIGEST_ACTIONS = ("preview", "send", "hold", "redact", "release", *THEME_ACTIONS, "priorities")
# The outbox purpose of the digest's own deliveries.
DIGEST = "digest"


class DigestService:
    def __init__(self, deps: Deps, sessions: SessionService, running: RunningService) -> None:
        self.deps = deps
        self.sessions = sessions
        self.running = running
        self.t = deps.texts.t
        # Renaming, merging, splitting and moving themes (bot/digest/review.py).
        self.review = ThemeReview(deps, sessions, self)
        # People's priorities, marked before the close (bot/digest/priorities.py).
        self.priorities = Priorities(deps, sessions, self)
        deps.outbox.listen(DIGEST, self._delivered)

    async def row(self, tx: AsyncSession, session: Session) -> DigestRow:
        found = (await tx.exec(select(DigestRow).where(DigestRow.session_id == session.id))).first()
        if found is None:
            found = DigestRow(session_id=id_of(session))
            tx.add(found)
            await tx.flush()
        return found

    async def edits(self, tx: AsyncSession, session: Session) -> dict[str, Any]:
        """The facilitator's review so far, read only: a participant's anonymous step (the
        priorities form) reads it, and must write nothing, not even an empty draft."""
        stored = (
            await tx.exec(select(DigestRow.edits).where(DigestRow.session_id == session.id))
        ).first()
        edits: dict[str, Any] = json.loads(stored or "{}")
        return edits

    async def statements(self, tx: AsyncSession, session: Session) -> list[DigestReflection]:
        """The reflections the digest shows (not held), in id order, quotable unless the
        writer said no or the facilitator redacted them."""
        edits = await self.edits(tx, session)
        return _statements(edits, await self._shown(tx, edits, session))

    async def compile(self, tx: AsyncSession, community: Community, session: Session) -> Digest:
        row = await self.row(tx, session)
        edits = json.loads(row.edits or "{}")
        shown = await self._shown(tx, edits, session)
        items = _statements(edits, shown)
        contributors = self.writers(row, session, shown)
        roles = Counter(
            (
                await tx.exec(
                    select(Participant.role)
                    .join(Attendance, col(Attendance.participant_id) == col(Participant.id))
                    .where(
                        Attendance.session_id == session.id, col(Attendance.joined_at).is_not(None)
                    )
                )
            ).all()
        )
        actions = (
            await tx.exec(
                select(ActionItem)
                .where(ActionItem.community_id == community.id)
                .order_by(col(ActionItem.id))
            )
        ).all()
        library = await library_for(self.deps, tx, id_of(community))
        spark = library.get(session.spark_id) if session.spark_id else None
        date_text = format_local(session.starts_at, zone_of(community))
        data = DigestInput(
            title=session.title,
            theme=session.theme,
            spark_title=spark.title if spark else None,
            date_text=date_text,
            session_id=id_of(session),
            attendance={(role or "prefer_not"): n for role, n in roles.items()},
            total_attended=sum(roles.values()),
            reflections=items,
            contributors=contributors,
            actions=[
                ActionLine(a.said, a.did, a.owner, a.status, a.reason, a.due_on) for a in actions
            ],
            min_count=small_number(self.deps),
            # The themes as the facilitator's review left them, before anything renders.
            grouping=reviewed(items, edits),
            priorities=await priority_counts(tx, id_of(session), edits),
            intro=self.deps.texts.template(
                "digest_intro",
                title=session.title,
                date=date_text,
                theme=session.theme or session.title,
            ),
        )
        return build_digest(data)

    def writers(self, row: DigestRow, session: Session, shown: Sequence[_Shown]) -> int:
        """How many different people wrote the reflections shown: a lower bound, from this
        process's memory and from what was frozen (see bot/reflections/anonymity.py)."""
        assert session.id is not None
        in_memory = self.deps.writers.writers_at_least(session.id, (r.id for r in shown))
        frozen = None
        if row.contributors is not None and row.counted_reflections is not None:
            frozen = (row.contributors, row.counted_reflections)
        counted = sum(1 for r in shown if r.in_count)
        return writers_at_least(in_memory, frozen, counted, len(shown))

    async def freeze_writers(self, tx: AsyncSession, session: Session) -> None:
        """Keep the count of writers of the reflections shown now, so it survives the
        in-memory record (a restart, the session sealed). Only a count and which reflections
        it covers: nothing about who wrote which."""
        row = await self.row(tx, session)
        digest_shown = await self._shown(tx, json.loads(row.edits or "{}"), session)
        row.contributors = self.writers(row, session, digest_shown)
        row.counted_reflections = len(digest_shown)
        ids = [r.id for r in digest_shown]
        await tx.exec(
            update(Reflection)
            .where(col(Reflection.session_id) == session.id)
            .values(in_count=col(Reflection.id).in_(ids))
        )
        tx.add(row)

    async def _shown(
        self, tx: AsyncSession, edits: dict[str, Any], session: Session
    ) -> list[_Shown]:
        """The reflections the digest shows (not held for safeguarding or by the
        facilitator), in id order. Only the columns the digest reads: a session of 10,000
        reflections loads in a fraction of the time whole rows would take."""
        held = set(edits.get("held", []))
        query = (
            select(
                col(Reflection.id),
                col(Reflection.category),
                col(Reflection.text),
                col(Reflection.quote_ok),
            )
            .add_columns(col(Reflection.in_count))
            .where(col(Reflection.session_id) == session.id, col(Reflection.held).is_(False))
        )
        # Five columns are past select()'s typed forms, so add_columns loses the row type.
        found = await tx.exec(cast("Select[str, str, str, bool, bool]", query))
        # Sorted here, not by the database, whose collation may order ids differently.
        return sorted((_Shown(*r) for r in found if r[0] not in held), key=lambda r: r.id)

    async def close(self, work: Work, session: Session) -> None:
        """Close the session, then draft its digest: the step both `/brew close` and the end
        of the reflection time take."""
        await self.running.close_session(work, session)
        await self.draft(work, session)

    async def draft(self, work: Work, session: Session) -> None:
        """At close: the writers are counted and the draft goes privately to the facilitator
        who scheduled the session."""
        await self.freeze_writers(work.tx, session)
        message = await self.preview_message(work.tx, work.community, session)
        work.after_commit(
            await self.deps.outbox.tell_facilitator(
                work.tx, work.community, session, message, key=f"draft:{session.id}"
            )
        )

    async def redraft(
        self, tx: AsyncSession, community: Community, session: Session
    ) -> list[OutboxItem]:
        """A reflection was taken back (ReflectionService.on_withdrawn): a draft still to reach
        the facilitator, or refused, is made again without it, so its words are in no copy
        Brewbot keeps. Returns the draft's outbox row when it changed it."""
        waiting = (
            await tx.exec(
                select(OutboxItem).where(
                    OutboxItem.key == f"draft:{session.id}",
                    col(OutboxItem.status) != OutboxStatus.DONE,
                )
            )
        ).first()
        if waiting is None:
            return []
        # Addressed as `draft` addressed it (tell_facilitator: a user id, no name).
        waiting.payload = encode(await self.preview_message(tx, community, session))
        tx.add(waiting)
        return [waiting]

    async def preview_message(
        self, tx: AsyncSession, community: Community, session: Session
    ) -> OutgoingMessage:
        digest = await self.compile(tx, community, session)
        row = await self.row(tx, session)
        edits = json.loads(row.edits or "{}")
        reflections = (
            await tx.exec(select(Reflection).where(Reflection.session_id == session.id))
        ).all()
        lines = []
        checks = False
        for r in sorted(reflections, key=lambda r: r.id):
            status = (
                "safeguarding"
                if r.held
                else "held"
                if r.id in edits.get("held", [])
                else "redacted"
                if r.id in edits.get("redacted", [])
                else "included"
            )
            # Marks for personal details, in words on the item's own line (bot/digest/marks.py).
            marked = review_marks(r.text)
            checks = checks or marked.check
            lines.append(
                self.t(
                    "digests.item_line",
                    item=r.id[:8],
                    category=self.t(f"reflections.category.{r.category}"),
                    status=self.t(f"digests.status.{status}"),
                    marks=f" ({'; '.join(marked.marks)})" if marked.marks else "",
                    text=_one_line(r.text),
                )
            )
        review = "\n".join(lines) or self.t("digests.no_items")
        help_text = self.t("digests.preview_help", session_id=session.id)
        if checks:
            help_text += " " + self.t("digests.marks.help")
        if session.sealed_at is None and session.closed_at is not None:
            # Told in advance: the linking material goes on this day, sent or not.
            forget_on = session.closed_at + timedelta(days=self.deps.settings.forget_after_days)
            help_text += "\n\n" + self.t(
                "digests.forget_notice", date=format_local(forget_on, zone_of(community))
            )
        # The themes, numbered, with buttons to change them while the draft can change.
        themes, theme_buttons = self.review.preview_parts(
            session, reviewed(await self.statements(tx, session), edits)
        )
        if session.state == SessionState.SUMMARISED or row.status != "draft":
            theme_buttons = ()
        return OutgoingMessage(
            title=self.t("digests.preview_title", session_id=session.id),
            text=help_text,
            # Items and quotes are shown as typed (escaped by each renderer).
            sections=(
                Section(review, untrusted=True),
                *themes,
                *to_sections(digest, heading=True),
            ),
            actions=(
                Action(
                    self.t("buttons.send_digest"),
                    custom_id("digest", "send", str(session.id)),
                    ActionStyle.PRIMARY,
                ),
                *theme_buttons,
            ),
        )

    async def command(self, ctx: CommandContext) -> Reply:
        session = await self.sessions.resolve(ctx, ctx.arg("session"))
        action = ctx.arg("action") or "preview"
        if action == "send":
            return await self.send(ctx, session)
        if action in THEME_ACTIONS:
            return await self.review.command(ctx, session, action, ctx.arg("item"))
        if action == "priorities":
            return await self.priorities.post(ctx, session)
        if session.state not in ENDED_STATES:
            raise CommandError("digests.not_closed", session_id=session.id)
        if action == "preview":
            return Reply(await self.preview_message(ctx.tx, ctx.community, session))
        if session.state == SessionState.SUMMARISED:
            raise CommandError("digests.already_sent", session_id=session.id)
        row = await self.row(ctx.tx, session)
        if row.status != "draft":
            raise CommandError("digests.locked", session_id=session.id)
        item = await self._find_item(ctx.tx, session, ctx.arg("item"))
        edits = json.loads(row.edits or "{}")
        if action == "release":
            if item.held:
                item.held = False
                ctx.tx.add(item)
            edits["held"] = [i for i in edits.get("held", []) if i != item.id]
        else:
            key = "held" if action == "hold" else "redacted"
            edits[key] = sorted({*edits.get(key, []), item.id})
        row.edits = json.dumps(edits, sort_keys=True)
        ctx.tx.add(row)
        return Reply(
            OutgoingMessage(
                self.t(f"digests.{action}_done", item=item.id[:8], session_id=session.id)
            )
        )

    async def send_button(self, ctx: CommandContext) -> Reply:
        return await self.send(ctx, await self.sessions.resolve(ctx, ctx.session_id()))

    async def send(self, ctx: CommandContext, session: Session) -> Reply:
        """Seal the session and hand the digest to the outbox. It counts as sent only once the
        working group has it (`_delivered`); pressing Send again retries what failed."""
        # The step to summarised is taken once the digest has arrived (`_delivered`).
        self.sessions.require(session, SessionState.SUMMARISED, "summarised")
        row = await self.row(ctx.tx, session)
        if row.status in ("sending", "failed"):
            return await self._retry(ctx, session)
        await self.freeze_writers(ctx.tx, session)
        digest = await self.compile(ctx.tx, ctx.community, session)
        row.status = "sending"
        ctx.tx.add(row)
        if session.sealed_at is None:
            ctx.after_commit(await seal(self.deps, ctx.tx, session))
        channel_id = ctx.community.working_group_channel_id
        target = channel_id or session_channel(ctx.community, session).id
        deliveries = [
            Delivery(
                f"digest:{session.id}:post",
                DIGEST,
                "post",
                target,
                OutgoingMessage(
                    title=self.t("digests.sent_title", title=session.title),
                    sections=to_sections(digest),  # the title says it once
                ),
                session.id,
                asked_by=ctx.asker,
            )
        ]
        if ctx.community.digest_email:
            deliveries.append(
                Delivery(
                    f"digest:{session.id}:email",
                    DIGEST,
                    "email",
                    ctx.community.digest_email,
                    self._letter(ctx.community, session, digest),
                    session.id,
                    asked_by=ctx.asker,
                )
            )
        for delivery in deliveries:
            await self.deps.outbox.add(ctx.tx, ctx.community, delivery)
        ctx.after_commit(self.deps.outbox.deliver_effect(d.key for d in deliveries))
        log.info("digest handed to the outbox session=%s", session.id)
        return Reply(OutgoingMessage(self.t("digests.sending", session_id=session.id)))

    async def _retry(self, ctx: CommandContext, session: Session) -> Reply:
        items = (
            await ctx.tx.exec(
                select(OutboxItem).where(
                    OutboxItem.purpose == DIGEST,
                    OutboxItem.session_id == session.id,
                    OutboxItem.status == OutboxStatus.FAILED,
                )
            )
        ).all()
        if not items:
            return Reply(OutgoingMessage(self.t("digests.on_its_way", session_id=session.id)))
        for item in items:
            if item.kind == "email":
                self._readdress(ctx, item)
        failed = [item.key for item in items]
        await self.deps.outbox.retry(ctx.tx, failed)
        row = await self.row(ctx.tx, session)
        row.status = "sending"
        ctx.tx.add(row)
        ctx.after_commit(self.deps.outbox.deliver_effect(failed))
        return Reply(OutgoingMessage(self.t("digests.sending", session_id=session.id)))

    def _readdress(self, ctx: CommandContext, item: OutboxItem) -> None:
        """The facilitator was asked to correct a refused address, then press Retry: the
        letter goes to the working group's addresses as they are now, except those that
        have it already."""
        letter = decode(item.kind, item.payload)
        assert isinstance(letter, Letter)
        now_to = addresses(ctx.community.digest_email)
        letter, item.target = readdressed(letter, item.target, now_to)
        item.payload = encode(letter)
        ctx.tx.add(item)

    async def _delivered(self, tx: AsyncSession, outcome: Outcome) -> list[Effect]:
        """A digest delivery ended: once every part has arrived the digest is sent; a part
        refused for good is reported to whoever sent it (or else the facilitator who
        scheduled the session) with what to do and a Retry button."""
        item = outcome.item
        session = await tx.get(Session, item.session_id)
        community = await tx.get(Community, item.community_id)
        if session is None or community is None:
            return []
        row = await self.row(tx, session)
        facilitator = session.created_by
        if not outcome.delivered:
            row.status = "failed"
            tx.add(row)
            refused = Refused(
                f"digests.not_delivered.{item.kind}",
                f"digest:{session.id}:failed",
                custom_id("digest", "send", str(session.id)),
                {"session_id": session.id, "detail": outcome.detail or item.target},
            )
            # Whoever pressed Send hears it, or the facilitator who scheduled the session.
            to = item.asked_by or facilitator
            await self.deps.outbox.tell_refused(
                tx, community, outcome, to, refused, session_id=session.id
            )
            return []
        pending = (
            await tx.exec(
                select(func.count())
                .select_from(OutboxItem)
                .where(
                    OutboxItem.purpose == DIGEST,
                    OutboxItem.session_id == session.id,
                    OutboxItem.status != OutboxStatus.DONE,
                )
            )
        ).one()
        if pending or session.state != SessionState.CLOSED:
            return []
        self.sessions.move(session, SessionState.SUMMARISED, "summarised")
        row.status, row.sent_at = "sent", self.deps.clock.now()
        tx.add(row)
        tx.add(session)
        await after_digest_sent(self, tx, community, session)  # "what we heard", Easy Read
        # Whoever pressed Send was told "I will tell you when it has arrived".
        notice = OutgoingMessage(self.t("digests.sent", session_id=session.id))
        delivery = Delivery(f"digest:{session.id}:sent", NOTICE, "private",
                            item.asked_by or facilitator, notice, session.id)  # fmt: skip
        await self.deps.outbox.add(tx, community, delivery)
        return [self.deps.changed(id_of(session))]

    async def resend_email(
        self, session_id: int, only: Sequence[str] = ()
    ) -> tuple[str, dict[str, str]]:
        """E-mail a digest that has arrived with the working group once more, now, to its
        addresses (or those of them in `only`): how it went, as a key under cli.resend and
        its values. Someone is waiting at the command line, so nothing is left to be sent
        later: what did not arrive now never arrives unasked, and trying again sends it
        once."""
        found = await self._to_resend(session_id, only)
        if not isinstance(found, Letter):
            return found
        try:
            await self.deps.mailer.send(found)
        except DeliveryError as exc:
            left = addresses(exc.left)
            reached = ", ".join(a for a in found.to if a not in left)
            values = {"detail": exc.left, "reached": reached, "reason": exc.reason}
            return ("partly" if reached else "refused"), values
        return "sent", {"detail": ", ".join(found.to)}

    async def _to_resend(
        self, session_id: int, only: Sequence[str]
    ) -> Letter | tuple[str, dict[str, str]]:
        """The letter to e-mail again, addressed to those it is for; or why there is none."""
        if as_id(str(session_id)) is None:  # beyond what a row id can be: no such session
            return "unknown", {}
        async with self.deps.db.transaction() as tx:
            session = await tx.get(Session, session_id)
            community = await tx.get(Community, session.community_id) if session else None
            if session is None or community is None:
                return "unknown", {}
            group = addresses(community.digest_email)
            if not group:
                return "no_email", {}
            if (await self.row(tx, session)).status == "draft":
                return "not_sent", {}
            if await self._email_on_its_way(tx, session):
                return "not_arrived", {}
            known = {a.lower() for a in group}
            strangers = [a for a in only if a.lower() not in known]
            if strangers:
                return "not_in_group", {"detail": ", ".join(strangers), "group": ", ".join(group)}
            letter = self._letter(community, session, await self.compile(tx, community, session))
        wanted = {a.lower() for a in only} or known
        return replace(letter, to=tuple(a for a in group if a.lower() in wanted))

    async def _email_on_its_way(self, tx: AsyncSession, session: Session) -> bool:
        """Whether the digest's own e-mail has yet to reach some of its addresses: the outbox
        is still trying it, or the facilitator has been asked to press Retry. A copy sent
        now would reach twice those it then reaches."""
        status = (
            await tx.exec(
                select(OutboxItem.status).where(
                    OutboxItem.purpose == DIGEST,
                    OutboxItem.session_id == session.id,
                    OutboxItem.kind == "email",
                )
            )
        ).first()
        return status is not None and status != OutboxStatus.DONE

    def _letter(self, community: Community, session: Session, digest: Digest) -> Letter:
        return Letter(
            to=addresses(community.digest_email),
            subject=self.t("digests.sent_title", title=session.title),
            text=to_markdown(digest),
            html=to_html(digest),
            attachments=(
                (f"digest-session-{session.id}.csv", to_csv(digest).encode(), "text/csv"),
            ),
        )

    async def _find_item(self, tx: AsyncSession, session: Session, item: str | None) -> Reflection:
        ref = (item or "").strip().lower()
        if len(ref) < 4:
            raise CommandError("digests.item_needed", session_id=session.id)
        rows = (
            await tx.exec(
                select(Reflection).where(
                    Reflection.session_id == session.id, col(Reflection.id).startswith(ref)
                )
            )
        ).all()
        if len(rows) != 1:
            raise CommandError("digests.item_unknown", item=ref[:12])
        return rows[0]


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class _Shown(NamedTuple):
    """What the digest reads of a reflection it shows."""

    id: str
    category: str
    text: str
    quote_ok: bool
    in_count: bool


def _statements(edits: dict[str, Any], shown: Sequence[_Shown]) -> list[DigestReflection]:
    """The reflections shown, quotable unless the writer said no or the facilitator
    redacted them."""
    redacted = set(edits.get("redacted", []))
    return [
        DigestReflection(r.id, r.category, r.text, r.quote_ok and r.id not in redacted)
        for r in shown
    ]
