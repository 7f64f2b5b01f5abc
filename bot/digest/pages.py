"""Pages for the working group and participants, who may never open chat: `/brew link group`
gives facilitators the community's link, to share however they like.

The link is the only way to the pages: a random token of 24 bytes (192 bits), one per
community. `/brew link group new` replaces it (the old link stops working at once) and
`/brew link group off` removes it. Behind it (bot/platforms/web/pages/group.py): the
community's sent digests, each as it was sent (the facilitator's review, the small-number
rule, nothing held back comes back); "we said, we did"; and for each sent digest the
participants' "what we heard and what is happening", in the words of their message
(bot/digest/feedback.py); and the regional report (bot/digest/report.py) of this community
alone, over days the reader chooses. Nothing here is shown that a sent digest did not already
say in the open, and a digest not (yet) sent is not shown at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError
from bot.core.days import DaysProblem, Problem, period, read_day
from bot.core.domain import OPEN_ACTIONS, ActionStatus
from bot.core.marked import Own
from bot.core.messages import OutgoingMessage, Reply
from bot.digest.actions import community_actions
from bot.digest.feedback import Compiles, feedback_message
from bot.digest.model import Digest
from bot.digest.report import ACTION_GROUPS, MAX_MONTHS, Report, action_group, gather, too_long
from bot.engine.context import CommandContext
from bot.engine.deps import zone_of
from bot.reflections.sealing import small_number
from bot.sessions.links import TOKEN_LENGTH, issue
from bot.sessions.timeparse import format_date, format_local
from storage.models import ActionItem, Community, GroupLink, Session, id_of
from storage.models import Digest as DigestRow

PAGE_PATH = "g/"
SENT = "sent"
DEFAULT_MONTHS = 12


class PeriodProblem(ValueError):
    """Days a report cannot be made for; `key` names the sentence that says why."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


# Each problem with the days a reader chose (bot/core/days.py), in the page's words.
DAYS_ON_THE_PAGE: dict[Problem, str] = {
    "unreadable": "group_links.page.report_unreadable",
    "far_off": "group_links.page.report_unreadable",
    "backwards": "group_links.page.report_backwards",
}


def report_period(first: str | None, last: str | None, today: date) -> tuple[date, date]:
    """The first and last day of a report, from the two dates a reader gave (YYYY-MM-DD, as
    a date field sends them); a date left empty takes its default: the twelve whole months
    up to and including `today`'s, ending today. Raises PeriodProblem for days no period can
    be made of (bot/core/days.py) or more than MAX_MONTHS months."""
    try:
        start = (
            read_day(first) if first and first.strip() else _months_back(today, DEFAULT_MONTHS - 1)
        )
        end = read_day(last) if last and last.strip() else today
        start, end = period(start, end)
    except DaysProblem as problem:
        raise PeriodProblem(DAYS_ON_THE_PAGE[problem.problem]) from None
    if too_long(start, end):
        raise PeriodProblem("group_links.page.report_too_long", years=MAX_MONTHS // 12)
    return start, end


def _months_back(day: date, months: int) -> date:
    """The first day of the month `months` before `day`'s."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class SentSession:
    """One sent digest in the list: its session's number, title and day."""

    session_id: int
    title: str
    when: str


@dataclass(frozen=True)
class TrackedAction:
    """One "we said, we did" action, each value ready to print (escaped by the page). The
    owner is the label typed for it (a team or role), never the person reminded."""

    said: str
    did: str | None
    status: str
    reason: str | None
    owner: str | None
    due: str | None


class GroupLinks:
    def __init__(self, source: Compiles) -> None:
        self.source = source
        self.deps = source.deps
        self.t = source.deps.texts.t

    async def command(self, ctx: CommandContext) -> Reply:
        """`/brew link group [new|off]`: the link to the community's pages, a new one, or
        none."""
        what = ctx.arg("what") or "show"
        community_id = id_of(ctx.community)
        found = await ctx.tx.get(GroupLink, community_id)
        if what == "off":
            if found is None:
                raise CommandError("group_links.already_off")
            await ctx.tx.delete(found)
            return Reply(OutgoingMessage(self.t("group_links.switched_off")))
        issued = await issue(
            self.deps,
            ctx.tx,
            found,
            lambda token: GroupLink(community_id=community_id, token=token),
            PAGE_PATH,
            renew=what == "new",
        )
        key = "group_links.renewed" if issued.renewed else "group_links.ready"
        return Reply(OutgoingMessage(self.t(key, url=Own(issued.url))))

    async def community(self, tx: AsyncSession, token: str) -> Community | None:
        """The community a link opens, or None for a link not (or no longer) in use."""
        if len(token) != TOKEN_LENGTH:
            return None
        link = (await tx.exec(select(GroupLink).where(GroupLink.token == token))).first()
        return await tx.get(Community, link.community_id) if link is not None else None

    async def sent(self, tx: AsyncSession, community: Community) -> list[SentSession]:
        """The community's sent digests, newest first."""
        found = (
            await tx.exec(
                select(Session)
                .join(DigestRow, col(DigestRow.session_id) == col(Session.id))
                .where(Session.community_id == community.id, DigestRow.status == SENT)
                .order_by(col(Session.starts_at).desc(), col(Session.id).desc())
            )
        ).all()
        zone = zone_of(community)
        return [SentSession(id_of(s), s.title, format_local(s.starts_at, zone)) for s in found]

    async def digest(
        self, tx: AsyncSession, community: Community, session_id: int
    ) -> Digest | None:
        """A sent digest of this community, as it reads when sent, or None."""
        session = await self._sent_session(tx, community, session_id)
        return await self.source.compile(tx, community, session) if session else None

    async def heard(
        self, tx: AsyncSession, community: Community, session_id: int
    ) -> OutgoingMessage | None:
        """What the people who took part in a sent session were told (feedback.py), or None."""
        session = await self._sent_session(tx, community, session_id)
        if session is None:
            return None
        digest = await self.source.compile(tx, community, session)
        actions = (
            await tx.exec(
                select(ActionItem)
                .where(ActionItem.session_id == session.id)
                .order_by(col(ActionItem.id))
            )
        ).all()
        day = session.starts_at.astimezone(zone_of(community)).date()
        return feedback_message(self.deps.texts, digest, actions, day=day, news=False, most=None)

    async def tracker(
        self, tx: AsyncSession, community: Community
    ) -> dict[str, tuple[TrackedAction, ...]]:
        """ "We said, we did": the community's actions, grouped open, done and can't do."""
        grouped: dict[str, list[TrackedAction]] = {group: [] for group in ACTION_GROUPS}
        for action in await community_actions(tx, id_of(community)):
            grouped[action_group(action.status)].append(self._tracked(action))
        return {group: tuple(found) for group, found in grouped.items()}

    def today(self, community: Community) -> date:
        """Today in the community's own time zone."""
        return self.deps.clock.now().astimezone(zone_of(community)).date()

    async def report(
        self, tx: AsyncSession, community: Community, start: date, end: date
    ) -> Report:
        """The regional report of this community alone (its sent digests, its actions), with
        the small-number rule the digests keep."""
        return await gather(
            tx,
            self.source.compile,
            start=start,
            end=end,
            communities=[community],
            min_count=small_number(self.deps),
        )

    async def _sent_session(
        self, tx: AsyncSession, community: Community, session_id: int
    ) -> Session | None:
        session = await tx.get(Session, session_id)
        if session is None or session.community_id != community.id:
            return None
        status = (
            await tx.exec(select(DigestRow.status).where(DigestRow.session_id == session_id))
        ).first()
        return session if status == SENT else None

    def _tracked(self, action: ActionItem) -> TrackedAction:
        is_open = action.status in OPEN_ACTIONS
        return TrackedAction(
            said=action.said,
            did=action.did or None,
            status=self.t(f"digest.actions.state.{action.status}"),
            reason=action.reason if action.status == ActionStatus.CANT_DO else None,
            owner=action.owner or None,
            due=format_date(action.due_on) if is_open and action.due_on else None,
        )
