"""Hostile input on the `brewbot` commands of issue 15 (themes, statements add, report,
digest): a file that is not what it should be, or a number no row can have, gets one line on
stderr and no traceback, and adds nothing. Most cases run `main()` in this process (an
exception would fail the test, as a traceback would show); the most telling run as a real
process, as a person types them."""

from __future__ import annotations

import sqlite3

import pytest

from bot.cli import main
from bot.reflections.outside import MAX_FILE_BYTES
from tests.conftest import migrated_sqlite
from tests.test_cli import _logging_put_back, brewbot, one_line  # noqa: F401 (a fixture)

HUGE = "99999999999999999999"
FILES = {
    "header_only.csv": b"statement\n",
    "empty.csv": b"",
    "spaces.csv": b"   \n  \n",
    "binary.bin": bytes(range(256)) * 4,
    "latin1.csv": "statement\ncaf\xe9\n".encode("latin-1"),
    "huge_header.csv": b'"' + b"x" * 200_000 + b'"\nx\n',
    "huge_cell.csv": b'statement\n"' + b"x" * 200_000 + b'"\n',
    "no_column.csv": b"foo\nbar\n",
    "nul.csv": b"statement,text,category\nhello\x00there,hello\x00there,idea\n",
    "too_big.csv": b"text,category\n" + b"x" * (MAX_FILE_BYTES + 1),
}


def _said(capsys) -> tuple[str, str]:
    out = capsys.readouterr()
    return out.out, out.err


@pytest.fixture
def files(tmp_path):
    for name, data in FILES.items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


def test_themes_answers_every_bad_file_in_one_line(files, capsys):
    # Old Macs end lines with a lone carriage return: read, not refused.
    (files / "mac.csv").write_bytes(b"statement\rThe bus never comes\r")
    assert main(["themes", "--in", str(files / "mac.csv")]) == 0
    assert "The bus never comes" in _said(capsys)[0]
    for name in (*FILES, ".", "missing.csv"):
        for fmt in ("md", "json"):
            code = main(["themes", "--in", str(files / name), "--format", fmt])
            out, err = _said(capsys)
            if code == 0:  # a NUL is shown as U+FFFD, never passed on
                assert name == "nul.csv" and "\x00" not in out
                continue
            assert code == 2 and err.count("\n") == 1 and str(files / name) in err, (name, err)


def test_statements_add_refuses_every_bad_file_and_adds_nothing(files, capsys, monkeypatch):
    url = migrated_sqlite(files / "brewbot.db")
    monkeypatch.setenv("DATABASE_URL", url)
    for name in (*FILES, ".", "missing.csv"):
        code = main(["statements", "add", "--session", "1", "--in", str(files / name)])
        out, err = _said(capsys)
        assert code in (1, 2) and not out and err.count("\n") == 1, (name, err)
    (files / "ok.csv").write_text("text,category\nMore buses,idea\n")
    for session in (HUGE, "0"):
        code = main(["statements", "add", "--session", session, "--in", str(files / "ok.csv")])
        assert code == 1 and _said(capsys)[1].startswith(f"There is no session {session}.")
    # Not a number anyone could be given: refused as the argument it is.
    with pytest.raises(SystemExit) as refused:
        main(["statements", "add", "--session", "-1", "--in", str(files / "ok.csv")])
    assert refused.value.code == 2 and "digits 0 to 9" in _said(capsys)[1]
    with sqlite3.connect(files / "brewbot.db") as db:
        assert db.execute("SELECT count(*) FROM reflection").fetchone() == (0,)


def test_report_and_digest_refuse_numbers_and_paths_they_cannot_use(files, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", migrated_sqlite(files / "brewbot.db"))
    dates = ["--from", "2026-11-01", "--to", "2026-11-30"]
    for args in (
        ["report", "--from", "2026-02-30", "--to", "2026-03-01"],
        ["report", "--from", "2026-12-31", "--to", "2026-11-01"],
        ["report", *dates, "--community", HUGE],
        ["report", *dates, "--community", "-1"],
        ["report", *dates, "--out", str(files / "no folder" / "report.md")],
        ["report", *dates, "--out", str(files)],
        ["digest", HUGE],
        ["digest", HUGE, "--resend-email"],
        ["claims", "export", "--community", HUGE, *dates, "--out", str(files / "c.csv")],
    ):
        code = main(args)
        out, err = _said(capsys)
        assert code in (1, 2) and not out and err.count("\n") == 1, (args, err)
    assert not (files / "c.csv").exists()


def test_as_a_person_types_it(tmp_path):
    url = migrated_sqlite(tmp_path / "brewbot.db")
    (tmp_path / "huge_header.csv").write_bytes(FILES["huge_header.csv"])
    done = brewbot(tmp_path, "themes", "--in", "huge_header.csv")
    assert done.returncode == 2
    assert one_line(done) == (
        "huge_header.csv is not a CSV file I can read. Save it as CSV (UTF-8) and try again."
    )
    done = brewbot(tmp_path, "digest", HUGE, DATABASE_URL=url)
    assert done.returncode == 1 and one_line(done).startswith(f"There is no session {HUGE}.")


def test_resend_to_takes_addresses_and_goes_with_resend_email(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", migrated_sqlite(tmp_path / "brewbot.db"))
    for to in ("", "not an address", "a@b.org, nobody", ",,"):
        assert main(["digest", "1", "--resend-email", "--to", to]) == 1
        out, err = _said(capsys)
        assert not out and err.startswith("Please give e-mail addresses after --to"), to
    assert main(["digest", "1", "--to", "a@b.org"]) == 1
    out, err = _said(capsys)
    assert not out and err.startswith("--to says who to e-mail") and err.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [
        ("report", "--from", "0001-01-01", "--to", "2026-01-01"),
        ("report", "--from", "2026-01-01", "--to", "9999-12-31"),
        ("claims", "export", "--community", "1", "--from", "2026-01-01", "--to", "9999-12-31",
         "--out", "c.csv"),
    ],
)  # fmt: skip
def test_a_day_too_far_off_is_one_line_as_a_person_types_it(tmp_path, args):
    url = migrated_sqlite(tmp_path / "brewbot.db")
    done = brewbot(tmp_path, *args, DATABASE_URL=url)
    assert (done.returncode, done.stdout) == (2, "")
    assert one_line(done) == (
        "Please give dates like 2026-12-01, from the year 2 to the year 9998: other years are "
        "too far off to count from."
    )
    assert not (tmp_path / "c.csv").exists()


def test_a_report_longer_than_the_page_allows_is_one_line_as_a_person_types_it(tmp_path):
    # The regional report has a column per month: years 2 to 9998 made 120,000 of them
    # (5.7 MB of CSV headings with no digest at all). The command line keeps the web page's
    # limit, with one line saying it.
    url = migrated_sqlite(tmp_path / "brewbot.db")
    for first, last in (("0002-01-01", "9998-12-31"), ("2021-11-01", "2026-11-30")):
        done = brewbot(
            tmp_path, "report", "--from", first, "--to", last, "--out", "r.md", DATABASE_URL=url
        )
        assert (done.returncode, done.stdout) == (2, ""), done.stderr
        assert one_line(done) == (
            "That period is longer than 5 years: please give --from and --to closer together."
        )
        assert not (tmp_path / "r.md").exists()
    five_years = ("--from", "2021-12-01", "--to", "2026-11-30")
    done = brewbot(tmp_path, "report", *five_years, DATABASE_URL=url)
    assert done.returncode == 0 and not done.stderr, done.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("themes", "--in", "/dev/zero"), "/dev/zero is bigger than 1000 KB."),
        (("statements", "add", "--session", "1", "--in", "/dev/zero"), "bigger than 1000 KB"),
    ],
)
def test_a_file_that_never_ends_is_one_line_as_a_person_types_it(tmp_path, args, said):
    # Both read the whole file before looking at its size: /dev/zero (or a pipe, or a
    # 10 GB export) filled the memory until something killed Brewbot. Now they read no
    # more than the largest file they take, and say so.
    url = migrated_sqlite(tmp_path / "brewbot.db")
    done = brewbot(tmp_path, *args, DATABASE_URL=url)
    assert (done.returncode, done.stdout) == (2, "")
    assert said in one_line(done)


@pytest.mark.parametrize(
    "db",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/nowhere",  # nothing listens on port 1
        "postgresql+psycopg://postgres@no-such-host.invalid/nowhere",
    ],
)
def test_bench_with_a_database_it_cannot_reach_is_one_line(tmp_path, db):
    # It printed two chained tracebacks (psycopg's and SQLAlchemy's) on the console.
    done = brewbot(tmp_path, "bench", "--quick", "--db", db)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert one_line(done).startswith("Could not reach the database given with --db"), done.stderr


def test_a_number_in_other_digits_is_refused_as_a_person_types_it(tmp_path):
    """`brewbot digest ٣` was read as session 3, though ids typed elsewhere refuse such
    digits: the command line reads numbers by the same rule (bot/core/typed.py)."""
    url = migrated_sqlite(tmp_path / "brewbot.db")
    for typed in ("٣", "١٢", "3²"):
        done = brewbot(tmp_path, "digest", typed, DATABASE_URL=url)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert "Please write numbers with the digits 0 to 9" in done.stderr
        assert "There is no session" not in done.stderr + done.stdout
    done = brewbot(tmp_path, "digest", "+3", DATABASE_URL=url)
    assert done.returncode == 2 and "+3 is not a number I can read" in done.stderr
