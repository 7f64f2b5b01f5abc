"""People's priorities: while reflections are open, a facilitator posts the suggested themes
in the session's channel (`/brew digest N priorities`), and each participant marks, in a small
private form, up to three that matter most to them. The digest shows the themes marked by the
small-number threshold of people or more (bot/digest/model.py).

What is shown are theme labels only, never anyone's words. Anonymous by design
(docs/anonymity.md):
- the database keeps only a count per (session, theme label) (`PriorityCount`);
- who has already chosen lives in this process's memory only (`PriorityLedger`): keyed hashes
  of user ids, with a random key per session. A restart forgets it, so someone could then
  choose again, but nothing stored can ever tie a person to their marks;
- the form and its answer are anonymous steps: no last-seen time is written for them, and
  they are not logged with who took them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError
from bot.core.domain import SessionState
from bot.core.messages import (
    Action,
    ActionStyle,
    Choice,
    FieldKind,
    Form,
    FormField,
    OpenForm,
    OutgoingMessage,
    Reply,
    Response,
    Section,
    custom_id,
)
from bot.core.typed import readable, shown
from bot.digest.review import (
    Draft,
    listed,
    name_key,
    renamed,
    reviewed,
    theme_edits,
    themes_of,
)
from bot.digest.themes import other_label
from bot.engine.context import CommandContext
from bot.engine.deps import Deps
from bot.sessions.service import SessionService
from storage.models import PriorityCount, Session, id_of, table_of
from storage.repositories import rewrite_in_key_order

MAX_MARKS = 3
FIELDS = ("first", "second", "third")


@dataclass
class _SessionChoosers:
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    chosen: set[bytes] = field(default_factory=set)

    def tag(self, user_id: str) -> bytes:
        return hmac.new(self.key, user_id.encode(), hashlib.sha256).digest()


class PriorityLedger:
    """Per session, in memory only: keyed hashes of the people who have already chosen."""

    def __init__(self) -> None:
        self._sessions: dict[int, _SessionChoosers] = {}

    def has_chosen(self, session_id: int, user_id: str) -> bool:
        known = self._sessions.get(session_id)
        return known is not None and known.tag(user_id) in known.chosen

    def claim(self, session_id: int, user_id: str) -> bytes | None:
        """Mark this person as having chosen; None when they already have."""
        known = self._sessions.setdefault(session_id, _SessionChoosers())
        tag = known.tag(user_id)
        if tag in known.chosen:
            return None
        known.chosen.add(tag)
        return tag

    def release(self, session_id: int, tag: bytes) -> None:
        """Their marks were not stored after all: they may choose again."""
        known = self._sessions.get(session_id)
        if known is not None:
            known.chosen.discard(tag)


async def priority_counts(
    tx: AsyncSession, session_id: int, review: dict[str, Any]
) -> dict[str, list[int]]:
    """The marks, by theme as the facilitator's review left it: for each theme's name, how
    many people marked each suggested theme that became it (one number after a rename,
    several after a merge). People marked a theme by its name before the review, so the
    marks follow that name through the review's renames and merges (`renamed`, the mapping
    the digest's own themes follow). Every count; the digest leaves out small ones and
    names that no theme has any more. `review`: the draft's edits (DigestService.edits)."""
    rows = (
        await tx.exec(
            select(PriorityCount)
            .where(PriorityCount.session_id == session_id)
            .order_by(col(PriorityCount.label))
        )
    ).all()
    edits = theme_edits(review)
    marks: dict[str, list[int]] = {}
    for row in rows:
        marks.setdefault(renamed(row.label, edits), []).append(row.count)
    return marks


async def _count_marks(tx: AsyncSession, session_id: int, labels: list[str]) -> None:
    """Add one to each theme's count, in one statement per theme: only counts are written.
    Then the session's counts are written again, all of them, in label order: no row is left
    as the last one changed (on PostgreSQL, by the id of the last person's transaction)."""
    connection = await tx.connection()
    insert = sqlite_insert if connection.dialect.name == "sqlite" else postgresql_insert
    table = table_of(PriorityCount)
    for label in labels:
        statement = insert(table).values(session_id=session_id, label=label, count=1)
        statement = statement.on_conflict_do_update(
            index_elements=["session_id", "label"], set_={"count": table.c.count + 1}
        )
        await connection.execute(statement)
    await rewrite_in_key_order(connection, table, table.c.session_id == session_id)


class Priorities:
    """The facilitator's post, the participant's form and its answer."""

    def __init__(self, deps: Deps, sessions: SessionService, draft: Draft) -> None:
        self.deps = deps
        self.sessions = sessions
        self.draft = draft
        self.t = deps.texts.t
        self.ledger = PriorityLedger()

    async def themes(self, tx: AsyncSession, session: Session) -> list[str]:
        """The suggested themes so far, as the digest would group them: labels only."""
        statements = await self.draft.statements(tx, session)
        other = other_label()
        grouping = reviewed(statements, await self.draft.edits(tx, session))
        return [t.label for t in themes_of(grouping) if t.label != other]

    async def post(self, ctx: CommandContext, session: Session) -> Reply:
        """`/brew digest N priorities`: the themes and a button, in the session's channel."""
        if session.state != SessionState.REFLECTING:
            raise CommandError("priorities.not_reflecting", session_id=session.id)
        labels = await self.themes(ctx.tx, session)
        if not labels:
            raise CommandError("priorities.no_themes", session_id=session.id)
        message = OutgoingMessage(
            title=self.t("priorities.title"),
            text=self.t("priorities.invite", limit=MAX_MARKS),
            # Labels may have been typed by a facilitator: escaped as untrusted.
            sections=(Section("\n".join(f"- {label}" for label in labels), untrusted=True),),
            actions=(
                Action(
                    self.t("priorities.button"),
                    custom_id("priorities", "open", str(session.id)),
                    ActionStyle.PRIMARY,
                ),
            ),
        )
        stamp = self.deps.clock.now().strftime("%Y%m%dT%H%M%S%f")
        ctx.after_commit(
            await self.deps.outbox.post_in_session(
                ctx, session, message, key=f"priorities:{session.id}:{stamp}"
            )
        )
        return Reply(
            OutgoingMessage(self.t("priorities.posted", session_id=session.id, count=len(labels))),
            if_undelivered=OutgoingMessage(self.t("priorities.not_posted", session_id=session.id)),
        )

    async def _open_session(self, ctx: CommandContext) -> Session:
        session = await self.sessions.resolve(ctx, ctx.session_id())
        if session.state != SessionState.REFLECTING:
            raise CommandError("priorities.closed", session_id=session.id)
        if self.ledger.has_chosen(id_of(session), ctx.user.id):
            raise CommandError("priorities.already")
        return session

    async def open_form(self, ctx: CommandContext) -> Response:
        """The button: a small private form with three optional choices."""
        session = await self._open_session(ctx)
        labels = await self.themes(ctx.tx, session)
        if not labels:
            raise CommandError("priorities.no_themes", session_id=session.id)
        return OpenForm(self.form(id_of(session), labels))

    def form(self, session_id: int, labels: list[str]) -> Form:
        """The priorities form for a session whose themes are `labels`."""
        choices = tuple(Choice(label, label) for label in labels)
        return Form(
            title=self.t("priorities.form.title"),
            custom_id=custom_id("priorities", "save", str(session_id)),
            fields=tuple(
                FormField(
                    name,
                    self.t(f"priorities.form.{name}"),
                    FieldKind.CHOICE,
                    required=name == FIELDS[0],
                    choices=choices,
                    if_typed=self.t("priorities.form.typed"),
                )
                for name in FIELDS
            ),
            intro=self.t("priorities.form.intro", limit=MAX_MARKS),
            submit_label=self.t("priorities.form.save"),
        )

    async def save(self, ctx: CommandContext) -> Reply:
        """The form's answer: one more mark for each theme chosen, and nothing about who."""
        session = await self._open_session(ctx)
        session_id = id_of(session)
        values: dict[str, str] = ctx.args.get("values") or {}
        typed: list[str] = []
        for name in FIELDS:
            value = " ".join(readable(values.get(name) or "").split())
            if value and value not in typed:
                typed.append(value)
        if not typed:
            raise CommandError("priorities.none_chosen", field=FIELDS[0])
        labels = await self.themes(ctx.tx, session)
        known = {name_key(label): label for label in labels}
        chosen: list[str] = []
        for value in typed:
            label = known.get(name_key(value))
            if label is None:
                raise CommandError(
                    "priorities.unknown",
                    theme=shown(value, 40),
                    themes=listed(self.deps.texts, labels, "; "),
                )
            if label not in chosen:
                chosen.append(label)
        tag = self.ledger.claim(session_id, ctx.user.id)
        if tag is None:
            raise CommandError("priorities.already")
        # Remembered only if the marks are stored: a rollback lets the person choose again.
        event.listen(
            ctx.tx.sync_session,
            "after_rollback",
            lambda _session: self.ledger.release(session_id, tag),
            once=True,
        )
        await _count_marks(ctx.tx, session_id, chosen)
        return Reply(OutgoingMessage(self.t("priorities.thanks")))
