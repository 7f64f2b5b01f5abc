"""Answers to one Discord interaction (the Responder port).

Discord wants an answer within 3 seconds. The dispatcher calls `defer()` before any database
work (unless the answer may be a form: a modal must be the first response). Then:

- commands and form submissions defer as "thinking", privately; the first private part of the
  answer replaces the thinking message, later parts are follow-ups;
- a public answer after a private thinking message deletes it and follows up in public,
  because a follow-up that replaced it would stay private;
- button clicks defer without a visible message (the clicked message stays as it is) and are
  answered with follow-ups.

An interaction that may be answered with a form cannot be deferred first, so `guard` defers
it anyway if nothing has answered within ANSWER_WITHIN seconds (a slow database): the person
then gets a sentence to try again instead of Discord's "the application did not respond".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord

from bot.core.messages import Form, OutgoingMessage
from bot.core.ports import DeliveryError
from bot.platforms.discord.components import build_modal
from bot.platforms.discord.render import RenderedMessage, render

log = logging.getLogger("brewbot.discord")

# Discord allows 3 seconds for the first response; this leaves room for the network.
ANSWER_WITHIN = 2.0


class InteractionResponder:
    def __init__(
        self, interaction: discord.Interaction, too_slow: str = "", more: str = ""
    ) -> None:
        self.interaction = interaction
        # Said instead of a form that can no longer be shown (see `guard`).
        self.too_slow = too_slow
        # Above buttons that follow on in a message of their own (render.render).
        self.more = more
        # A private "thinking" message is waiting for the first part of the answer.
        self._thinking = False
        # Only one first response: the guard and the answer must not both try.
        self._first = asyncio.Lock()
        self._guard: asyncio.Task[None] | None = None

    def guard(self, seconds: float = ANSWER_WITHIN) -> None:
        """Defer if nothing has answered within `seconds` (for answers that may be a form)."""
        self._guard = asyncio.create_task(self._defer_after(seconds))

    async def _defer_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        # From here the guard finishes its deferral (an answer waits for it on the lock):
        # cancelling a request half-sent could leave Discord and discord.py disagreeing.
        self._guard = None
        with contextlib.suppress(DeliveryError):
            await self.defer()

    def _stop_guard(self) -> None:
        """Cancel the guard while it is still waiting."""
        if self._guard is not None:
            self._guard.cancel()
            self._guard = None

    async def defer(self) -> None:
        self._stop_guard()
        async with self._first:
            await self._defer()

    async def _defer(self) -> None:
        response = self.interaction.response
        if response.is_done():
            return
        try:
            if self.interaction.type is discord.InteractionType.component:
                await response.defer()
            else:
                await response.defer(ephemeral=True, thinking=True)
                self._thinking = True
        except discord.HTTPException as exc:
            raise DeliveryError("failed", cause=f"Discord answered {exc.status}") from None

    async def reply(self, message: OutgoingMessage, *, private: bool = True) -> None:
        self._stop_guard()
        try:
            for part in render(message, more=self.more):
                await self._one(part, private)
        except discord.HTTPException as exc:
            raise DeliveryError("failed", cause=f"Discord answered {exc.status}") from None

    async def _one(self, part: RenderedMessage, private: bool) -> None:
        interaction = self.interaction
        async with self._first:
            if not interaction.response.is_done():
                await interaction.response.send_message(ephemeral=private, **part.kwargs())
                return
        if self._thinking:
            self._thinking = False
            if private:
                await interaction.edit_original_response(
                    content=part.content,
                    embeds=part.embeds,
                    attachments=part.files,
                    view=part.view,
                    allowed_mentions=part.mentions,
                )
                return
            await interaction.delete_original_response()
        await interaction.followup.send(ephemeral=private, **part.kwargs())

    async def open_form(self, form: Form) -> None:
        self._stop_guard()
        async with self._first:
            if not self.interaction.response.is_done():
                try:
                    await self.interaction.response.send_modal(build_modal(form))
                except discord.HTTPException as exc:
                    raise DeliveryError("failed", cause=f"Discord answered {exc.status}") from None
                return
        # Too late for a form: the guard deferred while the database was slow.
        # The route only: a reflection form's id also carries its one-use nonce, kept nowhere.
        route = ":".join(form.custom_id.split(":", 3)[:3])
        log.warning("form not shown: the interaction was already answered form=%s", route)
        if self.too_slow:
            await self.reply(OutgoingMessage(self.too_slow))
        raise DeliveryError("failed", cause="a form must be the first answer")
