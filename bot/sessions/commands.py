"""The sessions feature's part of `/brew`: planning, opening, running and joining a session,
and posting to everyone in it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from bot.core.commands import (
    Audience,
    Command,
    CommandError,
    ComponentRoute,
    Feature,
    Option,
    OptionKind,
)
from bot.core.domain import SessionState
from bot.core.easy_read import easy_read_layout
from bot.core.messages import OutgoingMessage, Reply, Response, Section
from bot.engine.context import CommandContext
from bot.engine.deps import Deps
from bot.people.needs import NeedsService
from bot.people.privacy import PrivacyService
from bot.sessions.batched import renamed, undo_refused
from bot.sessions.links import SessionLinks
from bot.sessions.running import RunningService
from bot.sessions.service import Joined, SessionService

F = Audience.FACILITATOR


class Needs(Protocol):
    deps: Deps
    sessions: SessionService
    running: RunningService
    links: SessionLinks
    privacy: PrivacyService
    needs: NeedsService


def session_option(required: bool = False) -> Option:
    """The `session` option many commands share: a session number, with suggestions."""
    return Option(
        "session",
        "Session number (leave empty for the current one)",
        OptionKind.INTEGER,
        required=required,
        autocomplete="session",
    )


def feature(app: Needs) -> Feature[CommandContext]:
    deps, sessions, running, privacy = app.deps, app.sessions, app.running, app.privacy
    links, needs = app.links, app.needs
    t = deps.texts.t

    async def welcome(ctx: CommandContext, joined: Joined) -> Response:
        """After joining: a place in a breakout group if they are running, and the privacy
        notice for someone new."""
        if joined.session.state == SessionState.BREAKOUTS:
            await running.late_joiner(ctx, joined.session)
        if ctx.actor.consent is None:
            # First contact: the privacy notice, with its answer buttons, before anything else.
            notice = privacy.notice(ctx.community, easy=ctx.actor.easy_read)
            # Its words, or its Easy Read ideas with their pictures, under its title.
            said = notice.sections or (Section(notice.text),)
            return Reply(
                OutgoingMessage(
                    text=joined.reply.message.text,
                    sections=(replace(said[0], heading=notice.title), *said[1:]),
                    actions=notice.actions,
                )
            )
        return joined.reply

    async def join(ctx: CommandContext) -> Response:
        return await welcome(ctx, await sessions.join(ctx, ctx.arg("session")))

    async def join_button(ctx: CommandContext) -> Response:
        return await welcome(ctx, await sessions.join(ctx, ctx.session_id()))

    async def join_buttons(contexts: Sequence[CommandContext]) -> list[Response | CommandError]:
        # Join and "I'm coming" pressed by many at once (the dispatcher gathers a burst): each
        # as `join_button`, in order, with the sessions and attendance read once.
        # The people as a press on its own leaves them: see bot/sessions/batched.py.
        renamed(contexts)
        presses = await sessions.presses(contexts)
        answers: list[Response | CommandError] = []
        for ctx in contexts:
            try:
                answers.append(
                    await welcome(ctx, await sessions.join(ctx, ctx.session_id(), presses))
                )
            except CommandError as exc:
                answers.append(exc)
        await undo_refused(deps.db, contexts, answers)
        return answers

    async def rsvp_no_buttons(
        contexts: Sequence[CommandContext],
    ) -> Sequence[Response | CommandError]:
        renamed(contexts)
        answers = await sessions.rsvp_no_many(contexts)
        await undo_refused(deps.db, contexts, answers)
        return answers

    async def list_sessions(ctx: CommandContext) -> Response:
        # With what the people coming need, as counts, so facilitators can prepare.
        return await needs.with_listed(ctx, await sessions.list_sessions(ctx))

    async def open_session(ctx: CommandContext) -> Response:
        # The facilitator opening it hears, privately, what the people coming need.
        session = await sessions.resolve(ctx, ctx.arg("session"))
        opened = await sessions.open(ctx)
        return needs.with_notice(opened, await needs.notice_for(ctx.tx, session))

    async def post(ctx: CommandContext) -> Response:
        message = ctx.arg("message")
        easy = ctx.arg("easy_read") == "yes"
        if easy:
            message = easy_read_layout(message)
        posted = OutgoingMessage(
            title=t("post.easy_title") if easy else "", text=message, plain=easy
        )
        ctx.after_commit(
            await deps.outbox.post(ctx, ctx.conversation, posted, key=f"post:{uuid.uuid4().hex}")
        )
        # Refused: the answer is only why, and what to do.
        return Reply(OutgoingMessage(t("post.done")), if_undelivered=OutgoingMessage())

    return Feature(
        "sessions",
        commands=(
            Command(
                "schedule",
                "Plan a session: when, and optionally theme, spark and repeat",
                sessions.schedule,
                (
                    Option(
                        "when", "When it starts, e.g. next Tuesday 2pm", required=True, rest=True
                    ),
                    Option("theme", "The theme, e.g. Being heard"),
                    Option("spark", "A spark id from the list of sparks", autocomplete="spark"),
                    Option("every", "Repeat, e.g. every 4 weeks or first Tuesday of the month"),
                    Option("title", "A title, if different from the theme"),
                ),
                F,
                example='next Tuesday 2pm theme="Being heard"',
            ),
            Command("sessions", "List upcoming and running sessions", list_sessions, (), F),
            Command(
                "cancel", "Cancel a session", sessions.cancel, (session_option(),), F, example="12"
            ),
            Command(
                "open",
                "Open a session and welcome people",
                open_session,
                (session_option(),),
                F,
                example="12",
            ),
            Command(
                "spark",
                "Post the spark activity",
                running.spark,
                (
                    session_option(),
                    Option("spark", "A different spark id", autocomplete="spark"),
                ),
                F,
                example="12 spark=being-heard",
            ),
            Command(
                "breakouts",
                "Split people into balanced breakout groups",
                running.breakouts,
                (
                    session_option(),
                    Option("size", "People per group (default 5)", OptionKind.INTEGER),
                    Option("minutes", "Minutes for the groups", OptionKind.INTEGER),
                ),
                F,
                example="12 size=4 minutes=20",
            ),
            Command(
                "gather",
                "Bring everyone back from breakout groups",
                running.gather_command,
                (session_option(),),
                F,
                example="12",
            ),
            Command(
                "calendar",
                "Get a calendar invite for a session",
                sessions.calendar,
                (session_option(),),
                example="12",
            ),
            Command(
                "link",
                "Get the link to a session's web page, for people without a chat account",
                links.command,
                (
                    session_option(),
                    Option(
                        "what",
                        "new for a new link (the old one stops working), off for none",
                        choices=("new", "off"),
                    ),
                ),
                F,
                example="12",
            ),
            Command(
                "join",
                "Join a session, or say you are coming",
                join,
                (session_option(),),
                example="12",
            ),
            Command(
                "leave",
                "Leave a session, or say you cannot come",
                sessions.leave,
                (session_option(),),
                example="12",
            ),
            Command(
                "post",
                "Post a message to everyone, optionally in Easy Read style",
                post,
                (
                    Option("message", "What to say", required=True, rest=True, max_length=1800),
                    Option(
                        "easy_read",
                        "yes for Easy Read style",
                        choices=("yes", "no"),
                        aliases=("easy",),
                    ),
                ),
                F,
                example="The tea is ready. easy_read=yes",
            ),
        ),
        routes=(
            # Pressed in bursts (everyone answering the announcement, everyone joining at the
            # start), so gathered into one transaction like reflections.
            ComponentRoute("rsvp", "yes", join_button, batch=join_buttons),
            ComponentRoute("rsvp", "no", sessions.rsvp_no, batch=rsvp_no_buttons),
            ComponentRoute("session", "join", join_button, batch=join_buttons),
            ComponentRoute("session", "easy", sessions.easy_welcome),
            # Only reads, so a room pressing it at once waits for no writer (engine/known.py).
            ComponentRoute("spark", "easy", running.spark_easy, reads_only=True),
        ),
    )
