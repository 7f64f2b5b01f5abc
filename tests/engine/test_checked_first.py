"""A batched route's checks from memory (`ComponentRoute.check`) run before it waits for its
batch: a refusal is the first answer and nothing is stored or batched for it; an interaction
that passes is acknowledged before its batch is written."""

import pytest

from bot.core.commands import CommandError, ComponentRoute
from bot.core.messages import OutgoingMessage, Reply
from tests.conftest import Chat, snapshot


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


async def test_a_refusal_from_the_checks_comes_first_and_batches_nothing(app, chat):
    order: list[str] = []
    app.table.add_component(checked_route(order))
    sam = Chat.person("Sam")
    await chat.press(sam, "brew:consent:yes:")
    before = await snapshot(app)
    answer = await chat.press(sam, "brew:test:keep:", {"words": "  "})
    assert answer.first == "reply" and answer.replies[0][0].refused
    assert answer.replies[0][0].field == "text"
    assert order == ["check"]
    assert await snapshot(app) == before


async def test_what_passes_the_checks_is_acknowledged_before_its_batch(app, chat):
    order: list[str] = []
    app.table.add_component(checked_route(order))
    answer = await chat.press(Chat.person("Sam"), "brew:test:keep:", {"words": "Buses"})
    assert answer.first == "defer" and answer.text == "kept"
    assert order == ["check", "batch"]


def test_only_a_batched_route_is_checked_beforehand():
    async def handler(ctx) -> Reply:
        return Reply(OutgoingMessage(""))

    async def check(ctx) -> None:
        return None

    with pytest.raises(ValueError, match="only a batch"):
        ComponentRoute("test", "alone", handler, check=check)
