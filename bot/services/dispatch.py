"""The one path every platform's commands, buttons and forms take into the services.

For each interaction: defer (unless a form may be the answer), open one transaction, find the
community and the person, check who may do it, run the handler, commit, then run platform
effects, then answer. Bad input gets one sentence; nothing half-written is stored; no
traceback reaches a chat; anonymous commands are never logged with who ran them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import replace
from typing import Any

from bot.core.commands import (
    Audience,
    Command,
    CommandError,
    CommandTable,
    ComponentRoute,
    parse_text,
)
from bot.core.messages import OpenForm, OutgoingMessage, Reply, parse_custom_id
from bot.core.ports import DeliveryError, Responder
from bot.core.refs import ConversationRef, UserRef
from bot.services.clock import Clock
from bot.services.context import CommandContext
from bot.services.texts import Texts
from storage.engine import Database, DatabaseUnavailable
from storage.repositories import get_or_create_community, get_or_create_participant

log = logging.getLogger("brewbot.dispatch")


class Dispatcher:
    def __init__(
        self,
        db: Database,
        table: CommandTable,
        texts: Texts,
        clock: Clock,
        community_defaults: dict[str, object] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.table = table
        self.texts = texts
        self.community_defaults = community_defaults or {}
        # Shutdown turns new commands away and waits for the ones already running (drain).
        self.in_flight = 0
        self.accepting = True
        self._idle = asyncio.Event()
        self._idle.set()

    async def run_text(
        self, text: str, user: UserRef, where: ConversationRef, responder: Responder
    ) -> None:
        """A typed command (shell, Slack): parse, then run as if chosen from a menu."""
        try:
            command, args = parse_text(text, self.table)
        except CommandError as exc:
            await responder.reply(self._sentence(exc), private=True)
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
        parsed = parse_custom_id(custom)
        route = self.table.components.get(parsed[:2]) if parsed else None
        if parsed is None or route is None:
            await responder.reply(OutgoingMessage(self.texts.t("errors.unknown_button")))
            return
        args: dict[str, Any] = {"arg": parsed[2], "values": values}
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
        self.accepting = False
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
        if not self.accepting:
            # Shutting down: another process, or this one restarted, will take it.
            with contextlib.suppress(DeliveryError):
                await responder.reply(OutgoingMessage(self.texts.t("errors.try_again")))
            return
        self.in_flight += 1
        self._idle.clear()
        try:
            await self._run_one(spec, name, args, user, where, responder)
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self._idle.set()

    async def _run_one(
        self,
        spec: Command | ComponentRoute,
        name: str,
        args: dict[str, Any],
        user: UserRef,
        where: ConversationRef,
        responder: Responder,
    ) -> None:
        started = time.perf_counter()
        if not spec.may_open_form:
            # Discord wants an answer within 3 s: acknowledge before any database work.
            await responder.defer()
        ctx: CommandContext | None = None
        outcome = "ok"
        try:
            async with self.db.transaction() as tx:
                community = await get_or_create_community(
                    tx,
                    user.community.platform.value,
                    user.community.id,
                    name=user.community.name,
                    defaults=self.community_defaults,
                )
                actor = await get_or_create_participant(
                    tx, community, user.id, "" if spec.anonymous else user.display_name
                )
                is_facilitator = user.is_admin or community.facilitator_role.casefold() in {
                    r.casefold() for r in user.roles
                }
                ctx = CommandContext(
                    tx=tx,
                    community=community,
                    actor=actor,
                    user=user,
                    conversation=where,
                    args=args,
                    is_facilitator=is_facilitator,
                )
                if spec.audience is Audience.FACILITATOR and not is_facilitator:
                    raise CommandError("errors.facilitators_only", role=community.facilitator_role)
                if not spec.anonymous:
                    # Retention counts from here. Never on anonymous steps, so no stored time
                    # sits close to when someone wrote a reflection.
                    actor.last_seen_at = self.clock.now()
                    tx.add(actor)
                response = await spec.handler(ctx)
                if actor.plain_style and isinstance(response, Reply):
                    response = Reply(replace(response.message, plain=True), response.private)
        except CommandError as exc:
            outcome = "refused"
            response = Reply(self._sentence(exc))
            ctx = None
        except DatabaseUnavailable:
            outcome = "unavailable"
            response = Reply(OutgoingMessage(self.texts.t("errors.try_again")))
            ctx = None
        except Exception:
            outcome = "error"
            # Never the arguments: they may hold a reflection's words.
            log.exception("command failed command=%s", name)
            response = Reply(OutgoingMessage(self.texts.t("errors.internal")))
            ctx = None
        if ctx is not None:
            await self._run_effects(ctx, name)
            if ctx.notes and isinstance(response, Reply):
                response = Reply(_with_notes(response.message, ctx.notes), response.private)
        try:
            if isinstance(response, OpenForm):
                await responder.open_form(response.form)
            else:
                await responder.reply(response.message, private=response.private)
        except DeliveryError as exc:
            log.warning("could not answer command=%s reason=%s", name, exc.reason)
        log.info(
            "command=%s outcome=%s ms=%.1f", name, outcome, (time.perf_counter() - started) * 1000
        )

    async def _run_effects(self, ctx: CommandContext, name: str) -> None:
        for effect in ctx.effects:
            try:
                await effect()
            except DeliveryError as exc:
                ctx.notes.append(self.delivery_sentence(exc))
                log.warning("effect failed command=%s reason=%s", name, exc.reason)
            except Exception:
                ctx.notes.append(self.texts.t("delivery.failed"))
                log.exception("effect failed command=%s", name)

    def delivery_sentence(self, exc: DeliveryError) -> str:
        key = f"delivery.{exc.reason}"
        if key not in self.texts.strings:
            key = "delivery.failed"
        return self.texts.t(key, detail=exc.detail or "")

    def _sentence(self, exc: CommandError) -> OutgoingMessage:
        return OutgoingMessage(self.texts.t(exc.key, **exc.values))


def _with_notes(message: OutgoingMessage, notes: list[str]) -> OutgoingMessage:
    text = "\n\n".join([message.text, *notes]) if message.text else "\n\n".join(notes)
    return OutgoingMessage(
        text=text,
        sections=message.sections,
        actions=message.actions,
        attachments=message.attachments,
        title=message.title,
    )
