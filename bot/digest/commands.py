"""The digest feature's part of `/brew`: closing a session into its digest draft, reviewing
and sending the digest, and "we said, we did"."""

from __future__ import annotations

from typing import Protocol

from bot.core.commands import Audience, Command, ComponentRoute, Feature, Option, OptionKind
from bot.core.messages import OutgoingMessage, Reply, Response
from bot.digest.actions import ActionService
from bot.digest.service import DIGEST_ACTIONS, DigestService
from bot.engine.context import CommandContext
from bot.engine.deps import Deps
from bot.sessions.commands import session_option
from bot.sessions.service import SessionService

F = Audience.FACILITATOR


class Needs(Protocol):
    deps: Deps
    sessions: SessionService
    digests: DigestService
    actions: ActionService


def feature(app: Needs) -> Feature[CommandContext]:
    t, sessions, digests, actions = app.deps.texts.t, app.sessions, app.digests, app.actions

    async def close(ctx: CommandContext) -> Response:
        session = await sessions.resolve(ctx, ctx.arg("session"))
        await digests.close(ctx, session)
        return Reply(
            OutgoingMessage(t("running.closed", session_id=session.id)),
            if_undelivered=OutgoingMessage(t("running.closed_only", session_id=session.id)),
        )

    return Feature(
        "digest",
        commands=(
            Command(
                "close",
                "Close the session and get the digest draft",
                close,
                (session_option(),),
                F,
                example="12",
            ),
            Command(
                "digest",
                "Preview, review or send the digest",
                digests.command,
                (
                    session_option(),
                    Option(
                        "action", "preview, send, hold, redact or release", choices=DIGEST_ACTIONS
                    ),
                    Option("item", "The item code from the preview"),
                ),
                F,
                example="12 hold a1b2c3d4",
            ),
            Command(
                "action add",
                'Record something people said, for "we said, we did"',
                actions.add,
                (
                    Option("said", "What people said", required=True, rest=True, max_length=1000),
                    Option("did", "What is being done", max_length=1000),
                    Option("owner", "Who is doing it (a team or role)", max_length=200),
                    Option("status", "planned, doing, done or cant_do"),
                    Option("reason", "Why it can't be done, in plain words", max_length=1000),
                    session_option(),
                ),
                F,
                example='More time in reviews owner="Adult social care" status=planned',
            ),
            Command(
                "action update",
                'Update a "we said, we did" action',
                actions.update,
                (
                    Option("number", "The action number", OptionKind.INTEGER, required=True),
                    Option("status", "planned, doing, done or cant_do"),
                    Option("did", "What is being done", max_length=1000),
                    Option("owner", "Who is doing it", max_length=200),
                    Option(
                        "reason",
                        "Why it can't be done, in plain words",
                        rest=True,
                        max_length=1000,
                    ),
                ),
                F,
                example="3 status=done",
            ),
            Command("action list", 'Show "we said, we did"', actions.list),
        ),
        routes=(ComponentRoute("digest", "send", digests.send_button, Audience.FACILITATOR),),
    )
