"""The platform's side of a front-end burst: a loopback Discord, Slack or Teams (bot/loopback/)
in a process of its own, where the people are, pressing buttons and sending forms at the
moments a burst asks and timing each answer as the platform sees it.

In its own process so that, as with the real platforms, making the load costs the bot
nothing: the bot's CPU and its event loop are its own. It is outside the bench's package,
which imports the whole app, so that the process starts with only the loopback platform and
what its people need. The bench (bot/bench/frontends/) starts it with
`python -m bot.loopback.load.driver` and speaks one JSON object a line:

- `{"op": "start", "platform": P, "people": N, ...}`: start the loopback platform P with N
  people; the answer says how the bot reaches it (ports, ids).
- `{"op": "burst", "seconds": S, "presses": [...]}`: each press (`who`, `id`: the custom id,
  `kind`, `values` for a form) made at its own moment, spread at random over S seconds
  (open loop: a slow answer does not delay the next press); the answer has, per press, the
  milliseconds to the first answer and to the final one (null: none came), whether a form
  opened, and the answer's words.
- `{"op": "stop"}`.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import random
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Protocol


class Load(Protocol):
    async def start(self, request: dict[str, Any]) -> dict[str, Any]: ...

    async def press(self, press: dict[str, Any]) -> dict[str, Any]: ...

    async def stop(self) -> None: ...


# Each platform's module, by the same name, here (its LOADS: the people's side) and in
# bot/bench/frontends/ (its SIDES: the bot's).
MODULES = {"discord": "discord", "slack_http": "slack", "slack_socket": "slack", "teams": "teams"}


def _load(platform: str) -> Load:
    """The people's side of `platform`, imported now: only that platform's library is
    loaded, not the others'."""
    module = importlib.import_module(f"bot.loopback.load.{MODULES[platform]}")
    load: Load = module.LOADS[platform]()
    return load


# The bench reads only the start of an answer's words.
TEXT_LIMIT = 300


@dataclass
class Pending:
    """One press on its way: when it was sent, and when its first and final answers came.
    Each platform's load adds what it sees of the answers."""

    kind: str
    sent_at: float = field(default_factory=time.perf_counter)
    first_at: float | None = None
    final_at: float | None = None
    text: str = ""
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def _final(self, at: float, text: str) -> None:
        if self.final_at is None:
            self.final_at = at
            self.text = text[:TEXT_LIMIT]
        self._check()

    def _check(self) -> None:
        if self.first_at is not None and self.final_at is not None:
            self.done.set()

    def form_shown(self) -> bool:
        return False

    def heard(self) -> dict[str, Any]:
        return heard(
            self.sent_at, self.first_at, self.final_at, form=self.form_shown(), text=self.text
        )


def heard(
    sent_at: float, first_at: float | None, final_at: float | None, *, form: bool, text: str
) -> dict[str, Any]:
    """One press as the driver reports it: milliseconds to the first and the final answer
    (None: none came), whether a form opened, and the start of the answer's words."""
    return {
        "first_ms": _ms(sent_at, first_at),
        "final_ms": _ms(sent_at, final_at),
        "form": form,
        "text": text[:TEXT_LIMIT],
    }


def _ms(sent: float, at: float | None) -> float | None:
    return None if at is None else (at - sent) * 1000


def free_port() -> int:
    """A port on 127.0.0.1 free now, for a bot that starts after the driver has answered
    and is called over HTTP (Slack's HTTP mode, Teams)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def burst(load: Load, request: dict[str, Any]) -> dict[str, Any]:
    presses = request["presses"]
    rng = random.Random(request.get("seed", 1))
    arrivals = sorted(rng.uniform(0, request["seconds"]) for _ in presses)
    start = time.perf_counter() + 0.05

    async def one(press: dict[str, Any], at: float) -> dict[str, Any]:
        # Load generation, not synchronisation: wait for this person's moment to press.
        await asyncio.sleep(max(0.0, start + at - time.perf_counter()))
        return await load.press(press)

    used = time.process_time()
    heard = await asyncio.gather(
        *(one(press, at) for press, at in zip(presses, arrivals, strict=True))
    )
    # The loopback platform's own CPU: near a whole second a second, it is what limits.
    return {"heard": heard, "cpu_s": time.process_time() - used}


async def main() -> None:
    # A connection the bot drops mid-request (at 2,000 presses a second, or as a burst ends)
    # is a press that went unanswered, which the figures count; aiohttp's server would also
    # print its traceback on the bench's console.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 26)  # a burst is one long line
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    load: Load | None = None
    while line := await reader.readline():
        request = json.loads(line)
        if request["op"] == "start":
            load = _load(request["platform"])
            answer = await load.start(request)
        elif request["op"] == "burst":
            assert load is not None, "start before a burst"
            answer = await burst(load, request)
        else:
            break
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    if load is not None:
        await load.stop()


if __name__ == "__main__":
    asyncio.run(main())
