"""The delivery feature: a facilitator's Retry on a notice that something could not be
delivered, and `/brew notices`, the notices that could not reach a person privately."""

from __future__ import annotations

from typing import Protocol

from bot.core.commands import Audience, Command, ComponentRoute, Feature
from bot.delivery.missed import MissedNotices
from bot.delivery.notices import NoticeService
from bot.engine.context import CommandContext


class Needs(Protocol):
    notices: NoticeService
    missed: MissedNotices


def feature(app: Needs) -> Feature[CommandContext]:
    return Feature(
        "delivery",
        commands=(
            Command("notices", "Show the messages I could not send you privately", app.missed.show),
        ),
        routes=(ComponentRoute("delivery", "retry", app.notices.retry, Audience.FACILITATOR),),
        notes=(app.missed.note,),
    )
