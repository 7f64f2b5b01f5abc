"""Saying "I'm coming" or "I can't come" on a session's web page, with no chat account.

Someone with the session's link (bot/sessions/links.py) gives a first name, and an e-mail
address if they would like reminders, and ticks that we may keep them: nothing else is
asked or kept (no time, internet address, browser detail or cookie). They get a link of
their own, a random token, to change their answer, stop the reminders or remove
everything about them. The facilitator sees the count and first names in the answer to
`/brew link N`.

Reminders go by e-mail at the same times as the chat reminders (bot/scheduling/jobs.py),
through the outbox, only when e-mail is set up, each with the person's own link.

Everything here ends with the session: once it is over (finished or cancelled) its rows,
and the reminders sent from them, are deleted (`end`, on the session's change, and the
daily `sweep` for any the change did not reach).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Select, delete, func
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError, as_id
from bot.core.domain import FINISHED_STATES, SessionState
from bot.core.marked import Own
from bot.core.messages import OutgoingMessage, Section
from bot.core.typed import readable
from bot.delivery.mail import Letter, html_paragraphs, is_address
from bot.delivery.outbox import Delivery, Outcome, Refused
from bot.engine.context import Effect, Work
from bot.engine.deps import Deps, zone_of
from bot.sessions.lifecycle import person_may
from bot.sessions.links import TOKEN_LENGTH, linked_pages, new_token
from bot.sessions.timeparse import format_local
from storage.engine import DatabaseUnavailable
from storage.models import Community, OutboxItem, Session, WebRsvp, id_of

log = logging.getLogger("brewbot.rsvp")

# A first name, not a life story: room for "Mary-Catherine", and short enough to list.
NAME_LIMIT = 40
# Far more than any Over a Brew; a bound on what one page can be made to store.
MOST_PER_SESSION = 300
# The outbox purpose of e-mail reminders, so they can be found and deleted with the rows.
RSVP_REMINDER = "web_reminder"
PERSONAL_PATH = "r/"
# How the key of a notice that a reminder was refused begins (`Outbox.tell_refused`).
NOT_REMINDED = "web-remind:refused"


@dataclass(frozen=True)
class Answered:
    """What a person's own page shows, each value ready to print (escaped by the page)."""

    token: str
    first_name: str
    coming: bool
    email: bool  # reminders go to the address they gave
    title: str
    when: str
    # The session is still coming up: the answer can be changed.
    open: bool
    # Answered on the Easy Read page.
    easy: bool = False
    # The community's own words about payments and benefits, if it set them.
    benefits_note: str | None = None


@dataclass(frozen=True)
class Answer:
    """What one person sent from a session's page: "I'm coming" (or not), as typed."""

    session_id: int
    first_name: str
    email: str
    consent: bool
    coming: bool
    easy_read: bool


class Rsvps:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.t = deps.texts.t
        deps.outbox.lapses_with_session(RSVP_REMINDER)
        deps.outbox.listen(RSVP_REMINDER, self._not_reminded)
        # What each person's own page shows, by their link: a crowd that has just answered
        # opens these pages at once, and their reads are made together.
        self._pages = linked_pages(deps, "rsvp pages", _read_answered, WebRsvp, _ANSWERED)

    # -- answering ---------------------------------------------------------------------------

    def checked(self, first_name: str, email: str, consent: bool) -> tuple[str, str | None]:
        """The first name and address to keep, or CommandError saying what is wrong."""
        name = " ".join(readable(first_name).split())
        address = readable(email)
        if not name:
            raise CommandError("rsvp.refused.name_needed", field="name")
        if len(name) > NAME_LIMIT:
            raise CommandError("rsvp.refused.name_long", field="name")
        if address and not is_address(address):
            raise CommandError("rsvp.refused.bad_email", field="email")
        if address and not self.deps.mailer.configured:
            raise CommandError("rsvp.refused.no_email")  # no e-mail field on the page
        if not consent:
            raise CommandError("rsvp.refused.consent_needed", field="consent")
        return name, address or None

    async def answer(
        self,
        tx: AsyncSession,
        session_id: int,
        *,
        first_name: str,
        email: str,
        consent: bool,
        coming: bool,
        easy_read: bool,
    ) -> str:
        """Keep one person's answer; their own link's token. Refused (nothing stored) with
        CommandError when the session is no longer coming up or what they wrote will not do."""
        wrote = Answer(session_id, first_name, email, consent, coming, easy_read)
        [kept] = await self.answer_many(tx, [wrote])
        if isinstance(kept, CommandError):
            raise kept
        return kept

    async def answer_many(
        self, tx: AsyncSession, answers: Sequence[Answer]
    ) -> list[str | CommandError]:
        """Answers sent together (a crowd on the web page, gathered by the page's group
        commit), kept in one transaction: each one's token, or the CommandError that
        refuses it (it stores nothing). The sessions and how many answers each holds are
        read once for them all."""
        wanted = {answer.session_id for answer in answers}
        sessions = {
            session.id: session
            for session in await tx.exec(select(Session).where(col(Session.id).in_(wanted)))
        }
        held: dict[int, int] = dict(
            (
                await tx.exec(
                    select(WebRsvp.session_id, func.count())
                    .where(col(WebRsvp.session_id).in_(wanted))
                    .group_by(col(WebRsvp.session_id))
                )
            ).all()
        )
        out: list[str | CommandError] = []
        rows: list[WebRsvp] = []
        for answer in answers:
            try:
                row = self._row_for(answer, sessions.get(answer.session_id), held)
            except CommandError as refused:
                out.append(refused)
                continue
            held[answer.session_id] = held.get(answer.session_id, 0) + 1
            rows.append(row)
            out.append(row.token)
        tx.add_all(rows)
        return out

    def _row_for(self, answer: Answer, session: Session | None, held: dict[int, int]) -> WebRsvp:
        if session is None or not person_may("answer", session.state):
            raise CommandError("rsvp.refused.closed")
        name, address = self.checked(answer.first_name, answer.email, answer.consent)
        if held.get(answer.session_id, 0) >= MOST_PER_SESSION:
            raise CommandError("rsvp.refused.full")
        return WebRsvp(
            session_id=answer.session_id,
            token=new_token(),
            first_name=name,
            email=address,
            coming=answer.coming,
            easy_read=answer.easy_read,
        )

    async def answered(self, token: str) -> Answered | None:
        """What a person's own link opens, or None for a link not (or no longer) in use."""
        if len(token) != TOKEN_LENGTH:
            return None
        return await self._pages.get(token)

    async def change(self, tx: AsyncSession, token: str, *, coming: bool) -> bool:
        """A new answer from the person's own page; False for a link not in use. Refused
        once the session is no longer coming up."""
        found = await self._row(tx, token)
        if found is None:
            return False
        row, session, _ = found
        if not person_may("answer", session.state):
            raise CommandError("rsvp.refused.closed")
        row.coming = coming
        tx.add(row)
        return True

    async def stop_reminders(self, tx: AsyncSession, token: str) -> bool:
        """Forget the person's e-mail address, and any reminder still to go to it; False for
        a link not in use."""
        found = await self._row(tx, token)
        if found is None:
            return False
        row = found[0]
        await self._drop_reminders(tx, row)
        row.email = None
        tx.add(row)
        return True

    async def forget(self, tx: AsyncSession, token: str) -> bool:
        """Delete everything the person gave (their row and reminders); False for a link not
        in use."""
        found = await self._row(tx, token)
        if found is None:
            return False
        row = found[0]
        await self._drop_reminders(tx, row)
        await tx.delete(row)
        return True

    async def _row(self, tx: AsyncSession, token: str) -> tuple[WebRsvp, Session, Community] | None:
        if len(token) != TOKEN_LENGTH:
            return None
        mine = _joined(select(WebRsvp, Session, Community)).where(WebRsvp.token == token)
        found = (await tx.exec(mine)).first()
        return None if found is None else (found[0], found[1], found[2])

    async def _drop_reminders(self, tx: AsyncSession, row: WebRsvp) -> None:
        await tx.exec(
            delete(OutboxItem).where(
                col(OutboxItem.purpose) == RSVP_REMINDER,
                col(OutboxItem.session_id) == row.session_id,
                col(OutboxItem.key).endswith(_key_end(row)),
            )
        )

    # -- for the facilitator -----------------------------------------------------------------

    async def summary(self, tx: AsyncSession, session_id: int) -> tuple[Section, ...]:
        """Who said on the web page that they are coming, for the facilitator: the counts,
        and the first names as typed (untrusted, so each chat escapes them); none if nobody
        has answered."""
        rows = (
            await tx.exec(
                select(WebRsvp).where(WebRsvp.session_id == session_id).order_by(col(WebRsvp.id))
            )
        ).all()
        if not rows:
            return ()
        coming = [row.first_name for row in rows if row.coming]
        heading = self.t("rsvp.summary", coming=len(coming), not_coming=len(rows) - len(coming))
        return (Section(", ".join(coming) or self.t("rsvp.summary_nobody"), heading, True),)

    async def announce(self, work: Work, session: Session, url: str) -> Effect:
        """One line in the session's channel when its web page is first made: people there
        can pass it on to those with no chat account."""
        message = OutgoingMessage(self.t("rsvp.announce", url=Own(url)))
        stamp = self.deps.clock.now().strftime("%Y%m%dT%H%M%S%f")
        return await self.deps.outbox.post_in_session(
            work, session, message, key=f"web-link:{session.id}:{stamp}"
        )

    # -- reminders ---------------------------------------------------------------------------

    async def reminders(
        self,
        tx: AsyncSession,
        community: Community,
        session: Session,
        base_key: str,
        worded: Callable[[bool], str],
    ) -> list[Delivery]:
        """An e-mail reminder for each person who is coming and gave an address, worded by
        `worded(easy_read)` (the chat reminder's words) with their own link to stop them.
        None when e-mail is not set up, or the web pages are off (no link to give)."""
        if not self.deps.mailer.configured:
            return []
        rows = (
            await tx.exec(
                select(WebRsvp).where(
                    WebRsvp.session_id == session.id,
                    col(WebRsvp.coming).is_(True),
                    col(WebRsvp.email).is_not(None),
                )
            )
        ).all()
        address = self.deps.web_base_url
        if rows and not address:
            log.info("e-mail reminders not sent, no web address session=%s", session.id)
            return []
        subject = self.t("rsvp.email.subject", title=session.title)
        return [
            Delivery(
                f"{base_key}{_key_end(row)}",
                RSVP_REMINDER,
                "email",
                row.email or "",
                self._letter(row, subject, worded(row.easy_read), personal_url(address, row.token)),
                id_of(session),
            )
            for row in rows
        ]

    def _letter(self, row: WebRsvp, subject: str, words: str, url: str) -> Letter:
        footer = self.t("rsvp.email.footer_easy" if row.easy_read else "rsvp.email.footer")
        text = f"{words}\n\n{footer} {url}"
        paragraphs = html_paragraphs(words)
        link = f'<a href="{html.escape(url)}">{html.escape(url)}</a>'
        return Letter(
            to=(row.email or "",),
            subject=subject,
            text=text,
            html=f"{paragraphs}<p>{html.escape(footer)} {link}</p>",
        )

    async def _not_reminded(self, tx: AsyncSession, outcome: Outcome) -> list[Effect]:
        """An e-mail reminder refused for good: the facilitator who scheduled the session
        hears it, once per refusal, with the person's first name (which `/brew link N`
        shows them already; never the address) and what to do. No Retry: the same letter
        to the same address fails the same way, and trying again would name the address
        in its answer. Nothing once the session has begun, or for a person who has since
        removed their answer."""
        item = outcome.item
        if outcome.delivered or item.session_id is None:
            return []
        session = await tx.get(Session, item.session_id)
        community = await tx.get(Community, item.community_id)
        row = await tx.get(WebRsvp, as_id(item.key.rsplit(":", 1)[1]) or 0)
        if session is None or community is None or session.state != SessionState.SCHEDULED:
            return []
        if row is None or row.session_id != session.id:
            return []
        refused = Refused(
            "rsvp.not_reminded",
            NOT_REMINDED,
            None,
            {"title": session.title, "when": format_local(session.starts_at, zone_of(community))},
            (Section(row.first_name, untrusted=True),),
            advice="rsvp.advice",
        )
        await self.deps.outbox.tell_refused(
            tx, community, outcome, session.created_by, refused, session_id=session.id
        )
        return []

    # -- the end of a session ----------------------------------------------------------------

    async def end(self, tx: AsyncSession, session_id: int) -> int:
        """Delete the session's answers, the reminders sent from them and the notices that
        one was refused (they name the person); how many answers."""
        await tx.exec(
            delete(OutboxItem).where(
                col(OutboxItem.session_id) == session_id,
                (col(OutboxItem.purpose) == RSVP_REMINDER)
                | col(OutboxItem.key).startswith(f"{NOT_REMINDED}:", autoescape=True),
            )
        )
        result = await tx.exec(delete(WebRsvp).where(col(WebRsvp.session_id) == session_id))
        return result.rowcount or 0

    async def session_changed(self, session_id: int) -> None:
        """After any change to a session (Deps.on_session_changed): once it is over, its
        answers go. If the database is busy, the daily sweep deletes them instead."""
        try:
            async with self.deps.db.transaction() as tx:
                session = await tx.get(Session, session_id)
                if session is not None and session.state in FINISHED_STATES:
                    await self.end(tx, session_id)
        except DatabaseUnavailable:
            log.warning("answers not deleted yet, the daily sweep will session=%s", session_id)

    async def sweep(self, tx: AsyncSession) -> int:
        """Delete the answers of every session that is over (daily): how many."""
        over = select(Session.id).where(col(Session.state).in_(sorted(FINISHED_STATES)))
        ended = (
            await tx.exec(select(WebRsvp.session_id).where(col(WebRsvp.session_id).in_(over)))
        ).all()
        return sum([await self.end(tx, session_id) for session_id in set(ended)])


def personal_url(base_url: str, token: str) -> str:
    """A person's own link: their answer, to change it or remove it."""
    return f"{base_url.rstrip('/')}/{PERSONAL_PATH}{token}"


def _key_end(row: WebRsvp) -> str:
    """How a reminder's outbox key ends for this person's row."""
    return f":web:{row.id}"


Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])


def _joined(query: Query) -> Query:
    """`query` (of a person's row and their session's and community's columns) joined."""
    return query.join(Session, col(Session.id) == col(WebRsvp.session_id)).join(
        Community, col(Community.id) == col(Session.community_id)
    )


# What a person's own page is made from (`_read_answered`).
_ANSWERED = _joined(
    sa_select(
        col(WebRsvp.token),
        col(WebRsvp.first_name),
        col(WebRsvp.coming),
        col(WebRsvp.email).is_not(None),
        col(WebRsvp.easy_read),
        col(Session.title),
        col(Session.starts_at),
        col(Session.state),
        col(Community.timezone),
        col(Community.benefits_note),
    )
)


async def _read_answered(tx: AsyncSession, tokens: Sequence[str]) -> dict[str, Answered]:
    """The own pages of these links, in one read; a link not in use is left out."""
    connection = await tx.connection()
    rows = await connection.execute(_ANSWERED.where(col(WebRsvp.token).in_(tokens)))
    return {
        token: Answered(
            token=token,
            first_name=name,
            coming=coming,
            email=bool(email),
            title=title,
            when=format_local(starts_at, ZoneInfo(timezone)),
            open=person_may("answer", state),
            easy=easy,
            benefits_note=note,
        )
        for token, name, coming, email, easy, title, starts_at, state, timezone, note in rows
    }
