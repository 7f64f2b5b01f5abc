"""Discord's and Slack's limits met through the real front-ends, against loopback fakes that
refuse what the platforms refuse (bot/loopback): long titles, many sessions, many themes.
What does not fit is shortened with an ellipsis, split or said, never silently cut."""

from __future__ import annotations

from bot.core.messages import custom_id
from bot.engine.clock import ManualClock
from bot.loopback.discord_server import FakeDiscord
from tests.fakes.discord_harness import START, running_discord
from tests.platforms.test_discord_e2e import STARTS

LONG_THEME = (
    "Building the right relationships with the people who support us at home, "
    "in the day centre, at the surgery and at every review of our care and support plans"
)


async def test_a_long_theme_names_breakout_threads_with_an_ellipsis(tmp_path):
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    people = [fake.add_person(name) for name in ("Amara", "Ben", "Chloe", "Dev")]
    clock = ManualClock(START)
    async with running_discord(tmp_path, fake, clock) as (fake, _):
        await (
            await fake.slash(fran, "schedule", when="2026-11-30 14:00", theme=LONG_THEME)
        ).answered()
        for person in people:
            await (await fake.click(person, custom_id("rsvp", "yes", "1"))).answered()
            await (await fake.click(person, custom_id("consent", "yes"))).answered()
        clock.set(STARTS)
        await (await fake.slash(fran, "open")).answered()
        for person in people:
            await (await fake.click(person, custom_id("session", "join", "1"))).answered()
        await (await fake.slash(fran, "breakouts", size=3)).answered()
        [thread] = fake.threads.values()
        # Discord allows 100 characters: the name was cut at 90, in the middle of a word.
        assert len(thread["name"]) <= 100
        assert thread["name"].startswith("Breakout 1 - Building the right relationships")
        assert thread["name"].endswith("…"), thread["name"]
    fake.assert_clean()
