"""The session state machine.

scheduled -> open -> spark -> breakouts -> reflecting -> closed -> summarised, with cancelled
reachable from any state before closed. A facilitator may skip the spark or the breakouts
(small groups, running late), but never go backwards: "just enough structure".
"""

from __future__ import annotations

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


def can_move(current: S | str, target: S) -> bool:
    return target in TRANSITIONS[S(current)]
