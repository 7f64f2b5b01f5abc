"""The motivated intruder's side of the anonymity tests (docs/anonymity.md), shared by every
test that attacks a copy of the data folder (reflections, people's priorities): the folder as
`brewbot run` writes it, the people the intruder has a list of, and the attacks made on each
copy. tests/forensics.py holds the byte-level tools; this module builds the attacks from them.
Loaded as a plugin by tests/conftest.py, so its fixtures reach every test."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Table, create_engine
from sqlmodel import SQLModel

from bot.core.refs import UserRef
from bot.logs import FORMAT, guard
from tests import forensics
from tests.conftest import COMMUNITY

Link = TypeVar("Link")


def tables_about_people() -> list[Table]:
    """The participant table, then every table whose rows refer to a participant: rows about
    a person, in whichever table a feature keeps them, a new one included."""
    tables = SQLModel.metadata.sorted_tables
    return [table for table in tables if table.name == "participant"] + [
        table
        for table in tables
        if any(key.column.table.name == "participant" for key in table.foreign_keys)
    ]


PER_PERSON = tuple(table.name for table in tables_about_people())


def person(n: int) -> UserRef:
    """The people make_session creates, as the platform would present them."""
    return UserRef(COMMUNITY, f"user-p{n}", f"Person {n}")


@pytest.fixture
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the intruder puts copies: outside the data folder."""
    return tmp_path_factory.mktemp("intruder")


@pytest.fixture
def data_folder(tmp_path: Path, database_url: str) -> Iterator[Path]:
    """The bot's data folder: its SQLite file (when SQLite) and its log, written at DEBUG,
    as `brewbot run` would write it with BREWBOT_LOG_LEVEL=DEBUG."""
    handler = guard(logging.FileHandler(tmp_path / "brewbot.log", encoding="utf-8"))
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield tmp_path
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


def copy(folder: Path, into: Path) -> Path:
    return forensics.copy_data_folder(folder, into)


def dump_postgres(url: str, into: Path) -> None:
    """On PostgreSQL the data folder is the server's: every value of every table of this
    schema, as the intruder would read it, goes into a file in the copy."""
    engine = create_engine(url)
    lines = []
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                lines.extend(v.hex() if isinstance(v, bytes) else repr(v) for v in row)
    engine.dispose()
    (into / "postgres-dump.txt").write_text("\n".join(lines))


def keyed_links(
    folder: Path,
    messages: Sequence[tuple[Link, str]],
    earlier: dict[bytes, set[bytes]],
) -> set[Link]:
    """The links whose message, keyed-hashed (HMAC-SHA-256) with any candidate secret in the
    folder, is stored there as 64 hex digits (any 64 in a longer run too: columns side by side
    make one run). `earlier`, kept across copies attacked with the same messages, holds the
    stored hashes each key was already checked against: a key is hashed again only when a
    copy stores a hash it was not checked against, so a copy storing none hashes nothing."""
    stored = frozenset(
        bytes.fromhex(run[at : at + 64])
        for run in forensics.hex_strings(folder, 64)
        for at in range(len(run) - 63)
    )
    encoded = [message.encode() for _, message in messages]
    links: set[Link] = set()
    # One set object per distinct set checked before: thousands of keys share a few.
    merged: dict[frozenset[bytes], set[bytes]] = {}
    for key in forensics.candidate_secrets(folder):
        block = _key_block(key)
        checked = earlier.get(block, set())
        if stored <= checked:
            continue
        digests = _hmac_sha256(key, block, encoded)
        if not stored.isdisjoint(digests):
            links |= {link for (link, _), d in zip(messages, digests, strict=True) if d in stored}
        before = frozenset(checked)
        if before not in merged:
            merged[before] = checked | stored
        earlier[block] = merged[before]
    return links


_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))


def _key_block(key: bytes) -> bytes:
    """The 64-byte block HMAC-SHA-256 makes of a key (RFC 2104): hashed if longer, then
    zero-padded. Keys with the same block give the same hashes, so one is tried for all."""
    return (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")


def _hmac_sha256(key: bytes, block: bytes, messages: Sequence[bytes]) -> list[bytes]:
    """hmac.digest(key, m, "sha256") for every message, twice as fast: the two padded key
    blocks are hashed once and their states copied for each message, where hmac.digest
    hashes both for every message. Checked against hmac.digest on the first message."""
    inner, outer = hashlib.sha256(block.translate(_IPAD)), hashlib.sha256(block.translate(_OPAD))
    digests = []
    for message in messages:
        step = inner.copy()
        step.update(message)
        last = outer.copy()
        last.update(step.digest())
        digests.append(last.digest())
    assert not messages or digests[0] == hmac.digest(key, messages[0], "sha256")
    return digests


@dataclass(frozen=True)
class WalStep:
    """One committed transaction in a copy's WAL: per table, the rows it added and removed,
    and who the per-person rows it wrote are about (a participant's user id, or the row of
    another per-person table)."""

    change: dict[str, forensics.RowChange]
    people: frozenset[object]


def wal_steps(copied: Path, scratch: Path, tables: Sequence[str]) -> list[WalStep]:
    """The transactions in the WAL of a copy of the SQLite data folder, replayed in order,
    with the rows of `tables` and of the per-person tables each one wrote."""
    db = copied / "brewbot.db"
    snapshots = forensics.wal_transactions(db, scratch / "wal")
    if not snapshots:
        return []
    user_of = {r[0]: r[2] for r in forensics.table_rows(snapshots[-1], "participant")}
    changes = forensics.diff_transactions(
        snapshots,
        (*tables, *PER_PERSON),
        before=forensics.main_file_snapshot(db, scratch / "main"),
    )
    return [
        WalStep(
            change,
            frozenset(
                {user_of.get(row[0]) for row in change["participant"][0]}
                | {row for table in PER_PERSON[1:] for rows in change[table] for row in rows}
            ),
        )
        for change in changes
    ]


def people_beside(steps: Sequence[WalStep], at: int) -> set[object]:
    """Who the other transactions in the same WAL wrote about: an intruder can pair
    transaction `at` with whoever's row changed just before or just after it."""
    return set().union(*(s.people for n, s in enumerate(steps) if n != at))
