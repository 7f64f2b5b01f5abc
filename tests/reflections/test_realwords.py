"""Real participant words through the two screens (tests/reflections/realwords.py).

The dev part is checked case by case: every detail taken out or marked, nothing else marked;
every risk raised, no false alarm. The held-out part is never tuned on, so it is checked only
as totals that must not fall below what the screens did when they were last changed; its
cases are not listed here one by one on purpose.
"""

from __future__ import annotations

import pytest

from bot.reflections.safeguarding import risk_matches
from tests.reflections.realwords import (
    detail_cases,
    detail_score,
    risk_cases,
    risk_score,
    screen_details,
)

_DETAILS = detail_cases("dev")
_RISKS, _ORDINARY = risk_cases("dev")


@pytest.mark.parametrize(("text", "details"), _DETAILS, ids=[t[:50] for t, _ in _DETAILS])
def test_details_are_taken_out_or_marked(text, details):
    outcome = screen_details(text, details)
    assert not outcome.missed, f"missed {outcome.missed}"
    assert not outcome.extra, (
        f"found where there is nothing: {[text[f.start : f.end] for f in outcome.extra]}"
    )


@pytest.mark.parametrize("text", _RISKS, ids=[t[:50] for t in _RISKS])
def test_words_of_risk_reach_safeguarding(text):
    assert risk_matches(text)


@pytest.mark.parametrize("text", _ORDINARY, ids=[t[:50] for t in _ORDINARY])
def test_everyday_words_raise_no_alarm(text):
    assert not risk_matches(text)


# What the screens did on the held-out parts when they were last changed: a change may raise
# these, never lower them (and then raises them here).
HELD_OUT_DETAILS = {"held_out": (61, 0)}  # details caught (of 64), clean texts marked (of 30)
# Raised, false alarms.
HELD_OUT_RISKS = {"held_out": (43, 2), "held_out_2": (32, 1), "held_out_3": (18, 1)}


@pytest.mark.parametrize(("part", "floor"), HELD_OUT_DETAILS.items())
def test_held_out_details_do_not_slip(part, floor):
    score = detail_score(part)
    assert score.caught >= floor[0] and score.clean_texts_marked <= floor[1], score


@pytest.mark.parametrize(("part", "floor"), HELD_OUT_RISKS.items())
def test_held_out_risks_do_not_slip(part, floor):
    score = risk_score(part)
    assert score.raised >= floor[0] and score.false_alarms <= floor[1], score


@pytest.mark.parametrize("part", ["dev", *HELD_OUT_RISKS])
def test_each_text_is_listed_once(part):
    """A text written twice counts twice in a part's totals and is checked twice (seven were,
    before 2026-12-04)."""
    risks, ordinary = risk_cases(part)
    texts = risks + ordinary
    assert len(texts) == len(set(texts))
