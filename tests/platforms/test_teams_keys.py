"""Microsoft's signing keys, fetched for Teams' token check without holding up anything else:
not the event loop (tests/platforms/test_teams_edges.py) and not the loop's shared executor,
where host names are resolved for every outgoing call and SQLite's checkpoint runs."""

from __future__ import annotations

import asyncio
import time

from tests.fakes.teams_harness import teams_world

PEOPLE = 12


async def test_people_waiting_for_a_slow_key_endpoint_leave_the_shared_executor_free(sqlite_url):
    async with teams_world(sqlite_url) as world:
        people = [world.lb.add_user(f"Person {n}") for n in range(PEOPLE)]
        chats = [world.lb.install_for(person.id) for person in people]
        world.lb.key_delay = 1.5
        # More activities than the shared executor has threads (2 cores: 6), all waiting
        # for the keys at once.
        sending = [
            asyncio.ensure_future(world.sender.message("brew help", person, chat))
            for person, chat in zip(people, chats, strict=True)
        ]
        await world.lb.wait_for(lambda call: call.kind == "keys")
        started = time.perf_counter()
        await asyncio.to_thread(lambda: None)
        waited = time.perf_counter() - started
        answers = await asyncio.gather(*sending)
        assert [answer.status for answer in answers] == [200] * PEOPLE
        assert waited < 0.5, f"the shared executor was busy for {waited:.2f}s"
        # One fetch served them all.
        assert len(world.lb.of("keys")) == 1
