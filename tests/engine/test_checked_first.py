"""A batched route's checks from memory (`ComponentRoute.check`) run before it waits for its
batch: a refusal waits for no batch and nothing is stored for it. A responder whose form
shows a refusal in place (Slack's) is acknowledged only once the checks pass, so that a
refusal is its first answer; any other is acknowledged first, as for every step."""

from dataclasses import dataclass, field

import pytest

from bot.core.commands import CommandError, ComponentRoute
from bot.core.messages import OutgoingMessage, Reply
from bot.platforms.memory import MemoryResponder
from tests.conftest import CHANNEL, Chat, snapshot


@dataclass
class Recording(MemoryResponder):
    """A MemoryResponder that notes its acknowledgement in the route's order of events."""

    order: list[str] = field(default_factory=list)

    async def defer(self) -> None:
        self.order.append("acknowledged")
        await super().defer()


class InForm(Recording):
    shows_refusals_in_form = True


def checked_route(order: list[str]) -> ComponentRoute:
    async def check(ctx) -> None:
        order.append("check")
        if not ctx.args["values"].get("words", "").strip():
            raise CommandError("reflections.empty", field="text")

    async def one(ctx) -> Reply:
        [answer] = await many([ctx])
        return answer

    async def many(contexts) -> list[Reply]:
        order.append("batch")
        return [Reply(OutgoingMessage("kept")) for _ in contexts]

    return ComponentRoute("test", "keep", one, batch=many, check=check)


async def press(app, responder: Recording, words: str) -> Recording:
    await app.dispatcher.run_component(
        "brew:test:keep:", {"words": words}, Chat.person("Sam"), CHANNEL, responder
    )
    return responder


async def test_a_refusal_from_the_checks_is_a_forms_first_answer_and_batches_nothing(app, chat):
    order: list[str] = []
    app.table.add_component(checked_route(order))
    await chat.press(Chat.person("Sam"), "brew:consent:yes:")
    before = await snapshot(app)
    answer = await press(app, InForm(order=order), "  ")
    assert answer.first == "reply" and answer.replies[0][0].refused
    assert answer.replies[0][0].field == "text"
    assert order == ["check"]
    assert await snapshot(app) == before


async def test_a_form_that_passes_the_checks_is_acknowledged_before_its_batch(app):
    order: list[str] = []
    app.table.add_component(checked_route(order))
    answer = await press(app, InForm(order=order), "Buses")
    assert answer.first == "defer" and answer.text == "kept"
    assert order == ["check", "acknowledged", "batch"]


async def test_elsewhere_the_acknowledgement_comes_first_and_a_refusal_still_batches_nothing(
    app,
):
    order: list[str] = []
    app.table.add_component(checked_route(order))
    refused = await press(app, Recording(order=order), "  ")
    assert order == ["acknowledged", "check"] and refused.replies[0][0].refused
    order.clear()
    kept = await press(app, Recording(order=order), "Buses")
    assert order == ["acknowledged", "check", "batch"] and kept.text == "kept"


def test_only_a_batched_route_is_checked_beforehand():
    async def handler(ctx) -> Reply:
        return Reply(OutgoingMessage(""))

    async def check(ctx) -> None:
        return None

    with pytest.raises(ValueError, match="only a batch"):
        ComponentRoute("test", "alone", handler, check=check)
