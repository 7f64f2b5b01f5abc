"""SQLModel tables. Times are aware UTC (UTCDateTime). See docs/architecture.md and
docs/anonymity.md for the invariants.

Anonymity (docs/anonymity.md): `Reflection` holds no user id, name, message id or time, and
nothing stored here can recompute a link to its writer. What de-duplication and counting need
lives only in process memory (bot/reflections/anonymity.py).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any, Protocol, TypeVar

from sqlalchemy import Column, ForeignKey, Integer, Table, UniqueConstraint, inspect
from sqlalchemy.orm import class_mapper
from sqlmodel import Field, SQLModel

from bot.core.domain import ActionStatus, SessionState
from storage.types import UTCDateTime, UTCDay, utc_day, utcnow


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table (SQLModel sets `__table__` but does not declare it)."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def id_of(row: _Row) -> int:
    """A stored row's id. Every table's `id` is `int | None` only because a new row has none
    until it is flushed; a row read from the database, or flushed, always has one."""
    if row.id is None:
        raise ValueError(f"this {type(row).__name__} has not been stored")
    return row.id


M = TypeVar("M", bound=SQLModel)


def unsaved(model: type[M], **values: Any) -> M:
    """What `model(**values)` makes (a new row, not in any transaction, every other column at
    its default) without SQLModel's constructor, which sets each field in turn through
    pydantic and SQLAlchemy: about 300 microseconds for a `Participant`, a quarter of what a
    form opened in a burst costs, where this takes about 16 (issue 17). For rows made on
    every press, such as the stand-in for someone not stored, or a Join's attendance; nothing
    is validated, so `values` must be of the columns' types."""
    fixed, made = _defaults(model)
    row = class_mapper(model).class_manager.new_instance()
    fields = row.__dict__
    fields.update(fixed)
    fields.update({name: make() for name, make in made.items()})
    fields.update(values)
    # The fields pydantic keeps beside a model's values, as its constructor leaves them.
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    object.__setattr__(row, "__pydantic_extra__", None)
    object.__setattr__(row, "__pydantic_private__", None)
    return row


@functools.cache
def _defaults(model: type[SQLModel]) -> tuple[dict[str, Any], dict[str, Callable[[], Any]]]:
    """A model's plain defaults, and the factories of the rest. The plain ones are shared by
    every row made, so they must be values nobody changes in place."""
    fixed: dict[str, Any] = {}
    made: dict[str, Callable[[], Any]] = {}
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            made[name] = info.default_factory  # type: ignore[assignment]  # no validated data
        elif not info.is_required():
            if not isinstance(info.default, str | int | float | Enum | datetime | None):
                raise TypeError(f"{model.__name__}.{name}'s default could be changed in place")
            fixed[name] = info.default
    return fixed, made


def _fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> Column:
    return Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=True)


def _when(*, nullable: bool = True, moment: str | None = None) -> Any:
    # Any, as sqlmodel's Field is typed: it stands as the default of a `datetime | None` column.
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, **_whose(moment))


def _now(*, moment: str) -> Any:
    """A time that is now when the row is made, and says whose moment it is."""
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **_whose(moment))


def _whose(moment: str | None) -> dict[str, Any]:
    """Field arguments saying whose moment a time is, where a person's row holds one (see
    MOMENTS)."""
    return {"sa_column_kwargs": {"info": {"moment": moment}}} if moment else {}


def _day(*, nullable: bool = False) -> Any:
    """A day (midnight UTC) that can hold nothing finer, whatever is written to it."""
    if nullable:
        return Field(default=None, sa_type=UTCDay, nullable=True)
    return Field(default_factory=utc_day, sa_type=UTCDay)


# A time in a table that refers to a person (docs/anonymity.md) is a day (UTCDay) or one of
# these moments, never the moment the person did something: a stored order of people's
# actions could be paired with the order reflections were written in.
MOMENTS = {
    "session": "a moment the whole session shares: when it opened, moved on or closed",
    "facilitators": "when facilitators recorded something, never set by a person taking part",
}


class Community(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    timezone: str = Field(default="Europe/London", max_length=64)
    # A role's name as typed, or the id of one picked in settings (<@&id>), which the platform
    # gives with each person's roles; then `facilitator_role_name` is the name the platform
    # gave with the mention, which is how people know it (empty otherwise).
    facilitator_role: str = Field(default="Facilitator", max_length=100)
    facilitator_role_name: str = Field(default="", max_length=100)
    reminder_minutes: str = Field(default="1440,15", max_length=100)
    session_channel_id: str | None = Field(default=None, max_length=64)
    working_group_channel_id: str | None = Field(default=None, max_length=64)
    safeguarding_contact_id: str | None = Field(default=None, max_length=64)
    # Where digests are e-mailed, comma-separated (for people who never open the chat).
    digest_email: str | None = Field(default=None, max_length=500)
    group_size: int = 5
    # Optional local wording for the note about payments and benefits (else the template).
    benefits_note: str | None = Field(default=None, max_length=1000)
    retention_days: int = 365
    digest_retention_days: int = 730
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CommunityRate(SQLModel, table=True):
    """The community's pay for people's time, in pence an hour, from `from_day` until the
    next row's day (bot/people/rates.py): a change never reprices sessions already held."""

    __tablename__ = "community_rate"

    community_id: int = Field(
        sa_column=Column(Integer, ForeignKey("community.id", ondelete="CASCADE"), primary_key=True)
    )
    from_day: date = Field(primary_key=True)
    pence: int


class CommunitySpark(SQLModel, table=True):
    """A spark a community's facilitators added from chat (validated like the library's)."""

    __tablename__ = "community_spark"
    __table_args__ = (UniqueConstraint("community_id", "spark_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(sa_column=_fk("community.id"))
    spark_id: str = Field(max_length=64)
    data: str = Field(max_length=20000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# The user id of someone a facilitator marked present who has no chat account (joined by
# phone) starts with this; it reaches no platform.
OFFLINE = "offline:"


class Participant(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("community_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(sa_column=_fk("community.id"))
    user_id: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=100)
    called_by: str | None = Field(default=None, max_length=100)
    role: str | None = Field(default=None, max_length=32)
    lived_experience_only: bool = False
    # Shown only to the person themself; never to others, never in a digest.
    self_description: str | None = Field(default=None, max_length=300)
    # "yes" or "no" once they have answered the privacy notice; None before.
    consent: str | None = Field(default=None, max_length=8)
    # The day only (midnight UTC): a precise time could be matched with when a reflection
    # was written.
    consent_at: datetime | None = _day(nullable=True)
    easy_read: bool = False
    plain_style: bool = False
    reminders: str = Field(default="private", max_length=8)
    claim_opt_in: bool = False
    # Days, not times (see last_seen_at).
    created_at: datetime = _day()
    # The day someone last did something (midnight UTC), written at most once a day: retention
    # counts from here, and a day says nothing about which reflection anyone wrote.
    last_seen_at: datetime = _day()


class Session(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(sa_column=_fk("community.id"))
    title: str = Field(max_length=200)
    theme: str = Field(default="", max_length=200)
    spark_id: str | None = Field(default=None, max_length=64)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    duration_minutes: int = 60
    breakout_minutes: int = 20
    reflect_minutes: int = 10
    state: str = Field(default=SessionState.SCHEDULED, max_length=16, index=True)
    channel_id: str | None = Field(default=None, max_length=64)
    recurrence: str | None = Field(default=None, max_length=200)
    series_id: int | None = Field(default=None, index=True)
    created_by: str = Field(default="", max_length=64)
    seed: int = 0
    opened_at: datetime | None = _when()
    spark_at: datetime | None = _when()
    breakouts_at: datetime | None = _when()
    reflecting_at: datetime | None = _when()
    closed_at: datetime | None = _when()
    # When everything that could tie a reflection to its writer was destroyed (digest sent,
    # session cancelled, or the forget-after period ended). No withdrawals after this.
    sealed_at: datetime | None = _when()
    summarised_at: datetime | None = _when()
    cancelled_at: datetime | None = _when()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def moments(self) -> list[datetime]:
        """When the session opened, moved on (spark, breakouts, reflections) and closed, in
        order: the times a person's attendance is kept at."""
        steps = (self.opened_at, self.spark_at, self.breakouts_at, self.reflecting_at)
        return sorted(t for t in (*steps, self.closed_at) if t is not None)

    def step_began(self) -> datetime:
        """When the session began the step it is in (its start time before it opened)."""
        return max(self.moments(), default=self.starts_at)

    def end_of_step(self, began: datetime) -> datetime | None:
        """When the step that began at `began` ended (the close, for the close itself); None
        while it goes on."""
        if began == self.closed_at:
            return began
        return min((t for t in self.moments() if t > began), default=None)


class Attendance(SQLModel, table=True):
    """An RSVP and/or presence at one session. When someone joined or left is kept as the
    step of the session they did it in (Session.step_began), the same for everyone who did it
    then, never the moment itself: the order people came and went in could otherwise be
    paired with the order reflections were written in (docs/anonymity.md)."""

    __table_args__ = (UniqueConstraint("session_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(sa_column=_fk("session.id"))
    participant_id: int = Field(sa_column=_fk("participant.id"))
    rsvp: str | None = Field(default=None, max_length=8)
    joined_at: datetime | None = _when(moment="session")
    left_at: datetime | None = _when(moment="session")
    # Joined by phone or another way, and marked present by a facilitator.
    marked_by_facilitator: bool = False


class Breakout(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("session_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(sa_column=_fk("session.id"))
    number: int
    thread_id: str | None = Field(default=None, max_length=64)
    closed_at: datetime | None = _when()


class BreakoutMember(SQLModel, table=True):
    breakout_id: int = Field(
        sa_column=Column(Integer, ForeignKey("breakout.id", ondelete="CASCADE"), primary_key=True)
    )
    participant_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


def random_id() -> str:
    """A reflection's id: random, so ids do not reveal the order people wrote in."""
    return uuid.uuid4().hex


class Reflection(SQLModel, table=True):
    """An anonymous reflection. No user id, name, message id or time: see the module docstring.

    Kept in key order, a session's rows together (its id, then a random id): every write
    rewrites the session's rows in that order (storage.repositories.rewrite_in_key_order),
    so where a row sits in the file, and on PostgreSQL which transaction wrote it, says
    nothing about who wrote first (docs/anonymity.md). Hence WITHOUT ROWID on SQLite, and no
    other index: an index's pages would keep the order its entries were written in."""

    __table_args__ = ({"sqlite_with_rowid": False},)

    session_id: int = Field(
        sa_column=Column(Integer, ForeignKey("session.id", ondelete="CASCADE"), primary_key=True)
    )
    # A random id, so row ids do not reveal the order people wrote in.
    id: str = Field(default_factory=random_id, primary_key=True, max_length=32)
    category: str = Field(max_length=32)
    text: str = Field(max_length=4000)
    quote_ok: bool = False
    breakout_number: int | None = None
    held: bool = False
    # SHA-256 of the session, the withdrawal code and the writer's user id. The code is
    # random (about 70 bits) and is never stored, so this cannot be recomputed from a user id.
    # Found by its session first (the key), so it needs no index of its own.
    withdraw_tag: str | None = Field(default=None, max_length=64)
    # Counted when reflections closed (see Digest.counted_reflections).
    in_count: bool = False


class ActionItem(SQLModel, table=True):
    """One "we said, we did" line."""

    __tablename__ = "action_item"

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(sa_column=_fk("community.id"))
    session_id: int | None = Field(
        default=None, sa_column=_fk("session.id", nullable=True, ondelete="SET NULL")
    )
    said: str = Field(max_length=1000)
    did: str = Field(default="", max_length=1000)
    owner: str = Field(default="", max_length=200)
    status: str = Field(default=ActionStatus.PLANNED, max_length=16)
    reason: str | None = Field(default=None, max_length=1000)
    # The day it should be done by, in the community's calendar (a day, not a moment).
    due_on: date | None = None
    # The person reminded before it is due (`owner` stays the team or role people read).
    # Forgetting the person (forget me, retention) forgets this too.
    owner_participant_id: int | None = Field(
        default=None, sa_column=_fk("participant.id", nullable=True, ondelete="SET NULL")
    )
    # The facilitator who added it (a user id): told if a reminder cannot reach the owner.
    created_by: str = Field(default="", max_length=64)
    # Only facilitators add and change actions.
    created_at: datetime = _now(moment="facilitators")
    updated_at: datetime = _now(moment="facilitators")


class ActionEvent(SQLModel, table=True):
    """One step in an action's history: its status then, and what was done or why not.
    Written in the same transaction as the change it records."""

    __tablename__ = "action_event"

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(sa_column=_fk("action_item.id"))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(max_length=16)
    did: str = Field(default="", max_length=1000)
    reason: str | None = Field(default=None, max_length=1000)


class Digest(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("session.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    status: str = Field(default="draft", max_length=16)
    # The facilitator's review: {"held": [...], "redacted": [...]} reflection ids, as JSON.
    edits: str = Field(default="{}", max_length=20000)
    # Frozen when reflections close: how many different people wrote the reflections then
    # stored (a lower bound), and how many reflections that was. The digest's small-number
    # rule counts from these once the in-memory record of writers is gone (a restart, or
    # the session sealed); see bot/reflections/anonymity.py.
    contributors: int | None = None
    counted_reflections: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = _when()


class PriorityCount(SQLModel, table=True):
    """How many people marked a suggested theme as one that matters most to them, before the
    session closed (bot/digest/priorities.py). Only a count per theme: nothing here, and
    nothing anywhere else stored, says who marked what (docs/anonymity.md)."""

    __tablename__ = "priority_count"

    session_id: int = Field(
        sa_column=Column(Integer, ForeignKey("session.id", ondelete="CASCADE"), primary_key=True)
    )
    label: str = Field(primary_key=True, max_length=100)
    count: int = 0


class SessionLink(SQLModel, table=True):
    """The link to a session's web page (`/brew link N`): a random token, which is the only
    way to the page. One per session; a new one replaces it and the old link stops working.
    Kept as it is (not hashed) so the facilitator can be shown the same link again: the page
    shows only what the session's announcement already says."""

    __tablename__ = "session_link"

    session_id: int = Field(
        sa_column=Column(Integer, ForeignKey("session.id", ondelete="CASCADE"), primary_key=True)
    )
    token: str = Field(max_length=64, unique=True)


class GroupLink(SQLModel, table=True):
    """The link to a community's working-group pages (`/brew link group`): its sent digests,
    "we said, we did" and what participants heard. A random token, the only way to the pages;
    one per community, replaced by `new` (the old link stops working) and removed by `off`.
    Kept as it is (not hashed) so facilitators can be shown the same link again: the pages
    show only what the sent digests already said."""

    __tablename__ = "group_link"

    community_id: int = Field(
        sa_column=Column(Integer, ForeignKey("community.id", ondelete="CASCADE"), primary_key=True)
    )
    token: str = Field(max_length=64, unique=True)


class WebRsvp(SQLModel, table=True):
    """An answer, "I'm coming" or "I can't come", given on a session's web page by someone
    with no chat account (bot/sessions/rsvp.py). Only what the page asks for, with the
    person's consent: a first name and, for e-mail reminders, an address. The token is their
    own link, to change the answer or remove the row; it is kept as it is because each
    reminder carries it. Deleted when the session is over (or removed by the person), so
    nothing here outlives the session; no time, internet address or browser detail is kept."""

    __tablename__ = "web_rsvp"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(sa_column=_fk("session.id"))
    token: str = Field(max_length=64, unique=True)
    first_name: str = Field(max_length=40)
    email: str | None = Field(default=None, max_length=200)
    coming: bool
    # Answered on the Easy Read page: the reminders are in Easy Read too.
    easy_read: bool = False


class ClaimExport(SQLModel, table=True):
    """A claim already sent to finance, so `forget me` can say which to tell them about."""

    __tablename__ = "claim_export"

    participant_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
        )
    )
    session_id: int = Field(
        sa_column=Column(Integer, ForeignKey("session.id", ondelete="CASCADE"), primary_key=True)
    )
    # The day only, as every time in a person's row (see MOMENTS).
    exported_at: datetime = _day()


# -- payment choices and expenses (bot/people/payments.py, issue 18) -------------------------
# Each row is the person's own, goes with them and with the session (ON DELETE CASCADE), and
# holds no time: a per-person time could be matched with when a reflection was written.


def _key(target: str, *, index: bool = False) -> Column:
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), primary_key=True, index=index)


class PaymentChoice(SQLModel, table=True):
    """How a person wants to be paid for their time at every session: "full", "lower" (at
    most `amount_pence` a session), "charity" (paid to the charity they name), "expenses"
    (expenses only) or "none"; and which earnings limit they want to be warned about ("all",
    "none" or a limit's name). A choice for one session (SessionPayment) wins over this."""

    __tablename__ = "payment_choice"

    participant_id: int = Field(sa_column=_key("participant.id"))
    choice: str = Field(default="full", max_length=16)
    amount_pence: int | None = None
    charity: str | None = Field(default=None, max_length=200)
    watch: str = Field(default="all", max_length=32)


class SessionPayment(SQLModel, table=True):
    """A person's payment choice for one session (the same choices as PaymentChoice)."""

    __tablename__ = "session_payment"

    participant_id: int = Field(sa_column=_key("participant.id"))
    session_id: int = Field(sa_column=_key("session.id", index=True))
    choice: str = Field(max_length=16)
    amount_pence: int | None = None
    charity: str | None = Field(default=None, max_length=200)


class Expense(SQLModel, table=True):
    """Out-of-pocket costs a person claims for one session, one row per kind ("travel",
    "care" for care or support worker cover, "other"), and whether they have a receipt."""

    __tablename__ = "expense"

    participant_id: int = Field(sa_column=_key("participant.id"))
    session_id: int = Field(sa_column=_key("session.id", index=True))
    kind: str = Field(primary_key=True, max_length=16)
    amount_pence: int
    receipt: bool = False


class CommunicationNeeds(SQLModel, table=True):
    """What a person told us they need so they can take part (the Accessible Information
    Standard: record, flag, share, meet and review), with their own words and when they last
    looked at it (bot/people/needs.py). Each need is a `CommunicationNeed` row; Easy Read and
    plain style are the person's own `Participant` switches, not repeated here. Facilitators
    see only counts, never who (bot/people/needs.py)."""

    __tablename__ = "communication_needs"

    participant_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
        )
    )
    # In the person's own words; shown to facilitators only without a name, and only when
    # enough people are coming that the words cannot point to one of them.
    other: str | None = Field(default=None, max_length=300)
    # Days, not times (as Participant.last_seen_at): when they last set or saw their needs,
    # and when they were last asked to look at them again (once a year).
    reviewed_at: datetime = _day()
    review_asked_at: datetime | None = _day(nullable=True)


class CommunicationNeed(SQLModel, table=True):
    """One need from the short fixed list (bot/people/needs.py NEEDS) a person asked for."""

    __tablename__ = "communication_need"

    participant_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
        )
    )
    need: str = Field(primary_key=True, max_length=32)


class ProcessedEvent(SQLModel, table=True):
    """A platform event already handled (Slack retries the same event up to 3 times). Each is
    something a person did (a message, an install): its day is kept, not its time."""

    __tablename__ = "processed_event"

    event_id: str = Field(primary_key=True, max_length=100)
    seen_at: datetime = _day()


class PostedPart(SQLModel, table=True):
    """A part of a long delivery that a platform has shown (bot/platforms/parts.py), so a try
    after a failure or a crash does not show it again. It belongs to its outbox row and is
    deleted with it (delivered and pruned, withdrawn, or a person forgotten), so it never
    outlives its delivery. No message id is kept (a Teams or Discord message id is the time
    it was posted), and no time."""

    __tablename__ = "posted_part"

    outbox_id: int = Field(
        sa_column=Column(Integer, ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True)
    )
    part: int = Field(primary_key=True)


class JobRun(SQLModel, table=True):
    """One run of a scheduled job. The unique key makes a second run of the same job a no-op."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("kind", "session_id", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    session_id: int = Field(index=True)
    due_at: datetime = Field(sa_type=UTCDateTime)
    ran_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    outcome: str = Field(default="done", max_length=16)


class OutboxStatus(StrEnum):
    PENDING = "pending"  # to deliver when due (again, after a transient failure)
    SENDING = "sending"  # claimed by a process until `due_at`; due again if it died
    DONE = "done"
    FAILED = "failed"  # refused for good; a person was told and can retry


class OutboxItem(SQLModel, table=True):
    """A delivery that must not be lost, recorded in the same transaction as the change that
    causes it, then delivered and marked done (bot/delivery/outbox.py). Never a withdrawal
    code or anything else that would tie a reflection to its writer."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    # Idempotency: the same delivery enqueued twice is stored once.
    key: str = Field(max_length=200, unique=True)
    # What the delivery is for ("digest", "safeguarding", ...), so its outcome reaches the
    # feature that asked for it.
    purpose: str = Field(max_length=32, index=True)
    # "post" (a channel), "private" (a person) or "email".
    kind: str = Field(max_length=16)
    community_id: int = Field(sa_column=_fk("community.id"))
    session_id: int | None = Field(default=None, index=True)
    target: str = Field(max_length=500)
    # The person who asked for it (whoever ran the command that made a post or sent a
    # digest), told if it is refused for good; "" when the session's facilitator is the one
    # to tell (a scheduled step's post), or nobody is.
    asked_by: str = Field(default="", max_length=64)
    payload: str
    status: str = Field(default=OutboxStatus.PENDING, max_length=16, index=True)
    attempts: int = 0  # tries since it was recorded or last armed again (Retry)
    # Times it was refused for good, never started again: each refusal is told once, under
    # its own key (bot/delivery/outbox.py, Outcome.notice_key).
    refusals: int = 0
    due_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=64)
    last_detail: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = _when()
