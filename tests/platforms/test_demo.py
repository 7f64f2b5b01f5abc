"""`brewbot demo` runs a whole session through the real services and scheduler, with the
web pages beside it."""

import sqlite3

import aiohttp
import pytest

from bot.platforms.shell.demo import run_demo


@pytest.fixture(autouse=True)
def any_free_port(monkeypatch):
    """The demo reads its settings from the environment: web pages on a free port, so tests
    side by side never meet on 8080."""
    monkeypatch.setenv("BREWBOT_WEB_PORT", "0")


async def test_demo_runs_end_to_end(tmp_path):
    said: list[str] = []
    result = await run_demo(participants=12, out=tmp_path, say=said.append)
    assert result.database == tmp_path / "demo.db"
    markdown = result.markdown.read_text()
    html = result.html.read_text()
    assert "Going through an assessment" in markdown or "assessment" in markdown.lower()
    assert html.lower().startswith("<!doctype html>")
    # The days before each reminder and before the session opens are skipped (a time-lapse),
    # and no reminder is lost to a skip: the 24-hour one and the 15-minute one both ran.
    assert "2 reminder jobs ran; the session opened on time." in said
    with sqlite3.connect(result.database) as db:
        states = db.execute("SELECT state FROM session").fetchall()
        reflections = db.execute("SELECT * FROM reflection").fetchall()
        columns = [c[1] for c in db.execute("PRAGMA table_info(reflection)")]
        tags = db.execute("SELECT withdraw_tag FROM reflection").fetchall()
        sealed = db.execute("SELECT sealed_at FROM session").fetchone()
        threads = db.execute("SELECT count(*) FROM breakout").fetchone()
    assert states == [("summarised",)]
    assert len(reflections) == 12 and threads[0] >= 2
    assert not {"user_id", "participant_id", "created_at", "author"} & set(columns)
    assert set(tags) == {(None,)} and sealed[0], "sealed once the digest is sent"
    stored = " ".join(str(v) for row in reflections for v in row)
    assert "demo-" not in stored, "no user id anywhere near a reflection"


def said_url(said: list[str], prefix: str) -> str:
    [line] = [line for line in said if line.startswith(prefix)]
    return line.removeprefix(prefix)


async def test_the_links_it_prints_open_the_pages_while_they_stay_open(tmp_path):
    """Through the real server the demo started: the session's page and the working group's
    pages (with the digest the demo sent), while the demo keeps them open."""
    said: list[str] = []
    answers: list[tuple[int, str]] = []

    async def open_the_links() -> None:
        async with aiohttp.ClientSession() as browser:
            for prefix in ("The session's web page: ", "The working group's pages: "):
                async with browser.get(said_url(said, prefix)) as page:
                    answers.append((page.status, await page.text()))

    result = await run_demo(participants=3, out=tmp_path, say=said.append, keep_open=open_the_links)
    address = said_url(said, "Web pages: ")
    assert address.startswith("http://127.0.0.1:") and said[0] == f"Web pages: {address}"
    assert said_url(said, "The session's web page: ").startswith(f"{address}s/")
    assert said_url(said, "The working group's pages: ").startswith(f"{address}g/")
    assert said[-4] == f"Database:          {result.database}"
    assert said[-3].startswith("The session's web page: ")
    assert said[-2].startswith("The working group's pages: ")
    assert said[-1] == "The web pages stay open until you press Enter."
    (session_status, session_page), (group_status, group_page) = answers
    assert session_status == 200 and "Going through an assessment" in session_page
    assert group_status == 200 and "What we heard, and what we did" in group_page
    assert "Going through an assessment" in group_page, "the digest the demo sent is listed"
    async with aiohttp.ClientSession() as browser:
        with pytest.raises(aiohttp.ClientConnectionError):
            await browser.get(address + "healthz")  # closed once the demo ended


async def test_without_a_wait_the_pages_close_at_once(tmp_path):
    said: list[str] = []
    await run_demo(participants=3, out=tmp_path, say=said.append)
    assert said[-1].startswith("The working group's pages: http://127.0.0.1:")
    assert not any("stay open" in line for line in said)


async def test_with_the_web_pages_off_nothing_is_said_about_them(tmp_path, monkeypatch):
    monkeypatch.setenv("BREWBOT_WEB", "off")
    said: list[str] = []
    waited: list[bool] = []

    async def keep_open() -> None:
        waited.append(True)

    result = await run_demo(participants=3, out=tmp_path, say=said.append, keep_open=keep_open)
    assert said[-1] == f"Database:          {result.database}"
    lines = [line.replace(str(tmp_path), "DIR") for line in said]
    assert not [line for line in lines if "http" in line or "page" in line.lower()]
    assert waited == []
    with sqlite3.connect(result.database) as db:
        assert db.execute("SELECT count(*) FROM session_link").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM group_link").fetchone() == (0,)
