"""Per-community settings a facilitator can change from chat (`/brew settings NAME VALUE`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError
from bot.core.marked import MentionKind, Own, mention
from bot.core.messages import OutgoingMessage, Reply
from bot.core.refs import Platform
from bot.core.typed import is_number, readable
from bot.delivery.mail import is_address
from bot.engine.context import CommandContext
from bot.engine.deps import Deps, role_name, zone_of
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


@dataclass(frozen=True)
class FacilitatorRole:
    """The facilitators' role as set: `id` is what is compared with each person's roles (the
    id of a role or group picked in the message box, or the words typed), `name` the name the
    platform gave with a picked one, which is how people know it ("" for typed words)."""

    id: str
    name: str = ""


def _role(value: str) -> FacilitatorRole:
    # A picked group or role arrives as a mention, with the name the platform gave when it
    # gave one (<@&S123|@facilitators>, see the front-ends): keep its id, which the platform
    # gives with each person's roles, and its name to show. Typed words are kept as typed.
    cleaned = value.strip()
    if cleaned.startswith("<@&") and cleaned.endswith(">"):
        role_id, _, name = cleaned[3:-1].partition("|")
        if not role_id or len(role_id) > 64 or not role_id.isalnum():
            raise CommandError("settings.bad_text", limit=100)
        return FacilitatorRole(role_id, " ".join(readable(name).split())[:100])
    return FacilitatorRole(_text(100)(cleaned))


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


# Settings that hold a channel's id, shown as a mention of the channel (its name, on a chat).
CHANNELS = ("session_channel_id", "working_group_channel_id")


def shown(community: Community, column: str) -> object:
    """A setting's value as people know it: the facilitators' role by its name, a channel
    as a mention of it (bot/core/marked.py: each chat shows its name)."""
    if column == "facilitator_role":
        return role_name(community)
    value = getattr(community, column)
    if column in CHANNELS and value:
        return mention(MentionKind.CHANNEL, value)
    return value


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
        parsed = await parse(ctx, value)
        if isinstance(parsed, FacilitatorRole):
            ctx.community.facilitator_role = parsed.id
            ctx.community.facilitator_role_name = parsed.name
        else:
            setattr(ctx.community, column, parsed)
        ctx.tx.add(ctx.community)
        if column in PLANNED_FROM:  # what is planned moves with it, once it is stored
            ctx.after_commit(self.deps.community_changed(id_of(ctx.community)))
        # `name` is one of SETTINGS' own names (the option's choices).
        changed = t("settings.changed", name=Own(name), value=shown(ctx.community, column))
        if isinstance(parsed, FacilitatorRole) and (warning := self._not_yours(ctx, parsed)):
            changed = f"{changed} {warning}"
        return Reply(OutgoingMessage(changed))

    def _not_yours(self, ctx: CommandContext, role: FacilitatorRole) -> str:
        """What a person who sets a facilitator role they are not in should know at once (a
        typo would otherwise lock them out without a word), or "" when they are in it or the
        platform cannot say yet."""
        user = ctx.user
        if not user.roles_known or role.id.casefold() in {r.casefold() for r in user.roles}:
            return ""
        key = "settings.role_not_yours_admin" if user.is_admin else "settings.role_not_yours"
        return self.deps.texts.t(key, role=role_name(ctx.community))

    async def summary(self, tx: AsyncSession, community: Community) -> str:
        t = self.deps.texts.t
        # The settings' names are Brewbot's own words (bot/core/marked.py), their values
        # typed by whoever set them.
        lines = [
            t("settings.line", name=Own(name), value=shown(community, column) or Own("-"))
            for name, (column, _) in SETTINGS.items()
        ]
        rates = (await rates_of(tx, community)).dated
        if not rates or rates[0][0] > BEGINNING:
            rates = ((BEGINNING, DEFAULT_PENCE), *rates)  # what is paid before any set rate
        dated = Own(
            ", ".join(
                t("payments.rate_from", amount=pounds(pence), day=format_day(start))
                if start > BEGINNING
                else t("payments.rate_start", amount=pounds(pence))
                for start, pence in rates
            )
        )
        lines.append(t("settings.line", name=Own(RATE), value=dated))
        return t("settings.heading") + "\n" + "\n".join(lines)
