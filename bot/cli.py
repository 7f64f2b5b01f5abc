"""`brewbot` command line: run | demo | db | sparks | digest."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.app import App
    from storage.models import Community

T = TypeVar("T")


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
    configure_logging(settings.log_level)
    # Alembic lists its plug-ins at INFO when first imported: noise on every start.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
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
    digest.add_argument(
        "--resend-email",
        action="store_true",
        help="e-mail a sent digest to the working group again",
    )
    digest.set_defaults(handler=_digest)

    claims = sub.add_parser("claims", help="Claims for people's time, for finance")
    claims_sub = claims.add_subparsers(dest="action", required=True)
    export = claims_sub.add_parser("export", help="Write the claims sheet as CSV")
    export.add_argument("--community", required=True, help="community number or platform id")
    export.add_argument("--from", dest="start", required=True, help="first day, e.g. 2026-12-01")
    export.add_argument("--to", dest="end", required=True, help="last day, e.g. 2026-12-31")
    export.add_argument("--out", type=Path, required=True, help="the CSV file to write")
    export.set_defaults(handler=_claims_export)

    privacy = sub.add_parser("privacy", help="Data rights, for admins")
    privacy_sub = privacy.add_subparsers(dest="action", required=True)
    forget = privacy_sub.add_parser("forget", help="Delete everything stored about one person")
    forget.add_argument("--community", required=True, help="community number or platform id")
    forget.add_argument("--user", required=True, help="the person's platform user id")
    forget.set_defaults(handler=_privacy_forget)

    sparks = sub.add_parser("sparks", help="The spark library")
    sparks.add_argument("action", choices=("list", "check"))
    sparks.set_defaults(handler=_sparks)
    return parser


def _run(settings: Settings, _args: argparse.Namespace) -> int:
    # Each platform's entry point is imported only when chosen, so the shell needs no SDK set-up.
    if settings.platform == "discord":
        from bot.platforms.discord.main import run_discord as runner
    elif settings.platform == "slack":
        from bot.platforms.slack.main import run_slack as runner
    else:
        from bot.platforms.shell.main import run_shell as runner
    asyncio.run(runner(settings))
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.platforms.shell.demo import run_demo

    if not 3 <= args.participants <= 500:
        print("Please choose between 3 and 500 participants.", file=sys.stderr)
        return 2
    for name in ("", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
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
    if args.resend_email:
        return _resend_email(settings, args.session_id)

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


def _resend_email(settings: Settings, session_id: int) -> int:
    from bot.platforms.memory import MemoryAdapter

    async def go() -> tuple[str, str]:
        from bot.app import build_app

        app = await build_app(settings, MemoryAdapter())
        try:
            return await app.digests.resend_email(session_id)
        finally:
            await app.close()

    outcome, detail = asyncio.run(go())
    said = {
        "sent": f"The digest for session {session_id} was e-mailed again to {detail}.",
        "failed": f"The digest could not be e-mailed ({detail}). Check the SMTP settings and "
        "try again.",
        "no_email": "This community has no digest e-mail address. Set one with /brew settings "
        "digest_email, then try again.",
        "not_sent": f"The digest for session {session_id} has not been sent yet. Send it from "
        "the chat first.",
        "unknown": f"There is no session {session_id}. Check the number and try again.",
    }[outcome]
    print(said, file=sys.stdout if outcome == "sent" else sys.stderr)
    return 0 if outcome == "sent" else 1


async def _with_community(
    settings: Settings, community: str, work: Callable[[App, AsyncSession, Community], Awaitable[T]]
) -> T | None:
    """Run `work(app, tx, community_row)` in one transaction; None if no such community."""
    from sqlmodel import or_, select

    from bot.app import build_app
    from bot.platforms.memory import MemoryAdapter

    app = await build_app(settings, MemoryAdapter())
    try:
        async with app.db.transaction() as tx:
            query = select(Community).where(
                or_(
                    Community.external_id == community,
                    Community.id == (int(community) if community.isdigit() else -1),
                )
            )
            row = (await tx.exec(query)).first()
            if row is None:
                return None
            return await work(app, tx, row)
    finally:
        await app.close()


def _claims_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.core.commands import CommandError
    from bot.services.claims import export_claims, parse_day

    async def work(app: App, tx: AsyncSession, community: Community) -> tuple[str, int]:
        headers = app.claims.headers()
        return await export_claims(
            tx, community, parse_day(args.start), parse_day(args.end), headers, app.deps.clock.now()
        )

    try:
        result = asyncio.run(_with_community(settings, args.community, work))
    except CommandError:
        print("Please give dates like 2026-12-01.", file=sys.stderr)
        return 2
    if result is None:
        print(f"There is no community {args.community}.", file=sys.stderr)
        return 1
    sheet, count = result
    args.out.write_text(sheet, encoding="utf-8")
    print(f"{count} claim lines written to {args.out}")
    return 0


def _privacy_forget(settings: Settings, args: argparse.Namespace) -> int:
    from bot.core.commands import CommandError
    from bot.services.privacy import forget

    async def work(_app: App, tx: AsyncSession, community: Community) -> list[str]:
        return await forget(tx, community, args.user)

    try:
        exported = asyncio.run(_with_community(settings, args.community, work))
    except CommandError:
        print("Nothing is stored about that person in that community.", file=sys.stderr)
        return 1
    if exported is None:
        print(f"There is no community {args.community}.", file=sys.stderr)
        return 1
    print(
        "Deleted everything stored about that person. Anonymous reflections cannot be "
        "linked to anyone, so they stay."
    )
    if exported:
        print("Claims already sent to finance (tell them too): " + ", ".join(exported))
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
