"""The reflections feature's part of `/brew`: the private reflection form, taking a reflection
back, asking for someone to make contact, and adding a statement gathered outside the chat."""

from __future__ import annotations

from typing import Protocol

from bot.core.commands import Audience, Command, ComponentRoute, Feature, Option
from bot.core.domain import SessionState
from bot.core.messages import OutgoingMessage, Reply, Response
from bot.engine.context import CommandContext
from bot.reflections.contact import ContactService
from bot.reflections.outside import MAX_PERSON, add_statements, check_statement, summary
from bot.reflections.service import CATEGORIES, MAX_TEXT, ReflectionService
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

    async def statement_add(ctx: CommandContext) -> Response:
        # A statement gathered on paper, by phone or by e-mail (bot/reflections/outside.py).
        session = await sessions.resolve(ctx, ctx.arg("session"))
        texts = reflections.deps.texts
        statement = check_statement(
            texts,
            category=ctx.arg("category") or "",
            text=ctx.arg("text") or "",
            quote=ctx.arg("quote") or "",
            source=ctx.arg("source") or "",
            person=ctx.arg("person") or "",
        )
        added = await add_statements(reflections, ctx.tx, ctx.community, session, [statement])
        if added.alert_keys:
            # The facilitator hears in the answer if the alert did not arrive.
            ctx.after_commit(reflections.deps.outbox.deliver_effect(added.alert_keys, report=True))
        return Reply(
            OutgoingMessage(summary(texts, added)),
            if_undelivered=OutgoingMessage(summary(texts, added, held="held_not_yet")),
        )

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
            Command(
                "statement add",
                "Add a statement gathered on paper, by phone or by e-mail",
                statement_add,
                (
                    session_option(),
                    # Asked for by the handler, after the session: a missing one gets
                    # the same sentence as a wrong one.
                    Option("category", "working, not_working, future or idea", choices=CATEGORIES),
                    Option(
                        "text",
                        "The person's words, without their name",
                        required=True,
                        rest=True,
                        max_length=MAX_TEXT,
                    ),
                    # Free words, not choices: a choice would take a statement's first word
                    # ("No one rang back") when the options are typed in order.
                    Option("quote", "yes if the person agreed to be quoted without their name"),
                    Option("source", "paper, phone or email (not stored)"),
                    Option(
                        "person",
                        "The same short word, like P1, for statements from one person",
                        max_length=MAX_PERSON,
                    ),
                ),
                Audience.FACILITATOR,
                # Writes nothing about the facilitator who typed it (docs/anonymity.md).
                anonymous=True,
                example="12 not_working Nobody rang me back after my review quote=yes source=phone",
            ),
        ),
        routes=(
            ComponentRoute(
                "reflection",
                "open",
                reflections.open_from_button,
                may_open_form=True,
                anonymous=True,
                # Answered from memory, with no transaction: a form must be the first answer
                # within 3 s, even while a burst of reflections is being stored.
                reads_only=True,
            ),
            ComponentRoute(
                "reflection",
                "submit",
                reflections.submit,
                anonymous=True,
                batch=reflections.submit_many,
                check=reflections.check,
            ),
            ComponentRoute("contact", "ask", contact.ask),
            ComponentRoute("contact", "yes", contact.confirm),
        ),
        # Until a safeguarding message reaches someone, facilitators read that it waits.
        notes=(reflections.alerts.waiting_note,),
    )
