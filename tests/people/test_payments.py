"""Payment choices that respect benefit rules (issue 18, item 1): choosing how to be paid, for
every session or one, expenses, the claims sheet's columns, earnings-limit warnings told to
the person alone, the Jobcentre Plus letter, and forget me / my data."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from sqlmodel import select

from bot.core.domain import SessionState
from bot.core.ports import DeliveryError
from bot.core.refs import UserRef
from bot.core.yaml_data import DataFileError
from bot.people.limits import EarningsLimits, period_of
from storage.models import Expense, OutboxItem, PaymentChoice, SessionPayment
from tests.conftest import COMMUNITY, Chat, snapshot
from tests.helpers import make_session
from tests.people.test_claims_and_data import all_values, scripted_session

# A small table of limits with an April change, for the rules (not the shipped figures).
LIMITS = """
warn_at_percent: 80
periods:
  - from: 2026-04-06
    limits:
      carers_allowance: {amount: "50.00", per: week}
      uc_work_allowance: {amount: "400.00", per: month, example: true}
  - from: 2027-04-05
    limits:
      carers_allowance: {amount: "100.00", per: week}
      uc_work_allowance: {amount: "400.00", per: month}
"""


async def sheet(chat, fac) -> list[dict[str, str]]:
    reply = await chat.say(fac, "/brew claims export from=2026-11-01 to=2026-12-31")
    [file] = reply.replies[0][0].attachments
    return list(csv.DictReader(io.StringIO(file.content.decode())))


# --- the rules, pure -------------------------------------------------------------------------


def test_the_shipped_limits_load_and_are_dated():
    limits = EarningsLimits.load()
    assert "permitted_work" in limits.names() and "carers_allowance" in limits.names()
    before, after = limits.on(date(2025, 4, 6)), limits.on(date(2025, 4, 7))
    assert before != after, "April's change is a new entry, in force from its day"


def test_a_week_near_a_limit_warns_and_april_changes_the_limit():
    limits = EarningsLimits.load(LIMITS)
    # 40 of a 50 limit is 80%: a warning; 39.99 is not.
    sunday = date(2027, 3, 28)
    assert [n.limit.name for n in limits.near("all", sunday, [(sunday, 4000)])] == [
        "carers_allowance"
    ]
    assert limits.near("all", sunday, [(sunday, 3999)]) == []
    # The same pay a week after April's change is measured against the new limit of 100.
    monday = date(2027, 4, 5)
    assert limits.near("all", monday, [(monday, 4000)]) == []
    [over] = limits.near("all", monday, [(monday, 10001)])
    assert over.over and (over.start, over.end) == (monday, monday + timedelta(days=6))
    # A month is measured against the limits on its last day; only watched limits warn.
    assert [n.limit.name for n in limits.near("uc_work_allowance", monday, [(monday, 32000)])] == [
        "uc_work_allowance"
    ]
    assert limits.near("none", monday, [(monday, 99999)]) == []
    assert period_of("month", date(2027, 2, 10)) == (date(2027, 2, 1), date(2027, 2, 28))


ONE = (
    "warn_at_percent: {warn}\nperiods:\n- from: 2026-04-06\n"
    "  limits: {{a: {{amount: '{amount}', per: {per}}}}}"
)


@pytest.mark.parametrize(
    "text",
    [
        "warn_at_percent: 80\nperiods: []",
        ONE.format(warn=0, amount="1", per="week"),
        ONE.format(warn=80, amount="x", per="week"),
        ONE.format(warn=80, amount="1", per="year"),
        LIMITS.replace("2027-04-05", "2025-04-05"),  # out of order
    ],
)
def test_a_broken_limits_file_stops_start_up(text):
    with pytest.raises(DataFileError, match=r"earnings_limits\.yaml"):
        EarningsLimits.load(text)


# --- choosing, in chat ------------------------------------------------------------------------


async def test_choices_for_every_session_and_for_one_reach_the_sheet(app, chat, fac, clock):
    session_id = await make_session(
        app, SessionState.SCHEDULED, people=0, starts_in=timedelta(minutes=1)
    )
    ann, bo, cy, di = (Chat.person(n) for n in ("Ann", "Bo", "Cy", "Di"))
    said = await chat.say(ann, "/brew claim pay lower 10")
    assert "Lower amount, up to £10.00 a session" in said.text and "advice" in said.text
    said = await chat.say(bo, '/brew claim pay charity "Mind Norfolk"')
    assert "Mind Norfolk" in said.text
    await chat.say(cy, "/brew claim on")
    said = await chat.say(cy, f"/brew claim pay none session={session_id}")
    assert f"session {session_id}" in said.text and "welcome" in said.text
    # Di does not claim for every session, only this one: expenses only.
    await chat.say(di, f"/brew claim pay expenses session={session_id}")
    said = await chat.say(di, f"/brew claim expense travel 12.40 yes {session_id}")
    assert "£12.40" in said.text and "receipt" in said.text
    await chat.say(di, f"/brew claim expense care 30 session={session_id}")
    await chat.say(fac, f"/brew open {session_id}")
    for user in (ann, bo, cy, di):
        await chat.say(user, f"/brew join {session_id}")
    clock.advance(timedelta(minutes=90))
    await chat.say(fac, f"/brew close {session_id}")
    rows = {r["Name"]: r for r in await sheet(chat, fac)}
    assert set(rows) == {"Ann", "Bo", "Di"}, "no payment leaves Cy off the sheet"
    assert rows["Ann"]["Amount (GBP)"] == "10.00" and rows["Ann"]["Payment choice"] == (
        "Lower amount"
    )
    assert rows["Bo"]["Amount (GBP)"] == "30.00" and rows["Bo"]["Paid to charity"] == "Mind Norfolk"
    assert rows["Di"]["Amount (GBP)"] == "0.00" and rows["Di"]["Payment choice"] == "Expenses only"
    assert rows["Di"]["Expenses (GBP)"] == "42.40"
    assert (rows["Di"]["Travel (GBP)"], rows["Di"]["Care or support cover (GBP)"]) == (
        "12.40",
        "30.00",
    )
    assert rows["Di"]["Other expenses (GBP)"] == "" and rows["Di"]["Receipts"] == "Some"
    assert rows["Ann"]["Receipts"] == "" and rows["Ann"]["Paid to charity"] == ""


async def test_a_charity_name_cannot_inject_a_formula_into_the_sheet(app, chat, fac, clock):
    session_id = await make_session(app, SessionState.OPEN, people=0)
    ann = Chat.person("Ann")
    await chat.say(ann, '/brew claim pay charity "=HYPERLINK(1)"')
    await chat.say(ann, f"/brew join {session_id}")
    await chat.say(fac, f"/brew close {session_id}")
    [row] = await sheet(chat, fac)
    assert not row["Paid to charity"].startswith("=")


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("/brew claim pay lower", "Please say the amount"),
        ("/brew claim pay lower ten", "Please give an amount in pounds"),
        ("/brew claim pay lower 99999999", "too big"),
        ("/brew claim pay charity", "name of the charity"),
        ("/brew claim pay full 10", "needs nothing more"),
        ("/brew claim pay maybe", "Please choose full, lower, charity, expenses or none"),
        ("/brew claim expense travel -3", "Please give an amount in pounds"),
        ("/brew claim expense taxi 3", "travel, care, other"),
        ("/brew claim limits watch=everything", "should be one of: all, none"),
        ("/brew claim letter from=yesterday", "dates like 2026-12-01"),
        ("/brew claim letter from=2026-12-01 to=2026-11-01", "swap them"),
    ],
)
async def test_bad_input_is_one_kind_sentence_and_changes_nothing(app, chat, typed, said):
    await make_session(app, SessionState.OPEN, people=0)
    ann = Chat.person("Ann")
    await chat.say(ann, "/brew claim on")
    before = await snapshot(app)
    reply = await chat.say(ann, typed)
    assert said in reply.text and "Traceback" not in reply.text
    assert reply.text.count(".") <= 2
    assert await snapshot(app) == before


async def test_no_choice_shows_the_current_one(app, chat):
    ann = Chat.person("Ann")
    assert "not claiming" in (await chat.say(ann, "/brew claim pay")).text
    await chat.say(ann, "/brew claim pay expenses")
    assert "Expenses only" in (await chat.say(ann, "/brew claim pay")).text
    await chat.say(ann, "/brew claim pay none")
    assert "not claiming" in (await chat.say(ann, "/brew claim pay")).text


async def test_an_expense_is_changed_and_taken_off(app, chat):
    session_id = await make_session(app, SessionState.OPEN, people=0)
    ann = Chat.person("Ann")
    await chat.say(ann, "/brew claim on")
    await chat.say(ann, f"/brew claim expense travel 5 session={session_id}")
    await chat.say(ann, f"/brew claim expense travel 7.5 yes session={session_id}")
    async with app.db.read() as tx:
        [row] = (await tx.exec(select(Expense))).all()
    assert (row.amount_pence, row.receipt) == (750, True)
    said = await chat.say(ann, f"/brew claim expense travel 0 session={session_id}")
    assert "taken off" in said.text
    async with app.db.read() as tx:
        assert (await tx.exec(select(Expense))).all() == []


async def test_costs_for_a_session_with_no_payment_are_said_not_to_be_paid(app, chat):
    session_id = await make_session(app, SessionState.OPEN, people=0)
    ann = Chat.person("Ann")
    await chat.say(ann, f"/brew claim pay none session={session_id}")
    said = await chat.say(ann, f"/brew claim expense travel 5 session={session_id}")
    assert "will not be paid" in said.text


# --- earnings limits: told to the person alone --------------------------------------------------


async def test_a_person_near_a_limit_is_told_privately_when_the_session_closes(
    app, chat, fac, clock
):
    # The service behind the table's own command, given a small table of limits to test.
    payments = app.table.commands["claim limits"].handler.__self__
    payments.limits = EarningsLimits.load(LIMITS)
    await chat.say(fac, "/brew settings hourly_rate_pence 3000")
    session_id = await make_session(
        app, SessionState.SCHEDULED, people=0, starts_in=timedelta(minutes=1)
    )
    ann, bo = Chat.person("Ann"), Chat.person("Bo")
    await chat.say(ann, "/brew claim on")
    await chat.say(bo, "/brew claim pay charity Mind")
    await chat.say(fac, f"/brew open {session_id}")
    for user in (ann, bo):
        await chat.say(user, f"/brew join {session_id}")
    clock.advance(timedelta(minutes=90))
    adapter = chat.adapter
    adapter.sent.clear()
    closed = await chat.say(fac, f"/brew close {session_id}")
    # Ann was paid £45 for 1.5 hours: 90% of the 50 a week limit. Bo's pay went to a charity.
    to_ann = adapter.private_to(ann.id)
    assert len(to_ann) == 1 and "£45.00" in to_ann[0].text and "close to" in to_ann[0].text
    assert not adapter.private_to(bo.id)
    assert not [m for m in adapter.private_to(fac.id) if "£45.00" in m.text]
    assert "£45.00" not in closed.text
    posted = " ".join(repr(s.message) for s in adapter.sent if s.op != "private")
    assert "£45.00" not in posted, "never posted where others see it"
    # Told once: another change to the session adds nothing.
    await app.deps.session_changed(session_id)
    async with app.db.read() as tx:
        rows = (await tx.exec(select(OutboxItem).where(OutboxItem.purpose == "payments"))).all()
    assert len(rows) == 1
    # Ann can look any time, and choose not to be told.
    said = await chat.say(ann, "/brew claim limits")
    assert "£45.00" in said.text and "close to" in said.text
    said = await chat.say(ann, "/brew claim limits watch=none")
    assert "not to be told" in said.text and "close to" not in said.text


async def test_a_warning_that_cannot_reach_the_person_is_told_to_them_next_time(
    app, chat, fac, clock
):
    payments = app.table.commands["claim limits"].handler.__self__
    payments.limits = EarningsLimits.load(LIMITS)
    await chat.say(fac, "/brew settings hourly_rate_pence 3000")
    session_id = await make_session(
        app, SessionState.SCHEDULED, people=0, starts_in=timedelta(minutes=1)
    )
    ann, bo = Chat.person("Ann"), Chat.person("Bo")
    for user in (ann, bo):
        await chat.say(user, "/brew claim on")
    await chat.say(fac, f"/brew open {session_id}")
    for user in (ann, bo):
        await chat.say(user, f"/brew join {session_id}")
    clock.advance(timedelta(minutes=90))
    adapter = chat.adapter
    # Ann's private messages are closed: the warning is refused for good.
    adapter.failures[f"private:{ann.id}"] = DeliveryError("dm_closed")
    adapter.sent.clear()
    await chat.say(fac, f"/brew close {session_id}")
    assert not adapter.private_to(ann.id)
    async with app.db.read() as tx:
        items = (await tx.exec(select(OutboxItem).where(OutboxItem.purpose == "payments"))).all()
    [item] = [i for i in items if i.target == ann.id]
    assert item.status == "failed"
    # Bo's warning arrived; Bo is not told of Ann's. The facilitator is told nothing.
    said = await chat.say(bo, "/brew claim pay")
    assert "could not reach you" not in said.text
    assert not [m for m in adapter.private_to(fac.id) if "£45.00" in m.text]
    # The next time Ann uses /brew claim, her answer (to her alone) carries the warning.
    said = await chat.say(ann, "/brew claim pay expenses")
    [(message, private)] = said.replies
    assert private and "Expenses only" in message.text
    assert "could not reach you" in message.text and "£45.00" in message.text
    assert "close to" in message.text
    # Told once: it is now delivered, and not said again.
    async with app.db.read() as tx:
        assert (await tx.get(OutboxItem, item.id)).status == "done"
    assert "could not reach you" not in (await chat.say(ann, "/brew claim on")).text
    assert not [m for m in adapter.sent if "£45.00" in repr(m) and m.op != "private"]


# --- the letter -------------------------------------------------------------------------------


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


async def test_the_letter_is_private_accessible_and_says_what_was_paid(app, chat, fac, clock):
    session_id, ann, _bo = await scripted_session(app, chat, fac, clock)
    await chat.say(ann, "/brew call me Ann <b>Smith</b>")
    await chat.say(ann, f"/brew claim expense travel 6.20 yes session={session_id}")
    reply = await chat.say(ann, "/brew claim letter")
    [(message, private)] = reply.replies
    assert private, "only the person sees their letter"
    html_file, text_file = message.attachments
    assert html_file.filename.endswith(".html") and html_file.mime_type == "text/html"
    page = _Page()
    page.feed(html_file.content.decode())
    tags = [tag for tag, _ in page.tags]
    assert ("html", {"lang": "en-GB"}) in page.tags
    assert tags.count("h1") == 1 and tags.index("h1") < tags.index("h2")
    assert "caption" in tags and "title" in tags and "main" in tags
    scopes = [attrs.get("scope") for tag, attrs in page.tags if tag == "th"]
    assert scopes.count("col") == 7 and "row" in scopes
    assert "<b>Smith" not in html_file.content.decode(), "a typed name is escaped"
    words = " ".join(page.text)
    for expected in ("Jobcentre Plus", "Ann <b>Smith</b>", "30.00", "6.20", "1.50", "time"):
        assert expected in words
    text = text_file.content.decode()
    assert "Ann <b>Smith</b>" in text and "30.00" in text and "Expenses" in text
    assert "Bo" not in words and "Bo" not in text, "nothing about anyone else"


async def test_the_letter_with_nothing_to_say_says_so(app, chat):
    said = await chat.say(Chat.person("Ann"), "/brew claim letter")
    assert "nothing to put in a letter" in said.text and not said.replies[0][0].attachments


# --- data rights ------------------------------------------------------------------------------


async def test_my_data_and_forget_me_cover_payments(app, chat, fac, clock):
    session_id, ann, bo = await scripted_session(app, chat, fac, clock)
    await chat.say(bo, '/brew claim pay charity "Bo\'s Charity"')
    await chat.say(bo, f"/brew claim pay lower 4.50 session={session_id}")
    await chat.say(bo, f"/brew claim expense care 11 session={session_id}")
    await chat.say(bo, "/brew claim limits watch=carers_allowance")
    await chat.say(ann, f"/brew claim expense travel 3 session={session_id}")
    reply = await chat.say(bo, "/brew my data")
    text = reply.replies[0][0].attachments[0].content.decode()
    data = json.loads(text[text.index("{") :])["payments"]
    assert data["payment_choice_for_every_session"]["charity"] == "Bo's Charity"
    assert data["earnings_limits_you_watch"] == "carers_allowance"
    assert data["payment_choices_for_one_session"][0]["lower_amount_gbp"] == "4.50"
    assert data["expenses"] == [
        {
            "session": data["expenses"][0]["session"],
            "kind": "care",
            "amount_gbp": "11.00",
            "receipt": False,
        }
    ]
    assert "travel" not in text, "Ann's expense is not Bo's data"
    await chat.say(bo, "/brew forget me")
    await chat.press(bo, "brew:privacy:forget:yes")
    async with app.db.read() as tx:
        assert (await tx.exec(select(PaymentChoice))).all() == []
        assert (await tx.exec(select(SessionPayment))).all() == []
        assert len((await tx.exec(select(Expense))).all()) == 1, "Ann's stays"
    assert "Bo's Charity" not in await all_values(app)


async def test_the_choice_for_one_session_is_shown_and_an_unknown_session_is_refused(app, chat):
    session_id = await make_session(
        app, SessionState.SCHEDULED, people=0, starts_in=timedelta(minutes=1)
    )
    ann = Chat.person("Ann")
    await chat.say(ann, "/brew claim pay full")
    await chat.say(ann, f"/brew claim pay lower 4.50 session={session_id}")
    asked = await chat.say(ann, f"/brew claim pay session={session_id}")
    assert f"session {session_id}" in asked.text and "4.50" in asked.text
    before = await snapshot(app)
    unknown = await chat.say(ann, "/brew claim pay session=9999")
    assert "9999" in unknown.text and await snapshot(app) == before


# --- for someone who joined by phone: the facilitator records their choice and costs ----------


@pytest.mark.parametrize("named", ["<@user-ann>", "user-ann", "@user-ann"])
async def test_a_chat_member_named_in_present_is_that_member_not_someone_by_phone(
    app, chat, fac, named
):
    """A mention (or the bare id) names the member with that id on the platform in use, as a
    setting's person does (people/settings.py): their own attendance and choice, never a
    new person by phone called "<@user-ann>"."""
    ann = Chat.person("Ann")
    await chat.say(ann, "/brew help")  # Ann is in the chat, with her own id
    session_id = await make_session(
        app, SessionState.SCHEDULED, people=0, starts_in=timedelta(minutes=1)
    )
    await chat.say(fac, f"/brew open {session_id}")
    said = await chat.say(fac, f"/brew present {named} session={session_id} pay=none")
    assert f"For session {session_id}: No payment." in said.text
    stored = await snapshot(app)
    people = sorted(row[2] for row in stored["participant"])  # their user ids, as stored
    assert people == ["'user-ann'", "'user-fran'"], "Ann and the facilitator; nobody by phone"
    assert len(stored["attendance"]) == 1


async def test_a_facilitator_records_the_choices_and_costs_of_people_who_joined_by_phone(
    app, chat, fac, clock
):
    session_id = await make_session(
        app, SessionState.SCHEDULED, people=0, starts_in=timedelta(minutes=1)
    )
    await chat.say(fac, f"/brew open {session_id}")
    said = await chat.say(fac, f'/brew present "Pat Jones" session={session_id} pay="lower 10"')
    assert "Pat Jones is marked present" in said.text
    assert f"For session {session_id}: Lower amount, up to £10.00 a session." in said.text
    said = await chat.say(
        fac,
        f'/brew present "Pat Jones" session={session_id} expense=travel amount=12.40 receipt=yes',
    )
    assert "£12.40" in said.text and "receipt" in said.text
    assert "Lower amount" not in said.text, "the answer names only what was recorded"
    # The short form, as with a setting: the kind of cost and its amount in one.
    said = await chat.say(fac, f'/brew present "Pat Jones" session={session_id} care=30')
    assert "£30.00" in said.text and "will not be paid" not in said.text
    await chat.say(fac, f'/brew present "Kim Ng" session={session_id} pay="charity Mind"')
    said = await chat.say(fac, f'/brew present "Sam Lee" session={session_id} pay=none')
    assert f"For session {session_id}: No payment." in said.text
    said = await chat.say(
        fac, f'/brew present "Lou Fox" session={session_id} pay=expenses expense=other amount=5'
    )
    assert "Expenses only" in said.text and "£5.00" in said.text
    clock.advance(timedelta(minutes=90))
    await chat.say(fac, f"/brew close {session_id}")
    rows = {r["Name"]: r for r in await sheet(chat, fac)}
    assert set(rows) == {"Pat Jones", "Kim Ng", "Lou Fox"}, "no payment leaves Sam off"
    pat, kim, lou = rows["Pat Jones"], rows["Kim Ng"], rows["Lou Fox"]
    assert (pat["Amount (GBP)"], pat["Payment choice"]) == ("10.00", "Lower amount")
    assert (pat["Travel (GBP)"], pat["Care or support cover (GBP)"]) == ("12.40", "30.00")
    assert (pat["Expenses (GBP)"], pat["Receipts"]) == ("42.40", "Some")
    assert (kim["Amount (GBP)"], kim["Paid to charity"]) == ("30.00", "Mind")
    assert (lou["Amount (GBP)"], lou["Payment choice"]) == ("0.00", "Expenses only")
    assert (lou["Other expenses (GBP)"], lou["Receipts"]) == ("5.00", "None")


async def test_what_a_facilitator_records_for_a_member_is_theirs_in_chat_and_the_letter(
    app, chat, fac, clock
):
    session_id = await make_session(
        app, SessionState.SCHEDULED, people=0, starts_in=timedelta(minutes=1)
    )
    # A chat member who joined by phone this time, named by their mention (an id of the
    # terminal chat's shape: this community is the terminal chat's).
    ann = UserRef(COMMUNITY, "user-ann", "Ann", frozenset())
    await chat.say(fac, f"/brew open {session_id}")
    said = await chat.say(
        fac, f'/brew present @user-ann session={session_id} pay="charity Mind" travel=6.20'
    )
    assert "Paid to a charity: Mind" in said.text and "£6.20" in said.text
    clock.advance(timedelta(minutes=90))
    await chat.say(fac, f"/brew close {session_id}")
    asked = await chat.say(ann, f"/brew claim pay session={session_id}")
    assert f"For session {session_id}: Paid to a charity: Mind." in asked.text
    [row] = await sheet(chat, fac)
    assert (row["Amount (GBP)"], row["Paid to charity"], row["Travel (GBP)"]) == (
        "30.00",
        "Mind",
        "6.20",
    )
    reply = await chat.say(ann, "/brew claim letter")
    text = reply.replies[0][0].attachments[1].content.decode()
    assert "Paid to a charity" in text and "30.00" in text and "6.20" in text


async def test_costs_for_someone_not_claiming_are_said_not_to_be_paid(app, chat, fac):
    session_id = await make_session(app, SessionState.OPEN, people=0)
    said = await chat.say(fac, f'/brew present "Pat Jones" session={session_id} travel=4')
    assert "£4.00" in said.text and "will not be paid" in said.text and "pay=expenses" in said.text
    said = await chat.say(fac, f'/brew present "Pat Jones" session={session_id} pay=expenses')
    assert "will not be paid" not in said.text
    said = await chat.say(fac, f'/brew present "Pat Jones" session={session_id} travel=0')
    assert "taken off" in said.text
    async with app.db.read() as tx:
        assert (await tx.exec(select(Expense))).all() == []


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ("pay=maybe", "Please choose full, lower, charity, expenses or none"),
        ('pay="lower"', "Please say the amount"),
        ('pay="lower ten"', "Please give an amount in pounds"),
        ('pay="full 10"', "needs nothing more"),
        ("pay=charity", "name of the charity"),
        ("expense=travel", "the kind of cost and its amount"),
        ("amount=5", "the kind of cost and its amount"),
        ("receipt=yes", "the kind of cost and its amount"),
        ("expense=travel amount=-3", "Please give an amount in pounds"),
        ("expense=taxi amount=3", "travel, care, other"),
        ("travel=99999999", "too big"),
    ],
)
async def test_a_facilitators_bad_payment_input_is_one_kind_sentence_and_writes_nothing(
    app, chat, fac, options, said
):
    session_id = await make_session(app, SessionState.OPEN, people=0)
    before = await snapshot(app)
    reply = await chat.say(fac, f'/brew present "Pat Jones" session={session_id} {options}')
    assert said in reply.text and "Traceback" not in reply.text
    assert reply.text.count(".") <= 2
    assert await snapshot(app) == before, "not even marked present"


async def test_only_facilitators_record_payments_for_someone_else(app, chat):
    session_id = await make_session(app, SessionState.OPEN, people=0)
    before = await snapshot(app)
    said = await chat.say(
        Chat.person("Sam"), f'/brew present "Pat Jones" session={session_id} pay=none travel=5'
    )
    assert said.text.startswith("Only facilitators") and await snapshot(app) == before
