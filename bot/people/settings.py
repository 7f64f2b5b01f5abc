"""Per-community settings a facilitator can change from chat (`/brew settings NAME VALUE`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError, is_number
from bot.core.messages import OutgoingMessage, Reply
from bot.core.refs import Platform
from bot.delivery.mail import is_address
from bot.engine.context import CommandContext
from bot.engine.deps import Deps, zone_of
from bot.people.choices import pounds
from bot.people.rates import BEGINNING, DEFAULT_PENCE, parse_rate, rates_of, set_rate
from bot.scheduling.planner import PLANNED_FROM
from bot.sessions.allocation import MAX_GROUP, MIN_GROUP
from bot.sessions.timeparse import format_day
from storage.models import Community, id_of
from storage.repositories import find_participant


def _text(limit: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip()
        if not value or len(value) > limit:
            raise CommandError("settings.bad_text", limit=limit)
        return value

    return parse


def _zone(value: str) -> str:
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise CommandError("settings.bad_zone") from None
    return value.strip()


def _minutes_list(value: str) -> str:
    parts = [p.strip() for p in value.replace(" ", ",").split(",") if p.strip()]
    if not parts or not all(is_number(p) and 0 < int(p) <= 20160 for p in parts):
        raise CommandError("settings.bad_reminders")
    return ",".join(str(m) for m in sorted({int(p) for p in parts}, reverse=True))


def _channel(value: str) -> str:
    # Accept a pasted mention (<#123>, <#C123|name>) as well as a bare id.
    cleaned = value.strip().removeprefix("<#").removesuffix(">").split("|")[0].lstrip("#")
    if not _is_id(cleaned):
        raise CommandError("settings.bad_channel")
    return cleaned


# What else a platform's id may hold besides letters and digits: Teams' look like
# 29:1Ab-c_D... (a person) and 19:AbC...@thread.tacv2 (a channel).
_ID_MARKS = str.maketrans("", "", "-_:@.")
LONGEST_ID = 128


def _is_id(text: str) -> bool:
    return 0 < len(text) <= LONGEST_ID and text.translate(_ID_MARKS).isalnum()


def _role(value: str) -> str:
    # A picked group or role arrives as a mention (<@&S123>, see the front-ends): keep its
    # id, which the platform gives with each person's roles. Typed words are kept as typed.
    cleaned = value.strip()
    if cleaned.startswith("<@&") and cleaned.endswith(">"):
        cleaned = cleaned[3:-1].split("|")[0]
        if not cleaned or len(cleaned) > 64 or not cleaned.isalnum():
            raise CommandError("settings.bad_text", limit=100)
        return cleaned
    return _text(100)(cleaned)


def parse_user(value: str) -> str:
    """A person's id from a mention as the platforms pass it (<@123>, <@!123>, <@U123>) or
    the bare id. Whether anyone has that id is `person_id`'s question."""
    cleaned = value.strip().removeprefix("<@").removeprefix("!").removesuffix(">").split("|")[0]
    if not _is_id(cleaned):
        raise CommandError("settings.bad_user")
    return cleaned


async def person_id(tx: AsyncSession, community: Community, value: str) -> str:
    """The id of the person `value` names, for a command that will reach them. Each front-end
    passes a picked person on as a mention (Discord's <@123…>, Slack's <@U…|name> made
    <@U…>) or a bare id (the terminal chat, the tests): accepted when it has the shape the
    community's platform gives ids, or when someone here already has exactly that id.
    Anything else (NaN, 0, a date) is nobody, so nothing is kept and the person is asked
    again."""
    user_id = parse_user(value)
    if Platform(community.platform).is_person_id(user_id):
        return user_id
    if community.id is not None and await find_participant(tx, community.id, user_id) is not None:
        return user_id
    raise CommandError("settings.bad_user")


def _emails(value: str) -> str:
    addresses = [a.strip() for a in value.replace(";", ",").split(",") if a.strip()]
    if not addresses or not all(is_address(a) for a in addresses):
        raise CommandError("settings.bad_email")
    return ", ".join(addresses)


def _number(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not is_number(value.strip()) or not low <= int(value) <= high:
            raise CommandError("settings.bad_number", low=low, high=high)
        return int(value)

    return parse


Parse = Callable[[CommandContext, str], Awaitable[object]]


def _value(parse: Callable[[str], object]) -> Parse:
    """A parser that needs the value alone."""

    async def run(_ctx: CommandContext, value: str) -> object:
        return parse(value)

    return run


async def _person(ctx: CommandContext, value: str) -> str:
    return await person_id(ctx.tx, ctx.community, value)


# name people type -> (Community column, parser that refuses bad values with one sentence)
SETTINGS: dict[str, tuple[str, Parse]] = {
    "facilitator_role": ("facilitator_role", _value(_role)),
    "timezone": ("timezone", _value(_zone)),
    "reminders": ("reminder_minutes", _value(_minutes_list)),
    "session_channel": ("session_channel_id", _value(_channel)),
    "working_group_channel": ("working_group_channel_id", _value(_channel)),
    "safeguarding_contact": ("safeguarding_contact_id", _person),
    "digest_email": ("digest_email", _value(_emails)),
    "group_size": ("group_size", _value(_number(MIN_GROUP, MAX_GROUP))),
    "retention_days": ("retention_days", _value(_number(30, 3650))),
    "digest_retention_days": ("digest_retention_days", _value(_number(30, 3650))),
    "benefits_note": ("benefits_note", _value(_text(1000))),
}


# Pay for people's time, dated (bot/people/rates.py): "PENCE [from DAY]", from today unless
# a day is given. Not a Community column: each rate is a row in force from its day.
RATE = "hourly_rate_pence"


class SettingsService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    @staticmethod
    def names() -> tuple[str, ...]:
        return (*SETTINGS, RATE)

    async def update(self, ctx: CommandContext) -> Reply:
        t = self.deps.texts.t
        name, value = ctx.arg("name"), ctx.arg("value")
        if name is None:
            return Reply(OutgoingMessage(await self.summary(ctx.tx, ctx.community)))
        if value is None:
            raise CommandError("settings.value_needed", name=name)
        if name == RATE:
            today = self.deps.clock.now().astimezone(zone_of(ctx.community)).date()
            pence, start = parse_rate(value, today)
            await set_rate(ctx.tx, ctx.community, pence, start)
            return Reply(
                OutgoingMessage(
                    t("payments.rate_changed", amount=pounds(pence), day=format_day(start))
                )
            )
        column, parse = SETTINGS[name]
        setattr(ctx.community, column, await parse(ctx, value))
        ctx.tx.add(ctx.community)
        if column in PLANNED_FROM:  # what is planned moves with it, once it is stored
            ctx.after_commit(self.deps.community_changed(id_of(ctx.community)))
        return Reply(
            OutgoingMessage(t("settings.changed", name=name, value=getattr(ctx.community, column)))
        )

    async def summary(self, tx: AsyncSession, community: Community) -> str:
        t = self.deps.texts.t
        lines = [
            t("settings.line", name=name, value=getattr(community, column) or "-")
            for name, (column, _) in SETTINGS.items()
        ]
        rates = (await rates_of(tx, community)).dated
        if not rates or rates[0][0] > BEGINNING:
            rates = ((BEGINNING, DEFAULT_PENCE), *rates)  # what is paid before any set rate
        dated = ", ".join(
            t("payments.rate_from", amount=pounds(pence), day=format_day(start))
            if start > BEGINNING
            else t("payments.rate_start", amount=pounds(pence))
            for start, pence in rates
        )
        lines.append(t("settings.line", name=RATE, value=dated))
        return t("settings.heading") + "\n" + "\n".join(lines)
