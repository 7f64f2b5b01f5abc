"""`brewbot` command line: run | demo | db | sparks | digest."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    try:
        return args.handler(settings, args)
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="brewbot", description=__doc__)
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="Run the bot (Discord, Slack, or the terminal chat)")
    run.set_defaults(handler=_run)

    demo = sub.add_parser("demo", help="Run one scripted session end to end")
    demo.add_argument("--participants", type=int, default=12)
    demo.add_argument("--out", type=Path, default=Path("digests"))
    demo.set_defaults(handler=_demo)

    bench = sub.add_parser("bench", help="Measure speed and memory through the real services")
    bench.add_argument("--quick", action="store_true", help="a smaller run (200 participants)")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    bench.set_defaults(handler=_bench)

    db = sub.add_parser("db", help="Database migrations")
    db.add_argument("action", choices=("upgrade", "current"))
    db.set_defaults(handler=_db)

    digest = sub.add_parser("digest", help="Print or write one session's digest")
    digest.add_argument("session_id", type=int)
    digest.add_argument("--format", choices=("md", "html", "csv", "json"), default="md")
    digest.add_argument("--out", type=Path, help="write to this file instead of printing")
    digest.set_defaults(handler=_digest)

    sparks = sub.add_parser("sparks", help="The spark library")
    sparks.add_argument("action", choices=("list", "check"))
    sparks.set_defaults(handler=_sparks)
    return parser


def _run(settings: Settings, _args: argparse.Namespace) -> int:
    if settings.platform != "shell":
        print(
            f"The {settings.platform} front-end is not part of this build yet; "
            "unset its token to use the terminal chat.",
            file=sys.stderr,
        )
        return 2
    from bot.platforms.shell.main import run_shell

    asyncio.run(run_shell(settings))
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.platforms.shell.demo import run_demo

    if not 3 <= args.participants <= 500:
        print("Please choose between 3 and 500 participants.", file=sys.stderr)
        return 2
    logging.getLogger().setLevel(logging.WARNING)
    result = asyncio.run(run_demo(participants=args.participants, out=args.out))
    print(f"Digest (Markdown): {result.markdown}")
    print(f"Digest (HTML):     {result.html}")
    print(f"Database:          {result.database}")
    return 0


def _bench(settings: Settings, args: argparse.Namespace) -> int:
    from bot.bench import run_bench_cli

    return run_bench_cli(settings, quick=args.quick, as_json=args.json, db_url=args.db)


def _db(settings: Settings, args: argparse.Namespace) -> int:
    from storage.engine import Database
    from storage.migrate import current_revision, head_revision, upgrade

    async def go() -> str:
        db = Database(settings.resolved_database_url)
        try:
            if args.action == "upgrade":
                await upgrade(db)
            return f"database at revision {await current_revision(db)} (newest {head_revision()})"
        finally:
            await db.dispose()

    print(asyncio.run(go()))
    return 0


def _digest(settings: Settings, args: argparse.Namespace) -> int:
    from bot.platforms.memory import MemoryAdapter
    from bot.services.digest_render import to_csv, to_html, to_json, to_markdown
    from storage.models import Community, Session

    render = {"md": to_markdown, "html": to_html, "csv": to_csv, "json": to_json}[args.format]

    async def go() -> str | None:
        from bot.app import build_app

        app = await build_app(settings, MemoryAdapter())
        try:
            async with app.db.transaction() as tx:
                session = await tx.get(Session, args.session_id)
                if session is None:
                    return None
                community = await tx.get(Community, session.community_id)
                return render(await app.digests.compile(tx, community, session))
        finally:
            await app.close()

    text = asyncio.run(go())
    if text is None:
        print(
            f"There is no session {args.session_id}. Check the number and try again.",
            file=sys.stderr,
        )
        return 1
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"Digest written to {args.out}")
    else:
        print(text)
    return 0


def _sparks(_settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.sparks import SparkError, SparkLibrary

    try:
        library = SparkLibrary.load()
    except SparkError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.action == "check":
        print(f"All {len(library.all())} sparks are valid.")
        return 0
    for spark in library.all():
        print(f"{spark.id:40} {spark.title} ({spark.minutes} min) - {spark.theme}")
    return 0
