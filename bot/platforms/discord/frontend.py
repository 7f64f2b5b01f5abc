"""The thin part: what a person did on Discord -> (command, args, who, where) or
(custom id, values, who, where) -> the Dispatcher, which defers, runs and answers.

Slash commands, buttons and form submissions all come through here, so every interaction
is answered or deferred within Discord's 3 seconds in the same way.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.app import App
from bot.core.commands import Command, CommandError, convert_options
from bot.core.messages import OutgoingMessage
from bot.core.ports import DeliveryError
from bot.core.refs import ConversationRef, UserRef
from bot.platforms.discord.components import split_community, submitted_values
from bot.platforms.discord.refs import (
    community_ref,
    conversation_ref,
    member_ref,
    named_roles,
)
from bot.platforms.discord.responder import InteractionResponder

log = logging.getLogger("brewbot.discord")


class FrontEnd:
    def __init__(self, app: App) -> None:
        self.app = app
        self.texts = app.deps.texts

    async def command(
        self, interaction: discord.Interaction, spec: Command, raw: dict[str, Any]
    ) -> None:
        """A slash command with its options as Discord gave them (by the table's names)."""
        responder = self._responder(interaction, spec.may_open_form)
        try:
            args = convert_options(spec, raw)
        except CommandError as exc:
            await self._say(responder, self.texts.t(exc.key, **exc.values))
            return
        if interaction.guild_id is None:
            await self._say(responder, self.texts.t("discord.unknown_community"))
            return
        user, where = self._refs(interaction, interaction.guild_id)
        args = named_roles(args, interaction.guild)
        await self.app.dispatcher.run(spec, args, user, where, responder)

    async def button(self, interaction: discord.Interaction, custom: str) -> None:
        await self._component(interaction, custom, {})

    async def modal(self, interaction: discord.Interaction) -> None:
        """A form submission. Its values are never logged: they may be a reflection."""
        data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
        values = submitted_values(list(data.get("components") or []))
        await self._component(interaction, str(data.get("custom_id", "")), values)

    async def _component(
        self, interaction: discord.Interaction, custom: str, values: dict[str, str]
    ) -> None:
        brew_id, marked_guild = split_community(custom)
        responder = self._responder(interaction, self.app.table.may_open_form(brew_id))
        guild_id = interaction.guild_id or (int(marked_guild) if marked_guild else None)
        if guild_id is None:
            await self._say(responder, self.texts.t("discord.unknown_community"))
            return
        if interaction.guild_id is not None:
            user, where = self._refs(interaction, guild_id)
        else:
            # A button in a private message: who the person is in that server needs a call to
            # Discord, so acknowledge first unless the answer may be a form.
            if not self.app.table.may_open_form(brew_id):
                await responder.defer()
            user, where = await self._private_refs(interaction, guild_id)
        await self.app.dispatcher.run_component(brew_id, values, user, where, responder)

    def _responder(
        self, interaction: discord.Interaction, may_open_form: bool
    ) -> InteractionResponder:
        responder = InteractionResponder(
            interaction, self.texts.t("errors.try_again"), self.texts.t("discord.more_choices")
        )
        if may_open_form:
            # Not deferred by the dispatcher (a form must come first): keep the 3 seconds.
            responder.guard()
        return responder

    def _refs(
        self, interaction: discord.Interaction, guild_id: int
    ) -> tuple[UserRef, ConversationRef]:
        community = community_ref(interaction.guild, guild_id)
        user = member_ref(community, interaction.user, interaction.permissions)
        where = conversation_ref(community, interaction.channel, interaction.channel_id)
        return user, where

    async def _private_refs(
        self, interaction: discord.Interaction, guild_id: int
    ) -> tuple[UserRef, ConversationRef]:
        client = interaction.client
        guild = client.get_guild(guild_id)
        community = community_ref(guild, guild_id)
        person: discord.Member | discord.User = interaction.user
        if guild is not None:
            try:
                person = guild.get_member(interaction.user.id) or await guild.fetch_member(
                    interaction.user.id
                )
            except discord.HTTPException:
                # No longer in the server: they act as anyone would, without its roles.
                person = interaction.user
        where = ConversationRef(community, str(interaction.channel_id or ""))
        return member_ref(community, person), where

    async def _say(self, responder: InteractionResponder, text: str) -> None:
        try:
            await responder.reply(OutgoingMessage(text))
        except DeliveryError as exc:
            log.warning("could not answer reason=%s", exc.reason)
