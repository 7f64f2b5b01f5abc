"""The domain's words, shared by every layer: a session's states (and the named sets of them
the rules speak of), how a person would like to be described, and an action's status.
Storage keeps them as text; nothing here knows how."""

from __future__ import annotations

from enum import StrEnum


class SessionState(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    SPARK = "spark"
    BREAKOUTS = "breakouts"
    REFLECTING = "reflecting"
    CLOSED = "closed"
    SUMMARISED = "summarised"
    CANCELLED = "cancelled"


S = SessionState

# Running now: people are in the session.
LIVE_STATES = frozenset({S.OPEN, S.SPARK, S.BREAKOUTS, S.REFLECTING})
# Over: its reflections are closed, its digest drafted or sent.
ENDED_STATES = frozenset({S.CLOSED, S.SUMMARISED})
# Nothing more happens in it: too late to join.
FINISHED_STATES = ENDED_STATES | {S.CANCELLED}
# Never ran: nobody can have been present.
NOT_HELD_STATES = frozenset({S.SCHEDULED, S.CANCELLED})
# A timed step may still come (a reminder, the opening, a timer's end, the digest's due
# date): the scheduler plans jobs for these.
TIMED_STATES = frozenset({S.SCHEDULED, S.BREAKOUTS, S.REFLECTING, S.CLOSED})
# What "the current session" may be, in the order it is chosen: running, then the next.
UPCOMING_STATES = (S.SCHEDULED, *sorted(LIVE_STATES), S.CLOSED)


class Role(StrEnum):
    """How a person would like to be described. Used only for balancing and for counts of 5+."""

    DRAWS_ON_CARE = "draws_on_care"
    CARER = "carer"
    COMMISSIONER = "commissioner"
    PROVIDER = "provider"
    OTHER = "other"
    PREFER_NOT = "prefer_not"


class ActionStatus(StrEnum):
    PLANNED = "planned"
    DOING = "doing"
    DONE = "done"
    CANT_DO = "cant_do"


# Still to happen: its owner is reminded before the day it is due.
OPEN_ACTIONS = frozenset({ActionStatus.PLANNED, ActionStatus.DOING})
