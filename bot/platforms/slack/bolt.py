"""The Bolt AsyncApp factory. The Web API client is injectable (tests point it at a loopback
fake through SLACK_API_URL); it always carries the SDK's rate-limit retry handler.

Bolt answers Slack once a request's listener returns (`process_before_response`): every
listener acknowledges and leaves its work running (listeners/interaction.py), so the answer
goes at once, where Bolt's other way runs the listener on its own and looks every 10 ms
whether it has acknowledged yet."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.engine.texts import Texts
from bot.platforms.slack.authorize import shared_authorize
from bot.platforms.slack.clients import install_retry_handlers
from bot.platforms.slack.dedupe import EventDedupe
from bot.platforms.slack.listeners import register_all
from bot.platforms.slack.payloads import identified
from bot.platforms.slack.shared import SlackServices

log = logging.getLogger("brewbot.slack")

# Interactions that act for a person: a click and a form submitted.
INTERACTIONS = frozenset({"block_actions", "view_submission"})


def build_bolt_app(
    settings: Settings,
    services: SlackServices,
    client: AsyncWebClient,
    *,
    oauth: AsyncOAuthSettings | None = None,
) -> AsyncApp:
    """An AsyncApp with de-duplication and every listener registered.

    Signatures are verified on every HTTP request (Bolt skips the check for Socket Mode,
    which has no signatures); requests older than 5 minutes are refused with 401.
    """
    install_retry_handlers(client)
    logger = logging.getLogger("brewbot.slack.bolt")
    app = AsyncApp(
        name="brewbot",
        # The client has no token: the authorize step sets each request's workspace's.
        client=client,
        signing_secret=settings.slack_signing_secret,
        oauth_settings=oauth,
        installation_store=oauth.installation_store if oauth is not None else None,
        # Bolt's annotation names a function; an AsyncAuthorize it uses as it is.
        authorize=shared_authorize(services.clients.default.token, oauth, logger),  # type: ignore[arg-type]
        request_verification_enabled=True,
        process_before_response=True,
        logger=logger,
    )
    app.use(EventDedupe(services.events))
    app.use(RequireIdentity(services.texts))
    register_all(app, services)
    return app


class RequireIdentity(AsyncMiddleware):
    """A command, click or form that does not say which workspace and person it is from is
    answered with one sentence and goes no further, so nothing is written for nobody. A
    class, as EventDedupe (dedupe.py) is: Bolt builds no arguments for it."""

    def __init__(self, texts: Texts) -> None:
        self.texts = texts

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        body = req.body
        interactive = "command" in body or body.get("type") in INTERACTIONS
        if not interactive or identified(body):
            await next()
            return None
        log.warning("request without a workspace or user refused")
        if "command" in body:
            answer = {"response_type": "ephemeral", "text": self.texts.t("slack.no_identity")}
            return BoltResponse(
                status=200, body=json.dumps(answer), headers={"content-type": "application/json"}
            )
        return BoltResponse(status=200, body="")
