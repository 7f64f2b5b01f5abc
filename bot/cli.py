"""Brewbot runs "Over a Brew" sessions on Discord, Slack or a terminal chat. Settings come
from the environment or .env (see .env.example); each command takes --help."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

# Each command imports what it uses when it runs: the settings alone bring in pydantic and
# SQLAlchemy, which `--help` and a mistyped command should not wait for.
if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.app import App
    from bot.config import Settings
    from bot.core.commands import CommandTable
    from bot.core.days import Problem
    from bot.engine.context import CommandContext
    from bot.engine.texts import Texts
    from storage.models import Community, Session

T = TypeVar("T")

# What Brewbot writes (the database and its -wal and -shm files, the log, exports) is
# readable by the user running it only; a folder it makes is theirs only.
PRIVATE_UMASK = 0o077


def say(*values: object, file: TextIO | None = None) -> None:
    """`print`, without the marks around typed words (bot/core/marked.py): a terminal shows
    the words of a sentence as written."""
    from bot.core.marked import unmark

    print(*(unmark(str(v)) for v in values), file=file)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    before = os.umask(PRIVATE_UMASK)
    try:
        return _main(args)
    finally:
        os.umask(before)


def _main(args: argparse.Namespace) -> int:
    """Every mistake in setting Brewbot up stops it here with one line on stderr and exit
    code 1, before it connects to anything: a setting (bot/config.py), the data folder or
    the database (bot/preflight.py), or a file of its own data someone changed (prompts/,
    the safeguarding words: bot/core/yaml_data.py)."""
    from bot.config import ConfigError, load_settings
    from bot.core.yaml_data import DataFileError
    from bot.logs import configure_logging
    from bot.preflight import CannotStart, check

    try:
        settings = load_settings()
    except ConfigError as exc:
        say(exc, file=sys.stderr)
        return 1
    except DataFileError as exc:  # prompts/ itself, when a setting's mistake is to be said
        say(_broken_file(exc), file=sys.stderr)
        return 1
    configure_logging(settings.log_level)
    # Alembic lists its plug-ins at INFO when first imported: noise on every start. Outside
    # `run` (whose log says what it migrated), its lines on checking and applying the schema
    # would bury the one line a command says (`db` says the revision it reached).
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    if args.handler is not _run:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        if getattr(args, "database", False):
            shell = args.handler is _run and settings.platform == "shell"
            check(settings, _texts(), data_folder=shell, make=_makes_database(args))
        return args.handler(settings, args)
    except CannotStart as exc:
        say(exc, file=sys.stderr)
        return 1
    except DataFileError as exc:
        say(_broken_file(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _broken_file(exc: Exception) -> str:
    """The one line for a file of Brewbot's own data that cannot be used, with what to do.
    Written here, not in prompts/: the broken file may be prompts/ itself."""
    return (
        f"{exc}. Please correct that file, or put back the one that came with Brewbot, and "
        "start it again."
    )


def _makes_database(args: argparse.Namespace) -> bool:
    """Whether the command makes the database when it is not there yet: `run` and `db
    upgrade` do; every other command works on one that is, and a mistyped path is said to
    have no database rather than left as an empty file."""
    return args.handler is _run or (args.handler is _db and args.action == "upgrade")


def _whole_number(text: str) -> int:
    """A number typed on the command line, read as everywhere else (bot/core/typed.py): the
    digits 0 to 9 only. `int` would read "٣" as 3, and " 3", "+3" and "3_0" too."""
    from bot.core.marked import unmark
    from bot.core.typed import is_number, other_digits, shown

    if other_digits(text):
        raise argparse.ArgumentTypeError(unmark(_texts().t("errors.other_digits")))
    if not is_number(text):
        said = _texts().t("cli.not_a_number", value=shown(text, 20))
        raise argparse.ArgumentTypeError(unmark(said))
    return int(text)


def _texts() -> Texts:
    """Every word the commands say, from prompts/."""
    from bot.engine.texts import Texts

    return Texts.load()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="brewbot", description=__doc__)
    # Commands that use the database have it (and its folder) checked first.
    parser.set_defaults(database=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="Run the bot (Discord, Slack, or the terminal chat)")
    run.set_defaults(handler=_run, database=True)

    demo = sub.add_parser("demo", help="Run one scripted session end to end")
    demo.add_argument("--participants", type=_whole_number, default=12)
    demo.add_argument("--out", type=Path, default=Path("digests"))
    demo.set_defaults(handler=_demo)

    health = sub.add_parser(
        "health", help="Check that the database answers (exit code 0 or 1), for a health check"
    )
    health.set_defaults(handler=_health)

    bench = sub.add_parser("bench", help="Measure speed and memory through the real services")
    bench.add_argument(
        "--quick",
        action="store_true",
        help="a smaller run, to check the measuring works (a tenth of the sizes)",
    )
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    bench.set_defaults(handler=_bench)

    db = sub.add_parser("db", help="Database migrations")
    db.add_argument("action", choices=("upgrade", "current"))
    db.set_defaults(handler=_db, database=True)

    digest = sub.add_parser("digest", help="Print or write one session's digest")
    digest.add_argument("session_id", type=_whole_number)
    digest.add_argument("--format", choices=("md", "html", "csv", "json"), default="md")
    digest.add_argument("--out", type=Path, help="write to this file instead of printing")
    digest.add_argument(
        "--resend-email",
        action="store_true",
        help="e-mail a sent digest to the working group again, now",
    )
    digest.add_argument(
        "--to",
        metavar="ADDRESSES",
        help="with --resend-email: only to these of the working group's addresses (commas "
        "between), such as those a resend missed",
    )
    digest.set_defaults(handler=_digest, database=True)

    claims = sub.add_parser("claims", help="Claims for people's time, for finance")
    claims_sub = claims.add_subparsers(dest="action", required=True)
    export = claims_sub.add_parser("export", help="Write the claims sheet as CSV")
    export.add_argument("--community", required=True, help="community number or platform id")
    export.add_argument("--from", dest="start", required=True, help="first day, e.g. 2026-12-01")
    export.add_argument("--to", dest="end", required=True, help="last day, e.g. 2026-12-31")
    export.add_argument("--out", type=Path, required=True, help="the CSV file to write")
    export.set_defaults(handler=_claims_export, database=True)

    privacy = sub.add_parser("privacy", help="Data rights, for admins")
    privacy_sub = privacy.add_subparsers(dest="action", required=True)
    forget = privacy_sub.add_parser("forget", help="Delete everything stored about one person")
    forget.add_argument("--community", required=True, help="community number or platform id")
    forget.add_argument("--user", required=True, help="the person's platform user id")
    forget.set_defaults(handler=_privacy_forget, database=True)

    report = sub.add_parser(
        "report",
        help="The regional roll-up across sessions and communities",
        description=(
            "Themes month by month from every sent digest, people's priorities, and what was "
            "said and done. Numbers under the small-number threshold read 'fewer than 5'."
        ),
    )
    report.add_argument("--from", dest="start", required=True, help="first day, e.g. 2026-11-01")
    report.add_argument("--to", dest="end", required=True, help="last day, e.g. 2026-12-31")
    report.add_argument(
        "--community",
        action="append",
        default=[],
        help="community number or platform id (again for more; default: every community)",
    )
    report.add_argument("--format", choices=("md", "html", "csv"), default="md")
    report.add_argument("--out", type=Path, help="write to this file instead of printing")
    report.set_defaults(handler=_report, database=True)

    themes = sub.add_parser("themes", help="Group statements from a CSV file as the digest does")
    themes.add_argument(
        "--in", dest="source", required=True, help="a CSV file with a statement column"
    )
    themes.add_argument("--format", choices=("md", "json"), default="md")
    themes.set_defaults(handler=_themes)

    statements = sub.add_parser("statements", help="Statements gathered outside the chat")
    statements_sub = statements.add_subparsers(dest="action", required=True)
    add = statements_sub.add_parser(
        "add",
        help="Add statements gathered on paper, by phone or by e-mail from a CSV file",
        description=(
            "Columns: text and category (working, not_working, future or idea); optional "
            "quote (yes only if the person agreed to be quoted without their name), source "
            "(paper, phone or email; not stored) and person (the same short word, like P1, "
            "for statements from one person; otherwise each row counts as a different person). "
            "Every row is checked first: one problem and nothing is added."
        ),
    )
    add.add_argument("--session", type=_whole_number, required=True, help="the session number")
    add.add_argument("--in", dest="source", type=Path, required=True, help="the CSV file (UTF-8)")
    add.set_defaults(handler=_statements_add, database=True)

    teams = sub.add_parser(
        "teams-app", help="Write the app package to upload to Microsoft Teams (docs/teams.md)"
    )
    teams.add_argument(
        "--out", type=Path, required=True, help="the zip file, e.g. brewbot-teams.zip"
    )
    teams.add_argument("--app-version", help="the app's version, e.g. 1.0.1 (else Brewbot's own)")
    teams.add_argument("--privacy-url", help="your privacy notice for Brewbot (https://...)")
    teams.add_argument("--terms-url", help="your terms of use for Brewbot (https://...)")
    teams.set_defaults(handler=_teams_app)

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
    elif settings.platform == "teams":
        from bot.platforms.teams.main import run_teams as runner
    else:
        from bot.platforms.shell.main import run_shell as runner
    asyncio.run(runner(settings))
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.logs import configure_logging
    from bot.platforms.shell.demo import run_demo, until_enter
    from bot.runtime import Stopped

    texts = _texts()
    if not 3 <= args.participants <= 500:
        say(texts.t("cli.demo_participants"), file=sys.stderr)
        return 2
    # The console is for what the demo says; its log goes beside its database, started again
    # with it (on its fast clock the scheduler warns of runs it skips, a day in two seconds).
    log = args.out / "demo.log"
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        log.unlink(missing_ok=True)
        configure_logging(settings.log_level, file=log)
    except OSError as exc:
        say(texts.t("cli.cannot_write", path=log, reason=exc.strerror), file=sys.stderr)
        return 1
    # A person at a terminal can open the pages before they close; a test or a pipe cannot.
    keep_open = until_enter if sys.stdin.isatty() else None
    try:
        asyncio.run(run_demo(participants=args.participants, out=args.out, keep_open=keep_open))
    except Stopped:
        say(texts.t("shell.demo_stopped"), file=sys.stderr)
        return 1
    return 0


def _health(settings: Settings, _args: argparse.Namespace) -> int:
    from bot.preflight import database_problem

    texts = _texts()
    problem = database_problem(settings, texts)
    if problem:
        say(problem, file=sys.stderr)
        return 1
    say(texts.t("cli.health_ok"))
    return 0


def _bench(settings: Settings, args: argparse.Namespace) -> int:
    from bot.bench import run_bench_cli

    return run_bench_cli(settings, quick=args.quick, as_json=args.json, db_url=args.db)


def _themes(_settings: Settings, args: argparse.Namespace) -> int:
    from bot.digest import grouping_report as report
    from bot.reflections.outside import MAX_FILE_BYTES

    texts = _texts()
    try:
        data = read_at_most(args.source, MAX_FILE_BYTES)
        if len(data) > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // 1000
            say(texts.t("cli.themes.too_big", path=args.source, limit=limit), file=sys.stderr)
            return 2
        statements = report.read_statements(data)
    except OSError as exc:
        say(
            texts.t("cli.themes.cannot_read", path=args.source, reason=exc.strerror),
            file=sys.stderr,
        )
        return 2
    except report.StatementsError as exc:
        say(texts.t(exc.key, path=args.source), file=sys.stderr)
        return 2
    groups = report.group(statements)
    write = report.as_json if args.format == "json" else report.as_markdown
    say(write(statements, groups))
    return 0


def _db(settings: Settings, args: argparse.Namespace) -> int:
    from storage.engine import Database
    from storage.migrate import current_revision, head_revision, upgrade

    async def go() -> str:
        db = Database(settings.resolved_database_url)
        try:
            if args.action == "upgrade":
                await upgrade(db)
            current = await current_revision(db)
            return _texts().t("cli.db_revision", current=current, newest=head_revision())
        finally:
            await db.dispose()

    say(asyncio.run(go()))
    return 0


def _digest(settings: Settings, args: argparse.Namespace) -> int:
    from bot.digest.render import to_csv, to_html, to_json, to_markdown

    render = {"md": to_markdown, "html": to_html, "csv": to_csv, "json": to_json}[args.format]
    if args.resend_email:
        return _resend_email(settings, args.session_id, args.to)
    if args.to is not None:
        say(_texts().t("cli.resend.to_alone"), file=sys.stderr)
        return 1

    async def work(app: App, tx: AsyncSession, community: Community, session: Session) -> str:
        return render(await app.digests.compile(tx, community, session))

    text = asyncio.run(_with_session(settings, args.session_id, work))
    texts = _texts()
    if text is None:
        say(texts.t("cli.no_session", session=args.session_id), file=sys.stderr)
        return 1
    if args.out:
        try:
            write_private(args.out, text)
        except OSError as exc:
            say(texts.t("cli.cannot_write", path=args.out, reason=exc.strerror), file=sys.stderr)
            return 1
        say(texts.t("cli.digest_written", path=args.out))
    else:
        say(text)
    return 0


def _resend_email(settings: Settings, session_id: int, to: str | None) -> int:
    from bot.delivery.mail import addresses, is_address
    from bot.platforms.memory import MemoryAdapter

    texts = _texts()
    only = addresses(to)
    if to is not None and not (only and all(is_address(a) for a in only)):
        say(texts.t("cli.resend.bad_to"), file=sys.stderr)
        return 1

    async def go() -> tuple[str, dict[str, str]]:
        from bot.app import build_app

        app = await build_app(settings, MemoryAdapter())
        try:
            return await app.digests.resend_email(session_id, only)
        finally:
            await app.close()

    outcome, values = asyncio.run(go())
    if "reason" in values:
        values["advice"] = texts.t(f"cli.resend.advice.{values['reason']}")
    said = texts.t(f"cli.resend.{outcome}", session=session_id, **values)
    say(said, file=sys.stdout if outcome == "sent" else sys.stderr)
    return 0 if outcome == "sent" else 1


async def _with_session(
    settings: Settings,
    session_id: int,
    work: Callable[[App, AsyncSession, Community, Session], Awaitable[T]],
    *,
    isolated: bool = False,
) -> T | None:
    """Run `work(app, tx, community, session)` in one transaction (`isolated`, as the
    database means it, for anonymous writes); None if there is no such session."""
    from bot.app import build_app
    from bot.core.commands import as_id
    from bot.platforms.memory import MemoryAdapter
    from storage.models import Community, Session

    if as_id(str(session_id)) is None:  # a negative number, or beyond what a row id can be
        return None
    app = await build_app(settings, MemoryAdapter())
    try:
        async with app.db.transaction(isolated=isolated) as tx:
            session = await tx.get(Session, session_id)
            community = await tx.get(Community, session.community_id) if session else None
            if session is None or community is None:
                return None
            return await work(app, tx, community, session)
    finally:
        await app.close()


async def _with_community(
    settings: Settings, community: str, work: Callable[[App, AsyncSession, Community], Awaitable[T]]
) -> T | None:
    """Run `work(app, tx, community_row)` in one transaction; None if no such community."""
    from bot.app import build_app
    from bot.platforms.memory import MemoryAdapter

    app = await build_app(settings, MemoryAdapter())
    try:
        async with app.db.transaction() as tx:
            row = await find_community(tx, community)
            if row is None:
                return None
            return await work(app, tx, row)
    finally:
        await app.close()


async def find_community(tx: AsyncSession, given: str) -> Community | None:
    """The community an admin named: by its platform id, or by its number (a number beyond
    what a row id can be names none, rather than reaching the database)."""
    from sqlmodel import or_, select

    from bot.core.commands import as_id
    from storage.models import Community

    number = as_id(given.strip())
    query = select(Community).where(
        or_(Community.external_id == given, Community.id == (-1 if number is None else number))
    )
    return (await tx.exec(query)).first()


def _claims_export(settings: Settings, args: argparse.Namespace) -> int:
    texts = _texts()
    days = _day_range(texts, args.start, args.end)
    if days is None:
        return 2
    start, end = days

    async def work(app: App, tx: AsyncSession, community: Community) -> int:
        sheet, count = await app.claims.sheet(tx, community, start, end)
        # Written before the export is recorded: a sheet that could not be written was
        # not sent to finance.
        write_private(args.out, sheet)
        return count

    try:
        count = asyncio.run(_with_community(settings, args.community, work))
    except OSError as exc:
        say(texts.t("cli.cannot_write", path=args.out, reason=exc.strerror), file=sys.stderr)
        return 1
    if count is None:
        say(texts.t("cli.no_community", community=args.community), file=sys.stderr)
        return 1
    say(texts.t("cli.claims_written", count=count, path=args.out))
    return 0


# Each problem with the days an admin gave (bot/core/days.py), in the command line's words.
DAYS_ON_THE_COMMAND_LINE: dict[Problem, str] = {
    "unreadable": "cli.dates",
    "far_off": "cli.dates_far_off",
    "backwards": "cli.dates",
}


def _day_range(texts: Texts, first: str, last: str) -> tuple[date, date] | None:
    """Two YYYY-MM-DD days making a period (the rule of the chat and the web pages); None,
    having said how to write them, otherwise."""
    from bot.core.days import DaysProblem, period, read_day

    try:
        return period(read_day(first), read_day(last))
    except DaysProblem as problem:
        say(texts.t(DAYS_ON_THE_COMMAND_LINE[problem.problem]), file=sys.stderr)
        return None


def _privacy_forget(settings: Settings, args: argparse.Namespace) -> int:
    from bot.core.commands import CommandError
    from bot.people.privacy import forget

    texts = _texts()

    async def work(_app: App, tx: AsyncSession, community: Community) -> list[str]:
        return await forget(tx, community, args.user)

    try:
        exported = asyncio.run(_with_community(settings, args.community, work))
    except CommandError as exc:
        # Nothing held, or a safeguarding message waiting for them with nobody to take it.
        waiting = exc.key == "privacy.safeguarding_waiting"
        say(texts.t("cli.forget_safeguarding_waiting" if waiting else "cli.forget_nothing"),
            file=sys.stderr)  # fmt: skip
        return 1
    if exported is None:
        say(texts.t("cli.no_community", community=args.community), file=sys.stderr)
        return 1
    say(texts.t("cli.forget_done"))
    if exported:
        say(texts.t("cli.forget_tell_finance", claims=", ".join(exported)))
    return 0


def _statements_add(settings: Settings, args: argparse.Namespace) -> int:
    """Statements gathered outside the chat, through the reflection form's own path
    (bot/reflections/outside.py), all in one transaction that writes nothing else."""
    from bot.core.commands import CommandError
    from bot.reflections.outside import MAX_FILE_BYTES, Added, add_statements, read_csv, summary

    texts = _texts()
    try:
        data = read_at_most(args.source, MAX_FILE_BYTES)  # read_csv refuses one byte more
    except OSError as exc:
        say(
            texts.t("cli.statements.cannot_read", path=args.source, reason=exc.strerror),
            file=sys.stderr,
        )
        return 2

    async def go() -> Added | None:
        # Checked before the database is opened: a bad file changes nothing.
        statements = read_csv(data, texts)

        async def work(app: App, tx: AsyncSession, community: Community, session: Session) -> Added:
            return await add_statements(app.reflections, tx, community, session, statements)

        # Any alert stays in the outbox for the running bot: this process cannot reach the
        # chat (its adapter is a stand-in), so it does not try.
        return await _with_session(settings, args.session, work, isolated=True)

    try:
        added = asyncio.run(go())
    except CommandError as exc:
        say(texts.t(exc.key, **exc.values), file=sys.stderr)
        return 2
    if added is None:
        say(texts.t("cli.no_session", session=args.session), file=sys.stderr)
        return 1
    say(summary(texts, added, held="held_queued"))
    return 0


def _report(settings: Settings, args: argparse.Namespace) -> int:
    from bot.digest import report
    from bot.platforms.memory import MemoryAdapter
    from bot.reflections.sealing import small_number

    texts = _texts()
    days = _day_range(texts, args.start, args.end)
    if days is None:
        return 2
    start, end = days
    if report.too_long(start, end):
        say(texts.t("cli.report_too_long", years=report.MAX_MONTHS // 12), file=sys.stderr)
        return 2
    render = {"md": report.to_markdown, "html": report.to_html, "csv": report.to_csv}

    async def go() -> tuple[bool, str]:
        """(made, the report), or (False, why not)."""
        from bot.app import build_app

        app = await build_app(settings, MemoryAdapter())
        try:
            async with app.db.transaction() as tx:
                chosen = []
                for given in args.community:
                    found = await find_community(tx, given)
                    if found is None:
                        return False, texts.t("cli.no_community", community=given)
                    chosen.append(found)
                made = await report.gather(
                    tx,
                    app.digests.compile,
                    start=start,
                    end=end,
                    communities=chosen,
                    min_count=small_number(app.deps),
                )
            return True, render[args.format](made)
        finally:
            await app.close()

    made, text = asyncio.run(go())
    if not made:
        say(text, file=sys.stderr)
        return 1
    if args.out:
        try:
            write_private(args.out, text)
        except OSError as exc:
            say(texts.t("cli.cannot_write", path=args.out, reason=exc.strerror), file=sys.stderr)
            return 1
        say(texts.t("cli.report_written", path=args.out))
    else:
        say(text)
    return 0


def read_at_most(path: str | Path, limit: int) -> bytes:
    """The first `limit` bytes of `path` and one more, so a caller can tell the file is too
    big: reading all of /dev/zero, a pipe or a huge export would fill the memory first."""
    with open(path, "rb") as file:
        return file.read(limit + 1)


def write_private(path: Path, text: str) -> None:
    """Write an export (claims, a digest) readable by its owner only, even over an older
    file that others could read."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)


def _sparks(_settings: Settings, args: argparse.Namespace) -> int:
    from bot.sparks.library import SparkError, SparkLibrary

    try:
        library = SparkLibrary.load()
    except SparkError as exc:
        say(exc, file=sys.stderr)
        return 1
    if args.action == "check":
        say(_texts().t("cli.sparks_valid", count=len(library.all())))
        return 0
    for spark in library.all():
        say(f"{spark.id:40} {spark.title} ({spark.minutes} min) - {spark.theme}")
    return 0


def _teams_app(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build_app
    from bot.platforms.memory import MemoryAdapter
    from bot.platforms.teams.manifest import TeamsAppError, write_app_package

    async def command_table() -> CommandTable[CommandContext]:
        # Only the command table, for the menus' words: no database is opened or made.
        in_memory = settings.model_copy(update={"database_url": "sqlite:///:memory:"})
        app = await build_app(in_memory, MemoryAdapter(), migrate=False)
        await app.close()
        return app.table

    texts = _texts()
    try:
        write_app_package(
            settings,
            asyncio.run(command_table()),
            args.out,
            version=args.app_version,
            privacy_url=args.privacy_url,
            terms_url=args.terms_url,
        )
    except TeamsAppError as exc:
        say(texts.t(exc.key, **exc.values), file=sys.stderr)
        return 1
    except OSError as exc:
        say(texts.t("cli.cannot_write", path=args.out, reason=exc.strerror), file=sys.stderr)
        return 1
    say(texts.t("cli.teams_app.written", path=args.out))
    return 0
