"""People's browsers for the web bench (bot/bench/web.py): run as a separate process, by its
file path, so the load is made beside the server, not on its event loop, and nothing of the
bot is imported here (its start-up is not what is measured).

It reads one JSON plan on stdin and prints one JSON object: each phase's round trips in
milliseconds (from sending a request to having read all of its answer) and how many
reflections were refused. Every request names its phase in the PHASE header, which only
the bench's own server middleware reads, to time the same requests from inside.

A person opening the page is a browser of their own: a new connection, kept for the form
they send from it. The sequential loads are one person reloading, on one kept connection.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import sys
from collections import defaultdict
from time import perf_counter
from typing import Any

import aiohttp

PHASE = "X-Bench-Phase"
FORM_TOKEN = re.compile(r'name="form" value="([^"]+)"')


class Browsers:
    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self.round_trips: dict[str, list[float]] = defaultdict(list)
        self.refused = 0

    def browser(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            base_url=self.plan["base"], cookie_jar=aiohttp.DummyCookieJar()
        )

    async def get(
        self, browser: aiohttp.ClientSession, path: str, phase: str, since: float | None = None
    ) -> str:
        """GET `path`; its round trip runs from `since` (a person's moment) if given."""
        started = perf_counter() if since is None else since
        async with browser.get(path, headers={PHASE: phase}) as response:
            page = await response.text()
        self.round_trips[phase].append((perf_counter() - started) * 1000)
        if response.status != 200:
            raise RuntimeError(f"GET {phase} answered {response.status}")
        return page

    async def send(
        self,
        browser: aiohttp.ClientSession,
        path: str,
        form: dict[str, str],
        phase: str,
        since: float,
    ) -> tuple[int, str]:
        async with browser.post(path, data=form, headers={PHASE: phase}) as response:
            page = await response.text()
        self.round_trips[phase].append((perf_counter() - since) * 1000)
        return response.status, page

    async def crowd(self, page: str, post: str, texts: list[str], phase: str) -> None:
        """One person per text, each in their own browser: everyone opens the page within
        the burst's seconds; once all have it open, everyone sends its reflection form
        within the same seconds. Round trips run from each person's moment (open loop),
        so waiting behind the others counts."""
        seconds = self.plan["seconds"]
        browsers = [self.browser() for _ in texts]
        try:
            start = perf_counter() + 0.05
            opened = await asyncio.gather(
                *(
                    self.at(start + at, self.get, b, page, f"{phase}_open")
                    for b, at in zip(browsers, self.moments(len(texts), seconds), strict=True)
                )
            )
            forms = [self.form(p, text) for p, text in zip(opened, texts, strict=True)]
            start = perf_counter() + 0.05
            answers = await asyncio.gather(
                *(
                    self.at(start + at, self.send, b, post, form, phase)
                    for b, form, at in zip(
                        browsers, forms, self.moments(len(texts), seconds), strict=True
                    )
                )
            )
        finally:
            for b in browsers:
                await b.close()
        if phase == "submit":
            self.refused += sum(
                1
                for status, answer in answers
                if status != 200 or self.plan["thanks"] not in answer
            )

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

    async def run(self) -> None:
        plan = self.plan
        page, noop_page = plan["page"], plan["noop_page"]
        async with self.browser() as browser:
            # Warm up both paths (templates, statement caches, first connections), unmeasured.
            for _ in range(plan["warm"]):
                await self.get(browser, page, "warm")
                await self.get(browser, noop_page, "warm")
            # One person reloading; the two pages in turn, so both see the same moments.
            for _ in range(plan["loads"]):
                await self.get(browser, page, "page")
                await self.get(browser, noop_page, "noop_page")
        await self.crowd(
            plan["warm_page"], f"{plan['warm_page']}/reflect", plan["warm_texts"], "warm"
        )
        # The baseline first, as in the reflection burst.
        await self.crowd(noop_page, plan["noop_form"], plan["texts"], "noop_submit")
        await self.crowd(page, f"{page}/reflect", plan["texts"], "submit")


def main() -> None:
    browsers = Browsers(json.load(sys.stdin))
    asyncio.run(browsers.run())
    json.dump({"round_trip_ms": browsers.round_trips, "refused": browsers.refused}, sys.stdout)


if __name__ == "__main__":
    main()
