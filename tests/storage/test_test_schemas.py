"""The PostgreSQL schemas the suite's tests get (tests/conftest.py, PostgresTemplate): a test
handed the schema an earlier test had finds it exactly as a newly made one, and a schema
that was changed, or that something still uses, is never handed on."""

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlmodel import Session as Orm

from storage.models import Attendance, Community, Participant, Session
from tests import forensics
from tests.conftest import START, PostgresTemplate, _shape, postgres_base, schema_of


@pytest.fixture(scope="module")
def template() -> Iterator[PostgresTemplate]:
    made = PostgresTemplate(postgres_base())
    if made._maker is None:
        made.close()
        pytest.skip("this PostgreSQL does not let us make databases, so schemas are not reused")
    yield made
    made.close()


def shape_of(url: str) -> list:
    """The schema's shape read as the template reads it (from outside the schema, so names in
    it are written in full)."""
    outside = make_url(url.replace("+asyncpg", "+psycopg")).difference_update_query(["options"])
    engine = create_engine(outside)
    try:
        with engine.connect() as conn:
            return _shape(conn, schema_of(url))
    finally:
        engine.dispose()


def use(url: str, *statements: str) -> None:
    engine = create_engine(url.replace("+asyncpg", "+psycopg"))
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def write_rows(url: str) -> None:
    """A community, a session of it and a person attending it: rows that refer to others."""
    engine = create_engine(url.replace("+asyncpg", "+psycopg"))
    try:
        with Orm(engine) as orm:
            community = Community(platform="shell", external_id="c1", name="One")
            orm.add(community)
            orm.flush()
            session = Session(community_id=community.id, title="Brew", starts_at=START)
            person = Participant(community_id=community.id, user_id="u1")
            orm.add_all([session, person])
            orm.flush()
            orm.add(Attendance(session_id=session.id, participant_id=person.id, rsvp="yes"))
            orm.commit()
    finally:
        engine.dispose()


def count(conn: Connection, table: str) -> int:
    return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_a_schema_handed_on_is_as_a_new_one(template):
    first = template.new_schema()
    write_rows(first)
    # Tests take turns between the worker's two databases: the third schema is in the first's.
    template.new_schema()
    third = template.new_schema()
    assert schema_of(third) == schema_of(first)  # handed on, not made again
    engine = create_engine(third.replace("+asyncpg", "+psycopg"))
    try:
        with engine.begin() as conn:
            tables = ("community", "session", "participant", "attendance")
            assert [count(conn, table) for table in tables] == [0, 0, 0, 0]
    finally:
        engine.dispose()
    # The numbering starts again, as in a new schema.
    write_rows(third)
    engine = create_engine(third.replace("+asyncpg", "+psycopg"))
    try:
        with engine.begin() as conn:
            ids = [conn.execute(text(f"SELECT id FROM {table}")).scalar_one() for table in tables]
            assert ids == [1, 1, 1, 1]
            version = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()
    assert shape_of(third) == template._shape and len(version) == 1


def test_a_schema_handed_on_holds_no_bytes_of_the_rows_before(template):
    first = template.new_schema()
    write_rows(first)
    use(first, "UPDATE community SET name = 'Marked words'", "DELETE FROM attendance")
    # As an intruder reads it, the earlier test's words are on disk, live or dead.
    assert b"Marked words" in forensics.pg_relation_bytes(first, "community")
    template.new_schema()
    third = template.new_schema()
    assert schema_of(third) == schema_of(first)
    for table in ("community", "session", "participant", "attendance"):
        assert forensics.pg_relation_bytes(third, table) == b""


@pytest.mark.parametrize(
    "change",
    [
        "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RETURN NULL; END $$ LANGUAGE plpgsql",
        "ALTER TABLE community ADD COLUMN extra text",
        "CREATE INDEX extra ON community (name)",
        "DELETE FROM alembic_version",
    ],
    ids=["function", "column", "index", "version"],
)
def test_a_changed_schema_is_not_handed_on(template, change):
    first = template.new_schema()
    use(first, change)
    template.new_schema()
    third = template.new_schema()
    assert schema_of(third) != schema_of(first)
    assert shape_of(third) == template._shape


def test_a_schema_still_in_use_is_not_handed_on(template):
    first = template.new_schema()
    left_open = create_engine(first.replace("+asyncpg", "+psycopg"))
    try:
        with left_open.connect() as conn:
            assert count(conn, "community") == 0
            conn.commit()
            # Something of the test before is still connected (a process it did not stop,
            # say): its schema is not given to anyone else, however long it stays.
            template.new_schema()
            third = template.new_schema()
            assert schema_of(third) != schema_of(first)
    finally:
        left_open.dispose()
