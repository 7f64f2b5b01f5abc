"""Names and words people chose, reposted in a Discord channel, show exactly as typed: no
masked links, spoilers, headings, small print, timestamps or mentions."""

from __future__ import annotations

from bot.loopback.discord_server import FakeDiscord
from tests.fakes.discord_harness import running_discord
from tests.platforms.readers import discord_reads, unquoted

MISSING = {"message": "Missing Permissions", "code": 50013}
NAMES = (
    "[Click for help](http://evil.example) ||x||",
    "**Ben** <t:0:R>",
    "-# Chloe",
    "# Dev",
    "> Eleni @everyone",
    "Femi `x` ~~y~~ __z__",
)


async def test_the_group_list_shows_names_as_typed_when_threads_cannot_be_made(tmp_path):
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    people = [fake.add_person(name) for name in NAMES]
    async with running_discord(tmp_path, fake) as (fake, _):
        await (
            await fake.slash(fran, "schedule", when="2026-11-30 14:00", theme="Names")
        ).answered()
        await (await fake.slash(fran, "open")).answered()
        for person in people:
            await (await fake.slash(person, "join")).answered()
        fake.fail("POST", rf"/channels/{fake.session_channel}/threads", 403, MISSING, times=None)
        await (await fake.slash(fran, "breakouts", size=3)).answered()

        listing = fake.posts_to(fake.session_channel)[-1]
        [embed] = listing["embeds"]
        lines = embed["description"].split("\n")
        quoted = "\n".join(line for line in lines if line.startswith("> "))
        shown = discord_reads(unquoted(quoted))  # fails on anything Discord would format
        for name in NAMES:
            assert name in shown
        assert "http://evil.example" not in embed["description"]  # not a link either
        assert listing["allowed_mentions"] == {"parse": []}
    fake.assert_clean()
