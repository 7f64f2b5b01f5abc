"""A web page for each session, for people with no chat account: `/brew link N` gives the
facilitator its link, to share however they like (the announcement, an e-mail, a letter).

The link is the only way to the page: a random token of 24 bytes (192 bits), one per
session. `/brew link N new` replaces it (the old link stops working at once: in another
process sharing a PostgreSQL database, within bot/engine/known.py's LIFETIME) and
`/brew link N off` removes it. The page (bot/platforms/web/pages/session.py) shows what the
session's announcement already says: its title, theme, time in the community's time zone,
a calendar invite, the spark, and the privacy notice.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Select
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError
from bot.core.domain import FINISHED_STATES, LIVE_STATES, SessionState
from bot.core.marked import Own
from bot.core.messages import Attachment, OutgoingMessage, Reply, Section
from bot.core.refs import CommunityRef, Platform
from bot.engine.context import CommandContext, Effect, Work
from bot.engine.deps import Deps
from bot.engine.known import Fact, Loader, Watch
from bot.sessions.service import SessionService
from bot.sessions.timeparse import format_local
from bot.sparks.library import Spark
from storage.models import Community, Session, SessionLink, id_of

TOKEN_BYTES = 24
# How many pages are kept made (a page is made again when what it shows has changed).
PAGES_KEPT = 1000
# A token as the page's address holds it: URL-safe base64 of TOKEN_BYTES bytes.
TOKEN_LENGTH = 32
PAGE_PATH = "s/"


class _Columns(NamedTuple):
    """What a session's page is made from, in `_PAGE_COLUMNS`' order after the link's token."""

    session_id: int
    state: str
    title: str
    theme: str
    starts_at: datetime
    duration_minutes: int
    spark_id: str | None
    community_id: int
    platform: str
    external_id: str
    community_name: str
    timezone: str


Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])
V = TypeVar("V")


def _by_link(query: Query, token: str) -> Query:
    """`query` (of Session's and Community's columns) for the session a link is for."""
    return _joined(query).where(col(SessionLink.token) == token)


def _joined(query: Query) -> Query:
    """`query` (of Session's and Community's columns) joined to the sessions' links."""
    return query.join(SessionLink, col(SessionLink.session_id) == col(Session.id)).join(
        Community, col(Community.id) == col(Session.community_id)
    )


# SQLAlchemy's own select: SQLModel's is typed for at most four columns.
_PAGE_COLUMNS = sa_select(
    col(SessionLink.token),
    col(Session.id),
    col(Session.state),
    col(Session.title),
    col(Session.theme),
    col(Session.starts_at),
    col(Session.duration_minutes),
    col(Session.spark_id),
    col(Community.id),
    col(Community.platform),
    col(Community.external_id),
    col(Community.name),
    col(Community.timezone),
)


async def _read_pages(tx: AsyncSession, tokens: Sequence[str]) -> dict[str, _Columns]:
    """The columns of the pages these links open, in one read; a link not in use is left out."""
    connection = await tx.connection()
    linked = _joined(_PAGE_COLUMNS).where(col(SessionLink.token).in_(tokens))
    rows = await connection.execute(linked)
    return {token: _Columns(*columns) for token, *columns in rows}


@dataclass(frozen=True)
class SessionPage:
    """What a session's web page shows, each value ready to print (escaped by the page)."""

    session_id: int
    # Where the session lives (its community's platform and id there): the web page takes
    # part as a visitor of that community.
    community: CommunityRef
    state: SessionState
    title: str
    theme: str
    when: str
    minutes: int
    # One sentence when the session is not simply coming up: on now, finished, cancelled.
    status: str | None
    spark: Spark | None
    # E-mail is set up, so the page may offer reminders by e-mail (bot/sessions/rsvp.py).
    email_reminders: bool


class PageAnswers(Protocol):
    """What people said on a session's page ("I'm coming", bot/sessions/rsvp.py)."""

    async def summary(self, tx: AsyncSession, session_id: int) -> tuple[Section, ...]: ...

    async def announce(self, work: Work, session: Session, url: str) -> Effect: ...


class SessionLinks:
    def __init__(
        self,
        deps: Deps,
        sessions: SessionService,
        answers: PageAnswers,
        sparks: Fact[tuple[int, str], Spark],
    ) -> None:
        self.deps = deps
        self.sessions = sessions
        self.answers = answers
        self.t = deps.texts.t
        self._sparks = sparks
        # A page's columns by its link: once warm, a crowd opening a page waits for no
        # database.
        self._columns = linked_pages(deps, "session pages", _read_pages, SessionLink, _PAGE_COLUMNS)
        # By link: the page last made and what it was made from, so that a page showing the
        # same is the same object (the web page keeps its rendering by it).
        self._made: dict[str, tuple[_Columns, Spark | None, SessionPage]] = {}

    async def command(self, ctx: CommandContext) -> Reply:
        """`/brew link [N] [new|off]`: the link to the session's page, a new one, or none."""
        session = await self.sessions.resolve(ctx, ctx.arg("session"))
        what = ctx.arg("what") or "show"
        found = await ctx.tx.get(SessionLink, id_of(session))
        if what == "off":
            if found is None:
                raise CommandError("links.already_off", title=session.title)
            await ctx.tx.delete(found)
            return Reply(
                OutgoingMessage(
                    self.t("links.switched_off", title=session.title, session_id=session.id)
                )
            )
        issued = await issue(
            self.deps,
            ctx.tx,
            found,
            lambda token: SessionLink(session_id=id_of(session), token=token),
            PAGE_PATH,
            renew=what == "new",
        )
        key = "links.renewed" if issued.renewed else "links.ready"
        text = self.t(key, title=session.title, url=Own(issued.url), session_id=session.id)
        said = await self.answers.summary(ctx.tx, id_of(session))
        if found is not None or session.state != SessionState.SCHEDULED:
            return Reply(OutgoingMessage(text, sections=said))
        # A page just made for a session still to come: the channel hears of it once.
        ctx.after_commit(await self.answers.announce(ctx, session, issued.url))
        return Reply(
            OutgoingMessage(f"{text} {self.t('rsvp.announced')}", sections=said),
            if_undelivered=OutgoingMessage(text, sections=said),
        )

    async def page(self, token: str) -> SessionPage | None:
        """The page a link opens, or None for a link that is not (or no longer) in use.

        A crowd may open it in the same second, so what it shows is known in memory, kept
        true by the writes that change it (another process's, within LIFETIME), and a page
        showing the same as the last one made is that one."""
        if len(token) != TOKEN_LENGTH:
            return None
        row = await self._columns.get(token)
        if row is None:
            return None
        spark = await self._sparks.get((row.community_id, row.spark_id)) if row.spark_id else None
        made = self._made.get(token)
        if made is not None and made[0] == row and made[1] == spark:
            return made[2]
        page = self._page_of(row, spark)
        if len(self._made) >= PAGES_KEPT:
            self._made.clear()  # a rare, cheap reset instead of bookkeeping
        self._made[token] = (row, spark, page)
        return page

    def _page_of(self, row: _Columns, spark: Spark | None) -> SessionPage:
        state = SessionState(row.state)
        return SessionPage(
            session_id=row.session_id,
            community=CommunityRef(Platform(row.platform), row.external_id, row.community_name),
            state=state,
            title=row.title,
            theme=row.theme,
            when=format_local(row.starts_at, ZoneInfo(row.timezone)),
            minutes=row.duration_minutes,
            status=self._status(state),
            spark=spark,
            email_reminders=self.deps.mailer.configured,
        )

    async def invite(self, tx: AsyncSession, token: str) -> Attachment | None:
        """The calendar invite a link's page offers, or None as `page`."""
        found = await self._linked(tx, token)
        if found is None:
            return None
        session, community = found
        return self.sessions.invite(community, session)

    async def _linked(self, tx: AsyncSession, token: str) -> tuple[Session, Community] | None:
        """The session a link is for, and its community, in one read."""
        if len(token) != TOKEN_LENGTH:
            return None
        row = (await tx.exec(_by_link(select(Session, Community), token))).first()
        return (row[0], row[1]) if row is not None else None

    def _status(self, state: SessionState) -> str | None:
        if state == SessionState.CANCELLED:
            return self.t("links.page.cancelled")
        if state in FINISHED_STATES:
            return self.t("links.page.finished")
        if state in LIVE_STATES:
            return self.t("links.page.live")
        return None


def linked_pages(
    deps: Deps,
    name: str,
    read: Loader[str, V],
    link: type[SQLModel],
    reads: Select[*tuple[Any, ...]],
) -> Fact[str, V]:
    """What the pages reached by links show, by each link's token, kept true by the writes
    that change it (bot/engine/known.py): a change to a `link` row forgets its own page, and
    a change to a column of a session or community that `reads` selects forgets every page
    (a rare write: cheaper than tracking which pages it was)."""
    return deps.known.fact(
        name,
        read,
        Watch(link, ("token",)),
        Watch.read_by(Session, reads),
        Watch.read_by(Community, reads),
    )


def new_token() -> str:
    """A fresh random token, URL-safe, TOKEN_LENGTH characters."""
    return secrets.token_urlsafe(TOKEN_BYTES)


class LinkRow(Protocol):
    """A stored link (SessionLink, GroupLink): its token is the page's address."""

    token: str


@dataclass(frozen=True)
class Issued:
    url: str
    renewed: bool  # a new token replaced the one before, which no longer works


async def issue(
    deps: Deps,
    tx: AsyncSession,
    found: LinkRow | None,
    make: Callable[[str], LinkRow],
    path: str,
    *,
    renew: bool,
) -> Issued:
    """The link to give a facilitator: the stored one (`found`), or a new one made with
    `make(token)` when there is none or `renew` asks for it (the old row goes). With no web
    pages there is nothing to link to: one sentence, and nothing is stored."""
    address = deps.web_base_url
    if not address:
        raise CommandError("links.no_web")
    renewed = found is not None and renew
    if found is None or renewed:
        if found is not None:
            await tx.delete(found)
            await tx.flush()
        found = make(new_token())
        tx.add(found)
    return Issued(f"{address.rstrip('/')}/{path}{found.token}", renewed)
