"""The Responder for one Slack interaction (slash command, button click, form submission).

The request itself was acknowledged within Slack's 3 seconds by the listener's `ack`, before
any of this runs, so `defer` has nothing left to do. Answers go, in order of preference:
through the interaction's response_url (ephemeral or in the channel, never replacing the
message whose button was pressed), else as an ephemeral message in the channel, else as a
direct message. Files cannot ride on an ephemeral message, so a private file goes by DM.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.core.messages import Form, OutgoingMessage, Section
from bot.core.ports import DeliveryError
from bot.platforms.slack.adapter import SlackAdapter
from bot.platforms.slack.blocks import SlackMessage, render, render_view
from bot.platforms.slack.errors import (
    TRANSPORT_ERRORS,
    api_error,
    to_delivery_error,
    turned_down,
)

log = logging.getLogger("brewbot.slack")


class SlackResponder:
    def __init__(
        self,
        adapter: SlackAdapter,
        client: AsyncWebClient,
        *,
        team_id: str,
        user_id: str,
        channel_id: str,
        thread_ts: str | None = None,
        response_url: str | None = None,
        trigger_id: str | None = None,
    ) -> None:
        self.adapter = adapter
        self.client = client
        self.texts = adapter.texts
        self.team_id = team_id
        self.user_id = user_id
        self.channel_id = channel_id
        self.thread_ts = thread_ts
        self.response_url = response_url
        self.trigger_id = trigger_id
        # What this interaction answered first: "form" or "reply" (for tests and logs).
        self.first: str | None = None

    async def defer(self) -> None:
        return None

    async def reply(self, message: OutgoingMessage, *, private: bool = True) -> None:
        self.first = self.first or "reply"
        if message.keep_copy and private:
            # An ephemeral message is gone after a reload or on another device: what the
            # reader must keep (a withdrawal code) also goes to their messages with Brewbot.
            copied = await self._private_copy(replace(message, keep_copy=False))
            note = self.texts.t("slack.copy_in_dm") if copied else ""
            text = "\n\n".join(part for part in (message.text, note) if part)
            message = replace(message, text=text, keep_copy=False)
        parts = render(message, pictures=self.adapter.pictures)
        rest = await self._respond(parts, private)
        if rest:
            if private:
                await self._ephemeral(rest)
            else:
                for part in rest:
                    await self.adapter.post(
                        self.client, self.channel_id, part, thread_ts=self.thread_ts
                    )
        if message.attachments:
            if private:
                channel = await self.adapter.dm(self.client, self.team_id, self.user_id)
                await self.adapter.upload(self.client, channel, message.attachments)
            else:
                await self.adapter.upload(
                    self.client, self.channel_id, message.attachments, thread_ts=self.thread_ts
                )

    async def _private_copy(self, message: OutgoingMessage) -> bool:
        """Best effort, straight to the person's direct messages with Brewbot: never through
        the outbox, never stored, nothing logged (it may hold a withdrawal code, and its
        time is close to a reflection's). True once it arrived."""
        try:
            channel = await self.adapter.dm(self.client, self.team_id, self.user_id)
            for part in render(message, pictures=self.adapter.pictures):
                await self.adapter.post(self.client, channel, part, private=True)
        except DeliveryError:
            return False
        return True

    async def open_form(self, form: Form) -> None:
        self.first = self.first or "form"
        if not self.trigger_id:
            # Only a click or a command can open a form; say how to get one instead.
            await self.reply(OutgoingMessage(self.texts.t("slack.form_needs_click")))
            return
        metadata = {"channel": self.channel_id}
        if self.thread_ts:
            metadata["thread"] = self.thread_ts
        view = render_view(
            form,
            metadata,
            close=self.texts.t("slack.form_close"),
            placeholder=self.texts.t("slack.form_choose"),
            pictures=self.adapter.pictures,
        )
        try:
            await self.client.views_open(trigger_id=self.trigger_id, view=view)
        except TRANSPORT_ERRORS as exc:
            if turned_down(exc) and api_error(exc) != "exchanged_trigger_id":
                # Slack refused the form (most often its 3 seconds from the press had passed,
                # in a crowd), so the press showed nothing: say so, privately, so they press
                # again instead of waiting. Not after a timeout or a 5xx, nor for a trigger
                # already used, when a form may be showing. Best effort; the caller logs the
                # form as not shown either way.
                with contextlib.suppress(DeliveryError):
                    await self.reply(OutgoingMessage(self.texts.t("slack.form_not_opened")))
            raise to_delivery_error(exc, self.texts, channel=self.channel_id) from exc

    async def _respond(
        self, parts: Sequence[SlackMessage], private: bool
    ) -> Sequence[SlackMessage]:
        """Answer through the response_url; returns the parts it did not take (all of them
        if there is none, from the first it refused if it stopped working part way), for the
        Web API to finish: the parts already shown are not posted again."""
        if not self.response_url:
            return parts
        # On the shared session: its connections are kept, not one made for each answer.
        hook = AsyncWebhookClient(self.response_url, session=self.adapter.clients.session)
        for sent, part in enumerate(parts):
            try:
                response = await hook.send(
                    text=part.text,
                    blocks=part.blocks,
                    response_type="ephemeral" if private else "in_channel",
                    replace_original=False,
                )
            except TRANSPORT_ERRORS as exc:
                log.info("response_url failed error=%s", type(exc).__name__)
                return parts[sent:]
            if response.status_code != 200:
                # Expired (30 minutes) or used up (5 answers): fall back to the Web API.
                log.info("response_url refused status=%s", response.status_code)
                return parts[sent:]
        return ()

    async def _ephemeral(self, parts: Sequence[SlackMessage]) -> None:
        try:
            for part in parts:
                await self.client.chat_postEphemeral(
                    channel=self.channel_id,
                    user=self.user_id,
                    text=part.text,
                    blocks=part.blocks,
                    thread_ts=self.thread_ts or None,  # the SDK leaves out what is None
                )
            return
        except TRANSPORT_ERRORS as exc:
            # e.g. the form was opened from a channel the bot has since left.
            log.info("ephemeral answer failed, trying a direct message")
            fallback = to_delivery_error(exc, self.texts, channel=self.channel_id)
        try:
            channel = await self.adapter.dm(self.client, self.team_id, self.user_id)
            for part in parts:
                await self.adapter.post(self.client, channel, part, private=True)
        except DeliveryError:
            raise fallback from None


@dataclass(frozen=True)
class Answer:
    message: OutgoingMessage
    private: bool


class HeldResponder:
    """The Responder for a form submission (view_submission). Slack keeps the form open only
    if the acknowledgement itself says so (`response_action: errors`), so the answer is held
    until the listener knows whether it turns the submission down (then it is shown in the
    form, with the person's words still there) or not (then the form closes and the answer is
    sent as usual). An answer that comes after the listener stopped waiting is sent at once;
    if it turns the submission down, it carries the person's own words (`words`) back to
    them, privately, so nothing they wrote is lost."""

    # Read by the dispatcher: acknowledge this submission only once the checks that could
    # turn it down have passed, so that a refusal comes with the acknowledgement.
    shows_refusals_in_form = True

    def __init__(self, inner: SlackResponder, words: str = "") -> None:
        self.inner = inner
        self.words = words
        self.answer: Answer | None = None
        self.late = False
        # Set when the dispatcher acknowledges: the submission passed the checks that could
        # turn it down in the form (ComponentRoute.check), so the form may close.
        self.acknowledged = asyncio.Event()

    async def defer(self) -> None:
        self.acknowledged.set()

    async def reply(self, message: OutgoingMessage, *, private: bool = True) -> None:
        if not self.late:
            self.answer = Answer(message, private)
            return
        if message.refused and self.words:
            words = Section(self.words, self.inner.texts.t("slack.form_your_words"), untrusted=True)
            message = replace(message, sections=(*message.sections, words))
        await self.send(Answer(message, private))

    async def open_form(self, form: Form) -> None:
        await self.inner.open_form(form)

    async def send(self, answer: Answer) -> None:
        try:
            await self.inner.reply(answer.message, private=answer.private)
        except DeliveryError:
            # Nothing is logged: the time of a form's answer is the time of a reflection.
            return
