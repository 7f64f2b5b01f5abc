"""The one command table every platform offers (`/brew NAME ...`), built from the services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from bot.core.commands import (
    Audience,
    Command,
    CommandError,
    CommandTable,
    ComponentRoute,
    Option,
    OptionKind,
    split_words,
)
from bot.core.easy_read import easy_read_layout
from bot.core.messages import OutgoingMessage, Reply, Response, Section
from bot.core.spelling import Place
from bot.delivery.notices import NoticeService
from bot.digest.actions import ActionService
from bot.digest.service import DIGEST_ACTIONS, DigestService
from bot.engine.context import CommandContext
from bot.engine.deps import Deps
from bot.people.claims import ClaimService
from bot.people.privacy import PrivacyService
from bot.people.service import ON_OFF, REMINDER_CHOICES, PeopleService
from bot.people.settings import SettingsService
from bot.reflections.contact import ContactService
from bot.reflections.service import ReflectionService
from bot.sessions.running import RunningService
from bot.sessions.service import SessionService
from bot.sparks.service import SparkService
from storage.models import SessionState

F = Audience.FACILITATOR


def _session(required: bool = False) -> Option:
    return Option(
        "session",
        "Session number (leave empty for the current one)",
        OptionKind.INTEGER,
        required=required,
        autocomplete="session",
    )


@dataclass(frozen=True)
class ServiceSet:
    sessions: SessionService
    running: RunningService
    reflections: ReflectionService
    digests: DigestService
    settings: SettingsService
    people: PeopleService
    actions: ActionService
    sparks: SparkService
    privacy: PrivacyService
    claims: ClaimService
    notices: NoticeService
    contact: ContactService


# What `/brew help NAME` shows after a command's name, as people type it on Slack or in the
# terminal chat (Discord's spelling is made from it). A test checks each one parses.
EXAMPLES = {
    "schedule": 'next Tuesday 2pm theme="Being heard"',
    "cancel": "12",
    "open": "12",
    "spark": "12 spark=being-heard",
    "breakouts": "12 size=4 minutes=20",
    "gather": "12",
    "reflect": "12",
    "close": "12",
    "digest": "12 hold a1b2c3d4",
    "calendar": "12",
    "join": "12",
    "leave": "12",
    "withdraw": "12-ABCDE-FGHJK-MNPQR",
    "describe": "carer",
    "action add": 'More time in reviews owner="Adult social care" status=planned',
    "action update": "3 status=done",
    "sparks show": "being-heard",
    "call me": "Sam",
    "preferences": "easy_read=on",
    "claim": "off",
    "present": "Sam session=12 claim=yes",
    "claims export": "2026-12-01 2026-12-31",
    "post": "The tea is ready. easy_read=yes",
    "help": "schedule",
    "settings": "facilitator_role=Facilitator",
}


def build_table(deps: Deps, services: ServiceSet) -> CommandTable:
    t = deps.texts.t
    table = CommandTable()
    sessions, running, reflections = services.sessions, services.running, services.reflections
    digests, settings, people = services.digests, services.settings, services.people
    actions, privacy, claims = services.actions, services.privacy, services.claims

    async def reflect(ctx: CommandContext) -> Response:
        # One forgiving word: a facilitator moves the session to reflecting; once it is
        # reflecting, anyone (facilitators too) gets the private form.
        session = await sessions.resolve(ctx, ctx.arg("session"))
        if ctx.is_facilitator and session.state != SessionState.REFLECTING:
            return await running.start_reflecting(ctx, session)
        return await reflections.open_form(ctx, session)

    async def close(ctx: CommandContext) -> Response:
        session = await sessions.resolve(ctx, ctx.arg("session"))
        await running.close_session(ctx.tx, ctx.community, session, ctx.effects)
        await digests.draft(ctx.tx, ctx.community, session, ctx.effects)
        return Reply(
            OutgoingMessage(t("running.closed", session_id=session.id)),
            if_undelivered=OutgoingMessage(t("running.closed_only", session_id=session.id)),
        )

    async def joined(ctx: CommandContext, session_id: int | None) -> Response:
        reply = await sessions.join(ctx, session_id)
        session = await sessions.resolve(ctx, session_id)
        if session.state == SessionState.BREAKOUTS:
            await running.late_joiner(ctx, session)
        if ctx.actor.consent is None:
            # First contact: the privacy notice, with its answer buttons, before anything else.
            notice = privacy.notice(ctx.community, easy=ctx.actor.easy_read)
            return Reply(
                OutgoingMessage(
                    text=reply.message.text,
                    sections=(Section(notice.text, notice.title),),
                    actions=notice.actions,
                )
            )
        return reply

    async def join(ctx: CommandContext) -> Response:
        return await joined(ctx, ctx.arg("session"))

    async def join_button(ctx: CommandContext) -> Response:
        return await joined(ctx, ctx.session_id())

    async def post(ctx: CommandContext) -> Response:
        message = ctx.arg("message")
        easy = ctx.arg("easy_read") == "yes"
        if easy:
            message = easy_read_layout(message)
        posted = OutgoingMessage(
            title=t("post.easy_title") if easy else "", text=message, plain=easy
        )
        ctx.after_commit(
            await deps.outbox.post(
                ctx.tx, ctx.community, ctx.conversation, posted, key=f"post:{uuid.uuid4().hex}"
            )
        )
        # Refused: the answer is only why, and what to do.
        return Reply(OutgoingMessage(t("post.done")), if_undelivered=OutgoingMessage())

    async def help_(ctx: CommandContext) -> Response:
        asked = ctx.arg("command")
        if asked:
            return Reply(OutgoingMessage(usage(deps, table, asked)))
        lines = [
            line
            for c in table
            if c.audience is Audience.EVERYONE or ctx.is_facilitator
            for line in _help_lines(deps, c)
        ]
        return Reply(OutgoingMessage("\n".join([t("help.heading"), *lines, t("help.more")])))

    commands = [
        Command(
            "schedule",
            "Plan a session: when, and optionally theme, spark and repeat",
            sessions.schedule,
            (
                Option("when", "When it starts, e.g. next Tuesday 2pm", required=True, rest=True),
                Option("theme", "The theme, e.g. Being heard"),
                Option("spark", "A spark id from the list of sparks", autocomplete="spark"),
                Option("every", "Repeat, e.g. every 4 weeks or first Tuesday of the month"),
                Option("title", "A title, if different from the theme"),
            ),
            F,
        ),
        Command("sessions", "List upcoming and running sessions", sessions.list_sessions, (), F),
        Command("cancel", "Cancel a session", sessions.cancel, (_session(),), F),
        Command("open", "Open a session and welcome people", sessions.open, (_session(),), F),
        Command(
            "spark",
            "Post the spark activity",
            running.spark,
            (_session(), Option("spark", "A different spark id", autocomplete="spark")),
            F,
        ),
        Command(
            "breakouts",
            "Split people into balanced breakout groups",
            running.breakouts,
            (
                _session(),
                Option("size", "People per group (default 5)", OptionKind.INTEGER),
                Option("minutes", "Minutes for the groups", OptionKind.INTEGER),
            ),
            F,
        ),
        Command(
            "gather", "Bring everyone back from breakout groups", running.gather, (_session(),), F
        ),
        Command(
            "reflect",
            "Share an anonymous reflection (facilitators: start reflections)",
            reflect,
            (_session(),),
            may_open_form=True,
            # Opening the form records nothing about the person (docs/anonymity.md).
            anonymous=True,
        ),
        Command("close", "Close the session and get the digest draft", close, (_session(),), F),
        Command(
            "digest",
            "Preview, review or send the digest",
            digests.command,
            (
                _session(),
                Option("action", "preview, send, hold, redact or release", choices=DIGEST_ACTIONS),
                Option("item", "The item code from the preview"),
            ),
            F,
        ),
        Command(
            "calendar", "Get a calendar invite for a session", sessions.calendar, (_session(),)
        ),
        Command("join", "Join a session, or say you are coming", join, (_session(),)),
        Command("leave", "Leave a session, or say you cannot come", sessions.leave, (_session(),)),
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
        ),
        Command(
            "describe",
            "Say how you would like to be described (only used to balance groups)",
            people.describe,
            (
                Option("as", "draws_on_care, carer, commissioner, provider, other or prefer_not"),
                Option(
                    "lived_only",
                    "yes if you would like a group of people with lived experience only",
                    choices=("yes", "no"),
                ),
                Option("self", "In your own words (only you will see this)", max_length=300),
                Option("clear", "yes to clear how you are described", choices=("yes",)),
            ),
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
                _session(),
            ),
            F,
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
                    "reason", "Why it can't be done, in plain words", rest=True, max_length=1000
                ),
            ),
            F,
        ),
        Command("action list", 'Show "we said, we did"', actions.list),
        Command(
            "sparks", "List the sparks (activities to start people talking)", services.sparks.list
        ),
        Command(
            "sparks show",
            "Read one spark",
            services.sparks.show,
            (Option("spark", "The spark id", required=True, autocomplete="spark"),),
        ),
        Command(
            "sparks add",
            "Add your own spark for this community",
            services.sparks.add,
            (),
            F,
            may_open_form=True,
        ),
        Command("privacy", "What is recorded and how it is used", privacy.show),
        Command("forget me", "Delete what is stored about you", privacy.forget_request),
        Command("my data", "Get a file of everything stored about you", privacy.my_data),
        Command(
            "call me",
            "The name you would like to be called by (empty to clear)",
            people.call_me,
            (Option("name", "Your name", rest=True, max_length=60),),
        ),
        Command(
            "preferences",
            "Easy Read, plain style and reminders",
            people.preferences,
            (
                Option("easy_read", "on or off", choices=ON_OFF),
                Option("plain", "on or off: no emoji or decoration, short lines", choices=ON_OFF),
                Option("reminders", "private or none", choices=REMINDER_CHOICES),
            ),
        ),
        Command(
            "claim",
            "Claim payment for your time at sessions (on or off)",
            claims.opt,
            (Option("choice", "on or off", required=True, choices=ON_OFF),),
        ),
        Command(
            "present",
            "Mark someone present who joined by phone or another way",
            claims.present,
            (
                Option(
                    "who", "Their @mention or their name", required=True, rest=True, max_length=100
                ),
                _session(),
                Option("claim", "yes if they are claiming for their time", choices=("yes", "no")),
            ),
            F,
        ),
        Command(
            "claims export",
            "Get the claims sheet for finance (dates like 2026-12-01)",
            claims.export,
            (
                Option("from", "First day, e.g. 2026-12-01", required=True, max_length=10),
                Option("to", "Last day, e.g. 2026-12-31", required=True, max_length=10),
            ),
            F,
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
        ),
        Command(
            "help",
            "What you can do, or how to use one command",
            help_,
            (
                Option(
                    "command",
                    "A command's name, to see how to use it",
                    rest=True,
                    autocomplete="command",
                    max_length=60,
                ),
            ),
        ),
        Command(
            "settings",
            "Community settings, e.g. facilitator_role=Facilitator",
            settings.update,
            (
                Option("name", "The setting to change", choices=settings.names()),
                Option("value", "The new value", rest=True),
            ),
            F,
        ),
    ]
    for command in commands:
        table.add(replace(command, example=EXAMPLES.get(command.name, "")))

    routes = [
        ComponentRoute("rsvp", "yes", join_button),
        ComponentRoute("rsvp", "no", sessions.rsvp_no),
        ComponentRoute("session", "join", join_button),
        ComponentRoute("consent", "yes", privacy.agree),
        ComponentRoute("consent", "no", privacy.decline),
        ComponentRoute("consent", "easy", privacy.easy),
        ComponentRoute("privacy", "forget", privacy.forget_confirmed),
        ComponentRoute("session", "easy", sessions.easy_welcome),
        ComponentRoute("spark", "easy", running.spark_easy),
        ComponentRoute(
            "reflection", "open", reflections.open_from_button, may_open_form=True, anonymous=True
        ),
        ComponentRoute(
            "reflection",
            "submit",
            reflections.submit,
            anonymous=True,
            batch=reflections.submit_many,
        ),
        ComponentRoute("digest", "send", digests.send_button, F),
        ComponentRoute("delivery", "retry", services.notices.retry, F),
        ComponentRoute("contact", "ask", services.contact.ask),
        ComponentRoute("contact", "yes", services.contact.confirm),
        ComponentRoute("spark", "add", services.sparks.submit, F),
    ]
    for route in routes:
        table.add_component(route)
    return table


def _help_lines(deps: Deps, command: Command, places: tuple[Place, ...] = ()) -> list[str]:
    """One line per way to type `command` on this platform, with what it does."""
    t, spelling = deps.texts.t, deps.texts.spelling
    return [
        t(
            "help.line",
            command=" ".join(["/brew", *place.path]),
            description=t(place.description_key) if place.description_key else command.description,
        )
        for place in places or spelling.places_of(command.name)
    ]


def usage(deps: Deps, table: CommandTable, asked: str) -> str:
    """`/brew help NAME`: how to use one command, in this platform's spelling."""
    t, spelling = deps.texts.t, deps.texts.spelling
    words = split_words(asked.replace('"', " "))
    if words and words[0].lower() in ("/brew", "brew"):
        words = words[1:]
    if words and words[0].startswith("/"):
        words[0] = words[0][1:]
    found = spelling.find(table, words) if words else None
    if found is None:
        raise CommandError("errors.unknown_command", name=asked[:40])
    command, places = found
    fixed = {k for place in places for k, _ in place.fixed}
    options = [o for o in command.options if o.name not in fixed]
    lines = _help_lines(deps, command, places)
    for option in options:
        key = "help.option_needed" if option.required else "help.option"
        description = option.description
        if option.choices and option.choices[0] not in description:
            description = t(
                "help.choices", description=description, choices=", ".join(option.choices)
            )
        lines.append(t(key, option=option.name, description=description))
    lines.append(t(spelling.options_hint) if options else t("help.no_options"))
    place = places[0] if len(places) == 1 else None
    lines.append(t("help.example", example=spelling.example(command, place)))
    return "\n".join(lines)
