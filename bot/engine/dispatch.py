"""The one path every platform's commands, buttons and forms take into the services.

For each interaction: defer (unless a form may be the answer), open one transaction, find the
community and the person, check who may do it, run the handler, commit, then run platform
effects, then answer. Bad input gets one sentence; nothing half-written is stored; no
traceback reaches a chat; anonymous commands are never logged with who ran them.

Interactions that come in bursts (reflections) may share one transaction with the others
waiting at the same moment (group commit, see `_batched`); each is still checked, answered
and given its effects on its own. Their checks that need only what is known in memory run
first (`ComponentRoute.check`), so a refusal never waits for a batch. A route that only
reads (opening the reflection form, see `_read_only`) takes no transaction at all: what it
needs is known in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import (
    Audience,
    Command,
    CommandError,
    CommandTable,
    ComponentRoute,
    clean,
    parse_text,
)
from bot.core.messages import OpenForm, OutgoingMessage, Reply, Response, parse_custom_id
from bot.core.ports import DeliveryError, Responder
from bot.core.refs import CommunityRef, ConversationRef, UserRef
from bot.engine.clock import Clock
from bot.engine.context import CommandContext, asker_of, no_transaction, someone_waiting
from bot.engine.deps import role_name
from bot.engine.known import Known
from bot.engine.texts import Texts
from storage.engine import Database, DatabaseUnavailable, LogBusy
from storage.models import Community, Participant, id_of, unsaved
from storage.repositories import (
    CommunityDefaults,
    find_participant,
    get_or_create_community,
    get_or_create_participant,
    get_or_create_participants,
)
from storage.types import utc_day

log = logging.getLogger("brewbot.dispatch")


class Dispatcher:
    def __init__(
        self,
        db: Database,
        table: CommandTable,
        texts: Texts,
        clock: Clock,
        community_defaults: CommunityDefaults | None = None,
        known: Known | None = None,
    ) -> None:
        self.db = db
        # What routes that only read are answered from (the app shares its own, Deps.known).
        self.known = known or Known(db)
        self.clock = clock
        self.table = table
        self.texts = texts
        self.community_defaults: CommunityDefaults = community_defaults or {}
        # Shutdown turns new commands away and waits for the ones already running (drain).
        self.in_flight = 0
        self.closing = asyncio.Event()  # set once shutdown has begun
        self._idle = asyncio.Event()
        self._idle.set()
        # Bursts (see _batched): interactions waiting per route, and each route's writer.
        self._waiting: dict[ComponentRoute, list[_Item]] = {}
        self._writers: dict[ComponentRoute, asyncio.Task[None]] = {}

    async def run_text(
        self, text: str, user: UserRef, where: ConversationRef, responder: Responder
    ) -> None:
        """A typed command (shell, Slack): parse, then run as if chosen from a menu."""
        try:
            command, args = parse_text(text, self.table)
        except CommandError as exc:
            await responder.reply(self._sentence(exc), private=True)
            return
        except Exception:
            # Never the text: it may be a reflection's words.
            log.exception("could not read a typed command")
            await responder.reply(OutgoingMessage(self.texts.t("errors.internal")), private=True)
            return
        await self.run(command, args, user, where, responder)

    async def run_component(
        self,
        custom: str,
        values: dict[str, str],
        user: UserRef,
        where: ConversationRef,
        responder: Responder,
    ) -> None:
        """A button click or form submission with a `brew:<feature>:<verb>:<arg>` id."""
        parsed = parse_custom_id(clean(custom))
        route = self.table.components.get(parsed[:2]) if parsed else None
        if parsed is None or route is None:
            await responder.reply(OutgoingMessage(self.texts.t("errors.unknown_button")))
            return
        # Form answers are typed too: nothing a database cannot store goes further.
        cleaned = {key: clean(str(value)) for key, value in values.items()}
        args: dict[str, Any] = {"arg": parsed[2], "values": cleaned}
        await self._run(route, f"{parsed[0]}:{parsed[1]}", args, user, where, responder)

    async def run(
        self,
        command: Command,
        args: dict[str, Any],
        user: UserRef,
        where: ConversationRef,
        responder: Responder,
    ) -> None:
        await self._run(command, command.name, args, user, where, responder)

    async def drain(self, seconds: float) -> bool:
        """Turn new commands away, then wait up to `seconds` for the running ones to finish.
        True if none is left."""
        self.closing.set()
        try:
            await asyncio.wait_for(self._idle.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def _run(
        self,
        spec: Command | ComponentRoute,
        name: str,
        args: dict[str, Any],
        user: UserRef,
        where: ConversationRef,
        responder: Responder,
    ) -> None:
        if self.closing.is_set():
            # Shutting down: another process, or this one restarted, will take it.
            with contextlib.suppress(DeliveryError):
                await responder.reply(
                    OutgoingMessage(self.texts.t("errors.try_again"), refused=True)
                )
            return
        self.in_flight += 1
        self._idle.clear()
        started = time.perf_counter()
        try:
            # A form that can show a refusal in place (Slack's) is acknowledged once the
            # route's checks from memory have passed (ComponentRoute.check), not before.
            checked_first = (
                isinstance(spec, ComponentRoute)
                and spec.check is not None
                and getattr(responder, "shows_refusals_in_form", False)
            )
            if not spec.may_open_form and not checked_first:
                # Discord wants an answer within 3 s: acknowledge before any database work.
                await responder.defer()
            item = _Item(spec, args, user, where)
            if isinstance(spec, ComponentRoute) and spec.batch is not None:
                outcome = await self._batched(
                    spec, item, name, responder if checked_first else None
                )
            elif isinstance(spec, ComponentRoute) and spec.reads_only:
                outcome = await self._read_only(item, name)
            else:
                outcome = await self._execute(item, name)
            await self._finish(outcome, responder, name, started, spec)
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self._idle.set()

    async def _execute(self, item: _Item, name: str) -> _Outcome:
        """One interaction in its own transaction."""

        async def run() -> _Outcome:
            async with self.db.transaction(isolated=item.spec.anonymous) as tx:
                ctx = await self._context(tx, item, _Found())
                response = await item.spec.handler(ctx)
                await self._add_notes(ctx, item.spec, response)
            return _Outcome("ok", response, ctx)

        return await self._answered(run(), name)

    async def _add_notes(
        self, ctx: CommandContext, spec: Command | ComponentRoute, response: Response
    ) -> None:
        """The features' notes (Feature.notes) at the end of a private answer. Never after an
        anonymous step, whose transaction touches nothing but what the step itself needs."""
        if spec.anonymous or not isinstance(response, Reply) or not response.private:
            return
        for notes in self.table.notes:
            ctx.notes.extend(await notes(ctx))

    async def _read_only(self, item: _Item, name: str) -> _Outcome:
        """A route that only reads (`ComponentRoute.reads_only`): no transaction, not even
        the write lock's queue. The community and the person come from what is known in
        memory (bot/engine/known.py), as does everything the handler reads, so a burst of
        them is answered while a writer holds the database."""

        async def run() -> _Outcome:
            ctx = await self._known_context(item)
            response = await item.spec.handler(ctx)
            if ctx.tx.new or ctx.tx.dirty or ctx.tx.deleted or ctx.effects:
                raise RuntimeError(f"{name} is declared to only read, yet changed something")
            return _Outcome("ok", response, ctx)

        return await self._answered(run(), name)

    async def _answered(self, running: Awaitable[_Outcome], name: str) -> _Outcome:
        """The interaction's outcome, or the one sentence a refusal or a failure gets."""
        try:
            return await running
        except CommandError as exc:
            return _Outcome("refused", Reply(self._sentence(exc)))
        except DatabaseUnavailable as exc:
            return self._busy(exc)
        except Exception:
            # Never the arguments: they may hold a reflection's words.
            log.exception("command failed command=%s", name)
            return self._failed()

    async def _known_context(self, item: _Item) -> CommandContext:
        """`_context` from what is known, for a step that only reads: nothing about the
        person is written, not even the day they were last seen, and someone not stored is
        a stand-in."""
        user = item.user
        ref = user.community
        key = (ref.platform.value, ref.id)
        community = await self.known.communities.get(key)
        if community is None:
            # The community's very first interaction: stored as any step would store it.
            async with self.db.transaction(isolated=item.spec.anonymous) as tx:
                community = await get_or_create_community(
                    tx, *key, name=ref.name, defaults=self.community_defaults
                )
        community_id = id_of(community)
        actor = unsaved(
            Participant, community_id=community_id, user_id=user.id, easy_read=user.easy_read
        )
        person = await self.known.people.get((community_id, user.id))
        if person is not None:
            actor.id, actor.consent = person.id, person.consent
            actor.easy_read, actor.plain_style = person.easy_read, person.plain_style
        is_facilitator = self._admit(item.spec, user, community)
        return CommandContext(
            tx=no_transaction(),
            community=community,
            actor=actor,
            user=user,
            conversation=item.where,
            args=item.args,
            is_facilitator=is_facilitator,
            asker=asker_of(user, anonymous=item.spec.anonymous),
        )

    def _admit(self, spec: Command | ComponentRoute, user: UserRef, community: Community) -> bool:
        """Whether `user` is one of the community's facilitators; refuses them a step for
        facilitators only when they are not."""
        is_facilitator = user.is_admin or community.facilitator_role.casefold() in {
            r.casefold() for r in user.roles
        }
        if spec.audience is Audience.FACILITATOR and not is_facilitator:
            if not user.roles_known:
                # The platform could not tell us yet: say so, rather than "not a facilitator".
                raise CommandError("errors.roles_unknown")
            # A platform whose facilitators are not a role (Teams: a tag) words it its own way.
            own = f"{community.platform}.facilitators_only"
            key = own if own in self.texts.strings else "errors.facilitators_only"
            raise CommandError(key, role=role_name(community))
        return is_facilitator

    async def _context(self, tx: AsyncSession, item: _Item, found: _Found) -> CommandContext:
        """Find the community and the person, check they may do it, and note they were here."""
        spec, user = item.spec, item.user
        key = (user.community.platform.value, user.community.id)
        community = found.communities.get(key)
        if community is None:
            community = found.communities[key] = await get_or_create_community(
                tx, *key, name=user.community.name, defaults=self.community_defaults
            )
        community_id = id_of(community)
        actor = found.people.get((community_id, user.id))
        if actor is None and spec.anonymous:
            # Anonymous steps (opening the reflection form, sending it, withdrawing) write
            # nothing about the person, not even that they exist: someone new is a
            # stand-in that is never stored.
            stored = None if found.all_people else await find_participant(tx, community_id, user.id)
            actor = stored or unsaved(
                Participant, community_id=community_id, user_id=user.id, easy_read=user.easy_read
            )
        elif actor is None:
            actor = found.people[(community_id, user.id)] = await get_or_create_participant(
                tx, community, user.id, clean(user.display_name)
            )
        ctx = CommandContext(
            tx=tx,
            community=community,
            actor=actor,
            user=user,
            conversation=item.where,
            args=item.args,
            is_facilitator=self._admit(spec, user, community),
            asker=asker_of(user, anonymous=spec.anonymous),
        )
        today = utc_day(self.clock.now())
        if not spec.anonymous and actor.last_seen_at != today:
            # Retention counts from here. Only the day, written once a day, and never on
            # anonymous steps: no stored time or write sits close to a reflection.
            actor.last_seen_at = today
            tx.add(actor)
        return ctx

    # -- bursts ----------------------------------------------------------------------------
    #
    # Group commit: while one batch of a route's interactions is being written, the ones that
    # arrive queue up, and the next batch takes them all, in one transaction, with the
    # people looked up together and the handler's reads and writes done once per batch. A
    # burst then costs little more per interaction than its own checks. Each interaction
    # still gets its own answer, refusal and effects.

    async def _batched(
        self, route: ComponentRoute, item: _Item, name: str, acknowledge: Responder | None
    ) -> _Outcome:
        """`item` in the route's next batch, after its checks from memory: a refusal there
        waits for no batch. `acknowledge`: the responder to acknowledge once they pass."""
        if route.check is not None:
            refused = await self._checked(route, item, name)
            if refused is not None:
                return refused
            if acknowledge is not None:
                await acknowledge.defer()
        waiting = self._waiting.setdefault(route, [])
        waiting.append(item)
        if route not in self._writers:
            writer = asyncio.create_task(self._write_batches(route, name))
            self._writers[route] = writer
        return await item.done

    async def _write_batches(self, route: ComponentRoute, name: str) -> None:
        batch: list[_Item] = []
        try:
            while waiting := self._waiting.pop(route, []):
                for first in range(0, len(waiting), MAX_BATCH):
                    batch = waiting[first : first + MAX_BATCH]
                    try:
                        outcomes = await self._write_batch(route, batch, name)
                    except Exception:
                        log.exception("batch failed command=%s", name)
                        outcomes = [self._failed() for _ in batch]
                    for item, outcome in zip(batch, outcomes, strict=True):
                        item.settle(outcome)
        finally:
            del self._writers[route]
            # Stopped part-way (the process is closing): nobody is left without an answer.
            for item in [*batch, *self._waiting.pop(route, [])]:
                item.settle(self._failed())

    async def _checked(self, route: ComponentRoute, item: _Item, name: str) -> _Outcome | None:
        """The route's checks, from what is known in memory: its refusal, or None to go on."""
        check = route.check
        assert check is not None

        async def run() -> _Outcome:
            ctx = await self._known_context(item)
            await check(ctx)
            return _Outcome("ok", Reply(OutgoingMessage("")), ctx)

        outcome = await self._answered(run(), name)
        return None if outcome.result == "ok" else outcome

    def _failed(self) -> _Outcome:
        message = OutgoingMessage(self.texts.t("errors.internal"), refused=True)
        return _Outcome("error", Reply(message))

    def _busy(self, exc: DatabaseUnavailable) -> _Outcome:
        # LogBusy: the database stayed busy for the whole wait, so nothing was saved.
        key = "errors.not_saved" if isinstance(exc, LogBusy) else "errors.try_again"
        message = OutgoingMessage(self.texts.t(key), refused=True)
        return _Outcome("unavailable", Reply(message))

    async def _write_batch(
        self, route: ComponentRoute, batch: list[_Item], name: str
    ) -> list[_Outcome]:
        assert route.batch is not None
        if len(batch) == 1:
            return [await self._execute(batch[0], name)]
        try:
            async with self.db.transaction(isolated=route.anonymous) as tx:
                found = await self._people_for(tx, batch)
                # Batched routes are open to everyone (see ComponentRoute), so finding the
                # context refuses no one.
                contexts = [await self._context(tx, item, found) for item in batch]
                answers = await route.batch(contexts)
                if len(answers) != len(batch):
                    raise RuntimeError(f"{name}: {len(answers)} answers for {len(batch)}")
        except DatabaseUnavailable as exc:
            return [self._busy(exc) for _ in batch]
        except Exception:
            # Whatever spoilt the batch (a race lost to another process, a bug) must not
            # spoil everyone's answer: each one is tried again on its own.
            log.warning("batch failed, running one by one command=%s size=%d", name, len(batch))
            return [await self._execute(item, name) for item in batch]
        return [
            _Outcome("refused", Reply(self._sentence(answer)))
            if isinstance(answer, CommandError)
            else _Outcome("ok", answer, ctx)
            for ctx, answer in zip(contexts, answers, strict=True)
        ]

    async def _people_for(self, tx: AsyncSession, batch: list[_Item]) -> _Found:
        """The communities and people of a batch that are already known, in two queries."""
        found = _Found()
        wanted: dict[tuple[str, str], CommunityRef] = {}
        for item in batch:
            ref = item.user.community
            wanted[(ref.platform.value, ref.id)] = ref
        rows = await tx.exec(
            select(Community).where(
                col(Community.platform).in_({platform for platform, _ in wanted}),
                col(Community.external_id).in_({external for _, external in wanted}),
            )
        )
        for community in rows:
            if (key := (community.platform, community.external_id)) in wanted:
                found.communities[key] = community
        for key, ref in wanted.items():
            if key not in found.communities:  # a community's first interaction
                found.communities[key] = await get_or_create_community(
                    tx, *key, name=ref.name, defaults=self.community_defaults
                )
        ids = {community.id for community in found.communities.values()}
        people = await tx.exec(
            select(Participant).where(
                col(Participant.community_id).in_(ids),
                col(Participant.user_id).in_({item.user.id for item in batch}),
            )
        )
        for person in people:
            found.people[(person.community_id, person.user_id)] = person
        if not batch[0].spec.anonymous:
            # A route that writes about a person stores everyone new, as `_context` does
            # one at a time: here all in one statement.
            new: dict[tuple[int, str], str] = {}
            for item in batch:
                ref = item.user.community
                who = (id_of(found.communities[(ref.platform.value, ref.id)]), item.user.id)
                if who not in found.people:
                    new.setdefault(who, clean(item.user.display_name))
            for stored in await get_or_create_participants(tx, new):
                found.people[(stored.community_id, stored.user_id)] = stored
        found.all_people = True
        return found

    async def _finish(
        self,
        outcome: _Outcome,
        responder: Responder,
        name: str,
        started: float,
        spec: Command | ComponentRoute,
    ) -> None:
        """After the commit: the platform effects, then the answer."""
        response, ctx = outcome.response, outcome.ctx
        if ctx is not None:
            if ctx.effects and spec.may_open_form and not isinstance(response, OpenForm):
                # Not acknowledged yet (a form might have been the answer), and effects can
                # outlast Discord's 3 seconds: acknowledge now.
                await responder.defer()
            await self._run_effects(ctx, name)
            if isinstance(response, Reply):
                response = _as_heard(response, ctx)
        result = outcome.result
        try:
            if isinstance(response, OpenForm):
                await responder.open_form(response.form)
            else:
                await responder.reply(response.message, private=response.private)
        except DeliveryError as exc:
            # Whatever the step did, the person saw nothing: the line says so, not "ok".
            result = "form_not_shown" if isinstance(response, OpenForm) else "not_answered"
            log.warning(
                "could not answer command=%s outcome=%s reason=%s", name, result, exc.reason
            )
        if not spec.anonymous:
            # Anonymous steps leave no line: its time could be matched with other records.
            log.info(
                "command=%s outcome=%s ms=%.1f",
                name,
                result,
                (time.perf_counter() - started) * 1000,
            )

    async def _run_effects(self, ctx: CommandContext, name: str) -> None:
        waiting = someone_waiting.set(True)
        try:
            for effect in ctx.effects:
                try:
                    await effect()
                except DeliveryError as exc:
                    ctx.undelivered = True
                    ctx.notes.append(self.delivery_sentence(exc))
                    log.warning("effect failed command=%s reason=%s", name, exc.reason)
                except Exception:
                    ctx.undelivered = True
                    ctx.notes.append(self.texts.t("delivery.failed"))
                    log.exception("effect failed command=%s", name)
        finally:
            someone_waiting.reset(waiting)

    def delivery_sentence(self, exc: DeliveryError) -> str:
        key = f"delivery.{exc.reason}"
        if key not in self.texts.strings:
            key = "delivery.failed"
        return self.texts.t(key, detail=exc.detail or "")

    def _sentence(self, exc: CommandError) -> OutgoingMessage:
        return OutgoingMessage(self.texts.t(exc.key, **exc.values), refused=True, field=exc.field)


def _as_heard(reply: Reply, ctx: CommandContext) -> Reply:
    """The answer as the person hears it once the effects have run: what is true of how they
    went, with any notes about deliveries, in the style the person chose."""
    message = reply.message
    if ctx.undelivered and reply.if_undelivered is not None:
        message = reply.if_undelivered
    if ctx.notes:
        notes = "\n\n".join(ctx.notes)
        message = replace(message, text=f"{message.text}\n\n{notes}" if message.text else notes)
    if ctx.actor.plain_style:
        message = replace(message, plain=True)
    return Reply(message, reply.private)


# The most interactions one transaction takes; a longer queue is written in several.
MAX_BATCH = 200


@dataclass
class _Item:
    """One interaction on its way through the dispatcher."""

    spec: Command | ComponentRoute
    args: dict[str, Any]
    user: UserRef
    where: ConversationRef
    done: asyncio.Future[_Outcome] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def settle(self, outcome: _Outcome) -> None:
        # Its waiter may be gone (cancelled while the process stops): then nobody is told.
        if not self.done.done():
            self.done.set_result(outcome)


@dataclass
class _Outcome:
    result: str  # ok, refused, unavailable or error (for the log)
    response: Response
    ctx: CommandContext | None = None


@dataclass
class _Found:
    """Communities and people already looked up in this transaction."""

    communities: dict[tuple[str, str], Community] = field(default_factory=dict)
    people: dict[tuple[int, str], Participant] = field(default_factory=dict)
    # Every stored person of the batch is in `people`: one missing there is not stored.
    all_people: bool = False
