"""The session state machine.

scheduled -> open -> spark -> breakouts -> reflecting -> closed -> summarised, with cancelled
reachable from any state before closed. A facilitator may skip the spark or the breakouts
(small groups, running late), but never go backwards: "just enough structure".
"""

from __future__ import annotations

from bot.core.domain import LIVE_STATES
from bot.core.domain import SessionState as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.SCHEDULED: frozenset({S.OPEN, S.CANCELLED}),
    S.OPEN: frozenset({S.SPARK, S.BREAKOUTS, S.REFLECTING, S.CLOSED, S.CANCELLED}),
    S.SPARK: frozenset({S.BREAKOUTS, S.REFLECTING, S.CLOSED, S.CANCELLED}),
    S.BREAKOUTS: frozenset({S.REFLECTING, S.CLOSED, S.CANCELLED}),
    S.REFLECTING: frozenset({S.CLOSED, S.CANCELLED}),
    S.CLOSED: frozenset({S.SUMMARISED}),
    S.SUMMARISED: frozenset(),
    S.CANCELLED: frozenset(),
}

# What the facilitator should do next from each state: a key in prompts/strings/lifecycle.yaml.
NEXT_STEP_HINT: dict[S, str] = {
    S.SCHEDULED: "lifecycle.hint.scheduled",
    S.OPEN: "lifecycle.hint.open",
    S.SPARK: "lifecycle.hint.spark",
    S.BREAKOUTS: "lifecycle.hint.breakouts",
    S.REFLECTING: "lifecycle.hint.reflecting",
    S.CLOSED: "lifecycle.hint.closed",
    S.SUMMARISED: "lifecycle.hint.summarised",
    S.CANCELLED: "lifecycle.hint.cancelled",
}


# The steps people take about a session themselves, and the states each fits. Saying you are
# coming or joining, saying you cannot come or leaving: before the session or while it runs.
# An answer on the session's web page: only before it. Once a session is over or cancelled
# there is nothing left for them to change, so a step that does not fit is refused with one
# sentence and changes nothing.
PEOPLE_STEPS: dict[str, frozenset[S]] = {
    "join": frozenset({S.SCHEDULED}) | LIVE_STATES,
    "leave": frozenset({S.SCHEDULED}) | LIVE_STATES,
    "answer": frozenset({S.SCHEDULED}),
}


def can_move(current: S | str, target: S) -> bool:
    return target in TRANSITIONS[S(current)]


def person_may(step: str, state: S | str) -> bool:
    """Whether a person may take `step` (a key of PEOPLE_STEPS) about a session in `state`."""
    return S(state) in PEOPLE_STEPS[step]
