"""Checks made before Brewbot connects to anything, so a mistake in setting it up stops it
with one line naming the setting and what to do, instead of a traceback, and never leaves it
half started.

- The data folder (the SQLite file's, and the terminal chat's log): made 0700 if missing,
  and written to, or one line saying who cannot write where.
- The database: SQLite is opened and asked for a write (rolled back), so a read-only file
  or folder is found now, not on the first command; PostgreSQL is connected to, and one
  line says whether it could not be reached or turned Brewbot away. Only the commands that
  make a database (`run`, `db upgrade`) make a SQLite file that is not there: for the others
  a mistyped path is one line saying there is no database there, and no empty file is left.

`brewbot health` uses the same database check, without creating anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.config import Settings
from bot.core.marked import SaidLine
from bot.engine.texts import Texts
from storage.engine import Database, prepare_sqlite_file, sqlite_path

# SQLite's words for a file or folder it may not write to.
SQLITE_CANNOT_WRITE = ("readonly database", "unable to open database file", "disk i/o error")
# A PostgreSQL server that answered and said no (the rest is out of reach).
POSTGRES_REFUSED = ("FATAL", "authentication", "does not exist", "pg_hba.conf")


class CannotStart(SaidLine):
    """Brewbot cannot start as it is set up. The message is one line: the setting, the fix."""


def check(
    settings: Settings, texts: Texts, *, data_folder: bool = False, make: bool = True
) -> None:
    """Everything `brewbot run` (and the admin commands) need before they start: the data
    folder when `data_folder` (the terminal chat writes its log there), and the database,
    made if it is not there when `make`. Raises CannotStart."""
    path = sqlite_path(settings.resolved_database_url)
    if data_folder:
        _writable_folder(settings.data_dir, "BREWBOT_DATA_DIR", texts)
    if path is not None:
        if not make and not path.is_file():
            raise CannotStart(_missing(path, settings, texts))
        _writable_folder(path.parent, _sqlite_setting(settings), texts)
        problem = _sqlite_problem(path, settings, texts, create=True)
    else:
        problem = asyncio.run(_postgres_problem(settings, texts))
    if problem:
        raise CannotStart(problem)


def database_problem(settings: Settings, texts: Texts) -> str | None:
    """`brewbot health`: one line on why the database does not answer, or None. Creates
    nothing: a SQLite file that is not there yet is a problem."""
    path = sqlite_path(settings.resolved_database_url)
    if path is None:
        return asyncio.run(_postgres_problem(settings, texts))
    if not path.is_file():
        return _missing(path, settings, texts)
    return _sqlite_problem(path, settings, texts, create=False)


def _missing(path: Path, settings: Settings, texts: Texts) -> str:
    return texts.t("startup.database_missing", path=path, setting=_sqlite_setting(settings))


def _sqlite_setting(settings: Settings) -> str:
    return "DATABASE_URL" if settings.database_url else "BREWBOT_DATA_DIR"


def _who() -> str:
    uid = os.geteuid()
    with contextlib.suppress(KeyError):
        return f"{pwd.getpwuid(uid).pw_name}, uid {uid}"
    return f"uid {uid}"


def _writable_folder(folder: Path, setting: str, texts: Texts) -> None:
    """Make `folder` (0700) if it is missing; raise CannotStart unless this process may
    create files in it."""
    reason = ""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    else:
        if not os.access(folder, os.W_OK | os.X_OK):
            reason = os.strerror(13)  # Permission denied
    if reason:
        raise CannotStart(_cannot_write(texts, folder, reason, setting))


def _cannot_write(texts: Texts, folder: Path, reason: object, setting: str) -> str:
    return texts.t(
        "startup.folder_not_writable",
        folder=folder.absolute(),
        reason=reason,
        user=_who(),
        setting=setting,
    )


def _sqlite_problem(path: Path, settings: Settings, texts: Texts, *, create: bool) -> str | None:
    """Open the file and ask for a write, rolled back (`create`: made 0600 first). A
    database another process is writing to counts as writable."""
    setting = _sqlite_setting(settings)
    try:
        if create:
            prepare_sqlite_file(path)
        connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        return _cannot_write(texts, path.parent, getattr(exc, "strerror", None) or exc, setting)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if create:
            connection.execute("BEGIN IMMEDIATE")
            (version,) = connection.execute("PRAGMA user_version").fetchone()
            connection.execute(f"PRAGMA user_version = {int(version)}")
            connection.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        reason = str(exc)
        if "locked" in reason or "busy" in reason:
            return None  # another process is writing to it: it can be written
        if any(words in reason.lower() for words in SQLITE_CANNOT_WRITE):
            return texts.t(
                "startup.database_read_only",
                path=path.absolute(),
                reason=reason,
                user=_who(),
                setting=setting,
            )
        return texts.t("startup.database_unusable", path=path, reason=reason, setting=setting)
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        return texts.t("startup.database_unusable", path=path, reason=exc, setting=setting)
    finally:
        connection.close()
    return None


async def _postgres_problem(settings: Settings, texts: Texts) -> str | None:
    """Connect once (bounded by BREWBOT_DB_TIMEOUT_SECONDS) and ask the simplest question."""
    url = make_url(settings.resolved_database_url)
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    db = Database(settings.resolved_database_url, timeout_seconds=settings.db_timeout_seconds)
    try:
        async with asyncio.timeout(settings.db_timeout_seconds * 2):
            async with db.engine.connect() as connection:
                await connection.exec_driver_sql("SELECT 1")
    except TimeoutError:
        return texts.t("startup.database_unreachable", where=where, reason="no answer in time")
    except (DBAPIError, OSError) as exc:
        said = str(getattr(exc, "orig", None) or exc)
        reason = _postgres_reason(said)
        if any(words in said for words in POSTGRES_REFUSED):
            return texts.t("startup.database_refused", where=where, reason=reason)
        return texts.t("startup.database_unreachable", where=where, reason=reason)
    finally:
        await db.dispose()
    return None


def _postgres_reason(said: str) -> str:
    """The server's or the system's own few words: 'Connection refused', 'password
    authentication failed for user "brewbot"', 'Name or service not known'."""
    first = said.strip().splitlines()[0] if said.strip() else said
    reason = first.rsplit("failed: ", 1)[-1]
    reason = reason.rsplit("] ", 1)[-1]
    reason = reason.removeprefix("FATAL:").strip()
    return " ".join(reason.split()) or "no reason given"
