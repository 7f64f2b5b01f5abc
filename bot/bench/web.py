"""The web pages under load (issue 16): a session's page opened, and its reflection form sent
by many people at once, through the real web server (bot/platforms/web/server.py) on
127.0.0.1 over real sockets, from browsers in another process (bot/bench/browsers.py).

The session is seeded in the reflection step like the burst's, with a spark, so its page is
the full one; its link is made by `/brew link N` through the dispatcher, as a facilitator
does. The rate limits are raised: every request comes from one address.

Server time is taken by a middleware added for the bench only, outside every other one:
from aiohttp handing over the parsed request to the answer being ready to write, the guards,
the page and any wait for the event loop (other requests, the bot's other work) included.
The round trip the browsers measure adds the connection, reading the request, writing the
answer and the network; both are reported.

The fair baseline is a page on the same server, behind the same middlewares and headers,
that does nothing: a GET answering a page of the real page's size, and a POST that reads the
form and answers the same, measured the same way in the same run.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from bot.app import App
from bot.bench import seed
from bot.bench.browsers import PHASE
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.platforms.memory import MemoryResponder
from bot.platforms.web.guards import RateLimits
from bot.platforms.web.server import WebServer
from storage.models import Session

# Every request comes from 127.0.0.1, so the per-address limits would measure themselves.
BENCH_LIMITS = RateLimits(read="100000/minute", write="100000/minute")
NOOP_PAGE, NOOP_FORM = "/bench/page", "/bench/form"
WARM_UPS = 20
LINK = re.compile(r"https?://[^/\s]+(/s/[A-Za-z0-9_-]+)")
BROWSERS = Path(__file__).with_name("browsers.py")


@dataclass(frozen=True)
class WebRun:
    """Milliseconds by phase (bot/bench/browsers.py names them), from inside the server and
    from the browsers, and what became of the reflections sent."""

    server_ms: dict[str, list[float]]
    round_trip_ms: dict[str, list[float]]
    refused: int
    session_id: int
    page_bytes: int


async def measure(app: App, loads: int, submitters: int, seconds: float) -> WebRun:
    now = app.deps.clock.now()
    async with app.db.transaction() as tx:
        rooms = await seed.make_rooms(tx, 2, 2, now, prefix="web")
        session_ids = await seed.reflecting_sessions(tx, rooms, now)
        for session_id in session_ids:
            # A spark, as a real session has: the page shows it, so it is full size.
            session = await tx.get(Session, session_id)
            assert session is not None  # stored just above
            session.spark_id = app.deps.sparks.all()[0].id

    spent: dict[str, list[float]] = defaultdict(list)
    noop_body: list[bytes] = []
    server = WebServer(app, limits=BENCH_LIMITS, host="127.0.0.1", port=0)
    # Before it listens, the application still takes middlewares and routes.
    server.application.middlewares.insert(0, _timed(spent))
    server.application.router.add_routes(_baseline(noop_body))
    base = await server.start()
    try:
        measured, warm = [
            await _link(app, room, session_id)
            for room, session_id in zip(rooms, session_ids, strict=True)
        ]
        async with (
            aiohttp.ClientSession(base_url=base) as browser,
            browser.get(measured) as response,
        ):
            noop_body.append(await response.read())
        texts = [seed.reflection_text(random.Random(n), n) for n in range(submitters + WARM_UPS)]
        plan = {
            "base": base,
            "page": measured,
            "warm_page": warm,
            "noop_page": NOOP_PAGE,
            "noop_form": NOOP_FORM,
            "warm": WARM_UPS,
            "warm_texts": texts[submitters:],
            "loads": loads,
            "seconds": seconds,
            "texts": texts[:submitters],
            # The thanks' first words, which a refusal does not have.
            "thanks": app.deps.texts.template("thank_you_web", withdraw_code="", days=0)[:20],
        }
        answer = await _browse(plan)
    finally:
        await server.close()
    return WebRun(
        server_ms=dict(spent),
        round_trip_ms=answer["round_trip_ms"],
        refused=answer["refused"],
        session_id=session_ids[0],
        page_bytes=len(noop_body[0]),
    )


def _timed(spent: dict[str, list[float]]) -> Middleware:
    @web.middleware
    async def timing(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = perf_counter()
        try:
            return await handler(request)
        finally:
            phase = request.headers.get(PHASE)
            if phase:
                spent[phase].append((perf_counter() - started) * 1000)

    return timing


def _baseline(body: list[bytes]) -> list[web.RouteDef]:
    """The pages that do nothing: the real page's bytes (fetched once, into `body`)."""

    def answer() -> web.Response:
        return web.Response(body=body[0], content_type="text/html", charset="utf-8")

    async def page(_request: web.Request) -> web.Response:
        return answer()

    async def form(request: web.Request) -> web.Response:
        await request.post()
        return answer()

    return [web.get(NOOP_PAGE, page), web.post(NOOP_FORM, form)]


async def _link(app: App, room: seed.Room, session_id: int) -> str:
    """The page's path, from `/brew link N` typed by the room's facilitator."""
    community = CommunityRef(Platform.SHELL, room.external_id, "")
    facilitator = UserRef(community, "web-facilitator", "Fran", frozenset({"Facilitator"}))
    said = MemoryResponder()
    where = ConversationRef(community, "brew-room")
    await app.dispatcher.run_text(f"/brew link {session_id}", facilitator, where, said)
    found = LINK.search(said.text)
    if found is None:
        raise RuntimeError(f"/brew link gave no link: {said.text}")
    return found.group(1)


async def _browse(plan: dict) -> dict:
    browsers = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BROWSERS),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await browsers.communicate(json.dumps(plan).encode())
    if browsers.returncode != 0:
        last = err.decode(errors="replace").strip().splitlines()[-1:]
        raise RuntimeError(f"the bench's browsers stopped: {' '.join(last)}")
    answer: dict = json.loads(out)
    return answer
