"""Composition root: settings -> database -> services -> scheduler, for any platform."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from bot.config import Settings
from bot.core.commands import CommandTable
from bot.core.ports import ChatAdapter
from bot.delivery import commands as delivery_commands
from bot.delivery.mail import Mailer
from bot.delivery.missed import MissedNotices
from bot.delivery.notices import NoticeService
from bot.delivery.outbox import Outbox
from bot.digest import commands as digest_commands
from bot.digest.actions import ActionService
from bot.digest.pages import GroupLinks
from bot.digest.service import DigestService
from bot.digest.themes import vocabulary
from bot.engine import help as help_commands
from bot.engine.clock import Clock
from bot.engine.context import CommandContext
from bot.engine.deps import Deps
from bot.engine.dispatch import Dispatcher
from bot.engine.texts import Texts
from bot.people import commands as people_commands
from bot.people.claims import ClaimService
from bot.people.limits import EarningsLimits
from bot.people.needs import NeedsService
from bot.people.payments import PaymentService
from bot.people.privacy import PrivacyService
from bot.people.service import PeopleService
from bot.people.settings import SettingsService
from bot.reflections import commands as reflections_commands
from bot.reflections.contact import ContactService
from bot.reflections.safeguarding import load_terms
from bot.reflections.service import ReflectionService
from bot.scheduling.jobs import JobService
from bot.scheduling.leader import Leadership
from bot.scheduling.planner import BrewScheduler
from bot.sessions import commands as sessions_commands
from bot.sessions.links import SessionLinks
from bot.sessions.rsvp import Rsvps
from bot.sessions.running import RunningService
from bot.sessions.service import SessionService
from bot.sparks import commands as sparks_commands
from bot.sparks.library import SparkLibrary
from bot.sparks.service import SparkService, known_sparks
from storage.engine import Database
from storage.migrate import upgrade
from storage.repositories import CommunityDefaults

log = logging.getLogger("brewbot.app")


@dataclass
class Services:
    """Every feature's service, once each: a feature's `commands.feature` takes what it needs
    from here (its `Needs`), and `/brew help` reads the table they fill."""

    deps: Deps
    sessions: SessionService
    running: RunningService
    links: SessionLinks
    rsvps: Rsvps
    reflections: ReflectionService
    digests: DigestService
    group_links: GroupLinks
    settings: SettingsService
    people: PeopleService
    needs: NeedsService
    actions: ActionService
    sparks: SparkService
    privacy: PrivacyService
    claims: ClaimService
    payments: PaymentService
    notices: NoticeService
    missed: MissedNotices
    contact: ContactService
    table: CommandTable[CommandContext] = field(default_factory=CommandTable)


# The features, in the order `/brew help` lists their commands.
FEATURES = (
    sessions_commands.feature,
    reflections_commands.feature,
    digest_commands.feature,
    sparks_commands.feature,
    people_commands.feature,
    delivery_commands.feature,
    help_commands.feature,
)


@dataclass
class App:
    settings: Settings
    db: Database
    deps: Deps
    table: CommandTable
    dispatcher: Dispatcher
    scheduler: BrewScheduler
    jobs: JobService
    sessions: SessionService
    running: RunningService
    reflections: ReflectionService
    digests: DigestService
    claims: ClaimService
    links: SessionLinks
    group_links: GroupLinks
    rsvps: Rsvps

    leader: Leadership | None = None

    async def start(self, *, run_scheduler: bool = True) -> None:
        """Connect the platform and take part in the scheduler election (one scheduler per
        database; SQLite refuses a second process here, before connecting anywhere)."""
        self.leader = self.leader or Leadership(self.db, self.scheduler)
        self.leader.lock_process()
        # A crash between sealing a session (or a withdrawal) and purging the old bytes
        # from the files must not leave them there (docs/anonymity.md).
        await self.db.purge()
        await self.deps.adapter.start()
        if self.db.is_sqlite:
            # The only process (lock_process above): what was being sent was cut short.
            await self.deps.outbox.recover()
        self.deps.outbox.start()
        await self.leader.start(run_scheduler=run_scheduler)
        self.deps.on_session_changed.append(self.leader.session_changed)
        self.deps.on_action_changed.append(self.leader.action_changed)
        self.deps.on_community_changed.append(self.leader.community_changed)

    async def close(self) -> None:
        await self.deps.outbox.stop()
        if self.leader is not None:
            await self.leader.close()
        else:
            self.scheduler.shutdown()
        await self.deps.adapter.close()
        await self.db.dispose()


def community_defaults(settings: Settings) -> CommunityDefaults:
    return {
        "timezone": settings.timezone,
        "facilitator_role": settings.facilitator_role,
        "reminder_minutes": ",".join(str(m) for m in settings.reminder_minutes),
        "group_size": settings.group_size,
    }


async def build_app(
    settings: Settings,
    adapter: ChatAdapter,
    *,
    clock: Clock | None = None,
    migrate: bool = True,
    texts: Texts | None = None,
    sparks: SparkLibrary | None = None,
) -> App:
    """Wire everything. Prompts, sparks, the safeguarding words and the theme vocabulary are
    read and checked here, so a mistake in one stops start-up (a `DataFileError`), rather
    than the first reflection or digest that needs it."""
    texts = texts or Texts.load()
    sparks = sparks or SparkLibrary.load()
    load_terms()
    vocabulary()
    db = Database(
        settings.resolved_database_url,
        write_wait_seconds=settings.db_wait_seconds,
        timeout_seconds=settings.db_timeout_seconds,
    )
    if migrate:
        await upgrade(db)
    deps = Deps(
        settings=settings,
        db=db,
        texts=texts,
        sparks=sparks,
        adapter=adapter,
        clock=clock or Clock(),
        mailer=Mailer(settings),
    )
    deps.outbox = Outbox(deps)
    sessions = SessionService(deps)
    # One in-memory copy of the sparks for the buttons that only read, shared by both.
    own_sparks = known_sparks(deps)
    running = RunningService(deps, sessions, own_sparks)
    privacy = PrivacyService(deps)
    reflections = ReflectionService(deps, sessions, privacy, own_sparks)
    digests = DigestService(deps, sessions, running)
    # A reflection taken back leaves the draft still on its way to the facilitator.
    reflections.on_withdrawn.append(digests.redraft)
    rsvps = Rsvps(deps)
    needs = NeedsService(deps)
    # Once a session is over, what people said on its page goes.
    deps.on_session_changed.append(rsvps.session_changed)
    # Once a session has closed, people near an earnings limit are told, privately.
    payments = PaymentService(deps, sessions, EarningsLimits.load())
    deps.on_session_changed.append(payments.session_changed)
    services = Services(
        deps=deps,
        sessions=sessions,
        running=running,
        links=SessionLinks(deps, sessions, rsvps, own_sparks),
        rsvps=rsvps,
        reflections=reflections,
        digests=digests,
        group_links=GroupLinks(digests),
        settings=SettingsService(deps),
        people=PeopleService(deps, needs),
        needs=needs,
        actions=ActionService(deps, digests),
        sparks=SparkService(deps),
        privacy=privacy,
        claims=ClaimService(deps, sessions),
        payments=payments,
        notices=NoticeService(deps),
        missed=MissedNotices(deps),
        contact=ContactService(deps, sessions),
    )
    table = services.table
    for feature in FEATURES:
        table.add_feature(feature(services))
    dispatcher = Dispatcher(
        db, table, texts, deps.clock, community_defaults(settings), known=deps.known
    )
    jobs = JobService(deps, sessions, running, digests, privacy, rsvps, needs)
    scheduler = BrewScheduler(
        db,
        deps.clock,
        jobs.run,
        reminder_grace=timedelta(minutes=settings.reminder_grace_minutes),
        forget_after=timedelta(days=settings.forget_after_days),
        daily=jobs.run_daily,
        resume=running.resume_threads,
    )
    jobs.listeners.append(scheduler.retry_later)
    return App(
        settings=settings,
        db=db,
        deps=deps,
        table=table,
        dispatcher=dispatcher,
        scheduler=scheduler,
        jobs=jobs,
        sessions=sessions,
        running=running,
        reflections=reflections,
        digests=digests,
        claims=services.claims,
        links=services.links,
        group_links=services.group_links,
        rsvps=rsvps,
    )
