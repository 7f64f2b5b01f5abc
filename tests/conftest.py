"""Shared fixtures: a real database (SQLite file, and PostgreSQL where
BREWBOT_TEST_POSTGRES_URL is set), the whole app wired with the recording adapter and a
manual clock, and a small driver that acts as people typing commands."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from bot.app import App, build_app
from bot.config import Settings
from bot.core.messages import FormSubmission
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.engine.clock import ManualClock
from bot.platforms.memory import MemoryAdapter, MemoryResponder

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
POSTGRES_ENV = "BREWBOT_TEST_POSTGRES_URL"


def postgres_base() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set, so PostgreSQL tests are skipped")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A fresh, empty database for one test: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'brewbot.db'}"
        return
    base = postgres_base()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.replace("+asyncpg", "+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'brewbot.db'}"


def make_settings(url: str, **extra: object) -> Settings:
    return Settings(_env_file=None, DATABASE_URL=url, **extra)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def app(database_url: str, clock: ManualClock) -> AsyncIterator[App]:
    built = await build_app(make_settings(database_url), MemoryAdapter(), clock=clock)
    yield built
    await built.close()


COMMUNITY = CommunityRef(Platform.SHELL, "test-community", "Test community")
CHANNEL = ConversationRef(COMMUNITY, "brew-room")


class Chat:
    """Acts as people in one community, through the same dispatcher every platform uses."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.adapter: MemoryAdapter = app.deps.adapter  # type: ignore[assignment]

    @staticmethod
    def person(name: str, *, facilitator: bool = False) -> UserRef:
        roles = frozenset({"Facilitator"}) if facilitator else frozenset()
        return UserRef(COMMUNITY, f"user-{name.lower()}", name, roles)

    async def say(self, user: UserRef, text: str) -> MemoryResponder:
        responder = MemoryResponder()
        await self.app.dispatcher.run_text(text, user, CHANNEL, responder)
        return responder

    async def press(
        self, user: UserRef, custom: str, values: dict[str, str] | None = None
    ) -> MemoryResponder:
        responder = MemoryResponder()
        await self.app.dispatcher.run_component(custom, values or {}, user, CHANNEL, responder)
        return responder

    async def submit(self, user: UserRef, form: FormSubmission) -> MemoryResponder:
        return await self.press(user, form.custom_id, form.values)


@pytest.fixture
def chat(app: App) -> Chat:
    return Chat(app)


@pytest.fixture
def fac() -> UserRef:
    return Chat.person("Fran", facilitator=True)


async def snapshot(app: App) -> dict[str, list[tuple]]:
    """Every row of every table, to show a refused command changed nothing."""
    from sqlmodel import SQLModel

    rows: dict[str, list[tuple]] = {}
    async with app.db.read() as tx:
        for table in SQLModel.metadata.sorted_tables:
            result = await tx.exec(table.select())
            rows[table.name] = sorted(tuple(map(repr, r)) for r in result.all())
    return rows
