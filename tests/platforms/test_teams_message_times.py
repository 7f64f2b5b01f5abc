"""Teams gives each message a person sends the time it was posted as its id (milliseconds since
1970), and Brewbot keeps the ids of messages it handled (`processed_event`), so a message sent
again is handled once even by another process. Kept as they come, they would say when each
person wrote to Brewbot, to the millisecond, where every time kept about a person is a day or
a step of the session (docs/anonymity.md): the row written just after each (their attendance,
their settings) says whose it was."""

from __future__ import annotations

import re
import time

from sqlmodel import SQLModel

from tests.fakes.teams_harness import teams_world

MOMENT = re.compile(r"\d{13,}")


async def test_no_stored_value_says_when_someone_wrote_to_brewbot(database_url):
    async with teams_world(database_url, sign_in=True) as world:
        lb = world.lb
        began = time.time()
        for n in range(3):
            who = lb.add_user(f"Person {n}")
            await world.say("brew help", who, lb.install_for(who.id))
        ended = time.time()
        values = []
        async with world.brew.db.read() as tx:
            for table in SQLModel.metadata.sorted_tables:
                result = await tx.exec(table.select())  # type: ignore[call-overload]
                values += [(table.name, v) for row in result.all() for v in row]
    moments = [
        (table, value)
        for table, value in values
        if isinstance(value, str)
        for run in MOMENT.findall(value)
        if began - 1 <= int(run[:13]) / 1000 <= ended + 1
    ]
    assert moments == [], "a value that is the moment someone wrote"
    assert any(table == "processed_event" for table, _ in values), "messages are remembered"
