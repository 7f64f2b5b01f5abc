"""Starts the terminal chat: the default platform when no Discord or Slack token is set."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator

from bot.app import build_app
from bot.config import Settings
from bot.platforms.shell.adapter import ShellAdapter
from bot.platforms.shell.chat import ShellChat


async def _stdin_lines() -> AsyncIterator[str]:
    while True:
        # Reading a line blocks, so do it off the event loop: the scheduler keeps ticking.
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            return
        yield line


async def run_shell(settings: Settings) -> None:
    # Keep the chat readable: logs go to a file beside the database.
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    file_handler = logging.FileHandler(settings.data_dir / "brewbot.log", encoding="utf-8")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(file_handler)
    adapter = ShellAdapter()
    app = await build_app(settings, adapter)
    await app.start()
    try:
        await ShellChat(app.dispatcher, adapter, _stdin_lines()).run()
    finally:
        await app.close()
