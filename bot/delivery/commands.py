"""The delivery feature's one button: a facilitator's Retry on a notice that something could
not be delivered."""

from __future__ import annotations

from typing import Protocol

from bot.core.commands import Audience, ComponentRoute, Feature
from bot.delivery.notices import NoticeService
from bot.engine.context import CommandContext


class Needs(Protocol):
    notices: NoticeService


def feature(app: Needs) -> Feature[CommandContext]:
    return Feature(
        "delivery",
        routes=(ComponentRoute("delivery", "retry", app.notices.retry, Audience.FACILITATOR),),
    )
