"""Running a started App until it is told to stop, then stopping cleanly.

`serve` is what every platform's main calls once its App has started: it runs the front-end
until the front-end ends or the process gets SIGTERM (a deploy, `docker stop`, systemd) or
SIGINT (Ctrl-C). Then, within `grace_seconds` (10 by default; Docker waits 10 before it kills):

1. the dispatcher turns new commands away with "please try again in a moment" and waits for
   the commands already running, while the front-end is still connected so they can answer;
2. the front-end is stopped;
3. the App closes: the scheduler stops and its running jobs finish their deliveries, the
   scheduler lock is released (another process takes over at once), the platform
   connection and the database connections are closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable

from bot.app import App

log = logging.getLogger("brewbot.runtime")

GRACE_SECONDS = 10.0
# Kept back from the grace period for stopping the front-end and closing the App.
CLOSE_RESERVE_SECONDS = 4.0
SIGNALS = (signal.SIGTERM, signal.SIGINT)


def settle_after_start_up() -> None:
    """Everything alive once the bot has started (modules, table mappings, texts, sparks)
    lives as long as the process. Python's full collections would scan it all again and
    again, pausing every command for tens of milliseconds in a burst (seen in `brewbot
    bench`); frozen, it is left out of them."""
    gc.collect()
    gc.freeze()


async def serve(app: App, main: Awaitable[object], *, grace_seconds: float = GRACE_SECONDS) -> None:
    """Run `main` (the platform front-end) until it returns or a stop signal arrives, then
    finish in-flight commands and close `app`, all within `grace_seconds`."""
    settle_after_start_up()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    handled = []
    for sig in SIGNALS:
        # Not possible off the main thread or on Windows; Ctrl-C then still ends the process.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
    front = asyncio.ensure_future(main)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({front, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        deadline = loop.time() + grace_seconds
        log.info("stopping reason=%s", "signal" if stop.is_set() else "front-end ended")
        drain = max(0.0, grace_seconds - CLOSE_RESERVE_SECONDS)
        if not await app.dispatcher.drain(drain):
            log.warning("stopping with commands still running count=%d",
                        app.dispatcher.in_flight)
        stopping.cancel()
        if not front.done():
            front.cancel()
            await asyncio.wait({front}, timeout=max(0.1, (deadline - loop.time()) / 2))
        try:
            await asyncio.wait_for(app.close(), max(0.1, deadline - loop.time()))
        except TimeoutError:
            log.warning("stopping took longer than %.0f seconds", grace_seconds)
        for sig in handled:
            loop.remove_signal_handler(sig)
        log.info("stopped")
    if front.done() and not front.cancelled() and front.exception() is not None:
        raise front.exception()  # type: ignore[misc]
