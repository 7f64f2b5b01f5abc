"""The regional report on a community's pages for its working group (`/g/TOKEN/report` and
`report.csv`), through the real server: linked from the group page; the last twelve months by
default, or the days a plain GET form asks for; one kind sentence for days that cannot make a
report and for a period with no sent digest; only this community's sent digests, with the
small-number rule; no inline style or script; a CSV file of the same report."""

from __future__ import annotations

import csv
import io
import re
import secrets
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from bot.core.domain import SessionState
from storage.models import ActionItem, Community, GroupLink, Reflection, Session
from storage.models import Digest as DigestRow
from tests.conftest import START
from tests.digest.test_feedback import WORDS
from tests.digest.test_group_links import another_communitys_sent_session
from tests.helpers import community_row, make_session
from tests.platforms.web.test_group_pages import get, group_path, sent_session
from tests.platforms.web.test_guards import CSP, NOT_FOUND
from tests.platforms.web.test_pages import assert_accessible_shape

# make_session puts a session two days after START; a week on, it is in the past.
A_WEEK_ON = timedelta(days=7)
FEWER = "fewer than 5"
UNREADABLE = (
    "We could not read one of the dates: please write it as year, month and day, "
    "for example 2026-11-23."
)
BACKWARDS = (
    "The &#34;To&#34; day is before the &#34;From&#34; day: "
    "please choose a &#34;To&#34; day on or after it."
)
TOO_LONG = "That period is longer than 5 years: please choose a shorter one."


def row(html: str, label: str) -> list[str]:
    """The cells of the report's table row headed `label`."""
    found = re.search(rf'<tr><th scope="row">{re.escape(label)}</th>(.*?)</tr>', html)
    assert found, label
    return re.findall(r'<td class="n">(.*?)</td>', found.group(1))


def assert_no_inline_style_or_script(html: str) -> None:
    """What the pages' Content-Security-Policy would refuse to run or show."""
    assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=", html, re.IGNORECASE)


async def test_the_group_page_links_to_the_report_of_the_last_twelve_months(
    app, chat, fac, browser, clock
):
    await sent_session(app, chat, fac)
    clock.advance(A_WEEK_ON)
    path = await group_path(chat, fac)
    assert f'href="{path}/report"' in (await get(browser, path))[1]
    async with browser.get(f"{path}/report") as response:
        html = await response.text()
        assert response.status == 200
        assert response.headers["Content-Security-Policy"] == CSP
        assert "Set-Cookie" not in response.headers
    assert_accessible_shape(html)
    assert_no_inline_style_or_script(html)
    assert "<h1>Over a Brew: what people told us, 1 December 2025 to 30 November 2026</h1>" in html
    assert f'<form method="get" action="{path}/report">' in html
    assert '<label for="from">From</label>' in html and '<label for="to">To</label>' in html
    assert '<input type="date" id="from" name="from" value="2025-12-01"' in html
    assert '<input type="date" id="to" name="to" value="2026-11-30"' in html
    assert "Communities: Test community. Sessions with a sent digest: 1." in html
    assert row(html, "Sessions with a sent digest") == ["0"] * 11 + ["1", "1"]
    assert f'href="{path}/report.csv?from=2025-12-01&amp;to=2026-11-30"' in html
    headings = re.findall(r"<h([1-6])", html)
    assert headings[0] == "1" and all(int(b) - int(a) <= 1 for a, b in pairwise(headings))


async def test_the_reader_chooses_the_days(app, chat, fac, browser, clock):
    await sent_session(app, chat, fac)
    clock.advance(A_WEEK_ON)
    path = await group_path(chat, fac)
    status, html = await get(browser, f"{path}/report?from=2026-11-01&to=2026-11-30")
    assert status == 200
    assert "what people told us, 1 November 2026 to 30 November 2026</h1>" in html
    assert re.findall(r'<th scope="col">([A-Z][a-z]+ \d{4})</th>', html) == ["November 2026"]
    # A day left empty takes its default: today, in the community's own zone.
    status, html = await get(browser, f"{path}/report?from=2026-10-15&to=")
    assert status == 200
    assert "15 October 2026 to 30 November 2026</h1>" in html
    # The last five years are still one report.
    status, html = await get(browser, f"{path}/report?from=2021-12-01&to=2026-11-30")
    assert status == 200 and row(html, "Sessions with a sent digest")[-2:] == ["1", "1"]


async def test_today_is_the_communitys_own(app, chat, fac, browser, clock):
    path = await group_path(chat, fac)
    async with app.db.transaction() as tx:
        community = await tx.get(Community, (await community_row(app)).id)
        community.timezone = "Pacific/Auckland"  # 13 hours ahead of UTC in November
        tx.add(community)
    clock.set(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))  # 1 December in Auckland
    _, html = await get(browser, f"{path}/report")
    assert '<input type="date" id="from" name="from" value="2026-01-01"' in html
    assert '<input type="date" id="to" name="to" value="2026-12-01"' in html


async def test_a_period_with_no_sent_digest_says_so_in_one_sentence(app, chat, fac, browser, clock):
    await sent_session(app, chat, fac)
    clock.advance(A_WEEK_ON)
    path = await group_path(chat, fac)
    status, html = await get(browser, f"{path}/report?from=2026-12-01&to=2026-12-31")
    assert status == 200
    assert_accessible_shape(html)
    assert (
        "<p>No digest was sent for a session between Tuesday 1 December 2026 and "
        "Thursday 31 December 2026.</p>"
    ) in html
    assert "<table" not in html and "report.csv" not in html
    assert '<input type="date" id="from" name="from" value="2026-12-01"' in html


async def test_days_that_cannot_make_a_report_get_one_kind_sentence(app, chat, fac, browser, clock):
    await sent_session(app, chat, fac)
    clock.advance(A_WEEK_ON)
    path = await group_path(chat, fac)
    cases = {
        "from=2026-11-30&to=2026-11-01": BACKWARDS,
        "from=2020-01-01&to=2026-11-30": TOO_LONG,
        "from=2021-11-30&to=2026-11-30": TOO_LONG,  # 61 months
        "from=abc&to=2026-11-30": UNREADABLE,
        "from=2026-02-30": UNREADABLE,
        "to=2026-13-01": UNREADABLE,
        "from=0001-01-01": UNREADABLE,
        "to=9999-12-31": UNREADABLE,
        "from=%00%FF": UNREADABLE,
        "from=" + "9" * 5000: UNREADABLE,
    }
    for query, sentence in cases.items():
        for page in ("report", "report.csv"):
            async with browser.get(f"{path}/{page}?{query}") as response:
                html = await response.text()
                assert response.status == 400, (page, query)
                assert response.content_type == "text/html", (page, query)
            assert_accessible_shape(html)
            assert f'<p class="problem" id="problem">{sentence}</p>' in html, (page, query)
            assert html.count('class="problem"') == 1
            assert 'aria-describedby="problem date-hint"' in html
            assert "<table" not in html and "Traceback" not in html, (page, query)


async def test_the_csv_is_the_same_report_as_a_file(app, chat, fac, browser, clock):
    await sent_session(app, chat, fac)
    await chat.say(fac, '/brew action add Ramps at the library owner="Estates team"')
    clock.advance(A_WEEK_ON)
    path = await group_path(chat, fac)
    async with browser.get(f"{path}/report.csv?from=2026-11-01&to=2026-11-30") as response:
        text = await response.text()
        assert response.status == 200
        assert response.content_type == "text/csv" and response.charset == "utf-8"
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="brewbot-report-2026-11-01-to-2026-11-30.csv"'
        )
        assert response.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in response.headers
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["Section", "Month", "Theme or action", "Count"]
    assert ["sessions", "2026-11", "", "1"] == rows[1][:4]
    assert ["theme", "2026-11", "Transport and getting about", FEWER] in [r[:4] for r in rows]
    assert ["action", "", "Ramps at the library", ""] in [r[:4] for r in rows]
    # With no days given: the same last twelve months as the page.
    async with browser.get(f"{path}/report.csv") as response:
        assert response.status == 200
        assert "2025-12-01-to-2026-11-30.csv" in response.headers["Content-Disposition"]


async def test_small_numbers_stay_hidden_on_the_page_and_in_the_file(
    app, chat, fac, browser, clock
):
    # Three sent sessions: two statements on transport in each (six in all), three on the
    # other themes; six people came to the first only.
    for n in range(3):
        await sent_session(app, chat, fac, people=6 if n == 0 else 0)
    clock.advance(A_WEEK_ON)
    path = await group_path(chat, fac)
    query = "from=2026-11-01&to=2026-11-30"
    _, html = await get(browser, f"{path}/report?{query}")
    assert row(html, "Sessions with a sent digest") == ["3", "3"]
    assert row(html, "Transport and getting about") == ["6", "6"]
    assert row(html, "Telling my story again") == [FEWER, FEWER]
    cells = re.findall(r'<td class="n">(.*?)</td>', html)
    assert not {"1", "2", "4"} & set(cells), "no small number of people or statements"
    _, text = await get(browser, f"{path}/report.csv?{query}")
    counts = {(r[0], r[2]): r[3] for r in csv.reader(io.StringIO(text))}
    assert counts[("theme", "Transport and getting about")] == "6"
    assert counts[("theme", "Telling my story again")] == FEWER
    assert counts[("people", "")] == FEWER


async def test_only_this_communitys_sent_digests_and_actions(app, chat, fac, browser, clock):
    await sent_session(app, chat, fac)
    await chat.say(fac, "/brew action add Ramps at the library")
    draft = await make_session(app, SessionState.CLOSED, people=0)
    theirs = await another_communitys_sent_session(app)
    async with app.db.transaction() as tx:
        tx.add(DigestRow(session_id=draft, status="draft"))
        for text in WORDS:
            tx.add(Reflection(session_id=draft, category="not_working", text=text))
        session = await tx.get(Session, theirs)
        session.starts_at = START - timedelta(days=60)  # September, in their own month
        tx.add(session)
        for text in WORDS:
            tx.add(Reflection(session_id=theirs, category="not_working", text=text))
        tx.add(ActionItem(community_id=session.community_id, said="Their own plan"))
        their_token = secrets.token_urlsafe(24)
        tx.add(GroupLink(community_id=session.community_id, token=their_token))
    clock.advance(A_WEEK_ON)
    path = await group_path(chat, fac)
    for page in ("report", "report.csv"):
        _, ours_text = await get(browser, f"{path}/{page}")
        _, theirs_text = await get(browser, f"/g/{their_token}/{page}")
        assert "Elsewhere" not in ours_text and "Their own plan" not in ours_text, page
        assert "Test community" not in theirs_text and "Ramps" not in theirs_text, page
        assert "Ramps at the library" in ours_text and "Their own plan" in theirs_text, page
    _, html = await get(browser, f"{path}/report")
    assert "Sessions with a sent digest: 1." in html  # not the draft, not theirs
    assert row(html, "Sessions with a sent digest") == ["0"] * 11 + ["1", "1"]
    assert row(html, "Telling my story again") == ["0"] * 11 + [FEWER, FEWER]  # not the draft's
    _, html = await get(browser, f"/g/{their_token}/report")
    assert "Communities: Elsewhere. Sessions with a sent digest: 1." in html
    september = ["0"] * 9 + ["1"] + ["0"] * 2
    assert row(html, "Sessions with a sent digest") == [*september, "1"]


async def test_what_a_facilitator_typed_is_escaped(app, chat, fac, browser, clock):
    await sent_session(app, chat, fac)
    await chat.say(fac, '/brew action add <b>Ramps</b> & more owner="<i>Estates</i>"')
    clock.advance(A_WEEK_ON)
    path = await group_path(chat, fac)
    status, html = await get(browser, f"{path}/report")
    assert status == 200
    assert "<b>" not in html and "<i>" not in html
    assert "&lt;b&gt;Ramps&lt;/b&gt; &amp; more" in html and "&lt;i&gt;Estates&lt;/i&gt;" in html
    status, html = await get(browser, f'{path}/report?from="><b>x</b>')
    assert status == 400 and "<b>x</b>" not in html
    assert 'value="&#34;&gt;&lt;b&gt;x&lt;/b&gt;"' in html


async def test_a_link_not_in_use_opens_no_report(app, chat, fac, browser, clock):
    await sent_session(app, chat, fac)
    clock.advance(A_WEEK_ON)
    first = await group_path(chat, fac)
    await group_path(chat, fac, "new")
    unknown = "/g/" + secrets.token_urlsafe(24)
    for path in (first, unknown, "/g/short"):
        for page in ("report", "report.csv", "report?from=abc"):
            status, html = await get(browser, f"{path}/{page}")
            assert status == 404, (path, page)
            assert f"<p>{NOT_FOUND}</p>" in html
