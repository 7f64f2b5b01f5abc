"""Tests of the intruder's toolkit itself, against real SQLite files and a real PostgreSQL.

A privacy test is only as strong as the attack it runs, so each helper is checked against
what SQLite or PostgreSQL really do: replay agrees with SQLite's own recovery, checksums
agree with SQLite's (both byte orders), and row versions and heap bytes come from a live
server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import sqlite3
import struct
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests import forensics as fx

POSTGRES_ENV = "BREWBOT_TEST_POSTGRES_URL"


# --------------------------------------------------------------------------- helpers


def open_wal_db(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode that never checkpoints on its own, in autocommit."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    return con


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Path, sqlite3.Connection]]:
    """A 'running bot': a data folder whose database connection stays open."""
    folder = tmp_path / "data"
    folder.mkdir()
    con = open_wal_db(folder / "brewbot.db")
    yield folder, con
    con.close()


def sqlite_own_view(db_copy: Path, table: str, tmp: Path) -> set[tuple]:
    """What SQLite itself recovers from a copied main file and `-wal` (no `-shm`)."""
    tmp.mkdir()
    (tmp / "x.db").write_bytes(db_copy.read_bytes())
    wal = db_copy.with_name(db_copy.name + "-wal")
    if wal.exists():
        (tmp / "x.db-wal").write_bytes(wal.read_bytes())
    with closing(sqlite3.connect(tmp / "x.db")) as con:
        return set(con.execute(f"SELECT * FROM {table}").fetchall())


def frame_offsets(wal: Path) -> tuple[int, list[int]]:
    """Page size and the byte offset of each valid frame, to corrupt chosen frames."""
    parsed = fx.read_wal(wal)
    assert parsed is not None
    step = fx.FRAME_HEADER + parsed.page_size
    return parsed.page_size, [fx.WAL_HEADER + i * step for i in range(len(parsed.frames))]


def commit_frame_indexes(wal: Path) -> list[int]:
    parsed = fx.read_wal(wal)
    assert parsed is not None
    return [i for i, frame in enumerate(parsed.frames) if frame.commit_size]


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def rewrite_big_endian(wal: bytes) -> bytes:
    """The same log with magic 0x377f0683: every checksum recomputed over big-endian words."""
    page_size = struct.unpack(">I", wal[8:12])[0]
    header = bytearray(wal[:32])
    header[0:4] = struct.pack(">I", 0x377F0683)
    sums = fx.wal_checksum(bytes(header[:24]), 0, 0, big_endian=True)
    header[24:32] = struct.pack(">2I", *sums)
    out = bytearray(header)
    step = fx.FRAME_HEADER + page_size
    for offset in range(fx.WAL_HEADER, len(wal) - step + 1, step):
        frame = bytearray(wal[offset : offset + fx.FRAME_HEADER])
        page = wal[offset + fx.FRAME_HEADER : offset + step]
        sums = fx.wal_checksum(bytes(frame[:8]), *sums, big_endian=True)
        sums = fx.wal_checksum(page, *sums, big_endian=True)
        frame[16:24] = struct.pack(">2I", *sums)
        out += frame + page
    return bytes(out)


def three_transactions(con: sqlite3.Connection) -> None:
    """Schema checkpointed into the main file, then insert / update / delete in the WAL."""
    con.execute("CREATE TABLE answers (id INTEGER PRIMARY KEY, who TEXT, said TEXT)")
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("BEGIN")
    con.execute("INSERT INTO answers VALUES (1, 'ann', 'tea'), (2, 'bob', 'coffee')")
    con.execute("INSERT INTO notes VALUES (1, 'first')")
    con.execute("COMMIT")
    con.execute("UPDATE answers SET said = 'herbal tea' WHERE id = 1")
    con.execute("DELETE FROM answers WHERE id = 2")


# --------------------------------------------------------------------------- the folder


def test_copy_takes_every_file_of_a_running_database_byte_for_byte(live, tmp_path):
    folder, con = live
    three_transactions(con)
    (folder / "logs").mkdir()
    (folder / "logs" / "bot.log").write_text("started\n")

    dest = fx.copy_data_folder(folder, tmp_path / "copy")

    names = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
    assert names == {"brewbot.db", "brewbot.db-wal", "brewbot.db-shm", "logs/bot.log"}
    for name in names:
        assert (dest / name).read_bytes() == (folder / name).read_bytes(), name
    assert (dest / "brewbot.db-wal").stat().st_size > fx.WAL_HEADER  # nothing checkpointed


def test_raw_bytes_and_contains_search_every_file(tmp_path):
    (tmp_path / "a.log").write_bytes(b"hello caf\xc3\xa9 ")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.bin").write_bytes(b"\x00\x01world")

    assert fx.raw_bytes(tmp_path) == b"hello caf\xc3\xa9 \x00\x01world"
    assert fx.contains(tmp_path, "café")
    assert fx.contains(tmp_path, b"\x01world")
    assert not fx.contains(tmp_path, "nobody")
    # the end of one file running into the next is not a match
    assert not fx.contains(tmp_path, b" \x00\x01")


# --------------------------------------------------------------------------- WAL replay


def test_replay_gives_each_committed_transaction_and_its_rows(live, tmp_path):
    folder, con = live
    three_transactions(con)
    copy = fx.copy_data_folder(folder, tmp_path / "copy") / "brewbot.db"

    snapshots = fx.wal_transactions(copy, tmp_path / "snaps")
    before = fx.main_file_snapshot(copy, tmp_path / "snaps")
    changes = fx.diff_transactions(snapshots, ["answers", "notes"], before=before)

    assert len(snapshots) == 3
    assert changes == [
        {
            "answers": ({(1, "ann", "tea"), (2, "bob", "coffee")}, set()),
            "notes": ({(1, "first")}, set()),
        },
        {"answers": ({(1, "ann", "herbal tea")}, {(1, "ann", "tea")}), "notes": (set(), set())},
        {"answers": (set(), {(2, "bob", "coffee")}), "notes": (set(), set())},
    ]
    assert fx.table_rows(before, "answers") == set()
    assert fx.table_rows(snapshots[-1], "answers") == sqlite_own_view(
        copy, "answers", tmp_path / "own"
    )
    for snapshot in snapshots:
        with closing(fx.open_snapshot(snapshot)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_replay_includes_schema_changes_and_a_shrinking_file(live, tmp_path):
    folder, con = live
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    con.executemany("INSERT INTO t (body) VALUES (?)", [("x" * 500,)] * 200)
    con.execute("DELETE FROM t WHERE id > 3")
    con.execute("VACUUM")  # commits a smaller database size
    copy = fx.copy_data_folder(folder, tmp_path / "copy") / "brewbot.db"

    snapshots = fx.wal_transactions(copy, tmp_path / "snaps")
    changes = fx.diff_transactions(snapshots, ["t"])

    assert len(snapshots) == 1 + 200 + 1 + 1
    assert changes[0] == {"t": (set(), set())}  # CREATE TABLE: no rows yet
    assert changes[1] == {"t": ({(1, "x" * 500)}, set())}
    assert len(changes[201]["t"][1]) == 197
    assert changes[202] == {"t": (set(), set())}  # VACUUM moves rows, changes none
    sizes = [s.stat().st_size for s in snapshots]
    assert sizes[-1] < sizes[-2]
    assert fx.table_rows(snapshots[-1], "t") == sqlite_own_view(copy, "t", tmp_path / "own")
    with closing(fx.open_snapshot(snapshots[-1])) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_corrupted_frame_ends_the_log_as_it_does_for_sqlite(live, tmp_path):
    folder, con = live
    three_transactions(con)
    copy = fx.copy_data_folder(folder, tmp_path / "copy") / "brewbot.db"
    wal = copy.with_name("brewbot.db-wal")
    _page_size, offsets = frame_offsets(wal)
    first_of_second_txn = commit_frame_indexes(wal)[0] + 1

    flip_byte(wal, offsets[first_of_second_txn] + fx.FRAME_HEADER + 100)

    snapshots = fx.wal_transactions(copy, tmp_path / "snaps")
    assert len(snapshots) == 1
    expected = {(1, "ann", "tea"), (2, "bob", "coffee")}
    assert fx.table_rows(snapshots[0], "answers") == expected
    assert sqlite_own_view(copy, "answers", tmp_path / "own") == expected


def test_a_frame_with_other_salts_ends_the_log(live, tmp_path):
    folder, con = live
    three_transactions(con)
    copy = fx.copy_data_folder(folder, tmp_path / "copy") / "brewbot.db"
    wal = copy.with_name("brewbot.db-wal")
    _page_size, offsets = frame_offsets(wal)
    last_commit = commit_frame_indexes(wal)[-1]

    flip_byte(wal, offsets[last_commit] + 8)  # salt-1 of the frame header

    assert len(fx.wal_transactions(copy, tmp_path / "snaps")) == 2


def test_a_bad_header_checksum_means_no_log(live, tmp_path):
    folder, con = live
    three_transactions(con)
    copy = fx.copy_data_folder(folder, tmp_path / "copy") / "brewbot.db"
    flip_byte(copy.with_name("brewbot.db-wal"), 12)  # checkpoint sequence number

    assert fx.read_wal(copy.with_name("brewbot.db-wal")) is None
    assert fx.wal_transactions(copy, tmp_path / "snaps") == []
    assert sqlite_own_view(copy, "answers", tmp_path / "own") == set()


def test_leftover_frames_from_before_a_wal_reset_are_ignored(live, tmp_path):
    folder, con = live
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    for i in range(6):
        con.execute("INSERT INTO t (body) VALUES (?)", (f"old-{i}" * 200,))
    con.execute("PRAGMA wal_checkpoint(PASSIVE)")
    con.execute("INSERT INTO t (body) VALUES ('new')")  # restarts the log at frame 1
    copy = fx.copy_data_folder(folder, tmp_path / "copy") / "brewbot.db"
    wal = copy.with_name("brewbot.db-wal")
    parsed = fx.read_wal(wal)
    assert parsed is not None

    snapshots = fx.wal_transactions(copy, tmp_path / "snaps")

    used = fx.WAL_HEADER + len(parsed.frames) * (fx.FRAME_HEADER + parsed.page_size)
    assert wal.stat().st_size > used  # old frames are still in the file...
    assert len(snapshots) == 1  # ...but only the new transaction counts
    before = fx.main_file_snapshot(copy, tmp_path / "snaps")
    assert fx.diff_transactions(snapshots, ["t"], before=before) == [{"t": ({(7, "new")}, set())}]


def test_a_torn_transaction_at_the_end_of_the_copy_is_not_replayed(live, tmp_path):
    folder, con = live
    three_transactions(con)
    con.execute("BEGIN")
    con.executemany("INSERT INTO notes (body) VALUES (?)", [("y" * 1000,)] * 20)  # many pages
    con.execute("COMMIT")
    copy = fx.copy_data_folder(folder, tmp_path / "copy") / "brewbot.db"
    wal = copy.with_name("brewbot.db-wal")
    _page_size, offsets = frame_offsets(wal)
    *_, previous_commit, last_commit = commit_frame_indexes(wal)
    assert last_commit - previous_commit > 2
    assert len(fx.wal_transactions(copy, tmp_path / "all")) == 4

    wal.write_bytes(wal.read_bytes()[: offsets[last_commit]])  # the commit frame never made it

    parsed = fx.read_wal(wal)
    assert parsed is not None and not parsed.frames[-1].commit_size  # frames without a commit
    snapshots = fx.wal_transactions(copy, tmp_path / "snaps")
    assert len(snapshots) == 3
    assert fx.table_rows(snapshots[-1], "notes") == {(1, "first")}
    assert sqlite_own_view(copy, "notes", tmp_path / "own") == {(1, "first")}


def test_big_endian_checksums_are_checked_like_sqlite_checks_them(live, tmp_path):
    folder, con = live
    three_transactions(con)
    copy = fx.copy_data_folder(folder, tmp_path / "copy") / "brewbot.db"
    wal = copy.with_name("brewbot.db-wal")
    little = fx.wal_transactions(copy, tmp_path / "little")

    wal.write_bytes(rewrite_big_endian(wal.read_bytes()))

    parsed = fx.read_wal(wal)
    assert parsed is not None and parsed.big_endian
    big = fx.wal_transactions(copy, tmp_path / "big")
    assert [p.read_bytes() for p in big] == [p.read_bytes() for p in little]
    # SQLite's own recovery accepts the rewritten log, so the checksums are SQLite's
    assert sqlite_own_view(copy, "answers", tmp_path / "own") == {(1, "ann", "herbal tea")}


def test_a_little_endian_log_claiming_big_endian_is_rejected_by_both(live, tmp_path):
    folder, con = live
    three_transactions(con)
    copy = fx.copy_data_folder(folder, tmp_path / "copy") / "brewbot.db"
    wal = copy.with_name("brewbot.db-wal")
    data = bytearray(wal.read_bytes())
    assert struct.unpack(">I", data[:4])[0] in (0x377F0682, 0x377F0683)
    data[3] ^= 0x01  # swap the byte order the magic claims, keep the sums

    wal.write_bytes(bytes(data))

    assert fx.read_wal(wal) is None
    assert sqlite_own_view(copy, "answers", tmp_path / "own") == set()


def test_no_wal_means_no_transactions(tmp_path):
    db = tmp_path / "plain.db"
    with closing(sqlite3.connect(db)) as con:
        con.execute("CREATE TABLE t (x)")
        con.commit()
    assert fx.read_wal(tmp_path / "plain.db-wal") is None
    assert fx.wal_transactions(db, tmp_path / "snaps") == []


def test_table_rows_of_a_missing_table(tmp_path):
    db = tmp_path / "plain.db"
    with closing(sqlite3.connect(db)) as con:
        con.execute("CREATE TABLE t (x)")
        con.commit()
    assert fx.table_rows(db, "nope", missing_ok=True) == set()
    with pytest.raises(sqlite3.OperationalError):
        fx.table_rows(db, "nope")


# --------------------------------------------------------------------------- page positions

NAMES = ["zebra", "apple", "mango", "kiwi", "banana", "cherry"]


def test_physical_order_reveals_insertion_order_within_a_page(live, tmp_path):
    folder, con = live
    con.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)")
    for name in NAMES:
        con.execute("INSERT INTO people (name) VALUES (?)", (f"{name}-needle",))
    copy = fx.copy_data_folder(folder, tmp_path / "copy") / "brewbot.db"
    needles = [f"{name}-needle" for name in NAMES]

    order = fx.physical_order(copy, [*needles, "absent-needle"])

    # SQLite fills a page from its end backwards: the last row written sits first
    assert order == list(reversed(needles))
    assert fx.physical_order(copy, ["absent-needle"]) == []


def test_physical_order_reads_the_main_file_when_there_is_no_wal(tmp_path):
    db = tmp_path / "plain.db"
    with closing(sqlite3.connect(db)) as con:
        con.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)")
        for name in NAMES:
            con.execute("INSERT INTO people (name) VALUES (?)", (f"{name}-needle",))
        con.commit()
    assert not (tmp_path / "plain.db-wal").exists()

    order = fx.physical_order(db, [f"{name}-needle" for name in NAMES])

    assert order == [f"{name}-needle" for name in reversed(NAMES)]


def test_physical_order_uses_the_state_after_the_last_commit(live, tmp_path):
    folder, con = live
    con.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("INSERT INTO people (name) VALUES ('only-in-the-wal')")
    copy = fx.copy_data_folder(folder, tmp_path / "copy") / "brewbot.db"

    assert b"only-in-the-wal" not in copy.read_bytes()
    assert fx.physical_order(copy, ["only-in-the-wal"]) == ["only-in-the-wal"]


# --------------------------------------------------------------------------- keys


def tried(candidates: set[bytes], message: bytes, tag: bytes) -> bool:
    """The intruder's move: try every candidate as an HMAC-SHA256 key."""
    return any(
        hmac.compare_digest(hmac.new(key, message, hashlib.sha256).digest(), tag)
        for key in candidates
    )


def test_candidate_secrets_finds_blob_hex_base64_and_rotated_keys(live, tmp_path):
    folder, con = live
    blob_key, hex_key, b64_key, rotated, file_key = (secrets.token_bytes(32) for _ in range(5))
    con.execute("CREATE TABLE keys (id INTEGER PRIMARY KEY, k BLOB)")
    con.execute("CREATE TABLE settings (name TEXT, a TEXT, b TEXT)")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("INSERT INTO keys (k) VALUES (?)", (blob_key,))
    con.execute("INSERT INTO keys (k) VALUES (?)", (rotated,))
    con.execute("DELETE FROM keys WHERE k = ?", (rotated,))  # gone, but still in the WAL
    # two hex columns side by side: the record stores them with no separator
    con.execute("INSERT INTO settings VALUES ('pepper', ?, ?)", (hex_key.hex(), "ab" * 20))
    (folder / "bot.log").write_text(f"loaded key={base64.urlsafe_b64encode(b64_key).decode()}\n")
    (folder / "secret.key").write_bytes(file_key)
    copy = fx.copy_data_folder(folder, tmp_path / "copy")

    found = fx.candidate_secrets(copy)

    for key in (blob_key, hex_key, b64_key, rotated, file_key):
        assert key in found
        message = b"ann@example.org"
        assert tried(found, message, hmac.new(key, message, hashlib.sha256).digest())
    assert hex_key.hex().encode() in found  # the text itself, used as a key
    assert not any(len(c) < 16 for c in found)
    assert hex_key.hex() + "ab" * 20 in fx.hex_strings(copy)


def test_candidate_secrets_do_not_match_an_unrelated_key(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing secret in here, just words " * 20)
    assert not tried(
        fx.candidate_secrets(tmp_path),
        b"m",
        hmac.new(secrets.token_bytes(32), b"m", hashlib.sha256).digest(),
    )
    assert fx.hex_strings(tmp_path) == set()


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema on the local server, dropped afterwards; skipped without a server."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set, so PostgreSQL tests are skipped")
    base = base.replace("+asyncpg", "+psycopg")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        for statement in statements:  # one transaction each
            with engine.begin() as conn:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def test_pg_row_versions_show_who_was_written_together_and_updated(pg_url):
    run(
        pg_url,
        "CREATE TABLE answers (community TEXT, id INT, said TEXT, PRIMARY KEY (community, id))",
        "INSERT INTO answers VALUES ('c', 1, 'tea'), ('c', 2, 'coffee')",
        "INSERT INTO answers VALUES ('c', 3, 'water')",
    )
    first = fx.pg_row_versions(pg_url, "answers")

    run(pg_url, "UPDATE answers SET said = 'herbal tea' WHERE id = 1")
    second = fx.pg_row_versions(pg_url, "answers")

    assert [row[2:] for row in first] == [("c", "1"), ("c", "2"), ("c", "3")]
    assert [row[1] for row in first] == ["(0,1)", "(0,2)", "(0,3)"]
    assert first[0][0] == first[1][0] != first[2][0]  # one transaction, one xmin
    assert [row[2:] for row in second] == [("c", "2"), ("c", "3"), ("c", "1")]
    assert second[-1][1] == "(0,4)"  # the new version is written after the others
    assert int(second[-1][0]) > int(first[2][0])


def test_pg_row_versions_of_an_unknown_table(pg_url):
    with pytest.raises(LookupError):
        fx.pg_row_versions(pg_url, "nope")


def test_pg_relation_bytes_keep_dead_versions_and_toast(pg_url):
    long_value = secrets.token_hex(6000)  # random hex: too big to stay inline, won't compress
    run(
        pg_url,
        "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)",
        "INSERT INTO notes VALUES (1, 'the-old-words'), (2, 'kept')",
        "UPDATE notes SET body = 'the-new-words' WHERE id = 1",
        f"INSERT INTO notes VALUES (3, '{long_value}')",
    )

    heap = fx.pg_relation_bytes(pg_url, "notes")

    assert b"the-new-words" in heap
    assert b"the-old-words" in heap  # the dead version is still on disk
    needle = long_value[100:164].encode()
    assert needle in heap
    assert needle not in fx.pg_relation_bytes(pg_url, "notes", with_toast=False)
    assert len(fx.pg_relation_bytes(pg_url, "notes", with_toast=False)) % 8192 == 0
