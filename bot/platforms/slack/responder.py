"""The Responder for one Slack interaction (slash command, button click, form submission).

The request itself was acknowledged within Slack's 3 seconds by the listener's `ack`, before
any of this runs, so `defer` has nothing left to do. Answers go, in order of preference:
through the interaction's response_url (ephemeral or in the channel, never replacing the
message whose button was pressed), else as an ephemeral message in the channel, else as a
direct message. Files cannot ride on an ephemeral message, so a private file goes by DM.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.core.messages import Form, OutgoingMessage
from bot.core.ports import DeliveryError
from bot.platforms.slack.adapter import SlackAdapter
from bot.platforms.slack.blocks import SlackMessage, render, render_view
from bot.platforms.slack.errors import TRANSPORT_ERRORS, to_delivery_error

log = logging.getLogger("brewbot.slack")


class SlackResponder:
    def __init__(
        self,
        adapter: SlackAdapter,
        client: AsyncWebClient,
        *,
        user_id: str,
        channel_id: str,
        thread_ts: str | None = None,
        response_url: str | None = None,
        trigger_id: str | None = None,
    ) -> None:
        self.adapter = adapter
        self.client = client
        self.texts = adapter.texts
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
        parts = render(message)
        if parts and not await self._respond(parts, private):
            if private:
                await self._ephemeral(parts)
            else:
                for part in parts:
                    await self.adapter.post(
                        self.client, self.channel_id, part, thread_ts=self.thread_ts
                    )
        if message.attachments:
            if private:
                channel = await self.adapter.open_dm(self.client, self.user_id)
                await self.adapter.upload(self.client, channel, message.attachments)
            else:
                await self.adapter.upload(
                    self.client, self.channel_id, message.attachments, thread_ts=self.thread_ts
                )

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
        )
        try:
            await self.client.views_open(trigger_id=self.trigger_id, view=view)
        except TRANSPORT_ERRORS as exc:
            raise to_delivery_error(exc, self.texts, channel=self.channel_id) from exc

    async def _respond(self, parts: Sequence[SlackMessage], private: bool) -> bool:
        """Answer through the response_url; False if there is none or it no longer works."""
        if not self.response_url:
            return False
        hook = AsyncWebhookClient(self.response_url)
        for part in parts:
            try:
                response = await hook.send(
                    text=part.text,
                    blocks=part.blocks,
                    response_type="ephemeral" if private else "in_channel",
                    replace_original=False,
                )
            except TRANSPORT_ERRORS as exc:
                log.info("response_url failed error=%s", type(exc).__name__)
                return False
            if response.status_code != 200:
                # Expired (30 minutes) or used up (5 answers): fall back to the Web API.
                log.info("response_url refused status=%s", response.status_code)
                return False
        return True

    async def _ephemeral(self, parts: Sequence[SlackMessage]) -> None:
        try:
            for part in parts:
                args = {
                    "channel": self.channel_id,
                    "user": self.user_id,
                    "text": part.text,
                    "blocks": part.blocks,
                }
                if self.thread_ts:
                    args["thread_ts"] = self.thread_ts
                await self.client.chat_postEphemeral(**args)
            return
        except TRANSPORT_ERRORS as exc:
            # e.g. the form was opened from a channel the bot has since left.
            log.info("ephemeral answer failed, trying a direct message")
            fallback = to_delivery_error(exc, self.texts, channel=self.channel_id)
        try:
            channel = await self.adapter.open_dm(self.client, self.user_id)
            for part in parts:
                await self.adapter.post(self.client, channel, part, private=True)
        except DeliveryError:
            raise fallback from None
