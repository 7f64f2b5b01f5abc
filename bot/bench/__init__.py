"""`brewbot bench`: speed and memory measured through the real command table and services.

Everything runs against a real database (a fresh SQLite file by default, or a throw-away
schema in the PostgreSQL database given with `--db`), with logging as `brewbot run` has it
(into a file). Figures, in the order they are taken:

- the reflection burst: `participants` people in `sessions` sessions all send a reflection
  within one second; first through a Dispatcher whose handler does nothing (the floor),
  then through the real one; p50/p99 latency from arrival to answer;
- ingest: the same number of reflections sent all at once through the services, against
  the same rows inserted through SQLAlchemy Core in batches as large as the services'; and
  the no-op dispatcher's rate on them against the same rows (the most any handler reaches);
- joins: `join_people` newcomers pressing Join on a session that is on within the second;
- balanced breakout groups for 1,000 and 10,000 people, and the scheduler rebuilt and
  started from 10,000 and 50,000 sessions, each with its growth against n log n
  (bench/scaling.py);
- a digest of 10,000 reflections compiled from the database and written in every format;
- a session's web page through the real web server: `web_loads` loads one after another,
  then `web_submitters` people opening it within the burst's second and, once all have it
  open, sending its reflection form within another; beside pages on the same server that
  do nothing (bench/web.py);
- bursts through the real Discord, Slack and Teams front-ends, each in a bot process of its
  own, against loopback platforms in another process: form opens, form submissions, joins
  and button presses at each of `rates` a second, beside a no-op app on the same front-end
  (bench/frontends/);
- peak resident memory: this process's (`core_peak_rss_mb`), each front-end's process's, and
  the largest of them (`peak_rss_mb`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import platform
import random
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass
from ipaddress import ip_network
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.app import App, build_app
from bot.bench import burst as bursts
from bot.bench import frontends, joins, scaling, seed
from bot.bench import web as web_pages
from bot.bench.figures import milliseconds, percentile
from bot.bench.themes import theme_quality
from bot.config import Settings
from bot.core.domain import SessionState
from bot.digest.render import to_csv, to_html, to_json, to_markdown
from bot.logs import configure_logging
from bot.memory import settled
from bot.platforms.memory import MemoryAdapter
from storage.engine import DatabaseUnavailable, async_url
from storage.models import Community, Reflection, Session, random_id

__all__ = [
    "FULL",
    "QUICK",
    "TARGETS",
    "BenchSizes",
    "keys",
    "logging_as_run",
    "peak_rss_mb",
    "run_bench",
    "run_bench_cli",
]


@dataclass(frozen=True)
class BenchSizes:
    participants: int = 1000
    sessions: int = 20
    burst_seconds: float = 1.0
    # Two sizes each, to see how the time grows with them (bench/scaling.py).
    breakout_people: tuple[int, int] = (1000, 10_000)
    digest_reflections: int = 10_000
    rehydrate_sessions: tuple[int, int] = (10_000, 50_000)
    join_people: int = 1000
    web_loads: int = 500
    web_submitters: int = 200
    # Front-end bursts (bench/frontends/): presses a second, each rate for burst_seconds.
    rates: tuple[int, ...] = (200, 1000, 2000)
    frontends: tuple[str, ...] = ("discord", "slack_http", "slack_socket", "teams")


FULL = BenchSizes()
# A check that the measuring works, in about half a minute: every figure, at a tenth of the
# sizes (so its figures are named for those sizes and are not the targets'), each front-end
# burst at 200 presses a second for a quarter of a second.
QUICK = BenchSizes(
    participants=100,
    burst_seconds=0.25,
    breakout_people=(100, 1000),
    digest_reflections=1000,
    rehydrate_sessions=(1000, 5000),
    join_people=100,
    web_loads=50,
    web_submitters=50,
    rates=(200,),
)

# (key, target, True if the figure must be at most the target, False if at least).
TARGETS: tuple[tuple[str, float, bool], ...] = (
    ("dispatch_p99_ms", 100.0, True),
    ("web_page_p99_ms", 100.0, True),
    ("web_submit_open_p99_ms", 100.0, True),
    ("web_submit_p99_ms", 100.0, True),
    ("join_p99_ms", 100.0, True),
    ("ingest_ratio", 0.5, False),
    ("breakout_ms_1000", 50.0, True),
    ("breakout_ms_10000", 500.0, True),
    ("breakout_growth", 1.0, True),
    ("digest_ms_10000", 2000.0, True),
    ("rehydrate_ms_10000", 2000.0, True),
    ("rehydrate_ms_50000", 3000.0, True),
    ("rehydrate_growth", 1.0, True),
    ("peak_rss_mb", 300.0, True),
    ("theme_f1", 0.6, False),
    # Through the real front-ends at 1,000 presses in a second (bench/frontends/).
    *(
        (f"{platform}_open_1000_{figure}", limit, True)
        for platform in ("discord", "slack_http", "slack_socket", "teams")
        for figure, limit in (("first_p99_ms", 1000.0), ("late_share", 0.0), ("refused", 0.0))
    ),
    # The web pages, at the same rate: a page with its form opened, as a form in a chat.
    *(
        (f"web_open_1000_{figure}", limit, True)
        for figure, limit in (("first_p99_ms", 1000.0), ("late_share", 0.0), ("refused", 0.0))
    ),
    ("discord_submit_1000_first_p99_ms", 200.0, True),
    ("slack_http_submit_1000_first_p99_ms", 500.0, True),
)


def keys(sizes: BenchSizes = FULL) -> tuple[str, ...]:
    """The figures every run reports (beside the front-ends'), named for the sizes run."""
    return (
        "dispatch_p50_ms",
        "dispatch_p99_ms",
        "floor_p99_ms",
        "join_p50_ms",
        "join_p99_ms",
        "ingest_ratio",
        "ingest_floor_ratio",
        "web_page_p50_ms",
        "web_page_p99_ms",
        "web_noop_page_p99_ms",
        "web_page_rtt_p99_ms",
        "web_submit_open_p99_ms",
        "web_noop_submit_open_p99_ms",
        "web_submit_open_rtt_p99_ms",
        "web_submit_p50_ms",
        "web_submit_p99_ms",
        "web_noop_submit_p99_ms",
        "web_submit_rtt_p99_ms",
        *(f"breakout_ms_{people}" for people in sizes.breakout_people),
        "breakout_growth",
        f"digest_ms_{sizes.digest_reflections}",
        *(f"rehydrate_ms_{count}" for count in sizes.rehydrate_sessions),
        "rehydrate_growth",
        "peak_rss_mb",
        "core_peak_rss_mb",
        "theme_precision",
        "theme_recall",
        "theme_f1",
        "theme_f1_dev",
        "theme_f1_held_out",
    )


class BenchError(Exception):
    """The benchmark cannot run as asked; the message says what to do instead."""


def run_bench_cli(
    settings: Settings,
    *,
    quick: bool = False,
    as_json: bool = False,
    db_url: str | None = None,
    sizes: BenchSizes | None = None,
) -> int:
    """Run the benchmark and print a table (or one JSON object). Returns the exit code."""
    sizes = sizes or (QUICK if quick else FULL)
    try:
        with logging_as_run():
            figures = asyncio.run(run_bench(settings, sizes, db_url=db_url))
    except BenchError as exc:
        print(exc, file=sys.stderr)
        return 2
    except frontends.FrontEndStopped as exc:
        print(exc, file=sys.stderr)
        return 1
    except DatabaseUnavailable:
        print(
            "The database did not answer in time during the benchmark, so it stopped. Please "
            "run it again when the machine is quieter, or give it longer with "
            "BREWBOT_DB_WAIT_SECONDS.",
            file=sys.stderr,
        )
        return 2
    print(json.dumps(figures, indent=2) if as_json else table(figures))
    return 0


async def run_bench(settings: Settings, sizes: BenchSizes, *, db_url: str | None = None) -> dict:
    async with bench_database(db_url) as url:
        # The web pages as behind a reverse proxy on this machine (bot/bench/web.py).
        proxied = {"database_url": url, "web_trusted_proxies": [ip_network("127.0.0.1/32")]}
        app = await build_app(settings.model_copy(update=proxied), MemoryAdapter())
        try:
            async with settled():  # as `brewbot run` does before serving
                figures = await _measure(app, sizes)
        finally:
            await app.close()
        measured = await frontends.measure(settings, url, _plan(sizes))
    figures.update(_flat(measured))
    # The most memory any one of the bench's bot processes held: this one (the dispatcher,
    # the web pages, the digest, the scheduler) or a front-end's own.
    figures["core_peak_rss_mb"] = round(peak_rss_mb(), 1)
    for name, run in measured.items():
        figures[f"{name}_peak_rss_mb"] = run["peak_rss_mb"]
    figures["peak_rss_mb"] = max(
        figures["core_peak_rss_mb"], *(run["peak_rss_mb"] for run in measured.values())
    )
    figures.update(
        database=make_url(url).get_backend_name(),
        sizes=asdict(sizes),
        machine=machine(),
    )
    return figures


def _plan(sizes: BenchSizes) -> frontends.Plan:
    return frontends.Plan(sizes.rates, sizes.burst_seconds, sizes.frontends)


def _flat(measured: dict) -> dict:
    """{platform: {"kinds": {kind: {rate: figures}}}} as `platform_kind_rate_figure` keys, so
    that the JSON stays one flat object a script can read."""
    return {
        f"{platform}_{kind}_{rate}_{name}": value
        for platform, run in measured.items()
        for kind, rates in run["kinds"].items()
        for rate, named in rates.items()
        for name, value in named.items()
    }


def machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "processor": _cpu_name(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def table(figures: dict) -> str:
    lines = [f"Brewbot bench on {figures['database']} ({_describe(figures['machine'])})"]
    for key in keys(_sizes(figures["sizes"])):
        lines.append(f"  {key:<26} {figures[key]:>10}{_against_target(key, figures[key])}")
    for key in ("dispatch_errors", "web_submit_refused", "web_submit_unstored"):
        lines.append(f"  {key:<26} {figures[key]:>10}")
    # Each front-end's own bot process (bench/frontends/).
    for key in sorted(k for k in figures if k.endswith("_peak_rss_mb") and k not in keys()):
        lines.append(f"  {key:<26} {figures[key]:>10}")
    lines.append(
        "  front-ends: first answer p50/p99 ms (no-op app's p99), share past 3 s, refused, "
        "CPU ms a press"
    )
    for key in sorted(k for k in figures if k.endswith("_first_p99_ms") and "noop" not in k):
        stem = key.removesuffix("_first_p99_ms")
        # Teams waits about 15 s for an answer: the share past that too.
        own = "".join(
            f" (past {name.removeprefix(stem + '_late_').removesuffix('_share')}"
            f" {figures[name]:.1%})"
            for name in figures
            if name.startswith(f"{stem}_late_") and name.endswith("s_share")
        )
        lines.append(
            f"  {stem:<26} {figures[f'{stem}_first_p50_ms']:>8}/{figures[key]:<8}"
            f" ({figures[f'{stem}_noop_first_p99_ms']})"
            f"  late {figures[f'{stem}_late_share']:.1%}{own}"
            f"  refused {figures[f'{stem}_refused']}"
            f"  cpu {figures[f'{stem}_cpu_ms']}{_against_target(key, figures[key])}"
        )
    return "\n".join(lines)


def _sizes(given: dict) -> BenchSizes:
    """The sizes a run reported that name its figures (JSON has lists for tuples)."""
    return BenchSizes(
        breakout_people=tuple(given["breakout_people"]),
        digest_reflections=given["digest_reflections"],
        rehydrate_sessions=tuple(given["rehydrate_sessions"]),
    )


def _against_target(key: str, value: float) -> str:
    for name, limit, at_most in TARGETS:
        if name == key:
            met = value <= limit if at_most else value >= limit
            return f"   target {'<' if at_most else '>='} {limit:g}  {'ok' if met else 'MISSED'}"
    return ""


@contextlib.contextmanager
def logging_as_run() -> Iterator[None]:
    """INFO lines, as `brewbot run` writes them, into a file rather than the terminal (which
    would measure the terminal); everything put back as it was afterwards."""
    names = ("", "alembic", "brewbot")
    levels = {name: logging.getLogger(name).level for name in names}
    root = logging.getLogger()
    before = list(root.handlers)
    with tempfile.TemporaryDirectory(prefix="brewbot-bench-log-") as folder:
        configure_logging("INFO", file=Path(folder) / "brewbot.log")
        for name in names[1:]:
            logging.getLogger(name).setLevel(logging.NOTSET)
        try:
            yield
        finally:
            for handler in [h for h in root.handlers if h not in before]:
                root.removeHandler(handler)
                handler.close()
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)


# -- the measurements ------------------------------------------------------------------------


async def _measure(app: App, sizes: BenchSizes) -> dict:
    rng = random.Random(20261123)
    now = app.deps.clock.now()
    rooms_count = max(1, min(sizes.sessions, sizes.participants))
    async with app.db.transaction() as tx:
        rooms = await seed.make_rooms(tx, rooms_count, sizes.participants, now)
        burst_sessions = await seed.reflecting_sessions(tx, rooms, now)
        ingest_sessions = await seed.reflecting_sessions(tx, rooms, now)
        raw_sessions = await seed.reflecting_sessions(tx, rooms, now)
        warm_rooms = await seed.make_rooms(tx, 1, 10, now, prefix="warm")
        warm_sessions = await seed.reflecting_sessions(tx, warm_rooms, now)

    real = app.dispatcher
    floor = bursts.floor_dispatcher(real)
    # Warm up both paths (statement caches, first connections) on people not measured.
    warm = bursts.submissions(warm_rooms, warm_sessions, rng, first=10**6)
    await bursts.flood(floor, warm)
    await bursts.flood(real, warm)

    subs = bursts.submissions(rooms, burst_sessions, rng)
    floor_run = await bursts.burst(floor, subs, sizes.burst_seconds, random.Random(1))
    real_run = await bursts.burst(real, subs, sizes.burst_seconds, random.Random(1))
    thanks = app.deps.texts.template("thank_you", withdraw_code="", days=0).split("\n")[0][:20]
    errors = sum(1 for answer in real_run.answers if thanks not in answer)
    stored = await _count_reflections(app, burst_sessions)

    ingest = bursts.submissions(rooms, ingest_sessions, rng, first=len(subs))
    # The same reflections through the no-op dispatcher first: what the route costs before a
    # reflection's own work starts, so the best ratio any handler could reach is measured.
    floor_seconds, _ = await bursts.flood(floor, ingest)
    service_seconds, answers = await bursts.flood(real, ingest)
    errors += sum(1 for answer in answers if thanks not in answer)
    raw_seconds, raw_rows = await bursts.raw_inserts(app.db.engine, ingest_sessions, raw_sessions)
    service_rate = len(ingest) / service_seconds
    raw_rate = raw_rows / raw_seconds

    web_run = await web_pages.measure(
        app, sizes.web_loads, sizes.web_submitters, sizes.burst_seconds, sizes.rates
    )
    web_stored = await _count_reflections(app, [web_run.session_id])

    figures = {
        "dispatch_p50_ms": milliseconds(percentile(real_run.latencies_ms, 50)),
        "dispatch_p99_ms": milliseconds(percentile(real_run.latencies_ms, 99)),
        "floor_p50_ms": milliseconds(percentile(floor_run.latencies_ms, 50)),
        "floor_p99_ms": milliseconds(percentile(floor_run.latencies_ms, 99)),
        "ingest_ratio": round(service_rate / raw_rate, 3),
        "ingest_floor_ratio": round(len(ingest) / floor_seconds / raw_rate, 3),
        "ingest_services_per_s": round(service_rate),
        "ingest_raw_per_s": round(raw_rate),
        "dispatch_errors": errors + (len(subs) - stored),
        **_web_figures(web_run),
        **_web_bursts(web_run, sizes.rates),
        "web_submitters": sizes.web_submitters,
        "web_submit_unstored": sizes.web_submitters - web_stored,
        **await _joins(app, rooms, sizes),
        **scaling.breakout_figures(sizes.breakout_people),
        f"digest_ms_{sizes.digest_reflections}": milliseconds(
            await _digest(app, sizes.digest_reflections, rng)
        ),
        **await scaling.rehydrate_figures(app, sizes.rehydrate_sessions),
    }
    # The digest's grouping against a facilitator's, on the labelled set (bench/themes.py):
    # the whole set, the part the grouping was tuned on, and the part held out from tuning.
    quality = theme_quality()
    figures.update(
        theme_precision=quality.whole.precision,
        theme_recall=quality.whole.recall,
        theme_f1=quality.whole.f1,
        theme_f1_dev=quality.dev.f1,
        theme_f1_held_out=quality.held_out.f1,
    )
    return figures


def _web_bursts(run: web_pages.WebRun, rates: tuple[int, ...]) -> dict[str, float | int]:
    """The web pages' bursts, named as the front-ends' are (`web_<kind>_<rate>_...`): the
    browser's wait from each person's moment (what people wait for), the share past 3 s or
    never answered, those refused, and the server's CPU a person; `noop` beside each."""
    figures: dict[str, float | int] = {}
    for rate in rates:
        for kind, phase in (
            ("open", f"submit_{rate}_open"),
            ("submit", f"submit_{rate}"),
            ("rsvp", f"rsvp_{rate}"),
        ):
            stem = f"web_{kind}_{rate}"
            for name, measured in (("", phase), ("noop_", f"noop_{phase}")):
                waits = run.round_trip_ms[measured]
                figures[f"{stem}_{name}first_p50_ms"] = milliseconds(percentile(waits, 50))
                figures[f"{stem}_{name}first_p99_ms"] = milliseconds(percentile(waits, 99))
                late = sum(wait > frontends.DEADLINE_MS for wait in waits)
                figures[f"{stem}_{name}late_share"] = round(late / len(waits), 4)
                figures[f"{stem}_{name}refused"] = run.burst_refused[measured]
                cpu_ms = run.cpu_s.get(measured, 0.0) * 1000 / run.people[measured]
                figures[f"{stem}_{name}cpu_ms"] = round(cpu_ms, 2)
            figures[f"{stem}_ratio_p99"] = round(
                figures[f"{stem}_first_p99_ms"] / max(figures[f"{stem}_noop_first_p99_ms"], 0.1), 1
            )
    return figures


def _web_figures(run: web_pages.WebRun) -> dict[str, float | int]:
    """Server time (inside the server) unless named `rtt` (the browser's round trip), by
    phase; `noop` is the page that does nothing, on the same server."""
    figures: dict[str, float | int] = {}
    phases = [
        phase for name in ("page", "submit_open", "submit") for phase in (name, f"noop_{name}")
    ]
    for phase in phases:
        for pct in (50, 99):
            figures[f"web_{phase}_p{pct}_ms"] = milliseconds(percentile(run.server_ms[phase], pct))
            figures[f"web_{phase}_rtt_p{pct}_ms"] = milliseconds(
                percentile(run.round_trip_ms[phase], pct)
            )
    for phase in ("page", "submit"):
        ratio = figures[f"web_{phase}_p99_ms"] / figures[f"web_noop_{phase}_p99_ms"]
        figures[f"web_{phase}_ratio"] = round(ratio, 1)
    figures["web_submit_refused"] = run.refused
    figures["web_page_bytes"] = run.page_bytes
    return figures


async def _joins(app: App, rooms: list[seed.Room], sizes: BenchSizes) -> dict[str, float]:
    """`join_people` people the community has never seen press Join on a session that is
    on, within the burst's second, through the dispatcher (bench/joins.py); from arrival to
    answer."""
    now = app.deps.clock.now()
    crowd = joins.newcomers(rooms, max(1, sizes.join_people // len(rooms)))
    async with app.db.transaction() as tx:
        session_ids = await joins.sessions_to_join(tx, rooms, now, state=SessionState.OPEN)
    presses = joins.join_presses(crowd, session_ids)
    run = await bursts.burst(app.dispatcher, presses, sizes.burst_seconds, random.Random(2))
    return {
        "join_p50_ms": milliseconds(percentile(run.latencies_ms, 50)),
        "join_p99_ms": milliseconds(percentile(run.latencies_ms, 99)),
    }


async def _digest(app: App, count: int, rng: random.Random) -> float:
    """Compile one session's digest from `count` stored reflections, then every format."""
    now = app.deps.clock.now()
    async with app.db.transaction() as tx:
        rooms = await seed.make_rooms(tx, 1, 60, now, prefix="digest")
        (session_id,) = await seed.reflecting_sessions(tx, rooms, now)
        first = Reflection(session_id=session_id, category=seed.CATEGORIES[0], text="")
        reflections = seed.copies(
            first,
            (
                {
                    "id": random_id(),
                    "category": rng.choice(seed.CATEGORIES),
                    "text": seed.reflection_text(rng, n),
                    "quote_ok": rng.random() < 0.7,
                }
                for n in range(count)
            ),
        )
        await seed.insert_rows(tx, Reflection, reflections)
    started = time.perf_counter()
    async with app.db.transaction() as tx:
        session = await tx.get(Session, session_id)
        assert session is not None  # seeded above
        community = await tx.get(Community, session.community_id)
        assert community is not None  # a session's community stays while it does
        digest = await app.digests.compile(tx, community, session)
    for render in (to_markdown, to_html, to_csv, to_json):
        render(digest)
    elapsed = (time.perf_counter() - started) * 1000
    if digest.reflection_count != count:
        raise RuntimeError(f"digest counted {digest.reflection_count} of {count} reflections")
    return elapsed


async def _count_reflections(app: App, session_ids: list[int]) -> int:
    from sqlmodel import col, func, select

    async with app.db.read() as tx:
        return (
            await tx.exec(
                select(func.count())
                .select_from(Reflection)
                .where(col(Reflection.session_id).in_(session_ids))
            )
        ).one()


# -- the database ------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def bench_database(db_url: str | None) -> AsyncIterator[str]:
    """A database the benchmark may fill: a fresh SQLite file, or a new schema in the given
    PostgreSQL database that is dropped afterwards (so a real database is left as it was)."""
    if not db_url:
        with tempfile.TemporaryDirectory(prefix="brewbot-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    parsed = make_url(db_url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = parsed.database
        if not path or path == ":memory:" or Path(path).exists():  # noqa: ASYNC240 - one stat call before the run
            raise BenchError(
                "Please give --db a new SQLite file name (the benchmark fills the database), "
                "e.g. --db sqlite:///data/bench.db, or leave --db out."
            )
        yield db_url
        return
    if backend != "postgresql":
        raise BenchError("Please give --db a sqlite:/// or postgresql+psycopg:// address.")
    schema = f"brewbot_bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(async_url(db_url), poolclass=NullPool)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except (DBAPIError, OSError) as exc:
        await admin.dispose()
        raise BenchError(
            "Could not reach the database given with --db: please check its address, and "
            "that PostgreSQL is running there and lets this user create a schema."
        ) from exc
    try:
        yield _in_schema(db_url, schema)
    finally:
        with contextlib.suppress(Exception):
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await admin.dispose()


def _in_schema(url: str, schema: str) -> str:
    parsed = make_url(url)
    options = parsed.query.get("options", "")
    if isinstance(options, tuple):
        options = " ".join(options)
    options = f"{options} -csearch_path={schema}".strip()
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


# -- small helpers -----------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in megabytes."""
    # Linux: the high-water mark of this program's own memory. getrusage's ru_maxrss is no
    # good in a process another one started: Linux carries the parent's peak over into it.
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _cpu_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _describe(info: dict) -> str:
    return f"{info['cpus']} CPUs, {info['processor']}, Python {info['python']}"
