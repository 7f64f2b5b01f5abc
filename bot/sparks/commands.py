"""The sparks feature's part of `/brew`: reading the sparks and adding a community's own."""

from __future__ import annotations

from typing import Protocol

from bot.core.commands import Audience, Command, ComponentRoute, Feature, Option
from bot.engine.context import CommandContext
from bot.sparks.service import SparkService


class Needs(Protocol):
    sparks: SparkService


def feature(app: Needs) -> Feature[CommandContext]:
    sparks = app.sparks
    return Feature(
        "sparks",
        commands=(
            Command("sparks", "List the sparks (activities to start people talking)", sparks.list),
            Command(
                "sparks show",
                "Read one spark",
                sparks.show,
                (Option("spark", "The spark id", required=True, autocomplete="spark"),),
                example="being-heard",
            ),
            Command(
                "sparks add",
                "Add your own spark for this community",
                sparks.add,
                (),
                Audience.FACILITATOR,
                may_open_form=True,
            ),
        ),
        routes=(ComponentRoute("spark", "add", sparks.submit, Audience.FACILITATOR),),
    )
