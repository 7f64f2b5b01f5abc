"""Keeping recent pairs apart (rule 5) on rosters the size of a large event: the search only
swaps people of the same kind, so every group keeps the counts the plan gave it, and it
never leaves more recent pairs together than dealing alone did. The recent pairs may come
in any collection, and pairs that cannot be kept apart (one person, or someone not here)
change nothing."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sessions.allocation import Person, allocate
from tests.sessions.test_allocation import (
    clashes,
    roster_and_pairs,
    rosters,
    satisfied,
    seeds,
    tally,
    targets,
)


def last_sessions(people: list[Person], rng: random.Random, size: int) -> set[frozenset[int]]:
    """The pairs of three earlier sessions in groups of `size`, as the bot passes them."""
    pairs: set[frozenset[int]] = set()
    ids = [p.id for p in people]
    for _ in range(3):
        rng.shuffle(ids)
        for start in range(0, len(ids), size):
            group = ids[start : start + size]
            pairs |= {frozenset((a, b)) for a in group for b in group if a < b}
    return pairs


@settings(max_examples=60, deadline=None)
@given(
    rosters(min_size=30, max_size=400),
    st.integers(3, 8),
    seeds,
    st.randoms(use_true_random=False),
)
def test_large_rosters_only_swap_alike_people_and_never_add_a_meeting(people, target, seed, rnd):
    recent = last_sessions(people, rnd, target)
    dealt = allocate(people, target_size=target, seed=seed)  # the same deal, no search
    groups = allocate(people, target_size=target, seed=seed, recent_pairs=recent)
    by_id = {p.id: p for p in people}
    assert sorted(i for g in groups for i in g) == sorted(by_id)
    assert [tally(g, by_id) for g in groups] == [tally(g, by_id) for g in dealt]
    assert satisfied(groups, by_id) == satisfied(dealt, by_id)
    assert clashes(groups, recent) <= clashes(dealt, recent)


@given(roster_and_pairs(), targets, seeds, st.data())
def test_recent_pairs_in_any_collection_and_pairs_that_cannot_count_change_nothing(
    case, target, seed, data
):
    people, recent = case
    first = allocate(people, target_size=target, seed=seed, recent_pairs=recent)
    absent = max((p.id for p in people), default=0) + 1
    ids = [p.id for p in people] or [absent]
    noise = {frozenset((absent, i)) for i in data.draw(st.lists(st.sampled_from(ids)))}
    noise |= {frozenset((i,)) for i in data.draw(st.lists(st.sampled_from(ids)))}
    for given_as in (list(recent), frozenset(recent), list(recent | noise), recent | noise):
        assert allocate(people, target_size=target, seed=seed, recent_pairs=given_as) == first
