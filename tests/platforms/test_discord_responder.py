"""How one interaction is answered, and how Discord's refusals are worded. The interaction is a
mock with `spec_set` on discord.py's own classes, so a misspelt attribute fails."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from unittest.mock import MagicMock

import discord
import pytest

from bot.core.messages import Form, FormField, OutgoingMessage
from bot.core.ports import DeliveryError
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.engine.texts import Texts
from bot.platforms.discord import permissions as perms
from bot.platforms.discord.errors import delivery_error
from bot.platforms.discord.refs import conversation_ref, member_ref
from bot.platforms.discord.responder import InteractionResponder

NONE = {"parse": []}


def _interaction(kind: discord.InteractionType) -> MagicMock:
    interaction = MagicMock(spec_set=discord.Interaction)
    interaction.type = kind
    response = MagicMock(spec_set=discord.InteractionResponse)
    answered = {"done": False}
    response.is_done.side_effect = lambda: answered["done"]

    async def answer(*_args, **_kwargs):
        answered["done"] = True

    for method in (response.defer, response.send_message, response.send_modal):
        method.side_effect = answer
    interaction.response = response
    interaction.followup = MagicMock(spec_set=discord.Webhook)
    return interaction


def _http_error(cls: type[discord.HTTPException], status: int, code: int) -> Exception:
    response = SimpleNamespace(status=status, reason="refused")
    return cls(response, {"message": "refused", "code": code})


async def test_a_command_thinks_privately_then_the_answer_replaces_the_thinking():
    interaction = _interaction(discord.InteractionType.application_command)
    responder = InteractionResponder(interaction)
    await responder.defer()
    interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    await responder.reply(OutgoingMessage("Done."))
    edit = interaction.edit_original_response
    edit.assert_awaited_once()
    assert edit.await_args.kwargs["content"] == "Done."
    assert edit.await_args.kwargs["allowed_mentions"].to_dict() == NONE
    # A second answer is a private follow-up.
    await responder.reply(OutgoingMessage("And another thing."))
    interaction.followup.send.assert_awaited_once()
    assert interaction.followup.send.await_args.kwargs["ephemeral"] is True


async def test_a_public_answer_after_private_thinking_is_posted_in_public():
    interaction = _interaction(discord.InteractionType.application_command)
    responder = InteractionResponder(interaction)
    await responder.defer()
    await responder.reply(OutgoingMessage("We said, we did"), private=False)
    interaction.delete_original_response.assert_awaited_once()
    interaction.edit_original_response.assert_not_awaited()
    kwargs = interaction.followup.send.await_args.kwargs
    assert kwargs["ephemeral"] is False and kwargs["content"] == "We said, we did"


async def test_a_button_click_is_acknowledged_quietly_and_answered_privately():
    interaction = _interaction(discord.InteractionType.component)
    responder = InteractionResponder(interaction)
    await responder.defer()
    interaction.response.defer.assert_awaited_once_with()
    await responder.reply(OutgoingMessage("Thank you."))
    kwargs = interaction.followup.send.await_args.kwargs
    assert kwargs["ephemeral"] is True and kwargs["allowed_mentions"].to_dict() == NONE


async def test_without_a_deferral_the_answer_is_the_first_response():
    interaction = _interaction(discord.InteractionType.application_command)
    await InteractionResponder(interaction).reply(OutgoingMessage("Reflections are open."))
    kwargs = interaction.response.send_message.await_args.kwargs
    assert kwargs["ephemeral"] is True and kwargs["content"] == "Reflections are open."


async def test_a_form_must_be_the_first_response():
    form = Form("Share a reflection", "brew:reflection:submit:1", (FormField("text", "Words"),))
    fresh = _interaction(discord.InteractionType.component)
    await InteractionResponder(fresh).open_form(form)
    modal = fresh.response.send_modal.await_args.args[0]
    assert isinstance(modal, discord.ui.Modal) and modal.custom_id == form.custom_id
    late = _interaction(discord.InteractionType.component)
    responder = InteractionResponder(late)
    await responder.defer()
    with pytest.raises(DeliveryError):
        await responder.open_form(form)
    late.response.send_modal.assert_not_awaited()


async def test_a_refused_answer_is_a_delivery_error_not_a_crash():
    interaction = _interaction(discord.InteractionType.component)
    responder = InteractionResponder(interaction)
    await responder.defer()
    interaction.followup.send.side_effect = _http_error(discord.NotFound, 404, 10062)
    with pytest.raises(DeliveryError) as caught:
        await responder.reply(OutgoingMessage("Too late"))
    assert caught.value.reason == "failed"


def test_refusals_are_worded_for_the_facilitator():
    texts = Texts.load()
    no_private = discord.Permissions(perms.REQUIRED_PERMISSIONS.value)
    no_private.create_private_threads = False
    forbidden = _http_error(discord.Forbidden, 403, 50013)
    named = delivery_error(forbidden, texts, need=perms.PRIVATE_THREAD, permissions=no_private)
    assert (named.reason, named.detail) == ("missing_permission", "Create Private Threads")
    # When the cache says all is well, name what the operation needed most.
    fallback = delivery_error(forbidden, texts, need=perms.SEND_IN_THREAD)
    assert fallback.detail == "Send Messages in Threads"
    closed = delivery_error(_http_error(discord.Forbidden, 403, 50007), texts, need=perms.SEND)
    assert closed.reason == "dm_closed"
    gone = delivery_error(
        _http_error(discord.NotFound, 404, 10003), texts, need=perms.SEND, where="thread"
    )
    assert (gone.reason, gone.detail) == ("not_found", "the breakout thread")
    archived = delivery_error(
        _http_error(discord.HTTPException, 400, 50083), texts, need=perms.SEND
    )
    assert archived.reason == "archived"
    sentence = texts.t("delivery.missing_permission", detail=named.detail)
    assert sentence.count(".") == 2 and "Create Private Threads" in sentence


GUILD = CommunityRef(Platform.DISCORD, "42", "Test server")


def _role(name: str, default: bool = False, role_id: int = 0) -> MagicMock:
    role = MagicMock(spec_set=discord.Role)
    role.name = name
    role.id = role_id
    role.is_default.return_value = default
    return role


def test_who_acted_with_their_role_names_ids_and_admin_rights():
    member = MagicMock(spec_set=discord.Member)
    member.id = 7
    member.display_name = "Fran"
    member.roles = [_role("@everyone", default=True, role_id=1), _role("Facilitator", role_id=42)]
    member.guild_permissions = discord.Permissions.none()
    user = member_ref(GUILD, member, discord.Permissions(manage_guild=True))
    assert user == UserRef(GUILD, "7", "Fran", frozenset({"Facilitator", "42"}), True)
    assert member_ref(GUILD, member).is_admin is False


def test_a_command_in_a_breakout_thread_belongs_to_its_channel():
    thread = MagicMock(spec_set=discord.Thread)
    thread.id = 5
    thread.parent_id = 4
    assert conversation_ref(GUILD, thread, 5) == ConversationRef(GUILD, "4", "5")
    channel = MagicMock(spec_set=discord.TextChannel)
    channel.id = 4
    assert conversation_ref(GUILD, channel, 4) == ConversationRef(GUILD, "4")


async def test_a_slow_answer_that_may_be_a_form_is_deferred_in_time():
    interaction = _interaction(discord.InteractionType.component)
    deferred = asyncio.Event()
    done = {"yes": False}
    interaction.response.is_done.side_effect = lambda: done["yes"]

    async def defer(*_args, **_kwargs):
        done["yes"] = True
        deferred.set()

    interaction.response.defer.side_effect = defer
    responder = InteractionResponder(interaction, too_slow="Please try again in a moment.")
    responder.guard(0)  # the database is "slow": nothing has answered yet
    await asyncio.wait_for(deferred.wait(), 5)
    form = Form("Share a reflection", "brew:reflection:submit:1", (FormField("text", "Words"),))
    with pytest.raises(DeliveryError):
        await responder.open_form(form)
    interaction.response.send_modal.assert_not_awaited()
    said = interaction.followup.send.await_args.kwargs
    assert said["content"] == "Please try again in a moment." and said["ephemeral"] is True


async def test_a_quick_answer_stops_the_guard():
    interaction = _interaction(discord.InteractionType.component)
    responder = InteractionResponder(interaction)
    responder.guard(60)
    guard = responder._guard
    await responder.open_form(Form("Add a spark", "brew:spark:add:", (FormField("t", "T"),)))
    with pytest.raises(asyncio.CancelledError):
        await guard
    interaction.response.defer.assert_not_awaited()
    interaction.response.send_modal.assert_awaited_once()


async def test_a_form_not_shown_is_logged_without_its_nonce(caplog):
    """A reflection form's id carries its one-use nonce (bot/reflections/resend.py): the line
    saying it could not be shown names the route only."""
    nonce = "0123456789abcdef0123456789abcdef"
    form = Form("Share a reflection", f"brew:reflection:submit:1:{nonce}", (FormField("t", "W"),))
    late = _interaction(discord.InteractionType.component)
    responder = InteractionResponder(late)
    await responder.defer()
    with pytest.raises(DeliveryError):
        await responder.open_form(form)
    assert "form=brew:reflection:submit" in caplog.text
    assert nonce not in caplog.text
