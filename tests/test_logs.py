"""Logs never hold what a person wrote, or a user id next to it, whichever library writes them
(bot/logs.py): logging is set up as `brewbot run` sets it up, at DEBUG, into a file, and the
libraries are driven for real where they can be (Slack's HTTP front-end, the Slack Web API
client, discord.py, SQLAlchemy)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import create_engine, text

from bot.core.messages import Choice, FieldKind, Form, FormField
from bot.logs import QUIET, PayloadFilter, configure_logging
from bot.loopback.discord_server import FakeDiscord
from bot.loopback.slack_server import FakeSlack
from bot.platforms.slack.blocks import render_view
from bot.platforms.slack.clients import new_client
from tests.fakes.discord_harness import running_discord
from tests.fakes.slack_harness import ROOM, slack_world

# Checked word by word: a logged body may be URL- or JSON-encoded, which keeps each word.
WORDS = "Marmalade lighthouse whispering"
WRITER = "U0WRITER7"

REFLECTION_FORM = Form(
    title="Share a reflection",
    custom_id="brew:reflection:submit:1",
    fields=(
        FormField(
            "category", "What is it about?", FieldKind.CHOICE, choices=(Choice("An idea", "idea"),)
        ),
        FormField("text", "Your reflection", FieldKind.PARAGRAPH, max_length=2000),
        FormField(
            "quote",
            "Quote me?",
            FieldKind.CHECKBOX,
            required=False,
            choices=(Choice("Yes, my words may be quoted", "yes"),),
        ),
    ),
    submit_label="Send",
)


# Kept's handler sits on these loggers: a logger's own handlers see a record before the
# root's (and so before the filter there rewrites anything).
LIBRARIES = (
    "slack_bolt", "brewbot.slack", "slack_sdk", "discord", "sqlalchemy", "aiohttp",
    "microsoft_teams", "brewbot.teams",
)  # fmt: skip


class Kept(logging.Handler):
    """Every library record, unfiltered, as it was logged: shows a library really did log
    the words (so the test can fail), while the file shows what configure_logging's handler
    let through."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.name, record.getMessage()))

    def from_library(self, prefix: str, word: str) -> bool:
        return any(name.startswith(prefix) and word in line for name, line in self.lines)


@pytest.fixture
def logged(tmp_path) -> Iterator[Callable[[], str]]:
    """Logging as `brewbot run` configures it, at DEBUG, into a file; returns a reader of
    that file. Logging is put back afterwards."""
    root = logging.getLogger()
    level = root.level
    path = tmp_path / "brewbot.log"
    handler = configure_logging("DEBUG", file=path)

    def read() -> str:
        handler.flush()
        return path.read_text(encoding="utf-8")

    yield read
    root.removeHandler(handler)
    handler.close()
    root.setLevel(level)


@pytest.fixture
def kept() -> Iterator[Kept]:
    handler = Kept()
    for name in LIBRARIES:
        logging.getLogger(name).addHandler(handler)
    yield handler
    for name in LIBRARIES:
        logging.getLogger(name).removeHandler(handler)


@contextlib.contextmanager
def at_debug(*names: str) -> Iterator[None]:
    """Turn these loggers to DEBUG, as an operator chasing a problem might."""
    loggers = [logging.getLogger(name) for name in names]
    saved = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for logger, level in zip(loggers, saved, strict=True):
            logger.setLevel(level)


def assert_nothing_private(log: str) -> None:
    for word in WORDS.split():
        assert word not in log
    assert WRITER not in log


async def test_a_reflection_with_a_wrong_signature_is_refused_and_not_logged(
    sqlite_url, logged, kept
):
    async with slack_world(sqlite_url) as world:
        world.fake.add_user(WRITER, "Writer")
        world.fake.add_channel(ROOM, "over-a-brew", members=(WRITER,))
        view = render_view(
            REFLECTION_FORM, {"channel": ROOM}, close="Cancel", placeholder="Choose one"
        )
        answers = {"category": "idea", "text": WORDS, "quote": ["yes"]}
        sent = await world.sender.submit(WRITER, view, answers, secret="not-the-secret")
        assert sent.status == 401
        await world.settle()
    # Refused at the door, before Bolt (which would log the whole body) read it ...
    assert not kept.from_library("slack_bolt", WORDS.split()[0])
    assert not kept.from_library("slack_bolt", WRITER)
    # ... and the file holds only the fixed sentence.
    log = logged()
    assert "slack request refused: no valid signature" in log
    assert_nothing_private(log)
    # The HTTP server keeps no access log (it would time each form submission).
    assert not [name for name, _ in kept.lines if name == "aiohttp.access"]


async def test_the_slack_web_api_client_at_debug_logs_no_message_text(logged, kept):
    fake = FakeSlack()
    await fake.start()
    fake.add_channel(ROOM, "over-a-brew")
    try:
        with at_debug("slack_sdk"):
            client = AsyncWebClient(token="xoxb-test", base_url=fake.api_url)
            await client.chat_postMessage(channel=ROOM, text=f"{WORDS} <@{WRITER}>")
    finally:
        await fake.close()
    assert kept.from_library("slack_sdk", WORDS.split()[0])
    assert_nothing_private(logged())


async def test_brewbots_web_api_clients_build_no_debug_line_even_at_debug(logged, kept):
    """slack_sdk formats a call's DEBUG lines whenever its client's logger has no level of
    its own, whatever the level in effect: Brewbot's clients, and Bolt's per-request copies
    of them, have one."""
    fake = FakeSlack()
    await fake.start()
    fake.add_channel(ROOM, "over-a-brew")
    try:
        with at_debug("slack_sdk"):
            client = new_client(fake.api_url, "xoxb-test")
            await client.chat_postMessage(channel=ROOM, text=WORDS)
            # The call itself went out, and was answered.
            assert [call.args["text"] for call in fake.of("chat.postMessage")] == [WORDS]
    finally:
        await fake.close()
    assert not [line for name, line in kept.lines if name.startswith("slack_sdk.web")]


async def test_discord_gateway_and_http_at_debug_log_no_payloads(tmp_path, logged, kept):
    fake = FakeDiscord()
    fran = fake.add_person("Fran", facilitator=True)
    with at_debug("discord.gateway", "discord.http"):
        async with running_discord(tmp_path, fake) as (fake, _):
            answer = await fake.slash(fran, "schedule", when="2026-11-30 14:00", theme=WORDS)
            await answer.answered()
    word = WORDS.split()[0]
    # The interaction (theme and Fran's id) came over the gateway; the scheduled event's
    # name went out through discord.http.
    assert kept.from_library("discord.gateway", word)
    assert kept.from_library("discord.gateway", str(fran.id))
    assert kept.from_library("discord.http", word)
    log = logged()
    for word in WORDS.split():
        assert word not in log
    assert str(fran.id) not in log
    # discord.py's harmless INFO lines stay (logging in, connected to the gateway).
    assert "discord.client logging in using static token" in log
    assert "has connected to Gateway" in log


def test_sqlalchemy_at_debug_logs_no_parameters_or_rows(logged, kept):
    engine = create_engine("sqlite://")
    try:
        with at_debug("sqlalchemy.engine"), engine.connect() as conn:
            row = conn.execute(text("SELECT :words, :writer"), {"words": WORDS, "writer": WRITER})
            assert row.one() == (WORDS, WRITER)
    finally:
        engine.dispose()
    assert kept.from_library("sqlalchemy.engine", WORDS)
    assert_nothing_private(logged())


@pytest.mark.parametrize("name", sorted(QUIET))
def test_every_quieted_library_is_dropped_below_its_floor_whatever_its_level(name, logged):
    child = f"{name}.somewhere"
    with at_debug(name, child):
        logging.getLogger(child).debug("body: %s user=%s", WORDS, WRITER)
        logging.getLogger(name).log(QUIET[name].floor - 1, "body: %s user=%s", WORDS, WRITER)
    assert_nothing_private(logged())


def test_brewbot_lines_and_harmless_library_lines_get_through(logged):
    logging.getLogger("brewbot.sessions").info("session opened session=%d", 7)
    logging.getLogger("discord.gateway").info("Shard ID %s has connected to Gateway", None)
    logging.getLogger("slack_sdk.socket_mode").warning("Failed to connect; retrying")
    log = logged()
    assert "INFO brewbot.sessions session opened session=7" in log
    assert "INFO discord.gateway Shard ID None has connected to Gateway" in log
    assert "WARNING slack_sdk.socket_mode Failed to connect; retrying" in log


def _listener_that_fails() -> None:
    raise ValueError(f"could not store {WORDS!r} for {WRITER}")


def test_a_failed_bolt_listener_is_logged_without_the_exception_text(logged):
    try:
        try:
            _listener_that_fails()
        except ValueError as exc:
            raise RuntimeError(f"wrapped: {exc}") from exc
    except RuntimeError as exc:
        logging.getLogger("brewbot.slack.bolt").exception(
            f"Failed to run listener function (error: {exc})"
        )
    log = logged()
    assert "ERROR brewbot.slack.bolt slack_bolt: a listener failed (details withheld" in log
    # The frames and the exception types stay, to find the fault.
    assert "_listener_that_fails" in log
    assert "builtins.ValueError (text withheld)" in log
    assert "builtins.RuntimeError (text withheld)" in log
    assert_nothing_private(log)


@pytest.mark.parametrize(
    ("name", "message", "sentence"),
    [
        (
            "brewbot.slack.bolt",
            "Unhandled request ({'submission': %r})",
            "slack_bolt: a request no listener handled",
        ),
        (
            "brewbot.slack.bolt",
            "A global middleware (dedupe) skipped calling next() ({%r})",
            "slack_bolt: a middleware neither answered a request nor passed it on",
        ),
        (
            "slack_sdk.socket_mode.aiohttp",
            "Failed to run a message listener: %r",
            "slack_sdk: a Socket Mode message listener failed",
        ),
        ("asyncio", "Executing %s took %.3f seconds", "asyncio: a callback was slow"),
    ],
)
def test_warnings_that_quote_a_body_are_rewritten(name, message, sentence, logged):
    args = (
        (f"<Handle Queue.put_nowait('{WORDS} {WRITER}')>", 0.2)
        if "%.3f" in message
        else (f"{WORDS} {WRITER}",)
    )
    logging.getLogger(name).warning(message, *args)
    log = logged()
    assert sentence in log
    assert_nothing_private(log)


def test_a_record_seen_by_two_guarded_handlers_is_rewritten_once_and_kept_by_both():
    record = logging.LogRecord(
        "slack_bolt.AsyncRequestVerification",
        logging.INFO,
        __file__,
        1,
        f"Invalid request signature detected (body: {WORDS})",
        (),
        None,
    )
    first, second = PayloadFilter(), PayloadFilter()
    assert first.filter(record) and second.filter(record)
    assert record.getMessage().startswith("slack_bolt: a request failed its signature check")


def test_configuring_again_replaces_only_its_own_handler(tmp_path):
    root = logging.getLogger()
    level = root.level
    other = logging.NullHandler()
    root.addHandler(other)
    try:
        first = configure_logging("INFO")
        second = configure_logging("WARNING", file=tmp_path / "brewbot.log")
        assert first not in root.handlers and second in root.handlers and other in root.handlers
        assert any(isinstance(f, PayloadFilter) for f in second.filters)
        assert root.level == logging.WARNING
    finally:
        root.removeHandler(second)
        second.close()
        root.removeHandler(other)
        root.setLevel(level)


class _NoServer:
    """Where the Teams SDK's HttpServer registers its route: nowhere, it is called directly."""

    def register_route(self, method: str, path: str, handler: object) -> None:
        pass


async def test_the_teams_sdk_logs_no_activity_and_no_exception_text(logged, kept):
    """The real SDK's endpoint logs a failure while handling an activity with the exception's
    text, which here quotes the words (as a parsing error would)."""
    from microsoft_teams.apps.http import HttpServer

    import bot.platforms.teams.sdk  # noqa: F401 (first: the SDK reads no .env)

    server = HttpServer(_NoServer())  # type: ignore[arg-type]
    server.initialize(dangerously_allow_unauthenticated_requests=True)

    async def handler(event):
        _listener_that_fails()

    server.on_request = handler
    activity = {
        "type": "message", "id": "1", "channelId": "msteams", "serviceUrl": "http://127.0.0.1/",
        "text": WORDS, "from": {"id": WRITER}, "recipient": {"id": "28:bot"},
        "conversation": {"id": "a:1"},
    }  # fmt: skip
    with at_debug("microsoft_teams"):
        answer = await server.handle_request({"body": activity, "headers": {}})
    assert answer["status"] == 500
    assert kept.from_library("microsoft_teams", WORDS.split()[0]), "the SDK logged the words"
    log = logged()
    assert "microsoft_teams: error logged in handle_request (details withheld" in log
    assert "builtins.ValueError (text withheld)" in log
    assert_nothing_private(log)


def test_a_failed_teams_listener_is_logged_without_the_exception_text(logged):
    from bot.platforms.teams.listeners import work_log

    try:
        _listener_that_fails()
    except ValueError:
        work_log.exception("Failed to run listener function")
    log = logged()
    assert "teams: a listener failed (details withheld" in log
    assert "_listener_that_fails" in log
    assert_nothing_private(log)
