"""People's browsers for the web bench (bot/bench/web.py): run as a separate process, by its
file path, so the load is made beside the server, not on its event loop, and nothing of the
bot is imported here (its start-up is not what is measured).

It reads one JSON plan on stdin and prints one JSON object: each phase's round trips in
milliseconds (from sending a request to having read all of its answer) and how many
reflections were refused. Every request names its phase in the PHASE header, which only
the bench's own server middleware reads, to time the same requests from inside.

A person opening the page is a browser of their own: a new connection, kept for the form
they send from it. The sequential loads are people one after another on one kept
connection, as a reverse proxy sends them. Every person has an address of their own, which
the proxy would pass on in X-Forwarded-For (the server trusts 127.0.0.1 as that proxy).

The bursts (`plan["bursts"]`, after the rest) are crowds at a rate: each person opens their
session's page and then sends its form, a reflection or "I'm coming", each at their own
moment. A request that fails or takes longer than WAIT_SECONDS counts as never answered
(NEVER_MS) and as refused.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import sys
from collections import defaultdict
from time import perf_counter
from typing import Any

import aiohttp

PHASE = "X-Bench-Phase"
FORWARDED_FOR = "X-Forwarded-For"
FORM_TOKEN = re.compile(r'name="form" value="([^"]+)"')
# How long a person in a burst waits for an answer; past it, none came.
WAIT_SECONDS = 20.0
NEVER_MS = WAIT_SECONDS * 1000


class Browsers:
    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self.round_trips: dict[str, list[float]] = defaultdict(list)
        self.refused = 0
        self.burst_refused: dict[str, int] = defaultdict(int)
        self._people = itertools.count(1)

    def address(self) -> str:
        """A new person's address (10.0.0.1, 10.0.0.2, ...: 16 million of them)."""
        n = next(self._people)
        return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"

    def browser(self, person: bool = True) -> aiohttp.ClientSession:
        """A browser: a person's own (their address on every request), or a proxy's
        connection that each request names its own person on (`person=False`)."""
        return aiohttp.ClientSession(
            base_url=self.plan["base"],
            cookie_jar=aiohttp.DummyCookieJar(),
            headers={FORWARDED_FOR: self.address()} if person else None,
        )

    async def get(self, browser: aiohttp.ClientSession, path: str, phase: str) -> str:
        """GET `path` for a new person, one request after another on a kept connection."""
        started = perf_counter()
        headers = {PHASE: phase, FORWARDED_FOR: self.address()}
        async with browser.get(path, headers=headers) as response:
            page = await response.text()
        self.round_trips[phase].append((perf_counter() - started) * 1000)
        if response.status != 200:
            raise RuntimeError(f"GET {phase} answered {response.status}")
        return page

    async def crowd(self, page: str, post: str, texts: list[str], phase: str) -> None:
        """One person per text, each in their own browser: everyone opens the page within
        the burst's seconds; once all have it open, everyone sends its reflection form
        within the same seconds (a burst, `burst`, on one page). Round trips run from each
        person's moment (open loop), so waiting behind the others counts. A page that did
        not open stops the run; refusals are counted for the measured crowd."""
        submit = phase == "submit"
        crowd = {
            "phase": phase,
            "kind": "reflect",
            "pages": [page] * len(texts),
            "posts": [post] * len(texts),
            "texts": texts,
            "success": self.plan["thanks"] if submit else "",
        }
        await self.burst(crowd)
        if self.burst_refused[f"{phase}_open"]:
            raise RuntimeError(f"GET {phase}_open: {self.burst_refused[f'{phase}_open']} failed")
        if submit:
            self.refused += self.burst_refused[phase]

    @staticmethod
    def moments(count: int, seconds: float) -> list[float]:
        """When each person acts: evenly at random within `seconds`, the same every run."""
        rng = random.Random(count)
        return sorted(rng.uniform(0, seconds) for _ in range(count))

    @staticmethod
    async def at(moment: float, act: Any, *args: Any) -> Any:
        # Load generation, not synchronisation: wait for this person's moment to act.
        await asyncio.sleep(max(0.0, moment - perf_counter()))
        return await act(*args, since=moment)

    @staticmethod
    def form(page: str, text: str) -> dict[str, str]:
        token = FORM_TOKEN.search(page)
        if token is None:
            raise RuntimeError("the page had no reflection form")
        return {
            "form": token.group(1),
            "version": "standard",
            "category": "working",
            "text": text,
            "quote": "yes",
            "agree": "yes",
        }

    async def burst(self, burst: dict[str, Any]) -> None:
        """One crowd of a burst: person n opens `pages[n]` at their moment within the
        burst's seconds (phase `<phase>_open`); once all have, each sends the form on it at
        their moment (phase `<phase>`): a reflection (`kind` "reflect", with `texts[n]`) or
        "I'm coming" ("rsvp"). Answered means a 200 that `success` is in."""
        seconds, phase, kind = self.plan["seconds"], burst["phase"], burst["kind"]
        pages, posts = burst["pages"], burst["posts"]
        browsers = [self.browser() for _ in pages]
        try:
            start = perf_counter() + 0.05
            opened = await asyncio.gather(
                *(
                    self.at(start + at, self.tried, b, "GET", page, None, f"{phase}_open")
                    for b, page, at in zip(
                        browsers, pages, self.moments(len(pages), seconds), strict=True
                    )
                )
            )
            forms = [
                None if page is None else self.filled(page, kind, n, burst)
                for n, page in enumerate(opened)
            ]
            start = perf_counter() + 0.05
            answers = await asyncio.gather(
                *(
                    self.at(start + at, self.tried, b, "POST", post, form, phase)
                    for b, post, form, at in zip(
                        browsers, posts, forms, self.moments(len(pages), seconds), strict=True
                    )
                )
            )
        finally:
            for b in browsers:
                await b.close()
        self.burst_refused[f"{phase}_open"] = sum(page is None for page in opened)
        self.burst_refused[phase] = sum(
            answer is None or burst["success"] not in answer for answer in answers
        )

    async def tried(
        self,
        browser: aiohttp.ClientSession,
        method: str,
        path: str,
        form: dict[str, str] | None,
        phase: str,
        since: float,
    ) -> str | None:
        """The page a request ends on (redirects followed, as a browser does), or None when
        it failed, was not a 200 or did not come within WAIT_SECONDS (then it took NEVER_MS).
        A form that could not be filled (None, for POST) is not sent."""
        page: str | None = None
        if method == "GET" or form is not None:
            try:
                async with asyncio.timeout(WAIT_SECONDS):
                    sent = browser.request(method, path, data=form, headers={PHASE: phase})
                    async with sent as response:
                        text = await response.text()
                page = text if response.status == 200 else None
            except (TimeoutError, aiohttp.ClientError, OSError):
                page = None
        took = (perf_counter() - since) * 1000
        self.round_trips[phase].append(took if page is not None else NEVER_MS)
        return page

    @staticmethod
    def filled(page: str, kind: str, n: int, burst: dict[str, Any]) -> dict[str, str]:
        """Person n's form on `page`; a page without it stops the run (the bench is wrong)."""
        if kind == "reflect":
            return Browsers.form(page, burst["texts"][n])
        token = FORM_TOKEN.search(page)
        if token is None:
            raise RuntimeError('the page had no "I\'m coming" form')
        # As a person does: a first name, the box that lets it be kept ticked, "I'm coming".
        return {
            "form": token.group(1),
            "first_name": f"Person {n}",
            "consent": "yes",
            "answer": "yes",
        }

    async def run(self) -> None:
        plan = self.plan
        page, noop_page = plan["page"], plan["noop_page"]
        async with self.browser(person=False) as browser:
            # Warm up both paths (templates, statement caches, first connections), unmeasured.
            for _ in range(plan["warm"]):
                await self.get(browser, page, "warm")
                await self.get(browser, noop_page, "warm")
            # People one after another; the two pages in turn, so both see the same moments.
            for _ in range(plan["loads"]):
                await self.get(browser, page, "page")
                await self.get(browser, noop_page, "noop_page")
        await self.crowd(
            plan["warm_page"], f"{plan['warm_page']}/reflect", plan["warm_texts"], "warm"
        )
        # The baseline first, as in the reflection burst.
        await self.crowd(noop_page, plan["noop_form"], plan["texts"], "noop_submit")
        await self.crowd(page, f"{page}/reflect", plan["texts"], "submit")
        for burst in plan.get("bursts", []):
            await self.burst(burst)


def main() -> None:
    browsers = Browsers(json.load(sys.stdin))
    asyncio.run(browsers.run())
    json.dump(
        {
            "round_trip_ms": browsers.round_trips,
            "refused": browsers.refused,
            "burst_refused": browsers.burst_refused,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
