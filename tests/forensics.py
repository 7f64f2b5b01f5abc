"""A motivated intruder's toolkit, for tests that attack a copy of the bot's data folder.

Privacy claims ("a pseudonym cannot be linked back", "a deleted answer is gone", "the
order of answers is not recorded") are only worth what an attacker with the files can
disprove. These helpers do what such an attacker would do with ordinary tools: copy the
folder with `cp` while the bot runs, replay SQLite's write-ahead log one transaction at a
time, grep the raw bytes, try every plausible key, look at where rows sit on disk, and, for
PostgreSQL, read row versions and the table's heap file straight from the data directory.

Nothing here goes through the bot's own code, on purpose: an intruder would not either.
"""

from __future__ import annotations

import base64
import binascii
import re
import shutil
import sqlite3
import struct
import tempfile
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

# --------------------------------------------------------------------------- the folder


def copy_data_folder(src_dir: Path, dest_dir: Path) -> Path:
    """Copy every regular file under `src_dir` into `dest_dir`, byte for byte, like `cp -r`.

    Plain reads only: no SQLite backup API, no checkpoint, no locks. That is what someone
    copying the folder of a running bot gets, including the `-wal` and `-shm` files that a
    clean shutdown would have folded away. Files are read in sorted order, each once.
    Symlinks and special files are skipped. Returns `dest_dir`.
    """
    if dest_dir.resolve().is_relative_to(src_dir.resolve()):
        raise ValueError("copy the data folder somewhere outside it")
    dest_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(src_dir.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        target = dest_dir / path.relative_to(src_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    return dest_dir


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def raw_bytes(folder: Path) -> bytes:
    """Every file under `folder` concatenated (sorted by path): what `cat * | strings` sees."""
    return b"".join(p.read_bytes() for p in _files(folder))


def contains(folder: Path, needle: str | bytes) -> bool:
    """Whether `needle` (a str is searched as UTF-8) occurs in any one file under `folder`.

    Files are searched one by one so a match cannot be faked by the end of one file
    running into the start of the next.
    """
    data = needle.encode() if isinstance(needle, str) else needle
    return any(data in p.read_bytes() for p in _files(folder))


# --------------------------------------------------------------------------- SQLite WAL

WAL_HEADER = 32
FRAME_HEADER = 24
_WAL_MAGIC_LE = 0x377F0682  # checksums over little-endian words
_WAL_MAGIC_BE = 0x377F0683  # checksums over big-endian words
_WAL_VERSION = 3007000


def wal_checksum(data: bytes, s0: int, s1: int, *, big_endian: bool) -> tuple[int, int]:
    """SQLite's WAL checksum of `data` (a multiple of 8 bytes), continuing from (s0, s1).

    Frames are valid only while this cumulative checksum holds, so a replay that skipped
    it would "find" transactions SQLite itself would never show.
    """
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    mask = 0xFFFFFFFF
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & mask
        s1 = (s1 + words[i + 1] + s0) & mask
    return s0, s1


@dataclass(frozen=True)
class WalFrame:
    """One valid frame: a page image, and the database size in pages if it ends a commit."""

    page_number: int
    commit_size: int
    page: bytes


@dataclass(frozen=True)
class Wal:
    """The frames SQLite would accept from a `-wal` file, stopping at the first bad one."""

    page_size: int
    big_endian: bool
    salts: tuple[int, int]
    frames: list[WalFrame]


def read_wal(wal_path: Path) -> Wal | None:
    """Parse `wal_path` the way SQLite's recovery does; None if there is no usable header.

    A frame counts only if its salts match the header's and the running checksum (over the
    first 8 bytes of its header and its page) matches; the first frame that fails ends the
    log. Leftover frames from before a WAL reset carry old salts, so they are dropped here
    just as SQLite drops them. Frames after the last commit are kept (they are valid) but
    replay ignores them, as SQLite does.
    """
    if not wal_path.is_file():
        return None
    data = wal_path.read_bytes()
    if len(data) < WAL_HEADER:
        return None
    magic, version, page_size, _seq, salt1, salt2, c0, c1 = struct.unpack(">8I", data[:32])
    if magic not in (_WAL_MAGIC_LE, _WAL_MAGIC_BE) or version != _WAL_VERSION:
        return None
    if page_size < 512 or page_size > 65536 or page_size & (page_size - 1):
        return None
    big_endian = magic == _WAL_MAGIC_BE
    s0, s1 = wal_checksum(data[:24], 0, 0, big_endian=big_endian)
    if (s0, s1) != (c0, c1):
        return None
    frames: list[WalFrame] = []
    offset = WAL_HEADER
    while offset + FRAME_HEADER + page_size <= len(data):
        header = data[offset : offset + FRAME_HEADER]
        page = data[offset + FRAME_HEADER : offset + FRAME_HEADER + page_size]
        pgno, commit, f_salt1, f_salt2, f_c0, f_c1 = struct.unpack(">6I", header)
        if pgno == 0 or (f_salt1, f_salt2) != (salt1, salt2):
            break
        s0, s1 = wal_checksum(header[:8], s0, s1, big_endian=big_endian)
        s0, s1 = wal_checksum(page, s0, s1, big_endian=big_endian)
        if (s0, s1) != (f_c0, f_c1):
            break
        frames.append(WalFrame(pgno, commit, page))
        offset += FRAME_HEADER + page_size
    return Wal(page_size, big_endian, (salt1, salt2), frames)


def _wal_path(db: Path) -> Path:
    return db.with_name(db.name + "-wal")


def _replay(db_copy: Path) -> Iterator[bytes]:
    """The database file's bytes after each committed transaction in `<db_copy>-wal`.

    Frames are applied in order onto the main file (page N at offset (N-1)*page_size) and
    the image is cut or extended to the commit's size. The result is exact when the main
    file has not been checkpointed since the log began (the bot's own WAL between
    checkpoints, or a WAL that was reset); otherwise pages untouched by an early commit
    may already show later state in its snapshot.
    """
    image = bytearray(db_copy.read_bytes()) if db_copy.is_file() else bytearray()
    wal = read_wal(_wal_path(db_copy))
    if wal is None:
        return
    size = wal.page_size
    for frame in wal.frames:
        start = (frame.page_number - 1) * size
        if len(image) < start + size:
            image.extend(bytes(start + size - len(image)))
        image[start : start + size] = frame.page
        if frame.commit_size:
            wanted = frame.commit_size * size
            if len(image) > wanted:
                del image[wanted:]
            else:
                image.extend(bytes(wanted - len(image)))
            yield bytes(image)


def wal_transactions(db_copy: Path, out_dir: Path) -> list[Path]:
    """Write one snapshot of the database per committed WAL transaction into `out_dir`.

    Snapshot k (`txn-0001.db`, ...) is the file as it stood after the k-th commit in the
    log: what an intruder learns about the history of each row, not just its last state.
    Each snapshot sits alone (no `-wal` beside it); open it with `open_snapshot`. An
    empty list means no committed transaction is in the log.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for number, image in enumerate(_replay(db_copy), start=1):
        path = out_dir / f"{db_copy.name}.txn-{number:04d}"
        path.write_bytes(image)
        paths.append(path)
    return paths


def main_file_snapshot(db_copy: Path, out_dir: Path) -> Path:
    """The main database file alone, copied into `out_dir`: the state before the WAL.

    It is the "before" of the first replayed transaction (see `diff_transactions`).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{db_copy.name}.base"
    shutil.copyfile(db_copy, path)
    return path


def open_snapshot(snapshot: Path) -> sqlite3.Connection:
    """Open a file read-only and immutable, so SQLite never replays, locks or writes."""
    return sqlite3.connect(f"{snapshot.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_rows(snapshot: Path, table: str, *, missing_ok: bool = False) -> set[tuple]:
    """Every row of `table` in `snapshot`, as tuples of its columns (`SELECT *`).

    A set, because the question is "which rows exist"; identical rows collapse. With
    `missing_ok`, a table that does not exist yet (it is created later in the log) is
    empty instead of an error.
    """
    with closing(open_snapshot(snapshot)) as con:
        exists = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        if missing_ok and not exists:
            return set()
        return set(con.execute(f"SELECT * FROM {_quote(table)}").fetchall())


RowChange = tuple[set[tuple], set[tuple]]


def diff_transactions(
    snapshots: Sequence[Path], tables: Sequence[str], *, before: Path | None = None
) -> list[dict[str, RowChange]]:
    """For each snapshot, per table, the rows (added, removed) against the one before.

    The first snapshot is compared with `before` (usually `main_file_snapshot`), or with
    empty tables when it is None. An UPDATE shows as the old row removed and the new row
    added, so a test can see what each single transaction wrote, in commit order.
    """

    def rows(snapshot: Path | None) -> dict[str, set[tuple]]:
        if snapshot is None:
            return {t: set() for t in tables}
        return {t: table_rows(snapshot, t, missing_ok=True) for t in tables}

    previous = rows(before)
    changes: list[dict[str, RowChange]] = []
    for snapshot in snapshots:
        current = rows(snapshot)
        changes.append({t: (current[t] - previous[t], previous[t] - current[t]) for t in tables})
        previous = current
    return changes


def final_image(db_copy: Path) -> bytes:
    """The database file as SQLite would see it: the last commit in the WAL, else the file."""
    last = deque(_replay(db_copy), maxlen=1)
    return last[0] if last else db_copy.read_bytes()


def physical_order(db_copy: Path, needles: list[str]) -> list[str]:
    """`needles` sorted by the byte offset of their first occurrence, WAL applied.

    Shows whether where rows sit on disk gives away the order they were written in.
    Needles not found are left out. Note how SQLite lays out a page: cells are filled
    from the end of the page backwards, so within one page later rows sit earlier; and a
    needle also stored in an index is found at its first place either way.
    """
    image = final_image(db_copy)
    found = {n: image.find(n.encode()) for n in needles}
    return sorted((n for n, at in found.items() if at >= 0), key=lambda n: found[n])


# --------------------------------------------------------------------------- keys

_HEX_RUN = re.compile(rb"[0-9A-Fa-f]{32,}")
_B64_RUN = re.compile(rb"[A-Za-z0-9+/_-]{22,}={0,2}")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_KEY_FILE_MAX = 256  # a file this small may be a key on its own


def hex_strings(folder: Path, min_len: int = 32) -> set[str]:
    """Every maximal run of at least `min_len` hex digits in any file under `folder`."""
    pattern = re.compile(rb"[0-9A-Fa-f]{%d,}" % min_len)
    return {m.decode() for p in _files(folder) for m in pattern.findall(p.read_bytes())}


def _hex_candidates(run: bytes) -> Iterator[bytes]:
    # Text columns sit next to each other in a SQLite record with no separator, so a
    # 64-digit key can be the middle of a longer run: try the whole run and every
    # 32- and 64-digit window of it.
    for start in (0, 1):
        whole = run[start:]
        yield binascii.unhexlify(whole[: len(whole) // 2 * 2])
    for width in (32, 64):
        for start in range(len(run) - width + 1):
            window = run[start : start + width]
            yield window
            yield binascii.unhexlify(window)


def _b64_decode(chunk: bytes) -> bytes | None:
    body = chunk.rstrip(b"=").replace(b"-", b"+").replace(b"_", b"/")
    if len(body) % 4 == 1:
        return None
    try:
        return base64.b64decode(body + b"=" * (-len(body) % 4))
    except binascii.Error:
        return None


def _b64_candidates(run: bytes) -> Iterator[bytes]:
    # Same adjacency problem as hex: try the run and every window that encodes 16 or 32
    # bytes (22 or 24 chars, 43 or 44 chars).
    chunks = [run] + [run[s : s + w] for w in (22, 24, 43, 44) for s in range(len(run) - w + 1)]
    for chunk in chunks:
        decoded = _b64_decode(chunk)
        if decoded is not None:
            yield decoded


def sqlite_files(folder: Path) -> list[Path]:
    """Files under `folder` that start with SQLite's magic header."""
    found = []
    for path in _files(folder):
        with path.open("rb") as handle:
            if handle.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC:
                found.append(path)
    return found


def sqlite_blobs(snapshot: Path, min_len: int = 16) -> set[bytes]:
    """Every BLOB value of at least `min_len` bytes in any table of `snapshot`.

    Tables SQLite cannot read here (a virtual table whose module is missing) are skipped.
    """
    blobs: set[bytes] = set()
    with closing(open_snapshot(snapshot)) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            try:
                rows = con.execute(f"SELECT * FROM {_quote(table)}").fetchall()
            except sqlite3.Error:
                continue
            blobs.update(v for row in rows for v in row if isinstance(v, bytes))
    return {b for b in blobs if len(b) >= min_len}


def candidate_secrets(folder: Path) -> set[bytes]:
    """Everything in `folder` of 16+ bytes that could be a key, to try e.g. as HMAC keys.

    - every hex run of 32+ digits, decoded, and the run's text itself;
    - every base64 / base64url run of 22+ characters, decoded, and the text itself;
    - every BLOB of 16+ bytes in any table of every SQLite file, in the main file and in
      the state after each committed transaction in its WAL (a rotated or deleted key
      still sits in the log);
    - any small file whole, and stripped of surrounding whitespace (a key file).
    Windows inside longer runs are tried too (see `_hex_candidates`). False positives
    are cheap; a missed key makes a privacy test pass for the wrong reason.
    """
    found: set[bytes] = set()
    for path in _files(folder):
        data = path.read_bytes()
        if len(data) <= _KEY_FILE_MAX:
            found.update({data, data.strip()})
        for run in _HEX_RUN.findall(data):
            found.add(run)
            found.update(_hex_candidates(run))
        for run in _B64_RUN.findall(data):
            found.add(run)
            found.update(_b64_candidates(run))
    for db in sqlite_files(folder):
        with tempfile.TemporaryDirectory() as tmp:
            states = [main_file_snapshot(db, Path(tmp)), *wal_transactions(db, Path(tmp))]
            for state in states:
                try:
                    found.update(sqlite_blobs(state))
                except sqlite3.DatabaseError:
                    continue  # a torn copy: the byte scans above still cover it
    return {c for c in found if len(c) >= 16}


# --------------------------------------------------------------------------- PostgreSQL


def _engine(url_sync: str) -> Engine:
    url = re.sub(r"^postgresql(\+asyncpg)?://", "postgresql+psycopg://", url_sync)
    return create_engine(url, poolclass=NullPool)


def _regclass(conn: Connection, table: str) -> str:
    quoted = conn.dialect.identifier_preparer.quote(table)
    oid = conn.execute(text("SELECT to_regclass(:t)::oid"), {"t": quoted}).scalar()
    if oid is None:
        raise LookupError(f"no table {table!r} on the search path")
    return str(oid)


def pg_row_versions(url_sync: str, table: str) -> list[tuple[str, ...]]:
    """(xmin, ctid, *primary key) of every live row of `table`, in ctid (on-disk) order.

    xmin is the id of the transaction that wrote the row version, and ctid where it sits;
    both are readable by anyone who can SELECT, and can give away the order and grouping
    of writes even when no column does. All values are returned as text.
    """
    engine = _engine(url_sync)
    try:
        with engine.connect() as conn:
            oid = _regclass(conn, table)
            keys = conn.execute(
                text(
                    "SELECT a.attname FROM pg_index i JOIN pg_attribute a"
                    " ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
                    " WHERE i.indrelid = CAST(:oid AS oid) AND i.indisprimary"
                    " ORDER BY array_position(i.indkey::int2[], a.attnum)"
                ),
                {"oid": oid},
            ).scalars()
            quote = conn.dialect.identifier_preparer.quote
            columns = ", ".join(["xmin::text", "ctid::text", *(f"{quote(k)}::text" for k in keys)])
            rows = conn.execute(text(f"SELECT {columns} FROM {quote(table)}"))
            # Sorted here: in SQL, ORDER BY ctid would pick the text column of that name.
            return sorted((tuple(row) for row in rows), key=lambda row: _tid(row[1]))
    finally:
        engine.dispose()


def _tid(ctid: str) -> tuple[int, int]:
    block, offset = ctid.strip("()").split(",")
    return int(block), int(offset)


def _relation_file_bytes(data_dir: Path, relpath: str) -> bytes:
    first = data_dir / relpath
    if not first.is_file():
        raise FileNotFoundError(f"{first} is not readable here: is the server local?")
    parts = [first.read_bytes()]
    segment = 1
    while (data_dir / f"{relpath}.{segment}").is_file():
        parts.append((data_dir / f"{relpath}.{segment}").read_bytes())
        segment += 1
    return b"".join(parts)


def pg_relation_bytes(url_sync: str, table: str, *, with_toast: bool = True) -> bytes:
    """The raw bytes of `table`'s heap file (all 1 GB segments), read from the data directory.

    Runs CHECKPOINT first so committed pages are on disk. Dead row versions (before an
    UPDATE or DELETE) stay in these bytes until VACUUM reuses the space, which is the
    point. With `with_toast`, the table's TOAST heap follows, since values over ~2 kB are
    moved there and a search of the main heap alone would miss them.
    """
    engine = _engine(url_sync)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            oid = _regclass(conn, table)
            conn.execute(text("CHECKPOINT"))
            data_dir = Path(conn.execute(text("SHOW data_directory")).scalar_one())
            relations = [oid]
            if with_toast:
                toast = conn.execute(
                    text("SELECT reltoastrelid FROM pg_class WHERE oid = CAST(:oid AS oid)"),
                    {"oid": oid},
                ).scalar_one()
                if toast:
                    relations.append(str(toast))
            paths = [
                conn.execute(
                    text("SELECT pg_relation_filepath(CAST(:oid AS oid)::regclass)"), {"oid": rel}
                ).scalar_one()
                for rel in relations
            ]
    finally:
        engine.dispose()
    return b"".join(_relation_file_bytes(data_dir, p) for p in paths)
