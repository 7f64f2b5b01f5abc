"""The terminal chat, driven by a script of typed lines."""

from collections.abc import AsyncIterator

from bot.app import build_app
from bot.platforms.shell.adapter import ShellAdapter
from bot.platforms.shell.chat import ShellChat
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
