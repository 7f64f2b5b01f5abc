"""What Slack sends to the app, for tests: slash commands, button clicks, view submissions and
events, as really signed HTTP requests (v0 HMAC-SHA256 over "v0:{timestamp}:{body}", with the
current time) to the app's /slack/events endpoint, with the payload fields Slack sends."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bot.loopback.slack_server import TEAM_DOMAIN, TEAM_ID, FakeSlack

API_APP_ID = "A0BREW"
FORM = "application/x-www-form-urlencoded"


def form_body(payload: dict[str, Any]) -> str:
    """An interaction payload as Slack posts it: form-encoded, its JSON under "payload"."""
    return urlencode({"payload": json.dumps(payload)})


def signature(secret: str, timestamp: int, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Sent:
    status: int
    text: str
    response_url: str = ""


class SlackSender:
    def __init__(
        self,
        endpoint: str,
        secret: str,
        fake: FakeSlack,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.secret = secret
        self.fake = fake
        # One session kept for every request (the bench's thousands a second, on kept
        # connections); without it, a session of its own per request.
        self.session = session

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        signed: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Sent:
        stamp = int(time.time()) if timestamp is None else timestamp
        sent_headers = {"Content-Type": content_type, **(headers or {})}
        if signed:
            sent_headers["X-Slack-Request-Timestamp"] = str(stamp)
            sent_headers["X-Slack-Signature"] = signature(secret or self.secret, stamp, body)
        if self.session is not None:
            return await self._send(self.session, body, sent_headers)
        async with aiohttp.ClientSession() as session:
            return await self._send(session, body, sent_headers)

    async def _send(
        self, session: aiohttp.ClientSession, body: str, headers: dict[str, str]
    ) -> Sent:
        async with session.post(self.endpoint, data=body.encode(), headers=headers) as response:
            return Sent(response.status, await response.text())

    def _trigger(self) -> str:
        return self.fake.new_trigger()

    # -- payloads ---------------------------------------------------------------------------

    def command_body(self, user_id: str, text: str, channel: str) -> tuple[str, str]:
        response_url = self.fake.new_response_url()
        user = self.fake.users.get(user_id, {})
        form = {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel,
            "channel_name": self.fake.channels[channel].name
            if channel in self.fake.channels
            else "unknown",
            "user_id": user_id,
            "user_name": user.get("name", "someone"),
            "command": "/brew",
            "text": text,
            "api_app_id": API_APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": self._trigger(),
        }
        return urlencode(form), response_url

    async def command(self, user_id: str, text: str, channel: str = "C0ROOM", **kw: Any) -> Sent:
        body, response_url = self.command_body(user_id, text, channel)
        sent = await self.post(body, FORM, **kw)
        sent.response_url = response_url
        return sent

    async def click(
        self,
        user_id: str,
        action_id: str,
        channel: str = "C0ROOM",
        *,
        message_ts: str = "",
        thread_ts: str | None = None,
    ) -> Sent:
        payload = self.click_payload(
            user_id, action_id, channel, message_ts=message_ts, thread_ts=thread_ts
        )
        sent = await self.post(form_body(payload), FORM)
        sent.response_url = payload["response_url"]
        return sent

    def click_payload(
        self,
        user_id: str,
        action_id: str,
        channel: str = "C0ROOM",
        *,
        message_ts: str = "",
        thread_ts: str | None = None,
    ) -> dict[str, Any]:
        """A button click (block_actions), with a fresh trigger_id and response_url."""
        response_url = self.fake.new_response_url()
        user = self.fake.users.get(user_id, {})
        container: dict[str, Any] = {
            "type": "message",
            "message_ts": message_ts or "1700000000.000001",
            "channel_id": channel,
            "is_ephemeral": False,
        }
        if thread_ts:
            container["thread_ts"] = thread_ts
        return {
            "type": "block_actions",
            "user": {
                "id": user_id,
                "username": user.get("name", ""),
                "name": user.get("name", ""),
                "team_id": TEAM_ID,
            },
            "api_app_id": API_APP_ID,
            "token": "legacy-verification-token",
            "container": container,
            "trigger_id": self._trigger(),
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": "room"},
            "message": {"type": "message", "ts": container["message_ts"], "text": ""},
            "state": {"values": {}},
            "response_url": response_url,
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b1",
                    "text": {"type": "plain_text", "text": "button"},
                    "value": action_id,
                    "type": "button",
                    "action_ts": f"{int(time.time())}.000100",
                }
            ],
        }

    async def submit(
        self, user_id: str, view: dict[str, Any], answers: dict[str, Any], **kw: Any
    ) -> Sent:
        """Submit an opened modal, answering its inputs: text, a choice value, or a list of
        ticked checkbox values. `kw` go to `post` (e.g. a wrong `secret`)."""
        return await self.post(form_body(self.submit_payload(user_id, view, answers)), FORM, **kw)

    def submit_payload(
        self, user_id: str, view: dict[str, Any], answers: dict[str, Any]
    ) -> dict[str, Any]:
        """A view_submission of an opened modal (see `submit`)."""
        values: dict[str, Any] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            element = block["element"]
            answer = answers.get(block["block_id"])
            state: dict[str, Any] = {"type": element["type"]}
            if element["type"] == "static_select":
                option = next((o for o in element["options"] if o["value"] == answer), None)
                state["selected_option"] = option
            elif element["type"] == "checkboxes":
                state["selected_options"] = [
                    o for o in element["options"] if o["value"] in (answer or [])
                ]
            else:
                state["value"] = answer
            values[block["block_id"]] = {element["action_id"]: state}
        user = self.fake.users.get(user_id, {})
        return {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "user": {
                "id": user_id,
                "username": user.get("name", ""),
                "name": user.get("name", ""),
                "team_id": TEAM_ID,
            },
            "api_app_id": API_APP_ID,
            "token": "legacy-verification-token",
            "trigger_id": self._trigger(),
            "view": {**view, "state": {"values": values}, "hash": "1.abc"},
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def event_body(self, event: dict[str, Any], event_id: str) -> str:
        return json.dumps(
            {
                "token": "legacy-verification-token",
                "team_id": TEAM_ID,
                "api_app_id": API_APP_ID,
                "event": event,
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "authorizations": [
                    {
                        "team_id": TEAM_ID,
                        "user_id": "UBREWBOT",
                        "is_bot": True,
                        "is_enterprise_install": False,
                    }
                ],
                "is_ext_shared_channel": False,
            }
        )

    async def event(
        self, event: dict[str, Any], event_id: str, *, retry: int = 0, reason: str = ""
    ) -> Sent:
        headers = {}
        if retry:
            headers = {
                "X-Slack-Retry-Num": str(retry),
                "X-Slack-Retry-Reason": reason or "http_timeout",
            }
        return await self.post(
            self.event_body(event, event_id), "application/json", headers=headers
        )
