"""The regional roll-up: themes over time from sent digests only, people's priorities (or a
plain word that there are none), "we said, we did", with the small-number rule, in Markdown,
accessible HTML and CSV."""

import csv
import io
import re
from datetime import date
from itertools import pairwise

from sqlmodel import select

from bot.core.domain import SessionState
from bot.digest.report import ActionRow, SentDigest, build_report, gather, to_csv, to_html
from bot.digest.report import to_markdown as report_markdown
from storage.models import ActionItem, Community
from tests.conftest import Chat
from tests.helpers import make_session
from tests.reflections.test_reflections import reflect

NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


def sample(**extra):
    digests = [
        SentDigest("North", NOV, (("Waiting and access", 6), ("Transport", 2)), 7),
        SentDigest("South", DEC, (("Waiting and access", 3), ("Transport", 0)), 3),
    ]
    actions = [
        ActionRow("North", "More time in reviews", "Trialling 90 minutes", "Reviews team",
                  "doing", None),
        ActionRow("North", "Letters | in plain English", "Rewritten", "Comms", "done", None),
        ActionRow("South", "Free bus passes", "", "", "cant_do", "=the council runs no buses"),
    ]  # fmt: skip
    values = {"start": date(2026, 11, 1), "end": date(2026, 12, 31), "min_count": 5} | extra
    return build_report(digests, actions, **values)


def test_themes_by_month_keep_the_small_number_rule():
    report = sample()
    assert [f"{m:%Y-%m}" for m in report.months] == ["2026-11", "2026-12"]
    sessions, people = report.summary_rows
    assert (sessions.cells, sessions.total) == (("1", "1"), "2")
    assert (people.cells, people.total) == (("7", "fewer than 5"), "not shown")
    waiting, transport = report.theme_rows
    assert (waiting.label, waiting.cells, waiting.total) == (
        "Waiting and access",
        ("6", "fewer than 5"),
        "not shown",
    )  # 9 less the 6 shown would give the 3 away
    assert (transport.cells, transport.total) == (("fewer than 5", "0"), "fewer than 5")


def test_the_markdown_says_plainly_when_there_are_no_priorities():
    text = report_markdown(sample())
    assert "No priorities have been stored yet." in text
    assert "| Waiting and access | 6 | fewer than 5 | not shown |" in text
    assert "Still open: 1. Done: 1. Can't do: 1." in text
    assert "Letters \\| in plain English" in text  # a pipe cannot break the table
    assert "the council runs no buses" in text


def test_priorities_are_summed_and_small_ones_hidden():
    digests = [
        SentDigest("North", NOV, (), 9, (("Being listened to", 5), ("Transport", 2))),
        SentDigest("North", NOV, (), 9, (("Being listened to", 6),)),
    ]
    report = build_report(digests, [], start=NOV, end=date(2026, 11, 30))
    assert report.priorities == (("Being listened to", "11"), ("Transport", "fewer than 5"))
    assert "There are no actions to report" in report_markdown(report)


def test_the_html_is_accessible():
    page = to_html(sample())
    assert '<html lang="en-GB">' in page
    assert page.count("<table>") == page.count("<caption>") == 4
    assert '<th scope="col">Theme</th>' in page and '<th scope="row">Transport</th>' in page
    headings = re.findall(r"<h([1-6])", page)
    assert headings[0] == "1" and all(int(b) - int(a) <= 1 for a, b in pairwise(headings))
    assert "Letters | in plain English" in page and "<script" not in page
    assert "color: red" not in page and "fewer than 5" in page


def test_the_csv_has_one_row_per_figure_and_no_formulas():
    rows = list(csv.DictReader(io.StringIO(to_csv(sample()))))
    themes = [
        (r["Month"], r["Theme or action"], r["Count"]) for r in rows if r["Section"] == "theme"
    ]
    assert ("2026-11", "Waiting and access", "6") in themes
    assert ("2026-12", "Waiting and access", "fewer than 5") in themes
    [cant] = [r for r in rows if r["Status"] == "can't do"]
    assert cant["Why we can't"] == "'=the council runs no buses"


async def sent_session(app, chat, fac, people, words):
    session_id = await make_session(app, SessionState.REFLECTING, people=0)
    for n in range(people):
        await reflect(chat, Chat.person(f"W{session_id}x{n}"), session_id, f"{words} ({n})")
    await chat.say(fac, f"/brew close {session_id}")
    return session_id


async def test_only_sent_digests_are_rolled_up(app, chat, fac):
    sent = await sent_session(app, chat, fac, 5, "The bus to the day centre never comes")
    await chat.say(fac, f"/brew digest {sent} send")
    await sent_session(app, chat, fac, 6, "Nobody explained my personal budget")  # a draft
    await chat.say(fac, '/brew action add More buses status=cant_do reason="not ours to run"')
    async with app.db.transaction() as tx:
        [community] = (await tx.exec(select(Community))).all()
        report = await gather(
            tx, app.digests.compile, start=date(2026, 11, 1), end=date(2026, 12, 31),
            communities=[community], min_count=5,
        )  # fmt: skip
        assert len((await tx.exec(select(ActionItem))).all()) == 1
    assert report.sessions == 1
    sessions, people = report.summary_rows
    assert sum(int(c) for c in sessions.cells) == 1 and people.total == "5"
    labels = " ".join(row.label for row in report.theme_rows)
    assert "budget" not in labels.lower()
    [action] = report.actions["cant_do"]
    assert action.reason == "not ours to run"
    outside = build_report([], [], start=date(2027, 1, 1), end=date(2027, 1, 31))
    assert "No digest was sent for a session in this period" in report_markdown(outside)
