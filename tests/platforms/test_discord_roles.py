"""Facilitator roles on Discord: a role picked in settings counts by its id."""

from __future__ import annotations

from bot.engine.clock import ManualClock
from bot.loopback.discord_server import FakeDiscord
from tests.fakes.discord_harness import START, running_discord


async def test_a_facilitator_role_picked_in_discord_counts_by_its_id(tmp_path):
    """`/brew settings facilitator_role @Carers lead` arrives as <@&id>: it is stored by id,
    and a person with that role is a facilitator (one without it is not)."""
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    lead_role = fake.add_role("Carers lead")
    cara = fake.add_person("Cara", roles=(lead_role,))
    sam = fake.add_person("Sam")
    async with running_discord(tmp_path, fake, ManualClock(START)) as (fake, _run):
        answer = await (
            await fake.slash(fran, "settings", name="facilitator_role", value=f"<@&{lead_role}>")
        ).answered()
        assert "facilitator_role" in answer.text() or "saved" in answer.text().lower()
        when = "2026-12-01 14:00"
        allowed = await (await fake.slash(cara, "schedule", when=when, theme="Hi")).answered()
        assert "planned" in allowed.text()
        refused = await (await fake.slash(sam, "schedule", when=when, theme="Hi")).answered()
        assert "planned" not in refused.text()


async def test_a_role_picked_in_discord_is_named_as_the_server_names_it(tmp_path):
    """The facilitator who picks the role, and anyone refused a facilitator's step, read the
    role's name; its id is for the facilitator check only."""
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    lead_role = fake.add_role("Carers lead")
    sam = fake.add_person("Sam")
    async with running_discord(tmp_path, fake, ManualClock(START)) as (fake, _run):
        picked = await (
            await fake.slash(fran, "settings", name="facilitator_role", value=f"<@&{lead_role}>")
        ).answered()
        refused = await (await fake.slash(sam, "schedule", when="2026-12-01 14:00")).answered()
        for answer in (picked, refused):
            assert "Carers lead" in answer.text(), answer.text()
            assert str(lead_role) not in answer.text(), answer.text()
