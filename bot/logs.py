"""Logging for every `brewbot` command, and the filter that keeps what people wrote out of the
logs whichever library writes them.

Logs never hold reflection text, or a user id next to it. Brewbot's own lines (`brewbot.*`)
are written that way. Some libraries print whole request bodies, gateway payloads or SQL
parameters below WARNING, and a level set on their loggers does not hold: Bolt copies levels
onto the loggers it creates, and anyone may call setLevel later. So `PayloadFilter` sits on
the handlers themselves (the root's, which every logger reaches): below its floor, a record
from one of those loggers reaches no file and no terminal, whatever its logger's level. The
few lines at WARNING and above that print a body, a payload or an exception's text are
rewritten to a fixed sentence naming the library and what happened.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from typing import NamedTuple, TextIO

from bot.core.marked import has_marks, unmark

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class Quiet(NamedTuple):
    library: str  # named in a rewritten line
    floor: int  # records below this level are dropped
    # Every record kept is a fixed sentence, with its frames but no text: for a library whose
    # warnings and errors build their lines with an exception's or a request's text inside,
    # where no beginning could be listed in REWRITTEN.
    withheld: bool = False


# Loggers (with the loggers below them) that can print what a person wrote, and why. Checked
# against the installed sources: slack_bolt 1.30, slack_sdk 3.48, discord.py 2.7, aiosqlite,
# SQLAlchemy 2, aiohttp 3, asyncio (Python 3.11).
QUIET: dict[str, Quiet] = {
    # A request whose signature check fails, with its whole body, at INFO (a reflection form
    # holds the words and the user id); the bot's own skipped events (the message it
    # posted) at DEBUG.
    "slack_bolt": Quiet("slack_bolt", logging.WARNING),
    # Bolt's app logger under our name (slack/bolt.py passes it to AsyncApp): Bolt logs each
    # listener's response body at DEBUG through it, and its Socket Mode handler every
    # envelope received and sent (payloads) at DEBUG and failed results with their body at
    # INFO.
    "brewbot.slack.bolt": Quiet("slack_bolt", logging.WARNING),
    # The Web API client logs each call's arguments (message text, user ids) and each
    # response body at DEBUG; the Socket Mode client each envelope; the webhook client each
    # body.
    "slack_sdk": Quiet("slack_sdk", logging.WARNING),
    # Every gateway event at DEBUG (an interaction carries a form's words and the user id).
    # Its INFO lines are connection states (connected, resumed, session invalidated): kept.
    "discord.gateway": Quiet("discord.py", logging.INFO),
    # Each REST request's JSON body and each response body at DEBUG (it has no INFO lines).
    "discord.http": Quiet("discord.py", logging.WARNING),
    # Interaction answers and follow-ups go through the webhook adapter: its DEBUG lines give
    # each URL, whose path holds the interaction's token.
    "discord.webhook": Quiet("discord.py", logging.WARNING),
    # Every call, with its SQL and parameters, at DEBUG.
    "aiosqlite": Quiet("aiosqlite", logging.WARNING),
    # Each statement with its parameters at INFO (our engine hides parameters, an engine made
    # elsewhere may not) and each result row at DEBUG, as soon as the level allows it.
    "sqlalchemy.engine": Quiet("SQLAlchemy", logging.WARNING),
    # One INFO line per request served: the time of each form submission. Slack's HTTP
    # server turns its access log off too (slack/http.py); this covers any other server.
    "aiohttp.access": Quiet("aiohttp", logging.WARNING),
    # A request it could not read: "Error handling request from <address>", at DEBUG for a
    # first line that is not HTTP, at ERROR otherwise (rewritten, see REWRITTEN). The web
    # pages log no address (bot/platforms/web).
    "aiohttp.server": Quiet("aiohttp", logging.WARNING),
    # In debug mode (PYTHONASYNCIODEBUG): transports and sockets at DEBUG/INFO; the
    # slow-callback WARNING is rewritten (see REWRITTEN).
    "asyncio": Quiet("asyncio", logging.WARNING),
    # Not installed today. If a dependency brings it, it logs each request's URL with its
    # query string (users.info?user=U...) at DEBUG.
    "urllib3": Quiet("urllib3", logging.WARNING),
    # The Teams SDK (microsoft-teams-apps 2.1): every activity received, whole, at DEBUG (a
    # dialog's reflection and its sender); its warnings and errors put an exception's text
    # into the line (a body that fails to parse is quoted in it).
    "microsoft_teams": Quiet("microsoft_teams", logging.WARNING, withheld=True),
    # The HTTP client under the Teams SDK: each request's URL at INFO, and a private chat's
    # URL names the person's conversation; its transport, each request at DEBUG.
    "httpx": Quiet("httpx", logging.WARNING),
    "httpcore": Quiet("httpcore", logging.WARNING),
    # Microsoft's sign-in library (for the bot's own token): requests and answers at DEBUG.
    "msal": Quiet("msal", logging.WARNING, withheld=True),
    # The work the Teams front-end runs after answering (bot/platforms/work.py): a failure is
    # "Failed to run listener function", with the exception's text (see REWRITTEN).
    "brewbot.teams.work": Quiet("teams", logging.WARNING),
}
# Checked and left as they are: discord.client, discord.state and discord.ui (event names,
# ids and custom ids only; discord.client's INFO lines say it is logging in and connected),
# Bolt's per-listener loggers "brewbot:<function>" (argument-name warnings only),
# aiohttp.client and aiohttp.web (no bodies), apscheduler (job names), alembic (revisions),
# psycopg (connection attempts).

# Lines from the loggers above that print a body, a payload or an exception's text (which
# can quote what was sent), by how their message begins, and what happened, in words.
# They are kept as a fixed sentence; an exception keeps its frames and type, not its text.
REWRITTEN: tuple[tuple[str, str], ...] = (
    # Bolt, INFO, with the whole body. Kept although below the floor, as a fixed sentence:
    # repeated failures are how a wrong signing secret (or a forger) shows.
    ("Invalid request signature detected", "a request failed its signature check"),
    # Bolt, WARNING: part of the body (a dialog's submission, typed search text).
    ("Unhandled request", "a request no listener handled"),
    # Bolt, WARNING: the whole body.
    ("A global middleware", "a middleware neither answered a request nor passed it on"),
    # Bolt, ERROR, with the exception raised while handling a request.
    ("Failed to run listener function", "a listener failed"),
    ("Failed to run a middleware", "a middleware failed"),
    ("Failed to run an internal function", "a lazy listener failed"),
    # slack_sdk's Socket Mode client, ERROR, with the exception raised by Bolt's handler.
    ("Failed to run a message listener", "a Socket Mode message listener failed"),
    ("Failed to run a request listener", "a Socket Mode request listener failed"),
    ("Failed to run message listeners", "the Socket Mode message listeners failed"),
    ("Failed to process a message", "a Socket Mode message could not be processed"),
    # slack_sdk, ERROR, with a Web API response body it could not decode.
    ("Failed to decode Slack API response", "a Web API response could not be decoded"),
    # aiohttp's server, ERROR: the address of whoever sent a request it could not read.
    ("Error handling request", "a request could not be read"),
    # asyncio (debug mode), WARNING: the callback with its arguments (the terminal chat
    # hands each typed line to the event loop as an argument).
    ("Executing %s took", "a callback was slow"),
)

WITHHELD = "(details withheld: they can hold what a person wrote)"


class PayloadFilter(logging.Filter):
    """On a handler: drops the records of `QUIET` loggers below their floor and rewrites the
    lines listed in `REWRITTEN`; every other record (brewbot's own) passes as it is."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "brewbot_rewritten", False):
            return True  # already rewritten by the filter on another handler
        quiet = quiet_for(record.name)
        if quiet is None:
            _unmarked(record)
            return True
        kind = _rewritten_kind(record)
        if kind is not None:
            _rewrite(record, quiet.library, kind)
            return True
        if record.levelno < quiet.floor:
            return False
        if quiet.withheld:
            # The function's name is the library's code, never what it was given.
            _rewrite(
                record, quiet.library, f"{record.levelname.lower()} logged in {record.funcName}"
            )
        return True


def _unmarked(record: logging.LogRecord) -> None:
    """A line of brewbot's own without the marks around typed words (bot/core/marked.py): a
    sentence from prompts/ logged, or printed at start-up, shows its words as written."""
    line = record.getMessage()
    if has_marks(line):
        record.msg, record.args = unmark(line), ()


def quiet_for(name: str) -> Quiet | None:
    """The `QUIET` entry for a logger name or the nearest of its parents, if any."""
    while name:
        if name in QUIET:
            return QUIET[name]
        name = name.rpartition(".")[0]
    return None


def guard(handler: logging.Handler) -> logging.Handler:
    """Put a `PayloadFilter` on `handler` (once) and return it."""
    if not any(isinstance(f, PayloadFilter) for f in handler.filters):
        handler.addFilter(PayloadFilter())
    return handler


class _StderrHandler(logging.StreamHandler):
    """Writes to sys.stderr as it is at each record (as logging's last-resort handler does),
    so a replaced stderr (pytest's capture, for one) is followed rather than kept."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:
        return sys.stderr


_installed: list[logging.Handler] = []


def configure_logging(level: str | int, *, file: Path | None = None) -> logging.Handler:
    """Log at `level` and above to stderr, or to `file` instead, through one guarded handler
    on the root logger. A second call (the terminal chat moving its logs into a file)
    replaces the handler the first installed; handlers installed by others stay."""
    handler = logging.FileHandler(file, encoding="utf-8") if file is not None else _StderrHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    guard(handler)
    root = logging.getLogger()
    while _installed:
        old = _installed.pop()
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    _installed.append(handler)
    root.setLevel(level)
    return handler


def _rewritten_kind(record: logging.LogRecord) -> str | None:
    if not isinstance(record.msg, str):
        return None
    for beginning, kind in REWRITTEN:
        if record.msg.startswith(beginning):
            return kind
    return None


def _rewrite(record: logging.LogRecord, library: str, kind: str) -> None:
    record.msg = f"{library}: {kind} {WITHHELD}"
    record.args = ()
    error = record.exc_info[1] if record.exc_info else None
    record.exc_info = None
    record.exc_text = _frames_only(error) if error is not None else None
    record.brewbot_rewritten = True


def _frames_only(error: BaseException) -> str:
    """The traceback of `error` and of what led to it: frames and exception types, no
    exception's text."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        name = f"{type(current).__module__}.{type(current).__qualname__}"
        parts.append(f"Traceback (most recent call last):\n{frames}{name} (text withheld)")
        if current.__cause__ is not None or current.__suppress_context__:
            current = current.__cause__
        else:
            current = current.__context__
    return "\n\nwhich led to:\n\n".join(reversed(parts))
