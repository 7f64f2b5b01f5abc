"""The reflections feature's part of `/brew`: the private reflection form, taking a reflection
back, and asking for someone to make contact."""

from __future__ import annotations

from typing import Protocol

from bot.core.commands import Command, ComponentRoute, Feature, Option
from bot.core.domain import SessionState
from bot.core.messages import Response
from bot.engine.context import CommandContext
from bot.reflections.contact import ContactService
from bot.reflections.service import ReflectionService
from bot.sessions.commands import session_option
from bot.sessions.running import RunningService
from bot.sessions.service import SessionService


class Needs(Protocol):
    sessions: SessionService
    running: RunningService
    reflections: ReflectionService
    contact: ContactService


def feature(app: Needs) -> Feature[CommandContext]:
    sessions, running, reflections, contact = (
        app.sessions,
        app.running,
        app.reflections,
        app.contact,
    )

    async def reflect(ctx: CommandContext) -> Response:
        # One forgiving word: a facilitator moves the session to reflecting; once it is
        # reflecting, anyone (facilitators too) gets the private form.
        session = await sessions.resolve(ctx, ctx.arg("session"))
        if ctx.is_facilitator and session.state != SessionState.REFLECTING:
            return await running.start_reflecting(ctx, session)
        return await reflections.open_form(ctx, session)

    return Feature(
        "reflections",
        commands=(
            Command(
                "reflect",
                "Share an anonymous reflection (facilitators: start reflections)",
                reflect,
                (session_option(),),
                may_open_form=True,
                # Opening the form records nothing about the person (docs/anonymity.md).
                anonymous=True,
                example="12",
            ),
            Command(
                "withdraw",
                "Take back a reflection with your code",
                reflections.withdraw,
                (
                    Option(
                        "code",
                        "The code you were given, e.g. 12-ABCDE-FGHJK-MNPQR",
                        required=True,
                        max_length=40,
                    ),
                ),
                anonymous=True,
                example="12-ABCDE-FGHJK-MNPQR",
            ),
        ),
        routes=(
            ComponentRoute(
                "reflection",
                "open",
                reflections.open_from_button,
                may_open_form=True,
                anonymous=True,
            ),
            ComponentRoute(
                "reflection",
                "submit",
                reflections.submit,
                anonymous=True,
                batch=reflections.submit_many,
            ),
            ComponentRoute("contact", "ask", contact.ask),
            ComponentRoute("contact", "yes", contact.confirm),
        ),
    )
