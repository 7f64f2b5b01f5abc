"""Stopping cleanly: on SIGTERM the bot turns new commands away, finishes the ones in flight,
closes its connections and exits within 10 seconds."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import weakref

from bot.app import build_app
from bot.core.commands import ComponentRoute
from bot.core.messages import OutgoingMessage, Reply
from bot.platforms.memory import MemoryAdapter, MemoryResponder
from bot.runtime import GRACE_SECONDS, serve
from tests.conftest import CHANNEL, Chat, app_for, make_settings
from tests.scheduling.test_leader import BotProcess


async def test_sigterm_finishes_the_command_in_flight_and_turns_new_ones_away(sqlite_url, clock):
    app = await build_app(make_settings(sqlite_url), MemoryAdapter(), clock=clock)
    await app.start()
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(_ctx) -> Reply:  # a command still working when the signal comes
        started.set()
        await release.wait()
        return Reply(OutgoingMessage("finished"))

    app.table.add_component(ComponentRoute("test", "slow", slow))
    person = Chat.person("Sam")
    in_flight = MemoryResponder()

    async def front_end() -> None:
        await app.dispatcher.run_component("brew:test:slow:", {}, person, CHANNEL, in_flight)
        await asyncio.Event().wait()  # a front-end runs until it is stopped

    serving = asyncio.create_task(serve(app, front_end()))
    await started.wait()
    os.kill(os.getpid(), signal.SIGTERM)
    async with asyncio.timeout(5):
        await app.dispatcher.closing.wait()
    late = MemoryResponder()
    await app.dispatcher.run_component("brew:test:slow:", {}, person, CHANNEL, late)
    assert late.text == app.deps.texts.t("errors.try_again")
    assert not serving.done(), "still waiting for the command in flight"
    release.set()
    async with asyncio.timeout(GRACE_SECONDS):
        await serving
    assert in_flight.text == "finished"
    assert not app.scheduler.running
    assert app.db.engine.pool.checkedout() == 0


async def test_a_real_process_stops_on_sigterm_and_frees_the_database(sqlite_url, tmp_path):
    first = await BotProcess.start(sqlite_url, tmp_path / "one")
    await first.expect("The terminal chat")
    first.proc.send_signal(signal.SIGTERM)
    code, errors = await asyncio.wait_for(first.finish(), GRACE_SECONDS)
    assert code == 0, errors
    assert "Traceback" not in errors
    assert "stopped" in first.log()
    # The SQLite lock went with it: another process may start straight away.
    second = await BotProcess.start(sqlite_url, tmp_path / "two")
    try:
        await second.expect("The terminal chat")
    finally:
        second.proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.finish(), GRACE_SECONDS)


async def test_a_closed_app_is_freed_with_its_database(database_url, clock):
    """Nothing the app set up (its in-process cache's session listeners, its scheduler, its
    outbox) keeps it alive once it is closed, so a process that builds apps one after another
    (the suite, the bench) does not keep every one with its database, engine and caches."""
    app = await app_for(make_settings(database_url), clock)
    await app.start()
    await Chat(app).say(Chat.person("Fran", facilitator=True), "/brew sessions")
    await app.close()
    freed = [weakref.ref(thing) for thing in (app, app.db, app.db.engine.sync_engine)]
    del app
    gc.collect()
    assert [ref() for ref in freed] == [None, None, None]
