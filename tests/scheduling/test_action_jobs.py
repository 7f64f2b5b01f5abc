"""An action's reminders are planned from its row alone: 9am where the community is, two days
before the due day and on the day, while it is open and has a person; none once the day has
gone."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from bot.scheduling.planner import JobKind, PlannedJob, plan_action_jobs


@dataclass
class Row:
    id: int | None = 7
    status: str = "planned"
    due_on: date | None = date(2026, 11, 27)
    owner_participant_id: int | None = 3
    timezone: str = "Europe/London"


BEFORE = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
ON_DAY = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def dues(row: Row, now: datetime) -> list[datetime]:
    return [job.due for job in plan_action_jobs(row, now)]


def test_two_reminders_at_nine_where_the_community_is():
    jobs = plan_action_jobs(Row(), MONDAY)
    assert jobs == [
        PlannedJob(JobKind.ACTION_DUE, 7, BEFORE),
        PlannedJob(JobKind.ACTION_DUE, 7, ON_DAY),
    ]
    assert [j.id for j in jobs] == [
        "action_due:7:20261125T090000Z",
        "action_due:7:20261127T090000Z",
    ]
    assert jobs == plan_action_jobs(Row(), MONDAY), "same row, same jobs"
    # In summer London is an hour ahead of UTC; New York is five hours behind in winter.
    summer = Row(due_on=date(2027, 6, 15))
    assert dues(summer, MONDAY)[-1] == datetime(2027, 6, 15, 8, 0, tzinfo=UTC)
    new_york = Row(timezone="America/New_York")
    assert dues(new_york, MONDAY)[-1] == datetime(2026, 11, 27, 14, 0, tzinfo=UTC)


def test_once_the_days_own_reminder_is_due_the_earlier_one_goes():
    # Between the two, both stay: the first runs at once if it has not run (its key says).
    assert dues(Row(), datetime(2026, 11, 26, 12, 0, tzinfo=UTC)) == [BEFORE, ON_DAY]
    assert dues(Row(), ON_DAY) == [ON_DAY]
    assert dues(Row(), datetime(2026, 11, 27, 23, 59, tzinfo=UTC)) == [ON_DAY]
    assert dues(Row(), datetime(2026, 11, 28, 0, 0, tzinfo=UTC)) == []


@pytest.mark.parametrize(
    "row",
    [
        Row(status="done"),
        Row(status="cant_do"),
        Row(due_on=None),
        Row(owner_participant_id=None),
    ],
    ids=["done", "cant_do", "no day", "no person"],
)
def test_no_reminder_without_an_open_action_a_day_and_a_person(row: Row):
    assert plan_action_jobs(row, MONDAY) == []


def test_doing_is_still_open():
    assert len(plan_action_jobs(Row(status="doing"), MONDAY)) == 2
