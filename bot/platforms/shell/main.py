"""Starts the terminal chat: the default platform when no Discord or Slack token is set."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import sys
import threading
from collections.abc import AsyncIterator

from bot.app import build_app
from bot.config import Settings
from bot.engine.texts import Texts
from bot.logs import configure_logging
from bot.platforms.shell.adapter import ShellAdapter
from bot.platforms.shell.chat import ShellChat
from bot.runtime import serve
from bot.scheduling.leader import AlreadyRunning


async def stdin_lines() -> AsyncIterator[str]:
    """Lines typed (or piped) in, read off the event loop so the scheduler keeps ticking.

    A daemon thread reads the raw file descriptor: a thread of the default executor blocked
    in a read would keep the process alive after SIGTERM until someone pressed Enter, and a
    read through sys.stdin would hold its buffer's lock at interpreter shutdown."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def put(item: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has already closed
            loop.call_soon_threadsafe(lines.put_nowait, item)

    def pump() -> None:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        pending = ""
        while chunk := os.read(sys.stdin.fileno(), 4096):
            pending += decoder.decode(chunk)
            *complete, pending = pending.split("\n")
            for line in complete:
                put(line + "\n")
        if pending + decoder.decode(b"", final=True):
            put(pending)
        put(None)

    threading.Thread(target=pump, name="shell-stdin", daemon=True).start()
    while (line := await lines.get()) is not None:
        yield line


async def run_shell(settings: Settings) -> None:
    # Keep the chat readable: logs go to a file beside the database (through the same
    # filter as the terminal's, bot/logs.py), not to the terminal.
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    configure_logging(settings.log_level, file=settings.data_dir / "brewbot.log")
    texts = Texts.load()
    # Files the bot attaches (calendar invites, "my data", claims sheets) go here, per person.
    adapter = ShellAdapter(files=settings.data_dir / "files", texts=texts)
    app = await build_app(settings, adapter, texts=texts)
    try:
        await app.start()
    except AlreadyRunning as exc:
        await app.close()
        raise SystemExit(str(exc)) from None
    # Logs go to the file, so the web pages' address is printed with the chat.
    await serve(app, ShellChat(app.dispatcher, adapter, stdin_lines()).run(), say=print)
