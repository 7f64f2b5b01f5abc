"""The digest feature's part of `/brew`: closing a session into its digest draft, reviewing
and sending the digest, and "we said, we did"."""

from __future__ import annotations

from typing import Protocol

from bot.core.commands import Audience, Command, ComponentRoute, Feature, Option, OptionKind
from bot.core.messages import OutgoingMessage, Reply, Response
from bot.digest.actions import ActionService
from bot.digest.pages import GroupLinks
from bot.digest.review import THEME_ACTIONS
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
    group_links: GroupLinks


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
                        "action",
                        "preview, send, hold, redact, release, rename, merge, split, move, "
                        "or priorities",
                        choices=DIGEST_ACTIONS,
                    ),
                    # Free words: the themes' review takes a theme and a name, or codes.
                    Option(
                        "item",
                        "The item code from the preview (or a theme number and a name)",
                        rest=True,
                    ),
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
                    Option("due", "The day it should be done by, e.g. 15 March"),
                    Option("person", "Who to remind before it is due (@name)", max_length=100),
                ),
                F,
                example='More time in reviews owner="Adult social care" due="15 March" person=@Sam',
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
                    Option("due", "The day it should be done by (none to clear)"),
                    Option("person", "Who to remind before it is due (none to clear)"),
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
            Command(
                "link group",
                "Get the link to this community's pages of sent digests and actions",
                app.group_links.command,
                (
                    Option(
                        "what",
                        "new for a new link (the old one stops working), off for none",
                        choices=("new", "off"),
                    ),
                ),
                F,
                example="new",
            ),
            Command(
                "action history",
                "Show one action's changes, who it is with and when it is due",
                actions.history,
                (Option("number", "The action number", OptionKind.INTEGER, required=True),),
                F,
                example="3",
            ),
        ),
        routes=(
            ComponentRoute("digest", "send", digests.send_button, Audience.FACILITATOR),
            # Retry under a notice that an owner's reminder could not be delivered.
            ComponentRoute("action", "retry", actions.retry_reminder, F),
            # The preview's theme buttons open a small form; the form makes the change.
            *(
                ComponentRoute("theme", kind, digests.review.opener(kind), F, may_open_form=True)
                for kind in THEME_ACTIONS
            ),
            *(
                ComponentRoute("theme", f"{kind}_save", digests.review.saver(kind), F)
                for kind in THEME_ACTIONS
            ),
            # People's priorities: anyone may choose, and nothing records who chose what.
            ComponentRoute(
                "priorities",
                "open",
                digests.priorities.open_form,
                may_open_form=True,
                anonymous=True,
            ),
            ComponentRoute("priorities", "save", digests.priorities.save, anonymous=True),
        ),
    )
