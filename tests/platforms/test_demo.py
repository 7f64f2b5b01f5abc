"""`brewbot demo` runs a whole session through the real services and scheduler."""

import sqlite3

from bot.platforms.shell.demo import run_demo


async def test_demo_runs_end_to_end(tmp_path):
    said: list[str] = []
    result = await run_demo(participants=12, out=tmp_path, say=said.append)
    assert result.database == tmp_path / "demo.db"
    markdown = result.markdown.read_text()
    html = result.html.read_text()
    assert "Going through an assessment" in markdown or "assessment" in markdown.lower()
    assert html.lower().startswith("<!doctype html>")
    assert any("reminder jobs ran" in line for line in said)
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
