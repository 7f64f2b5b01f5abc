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

Then the bursts, at each of the bench's rates, as with the chat front-ends: that many people
a second open a session's page (`open`), send a reflection from it (`submit`), and, on the
pages of sessions still to come, say "I'm coming" (`rsvp`: the answer is the person's own
page the form leads to). Each burst has fresh sessions (a page takes at most
MOST_PER_SESSION answers, so a crowd answering is spread over pages of RSVP_PER_PAGE people)
and beside it the same crowd on the pages that do nothing. The server's CPU for a burst is
its process's from the first request of the burst's phase to the last answer.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter, process_time
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from bot.app import App
from bot.bench import seed
from bot.bench.browsers import PHASE
from bot.bench.joins import sessions_to_join
from bot.bench.stopped import what_ended
from bot.core.domain import SessionState
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.platforms.memory import MemoryResponder
from bot.platforms.web.server import WebServer
from bot.sessions.rsvp import MOST_PER_SESSION
from storage.models import Session

# The pages answer as behind a reverse proxy on this machine (`run_bench` trusts 127.0.0.1),
# with every person's own address in X-Forwarded-For (bot/bench/browsers.py): so each is
# counted by the per-address limits as they are, and those limits, as shipped, are measured
# with as many addresses as people.
NOOP_PAGE, NOOP_FORM = "/bench/page", "/bench/form"
WARM_UPS = 20
LINK = re.compile(r"https?://[^/\s]+(/s/[A-Za-z0-9_-]+)")
BROWSERS = Path(__file__).with_name("browsers.py")
# People answering "I'm coming" on one session's page, in a burst.
RSVP_PER_PAGE = MOST_PER_SESSION // 2
# What the person's own page, where "I'm coming" leads, says; the no-op page's first words.
RSVP_KEPT = "rsvp.page.keep_link"
NOOP_SAYS = "<!doctype html>"


@dataclass(frozen=True)
class WebRun:
    """Milliseconds by phase (bot/bench/browsers.py names them), from inside the server and
    from the browsers, and what became of the reflections sent."""

    server_ms: dict[str, list[float]]
    round_trip_ms: dict[str, list[float]]
    refused: int
    session_id: int
    page_bytes: int
    # The bursts: by phase, the server's CPU seconds, the people in it and those refused.
    cpu_s: dict[str, float] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    burst_refused: dict[str, int] = field(default_factory=dict)


async def measure(
    app: App, loads: int, submitters: int, seconds: float, rates: tuple[int, ...] = ()
) -> WebRun:
    now = app.deps.clock.now()
    async with app.db.transaction() as tx:
        rooms = await seed.make_rooms(tx, 2, 2, now, prefix="web")
        session_ids = await seed.reflecting_sessions(tx, rooms, now)
        # Each rate's burst: a session reflecting, and sessions to come for its RSVPs.
        reflecting = await seed.reflecting_sessions(tx, [rooms[0]] * len(rates), now)
        coming = {
            rate: await sessions_to_join(
                tx,
                [rooms[0]] * math.ceil(_count(rate, seconds) / RSVP_PER_PAGE),
                now,
                state=SessionState.SCHEDULED,
            )
            for rate in rates
        }
        for session_id in [*session_ids, *reflecting]:
            # A spark, as a real session has: the page shows it, so it is full size.
            session = await tx.get(Session, session_id)
            assert session is not None  # stored just above
            session.spark_id = app.deps.sparks.all()[0].id

    spent: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = {}
    noop_body: list[bytes] = []
    server = WebServer(app, host="127.0.0.1", port=0)  # the limits as shipped
    # Before it listens, the application still takes middlewares and routes.
    server.application.middlewares.insert(0, _timed(spent, cpu))
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
        bursts: list[dict[str, Any]] = []
        plan: dict[str, Any] = {
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
            "bursts": bursts,
        }
        people: dict[str, int] = {}
        for rate, session_id in zip(rates, reflecting, strict=True):
            count = _count(rate, seconds)
            page = await _link(app, rooms[0], session_id)
            pages = [await _link(app, rooms[0], s) for s in coming[rate]]
            rsvp_pages = [pages[n // RSVP_PER_PAGE] for n in range(count)]
            texts = [seed.reflection_text(random.Random(n), n) for n in range(count)]
            for kind, real, success in (
                ("submit", [(page, f"{page}/reflect")] * count, plan["thanks"]),
                ("rsvp", [(p, f"{p}/rsvp") for p in rsvp_pages], app.deps.texts.t(RSVP_KEPT)),
            ):
                # The baseline first, as in the reflection burst.
                for phase, where, says in (
                    (f"noop_{kind}_{rate}", [(NOOP_PAGE, NOOP_FORM)] * count, NOOP_SAYS),
                    (f"{kind}_{rate}", real, success),
                ):
                    bursts.append(
                        {
                            "phase": phase,
                            "kind": "reflect" if kind == "submit" else "rsvp",
                            "pages": [opened for opened, _ in where],
                            "posts": [sent for _, sent in where],
                            "texts": texts if kind == "submit" else [],
                            "success": says,
                        }
                    )
                    people[phase] = people[f"{phase}_open"] = count
        answer = await _browse(plan)
    finally:
        await server.close()
    return WebRun(
        server_ms=dict(spent),
        round_trip_ms=answer["round_trip_ms"],
        refused=answer["refused"],
        session_id=session_ids[0],
        page_bytes=len(noop_body[0]),
        cpu_s={phase: cpu[phase][1] - cpu[phase][0] for phase in people if phase in cpu},
        people=people,
        burst_refused=answer["burst_refused"],
    )


def _count(rate: int, seconds: float) -> int:
    return math.ceil(rate * seconds)


def _timed(spent: dict[str, list[float]], cpu: dict[str, list[float]]) -> Middleware:
    """Each request's time inside the server, by phase; and each phase's CPU window: the
    process's CPU time at its first request and at its last answer (phases run one after
    another, so nothing else is in it)."""

    @web.middleware
    async def timing(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = perf_counter()
        phase = request.headers.get(PHASE)
        if phase:
            cpu.setdefault(phase, [process_time(), 0.0])
        try:
            return await handler(request)
        finally:
            if phase:
                spent[phase].append((perf_counter() - started) * 1000)
                cpu[phase][1] = process_time()

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
        raise RuntimeError(
            f"the bench's browsers stopped: {what_ended(err.decode(errors='replace'))}"
        )
    answer: dict = json.loads(out)
    return answer
