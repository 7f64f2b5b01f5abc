"""Brewbot on Teams through the SDK's own endpoint, token check and client, against the
loopback Bot Framework connector with activities signed by its test key."""

from __future__ import annotations

from tests.fakes.teams_harness import teams_world, words


async def test_a_typed_command_is_answered_in_the_chat(sqlite_url):
    async with teams_world(sqlite_url) as world:
        amir = world.lb.add_user("Amir Khan")
        chat = world.lb.install_for(amir.id)
        sent = await world.sender.message("brew help", amir, chat)
        assert sent.status == 200
        await world.settle()
        (answer,) = world.sends(chat.id)
        assert "schedule" in words(answer)
