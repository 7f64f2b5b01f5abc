"""The terminal chat, driven by a script of typed lines."""

import stat
from collections.abc import AsyncIterator

from sqlmodel import select

from bot.app import build_app
from bot.platforms.shell.adapter import ShellAdapter
from bot.platforms.shell.chat import ShellChat
from storage.models import Participant
from tests.conftest import make_settings


async def _lines(items: list[str]) -> AsyncIterator[str]:
    for item in items:
        yield item


async def test_a_short_session_in_the_shell(sqlite_url, clock):
    out: list[str] = []
    adapter = ShellAdapter(out.append)
    app = await build_app(make_settings(sqlite_url), adapter, clock=clock)
    script = [
        '/brew schedule 2026-12-01 14:00 theme="Being heard"',
        "/as Sam carer",
        "/press 1",
        "/as Alex draws_on_care",
        "/brew join",
        "/as Facilitator",
        "/brew open",
        "/as Sam",
        "/brew join",
        "/press 1",
        "/as Alex",
        "/brew join",
        "/press 2",
        "/as Facilitator",
        "/brew breakouts",
        "/brew reflect",
        "/as Sam",
        "/brew reflect",
        "1",
        "Being listened to made a real difference.",
        "",
        "1",
        "/brew dance",
        "/quit",
        "/brew help",
    ]
    try:
        await ShellChat(app.dispatcher, adapter, _lines(script), out.append).run()
    finally:
        await app.close()
    transcript = "\n".join(out)
    assert "you are now Sam" in transcript
    assert 'Sam pressed "I\'m coming"' in transcript
    assert 'new thread "Breakout 1 - Being heard" with' in transcript
    assert "[form, only you see this] Share a reflection" in transcript
    assert "keep this code" in transcript.lower() or "code" in transcript
    assert 'I do not know the command "dance"' in transcript
    assert "Sam> /brew help" not in transcript, "nothing runs after /quit"
    assert "Traceback" not in transcript


async def _chat(sqlite_url, clock, tmp_path, script: list[str]) -> tuple[str, object]:
    """Run the terminal chat over `script`, as a person types it; the transcript and app."""
    out: list[str] = []
    adapter = ShellAdapter(out.append, files=tmp_path / "files")
    app = await build_app(make_settings(sqlite_url), adapter, clock=clock)
    try:
        await ShellChat(app.dispatcher, adapter, _lines(script), out.append).run()
    finally:
        await app.close()
    return "\n".join(out), app


async def _people(app) -> set[str]:
    async with app.db.read() as tx:
        return set((await tx.exec(select(Participant.user_id))).all())


async def test_nobody_can_press_a_button_only_someone_else_can_see(sqlite_url, clock, tmp_path):
    # Before: Alex's /press 1 pressed Sam's "Yes, delete" and deleted Sam's data.
    transcript, app = await _chat(
        sqlite_url,
        clock,
        tmp_path,
        [
            "/as Sam carer",
            "/brew forget me",
            "/as Alex",
            "/press 1",
            "/brew privacy",
        ],
    )
    assert "Sam> /brew forget me" in transcript
    assert "Alex pressed" not in transcript
    assert "There are no buttons for Alex to press" in transcript
    assert "shell-sam" in await _people(app), "Sam's data is still there"


async def test_a_person_presses_the_buttons_shown_to_them_or_to_everyone(
    sqlite_url, clock, tmp_path
):
    transcript, app = await _chat(
        sqlite_url,
        clock,
        tmp_path,
        [
            '/brew schedule 2026-12-01 14:00 theme="Being heard"',  # announced to everyone
            "/as Sam carer",
            "/brew forget me",  # a private question to Sam, with buttons
            "/as Alex",
            "/press 1",  # the announcement's "I'm coming", not Sam's "Yes, delete"
            "/as Sam",
            "/press 1",  # Sam's own newest: "Yes, delete"
        ],
    )
    pressed = [line for line in transcript.splitlines() if " pressed " in line]
    assert pressed[0] == 'Alex pressed "I\'m coming"'
    assert pressed[1].startswith("Sam pressed") and "coming" not in pressed[1]
    assert "shell-sam" not in await _people(app)
    assert "shell-alex" in await _people(app)


async def test_a_long_answer_takes_several_lines(sqlite_url, clock, tmp_path):
    # Before: every answer ended at the first Enter, so a spark's questions (one a line)
    # could not be given.
    transcript, _app = await _chat(
        sqlite_url,
        clock,
        tmp_path,
        [
            "/brew sparks add",
            "Cups of tea",
            "Being heard",
            "Talk about a time someone really listened to you.",
            "",
            "Who listens to you?",
            "What helps you feel heard?",
            "What gets in the way?",
            ".",
            "What would help you feel heard?",
            "/brew sparks show cups-of-tea",
        ],
    )
    assert "is added for this community" in transcript
    shown = transcript.split("Facilitator> /brew sparks show cups-of-tea")[1]
    for question in ("Who listens to you?", "What helps you feel heard?", "What gets in the way?"):
        assert question in shown


async def test_files_the_bot_attaches_are_saved_for_their_owner(sqlite_url, clock, tmp_path):
    # Before: "my data", calendar invites and claims sheets were written nowhere.
    transcript, _app = await _chat(
        sqlite_url,
        clock,
        tmp_path,
        [
            '/brew schedule 2026-12-01 14:00 theme="Being heard"',
            "/brew claims export 2026-11-01 2026-12-31",
            "/as Sam carer",
            "/brew my data",
            "/brew calendar 1",
        ],
    )
    sam = tmp_path / "files" / "sam"
    saved = {p.name: p for p in sam.iterdir()}
    assert set(saved) == {"my-brewbot-data.txt", "over-a-brew-1.ics"}
    assert b"BEGIN:VCALENDAR" in saved["over-a-brew-1.ics"].read_bytes()
    for path in saved.values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert f"--- file for Sam, saved as {path}" in transcript
    assert stat.S_IMODE(sam.stat().st_mode) == 0o700
    [sheet] = (tmp_path / "files" / "facilitator").iterdir()
    assert sheet.suffix == ".csv" and str(sheet) in transcript


async def test_a_file_saved_twice_keeps_the_first(sqlite_url, clock, tmp_path):
    _, _ = await _chat(
        sqlite_url, clock, tmp_path, ["/as Sam carer", "/brew my data", "/brew my data"]
    )
    names = sorted(p.name for p in (tmp_path / "files" / "sam").iterdir())
    assert names == ["my-brewbot-data-2.txt", "my-brewbot-data.txt"]


async def test_a_unicode_digit_gets_an_answer_and_the_chat_goes_on(sqlite_url, clock, tmp_path):
    # Before: "²" passed the number check, crashed the parser, and the chat ended.
    transcript, _ = await _chat(
        sqlite_url, clock, tmp_path, ["/brew cancel \u00b2", "/press \u00b2", "/brew help"]
    )
    assert "should be a number written with the digits 0 to 9" in transcript
    assert "Facilitator> /brew help" in transcript
    assert "Here is what you can do" in transcript
