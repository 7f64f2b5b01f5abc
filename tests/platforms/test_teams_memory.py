"""The Teams front-end keeps nothing of an activity once it is answered: a process that runs
for months must not grow with every press.

The Teams SDK asks OpenTelemetry for a meter, and makes counters on it, for every activity
and every call to Teams. With no meter provider set, OpenTelemetry's stand-in provider keeps
each of those meters for ever (so that it can hand them to a provider set later), which grew
the bench's Teams process by about 50,000 meters in one run. What is counted here is every
object of the libraries an activity passes through, so any other way of keeping them is
caught too."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.fakes.teams_harness import teams_world

ROOT = Path(__file__).resolve().parents[2]
# The libraries a Teams activity passes through on its way in and out.
LIBRARIES = ("opentelemetry", "microsoft_teams", "httpx", "httpcore")


def alive() -> Counter[str]:
    """Objects alive, counted by their type, for the types of LIBRARIES."""
    gc.collect()
    counted: Counter[str] = Counter()
    for thing in gc.get_objects():
        kind = type(thing)
        module = kind.__dict__.get("__module__")
        if isinstance(module, str) and module.startswith(LIBRARIES):
            counted[f"{module}.{kind.__qualname__}"] += 1
    return counted


async def test_answering_activities_leaves_nothing_of_them_behind(sqlite_url):
    async with teams_world(sqlite_url) as world:
        amir = world.lb.add_user("Amir Khan")
        chat = world.lb.install_for(amir.id)
        # The first ones warm up what is made once (the SDK's clients, its token, pools).
        for _ in range(5):
            await world.say("brew help", amir, chat)
        before = alive()
        for _ in range(40):
            await world.say("brew help", amir, chat)
        after = alive()
    grown = {kind: after[kind] - before[kind] for kind in after if after[kind] > before[kind]}
    assert grown == {}


def printed_by_a_new_interpreter(*lines: str) -> str:
    """What a new Python, started in the project, prints running `lines` (a new one, since
    OpenTelemetry's provider is set once a process); its errors, if it fails."""
    ran = subprocess.run(
        [sys.executable, "-c", "\n".join(lines)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    return ran.stdout.strip() or ran.stderr


def test_a_meter_provider_the_operator_set_keeps_its_place():
    """Brewbot gives OpenTelemetry its no-op provider only when nobody else gave one: a
    provider set before the Teams front-end is imported is the one the SDK's meters come from."""
    printed = printed_by_a_new_interpreter(
        "from opentelemetry import metrics",
        "class Theirs(metrics.NoOpMeterProvider): pass",
        "theirs = Theirs()",
        "metrics.set_meter_provider(theirs)",
        "import bot.platforms.teams.sdk",
        "print('kept' if metrics.get_meter_provider() is theirs else 'replaced')",
    )
    assert printed == "kept"


def test_without_one_the_sdks_meters_are_kept_by_nobody():
    printed = printed_by_a_new_interpreter(
        "import gc, weakref",
        "import bot.platforms.teams.sdk",
        "from opentelemetry import metrics",
        "meter = weakref.ref(metrics.get_meter('microsoft_teams.apps'))",
        "gc.collect()",
        "print('freed' if meter() is None else 'kept')",
    )
    assert printed == "freed"
