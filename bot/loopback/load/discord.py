"""Discord's people in the bench's front-end bursts (in the driver's process): they press the
bot's buttons and send its forms on the loopback Discord, over the gateway
(INTERACTION_CREATE), and hear the answers as interaction callbacks."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.loopback.discord_server import MODAL, FakeDiscord, FakeInteraction, Person
from bot.loopback.load.driver import heard

# How long after its press an answer may still come and be counted (beyond it: none came).
WAIT_SECONDS = 20.0


class DiscordLoad:
    """People in one Discord server pressing the bot's buttons and sending its forms, over
    the gateway (INTERACTION_CREATE) with the answers coming back as interaction callbacks."""

    def __init__(self) -> None:
        self.fake = FakeDiscord()
        self.people: list[Person] = []
        self.opened: dict[int, FakeInteraction] = {}  # person -> the form they last opened
        self.buttons: dict[str, dict[str, Any]] = {}  # custom id -> a message with it

    async def start(self, request: dict[str, Any]) -> dict[str, Any]:
        await self.fake.start()
        self.people = [self.fake.add_person(f"Person {n}") for n in range(request["people"])]
        return {
            "port": self.fake.port,
            "guild": self.fake.guild_id,
            "channel": self.fake.session_channel,
            "people": [str(person.id) for person in self.people],
        }

    async def press(self, press: dict[str, Any]) -> dict[str, Any]:
        person = self.people[press["who"]]
        if press["kind"] == "submit":
            interaction = await self.fake.submit(person, self.opened[press["who"]], press["values"])
        else:
            interaction = await self.fake.press(person, self._message(press["id"]), press["id"])
        try:
            await asyncio.wait_for(interaction.final.wait(), WAIT_SECONDS)
        except TimeoutError:
            pass
        form = MODAL in interaction.callback_types
        if form:
            self.opened[press["who"]] = interaction
        return heard(
            interaction.sent_at,
            interaction.first_at,
            interaction.final_at,
            form=form,
            text=interaction.text(),
        )

    def _message(self, custom_id: str) -> dict[str, Any]:
        """A message of the bot's with the button on it, as the session's own posts have."""
        if custom_id not in self.buttons:
            body = {
                "content": "Over a Brew",
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {"type": 2, "style": 1, "label": "Press", "custom_id": custom_id}
                        ],
                    }
                ],
            }
            self.buttons[custom_id] = self.fake.bot_message(self.fake.session_channel, body)
        return self.buttons[custom_id]

    async def stop(self) -> None:
        await self.fake.stop()


LOADS = {"discord": DiscordLoad}
