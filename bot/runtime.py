"""Running a started App until it is told to stop, then stopping cleanly.

`serve` is what every platform's main calls once its App has started: it runs the front-end
until the front-end ends or the process gets SIGTERM (a deploy, `docker stop`, systemd) or
SIGINT (Ctrl-C). Then, within `grace_seconds` (10 by default; Docker waits 10 before it kills):

1. the dispatcher turns new commands away with "please try again in a moment" and waits for
   the commands already running, while the front-end is still connected so they can answer;
2. the front-end is stopped;
3. the App closes: the scheduler stops and its running jobs finish their deliveries, the
   scheduler lock is released (another process takes over when it next asks), the platform
   connection and the database connections are closed.

Before that, while a platform's main is still starting, `StopSignals` keeps the same two
signals working, and `keep_trying` asks the platform whether it will take the bot's token:
a refusal (`StartRefused`) is one line and exit code 1; a platform out of reach
(`OutOfReach`) is one line per attempt, tried again after 2, 5, 10, 30, then every 60
seconds, until it answers or a signal stops the process (exit code 0).

`serve` also runs the web pages (bot/platforms/web) beside the front-end, unless
BREWBOT_WEB=off: it starts them before the front-end runs, says their address in one line,
and stops them with the front-end; a port it cannot have stops the process with one line
(exit code 1). A front-end that serves its own requests from the same web server (Slack's
HTTP mode) starts it while it starts, with `start_web_pages`, and hands it to `serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from bot.app import App
from bot.core.marked import Own, SaidLine
from bot.engine.texts import Texts
from bot.memory import settled

if TYPE_CHECKING:
    from bot.platforms.web.server import Mounted, WebServer

T = TypeVar("T")

log = logging.getLogger("brewbot.runtime")

GRACE_SECONDS = 10.0
# Kept back from the grace period for stopping the front-end and closing the App.
CLOSE_RESERVE_SECONDS = 4.0
SIGNALS = (signal.SIGTERM, signal.SIGINT)
# Waits between start-up attempts while a platform is out of reach; the last one repeats.
RETRY_SECONDS = (2, 5, 10, 30, 60)


class Stopped(Exception):
    """A stop signal came while something was still starting; it was cancelled."""


class StartRefused(SaidLine):
    """The platform answered and will not let the bot in (a token it does not accept). The
    message is one line for whoever runs Brewbot; trying again would not help."""


class OutOfReach(SaidLine):
    """The platform could not be reached, or is not answering for now. The message is one
    line saying where and why; trying again later may work."""


class StopSignals:
    """While entered, SIGTERM and SIGINT set `requested` instead of ending the process, so
    whatever is running can be stopped cleanly, during start-up as after it."""

    def __init__(self) -> None:
        self.requested = asyncio.Event()
        self._handled: list[signal.Signals] = []

    def __enter__(self) -> StopSignals:
        loop = asyncio.get_running_loop()
        for sig in SIGNALS:
            # Not possible off the main thread or on Windows; Ctrl-C then still ends the process.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.requested.set)
                self._handled.append(sig)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        loop = asyncio.get_running_loop()
        while self._handled:
            loop.remove_signal_handler(self._handled.pop())

    async def first(self, work: Awaitable[T]) -> T:
        """What `work` returns, unless a stop signal comes first: then `work` is cancelled
        (given a few seconds to tidy up) and `Stopped` is raised."""
        task = asyncio.ensure_future(work)
        stopping = asyncio.ensure_future(self.requested.wait())
        try:
            await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=CLOSE_RESERVE_SECONDS)
        if task.cancelled() or not task.done():
            raise Stopped
        if self.requested.is_set() and task.exception() is not None:
            raise Stopped  # it failed while being stopped: nothing to report
        return task.result()

    async def pause(self, seconds: float) -> None:
        """Wait `seconds`, or raise `Stopped` as soon as a stop signal comes."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.requested.wait(), seconds)
        if self.requested.is_set():
            raise Stopped


async def keep_trying(
    check: Callable[[], Awaitable[None]], signals: StopSignals, texts: Texts
) -> None:
    """Run `check` until it passes. Each `OutOfReach` is logged as one line (no traceback)
    and tried again after the next of RETRY_SECONDS; `StartRefused` is raised as it is, and
    `Stopped` as soon as a stop signal comes."""
    attempt = 0
    while True:
        try:
            await signals.first(check())
            return
        except OutOfReach as problem:
            wait = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
            log.warning("%s", texts.t("startup.trying_again", problem=problem, seconds=wait))
        attempt += 1
        await signals.pause(wait)


def connection_problem(error: BaseException) -> str:
    """A few words on why a connection failed: the system's own words ("Connection
    refused", "Name or service not known") where there are some, else the error's kind."""
    cause = getattr(error, "os_error", error)  # aiohttp keeps the socket's error here
    if isinstance(cause, socket.gaierror) and cause.strerror:
        return cause.strerror
    if isinstance(cause, OSError) and cause.errno and cause.errno > 0:
        return os.strerror(cause.errno)
    return type(error).__name__


async def serve(
    app: App,
    main: Awaitable[object],
    *,
    grace_seconds: float = GRACE_SECONDS,
    signals: StopSignals | None = None,
    say: Callable[[str], None] | None = None,
    pages: WebServer | None = None,
) -> None:
    """Run `main` (the platform front-end) and the web pages until `main` returns or a stop
    signal arrives, then finish in-flight commands and close `app`, all within
    `grace_seconds`. Pass the `signals` entered for start-up, so a signal that came during
    it is not lost. `say` gives the web pages' address to whoever runs Brewbot (the log's
    INFO unless given: the terminal chat prints it). `pages`: the web server the front-end
    already started (`start_web_pages`); without it, `serve` starts one."""
    if pages is None:
        pages = await _start_web_pages(app, main, say or _log_line)
    async with settled(), contextlib.AsyncExitStack() as own:
        if signals is None:
            signals = own.enter_context(StopSignals())
        await _serve(app, main, grace_seconds, signals.requested, pages)


def _log_line(line: str) -> None:
    log.info("%s", line)


async def start_web_pages(
    app: App,
    say: Callable[[str], None],
    *,
    mounted: Mounted | None = None,
    host: str | None = None,
    port: int | None = None,
) -> WebServer | None:
    """Start the one web server and say the pages' address: with the pages unless
    BREWBOT_WEB=off, and with a front-end's own routes if `mounted` (then even with the
    pages off). On BREWBOT_WEB_HOST:BREWBOT_WEB_PORT unless `host` or `port` is given.
    None when there is nothing to serve; raises WebStartFailed (one line) for a port it
    cannot have."""
    # Imported here: the web server uses this module's `connection_problem`.
    from bot.platforms.web.server import WebServer

    if not app.settings.web and mounted is None:
        return None
    pages = WebServer(app, mounted=mounted, host=host, port=port)
    url = await pages.start()
    if app.settings.web:
        say(app.deps.texts.t("web_startup.address", url=Own(url)))
    return pages


async def _start_web_pages(
    app: App, main: Awaitable[object], say: Callable[[str], None]
) -> WebServer | None:
    """`start_web_pages`, where a port that cannot be had closes `app` and stops the process
    with one line."""
    from bot.platforms.web.server import WebStartFailed

    try:
        return await start_web_pages(app, say)
    except WebStartFailed as problem:
        if inspect.iscoroutine(main):
            main.close()  # never started: nothing to wait for
        await app.close()
        raise SystemExit(str(problem)) from None


async def _serve(
    app: App,
    main: Awaitable[object],
    grace_seconds: float,
    stop: asyncio.Event,
    pages: WebServer | None,
) -> None:
    loop = asyncio.get_running_loop()
    front = asyncio.ensure_future(main)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({front, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        deadline = loop.time() + grace_seconds
        log.info("stopping reason=%s", "signal" if stop.is_set() else "front-end ended")
        drain = max(0.0, grace_seconds - CLOSE_RESERVE_SECONDS)
        if not await app.dispatcher.drain(drain):
            log.warning("stopping with commands still running count=%d", app.dispatcher.in_flight)
        stopping.cancel()
        if not front.done():
            front.cancel()
            await asyncio.wait({front}, timeout=max(0.1, (deadline - loop.time()) / 2))
        if pages is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(pages.close(), max(0.1, (deadline - loop.time()) / 2))
        try:
            await asyncio.wait_for(app.close(), max(0.1, deadline - loop.time()))
        except TimeoutError:
            log.warning("stopping took longer than %.0f seconds", grace_seconds)
        log.info("stopped")
    if front.done() and not front.cancelled() and (error := front.exception()) is not None:
        raise error
