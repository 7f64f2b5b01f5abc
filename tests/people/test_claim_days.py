"""The days people ask for in chat (`/brew claims export`, `/brew claim letter`): a day too far
in the past or the future is one kind sentence that changes nothing, never "something went
wrong" and an error in the log; and every day the rule takes (bot/core/days.py) makes a sheet
or a letter, in any time zone."""

from __future__ import annotations

import csv
import io
import logging

import pytest

from tests.conftest import Chat, snapshot
from tests.people.test_claims_and_data import scripted_session

SAM, FRAN = Chat.person("Sam"), Chat.person("Fran", facilitator=True)


@pytest.mark.parametrize(
    ("who", "typed"),
    [
        (SAM, "/brew claim letter to=9999-12-31"),
        (SAM, "/brew claim letter to=0001-01-01"),
        (SAM, "/brew claim letter from=0001-01-01"),
        (SAM, "/brew claim letter from=9999-12-31"),
        (SAM, "/brew claim letter from=0001-01-02 to=0001-01-03"),
        # The letter starts at the tax year before its last day: 6 April of year 1.
        (SAM, "/brew claim letter to=0002-01-01"),
        (FRAN, "/brew claims export from=2026-12-01 to=9999-12-31"),
        (FRAN, "/brew claims export from=0001-01-01 to=2026-12-31"),
        (FRAN, "/brew claims export from=9999-12-30 to=9999-12-31"),
    ],
)
async def test_a_day_too_far_off_is_one_kind_sentence_and_changes_nothing(
    app, chat, caplog, who, typed
):
    await chat.say(SAM, "/brew claim on")
    before = await snapshot(app)
    caplog.set_level(logging.ERROR)
    reply = await chat.say(who, typed)
    assert reply.text == app.deps.texts.t("claims.date_far_off")
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    assert await snapshot(app) == before


@pytest.mark.parametrize("zone", ["Europe/London", "Pacific/Kiritimati", "Etc/GMT+12"])
async def test_the_furthest_days_taken_make_a_sheet_and_a_letter(app, chat, fac, clock, zone):
    _, ann, _ = await scripted_session(app, chat, fac, clock)
    await chat.say(fac, f"/brew settings timezone {zone}")
    reply = await chat.say(fac, "/brew claims export from=0002-01-01 to=9998-12-31")
    [sheet] = reply.replies[0][0].attachments
    names = {row["Name"] for row in csv.DictReader(io.StringIO(sheet.content.decode()))}
    assert names == {"Ann", "Bo", "Pat Jones"}
    reply = await chat.say(ann, "/brew claim letter from=0002-01-01 to=9998-12-31")
    assert reply.text.startswith(app.deps.texts.t("payments.letter_ready"))
    page, text = reply.replies[0][0].attachments
    assert (page.filename, text.filename) == (
        "jobcentre-letter-0002-01-01-to-9998-12-31.html",
        "jobcentre-letter-0002-01-01-to-9998-12-31.txt",
    )
    assert "Being heard" in text.content.decode(), "the session held is in it"
