"""Breakout allocation: each rule from the product issue as a property over random rosters,
checked against an exhaustive search for small rosters, plus named example rosters.

The checks here count roles themselves (they do not reuse the module's helpers), so a
mistake in the module's idea of who is who would show up as a failure.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.core.domain import Role
from bot.sessions.allocation import Person, allocate, group_sizes, place_late_joiner

LIVED = {Role.DRAWS_ON_CARE, Role.CARER}
STAFF = {Role.COMMISSIONER, Role.PROVIDER}
NEUTRAL_ROLES = [Role.OTHER, Role.PREFER_NOT, None]
ALL_ROLES = [*Role, None]


def is_lived(p: Person) -> bool:
    return p.role in LIVED


def is_staff(p: Person) -> bool:
    return p.role in STAFF


def tally(group: Sequence[int], by_id: dict[int, Person]) -> tuple[int, int, int]:
    """(staff, lived experience, neutral) in one group."""
    members = [by_id[i] for i in group]
    staff = sum(map(is_staff, members))
    lived = sum(map(is_lived, members))
    return staff, lived, len(members) - staff - lived


def lone_with_staff(group: Sequence[int], by_id: dict[int, Person]) -> bool:
    staff, lived, _ = tally(group, by_id)
    return lived == 1 and staff >= 1


def worst_excess(groups: list[list[int]], by_id: dict[int, Person]) -> int:
    return max((max(0, s - lv) for s, lv, _ in (tally(g, by_id) for g in groups)), default=0)


def satisfied(groups: list[list[int]], by_id: dict[int, Person]) -> int:
    """People with lived experience who asked for, and got, a group of only lived experience."""
    total = 0
    for group in groups:
        if all(is_lived(by_id[i]) for i in group):
            total += sum(by_id[i].lived_experience_only for i in group)
    return total


def clashes(groups: list[list[int]], recent: set[frozenset[int]]) -> int:
    return sum(1 for g in groups for a in g for b in g if a < b and frozenset((a, b)) in recent)


def totals(people: list[Person]) -> tuple[int, int, int]:
    staff = sum(map(is_staff, people))
    lived = sum(map(is_lived, people))
    return staff, lived, len(people) - staff - lived


# -- strategies -------------------------------------------------------------------------------


@st.composite
def rosters(
    draw: st.DrawFn,
    min_size: int = 0,
    max_size: int = 40,
    roles: Sequence[Role | None] = ALL_ROLES,
    asking: bool = True,
) -> list[Person]:
    n = draw(st.integers(min_size, max_size))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    # A per-roster pool of roles (with repeats as weights), so staff-heavy, lived-heavy and
    # single-kind rosters all turn up often rather than only the average mix.
    pool = draw(st.lists(st.sampled_from(roles), min_size=1, max_size=6))
    return [Person(i, draw(st.sampled_from(pool)), asking and draw(st.booleans())) for i in ids]


@st.composite
def roster_and_pairs(draw: st.DrawFn, max_size: int = 40) -> tuple[list[Person], set]:
    people = draw(rosters(max_size=max_size))
    ids = [p.id for p in people]
    pairs: set[frozenset[int]] = set()
    if len(ids) >= 2:
        for a, b in draw(
            st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=2 * len(ids))
        ):
            if a != b:
                pairs.add(frozenset((a, b)))
    return people, pairs


targets = st.integers(1, 8)
seeds = st.integers(0, 2**32)


# -- an exhaustive search over per-group counts, for small rosters ----------------------------


def best_possible(sizes: list[int], staff: int, lived: int, asking: int) -> tuple[bool, int, int]:
    """Over every way of giving each group some staff and lived-experience people: can nobody
    be alone with staff; the least worst excess given that; and the most people who asked
    for a lived-experience-only group who can have one given both."""
    states = {(0, 0): {(False, 0, 0)}}  # (staff, lived) used -> {(lone, excess, all-lived seats)}
    for size in sizes:
        nxt: dict[tuple[int, int], set[tuple[bool, int, int]]] = {}
        for (s_used, l_used), outcomes in states.items():
            for s in range(min(size, staff - s_used) + 1):
                for lv in range(min(size - s, lived - l_used) + 1):
                    bucket = nxt.setdefault((s_used + s, l_used + lv), set())
                    for lone, excess, seats in outcomes:
                        bucket.add(
                            (
                                lone or (lv == 1 and s >= 1),
                                max(excess, s - lv),
                                seats + (size if lv == size else 0),
                            )
                        )
        states = nxt
    outcomes = states[(staff, lived)]
    avoidable = any(not lone for lone, _, _ in outcomes)
    allowed = [o for o in outcomes if o[0] != avoidable]
    least = min(excess for _, excess, _ in allowed)
    most = max(min(asking, seats) for _, excess, seats in allowed if excess == least)
    return avoidable, least, most


# -- properties -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(roster_and_pairs(), targets, seeds)
def test_everyone_is_placed_exactly_once(case, target, seed):
    people, recent = case
    groups = allocate(people, target_size=target, seed=seed, recent_pairs=recent)
    placed = [i for g in groups for i in g]
    assert sorted(placed) == sorted(p.id for p in people)
    assert all(groups)


@settings(max_examples=200, deadline=None)
@given(rosters(max_size=50), targets, seeds)
def test_sizes_differ_by_at_most_one_and_are_never_below_three(people, target, seed):
    groups = allocate(people, target_size=target, seed=seed)
    n = len(people)
    if n == 0:
        assert groups == []
        return
    sizes = [len(g) for g in groups]
    assert max(sizes) - min(sizes) <= 1
    if n >= 3:
        assert min(sizes) >= 3
    else:
        assert len(groups) == 1
    # As many groups as n / target rounds to (halves up), unless that would make groups under 3.
    wanted = max(1, math.floor(n / target + 0.5))
    assert len(groups) == (min(wanted, n // 3) if n >= 3 else 1)
    assert sorted(sizes, reverse=True) == group_sizes(n, target)


@settings(max_examples=200, deadline=None)
@given(roster_and_pairs(max_size=40), targets, seeds)
def test_nobody_with_lived_experience_is_alone_with_staff_when_avoidable(case, target, seed):
    people, recent = case
    groups = allocate(people, target_size=target, seed=seed, recent_pairs=recent)
    staff, lived, neutral = totals(people)
    smallest = min((len(g) for g in groups), default=0)
    # Only unavoidable with exactly one lived-experience person, some staff, and too few
    # neutral people to make a staff-free group with them (the module docstring says why).
    unavoidable = lived == 1 and staff >= 1 and neutral < smallest - 1
    by_id = {p.id: p for p in people}
    if not unavoidable:
        assert not any(lone_with_staff(g, by_id) for g in groups)


@settings(max_examples=200, deadline=None)
@given(roster_and_pairs(max_size=40), targets, seeds)
def test_staff_never_outnumber_lived_experience_when_the_mix_allows(case, target, seed):
    people, recent = case
    groups = allocate(people, target_size=target, seed=seed, recent_pairs=recent)
    staff, lived, _ = totals(people)
    smallest = min((len(g) for g in groups), default=0)
    spread = min(len(groups), staff, lived // 2)
    # Sufficient: spread the staff over `spread` groups, each with at least two lived-experience
    # people and no more staff than half the group, and put everyone else anywhere.
    allows = staff == 0 or (spread >= 1 and staff <= lived and -(-staff // spread) <= smallest // 2)
    assume(allows)
    by_id = {p.id: p for p in people}
    for group in groups:
        s, lv, _ = tally(group, by_id)
        assert s <= lv
        assert not lone_with_staff(group, by_id)


@settings(max_examples=200, deadline=None)
@given(roster_and_pairs(max_size=13), st.integers(1, 6), seeds)
def test_small_rosters_are_as_good_as_an_exhaustive_search(case, target, seed):
    """Lone-person rule, worst excess and lived-experience-only wishes, each exactly as good as
    the best arrangement of counts, in the rules' order of priority."""
    people, recent = case
    assume(people)
    groups = allocate(people, target_size=target, seed=seed, recent_pairs=recent)
    by_id = {p.id: p for p in people}
    staff, lived, _ = totals(people)
    asking = sum(1 for p in people if is_lived(p) and p.lived_experience_only)
    avoidable, least, most = best_possible([len(g) for g in groups], staff, lived, asking)
    assert any(lone_with_staff(g, by_id) for g in groups) == (not avoidable)
    assert worst_excess(groups, by_id) == least
    assert satisfied(groups, by_id) == most


@settings(max_examples=100, deadline=None)
@given(rosters(max_size=50, roles=[Role.DRAWS_ON_CARE, Role.CARER, *NEUTRAL_ROLES]), targets, seeds)
def test_lived_experience_only_is_honoured_when_there_are_enough_people(people, target, seed):
    groups = allocate(people, target_size=target, seed=seed)
    _, lived, _ = totals(people)
    asking = sum(1 for p in people if is_lived(p) and p.lived_experience_only)
    largest = max((len(g) for g in groups), default=0)
    # With no staff nothing else competes; groups added smallest first until they seat
    # everyone who asked overshoot by less than one group, so this many lived people suffice.
    assume(asking and lived >= asking + largest - 1)
    assert satisfied(groups, {p.id: p for p in people}) == asking


@settings(max_examples=200, deadline=None)
@given(roster_and_pairs(), targets, seeds, st.randoms(use_true_random=False))
def test_same_seed_same_groups_whatever_the_input_order(case, target, seed, rnd):
    people, recent = case
    first = allocate(people, target_size=target, seed=seed, recent_pairs=recent)
    shuffled = list(people)
    rnd.shuffle(shuffled)
    assert allocate(shuffled, target_size=target, seed=seed, recent_pairs=set(recent)) == first
    assert allocate(people, target_size=target, seed=seed, recent_pairs=recent) == first


@st.composite
def one_kind_with_a_matching(draw: st.DrawFn) -> tuple[list[Person], set, int]:
    kind = draw(st.sampled_from([sorted(LIVED), sorted(STAFF), NEUTRAL_ROLES]))
    people = draw(rosters(min_size=6, max_size=40, roles=kind, asking=False))
    target = draw(st.integers(3, 6))
    ids = draw(st.permutations([p.id for p in people]))
    pairs = draw(st.integers(0, len(ids) // 2))
    matching = {frozenset(ids[2 * i : 2 * i + 2]) for i in range(pairs)}
    return people, matching, target


@settings(max_examples=200, deadline=None)
@given(one_kind_with_a_matching(), seeds)
def test_recent_pairs_are_kept_apart_when_that_is_clearly_possible(case, seed):
    """People of one kind, each in at most one recent pair, two or more groups: some swap
    always helps while a pair shares a group (a group of k can hold at most k - 2 partners of
    the other members, and every other group has more than that), so none may remain."""
    people, recent, target = case
    assume(len(group_sizes(len(people), target)) >= 2)
    groups = allocate(people, target_size=target, seed=seed, recent_pairs=recent)
    assert clashes(groups, recent) == 0


@settings(max_examples=150, deadline=None)
@given(roster_and_pairs(max_size=30), st.integers(2, 6), seeds)
def test_no_single_swap_of_two_alike_people_would_separate_more_recent_pairs(case, target, seed):
    people, recent = case
    groups = allocate(people, target_size=target, seed=seed, recent_pairs=recent)
    by_id = {p.id: p for p in people}
    kind = {p.id: (is_staff(p), is_lived(p)) for p in people}
    now, wishes = clashes(groups, recent), satisfied(groups, by_id)
    if now == 0:
        return
    for a, group_a in enumerate(groups):
        for b in range(a + 1, len(groups)):
            for u in group_a:
                for v in groups[b]:
                    if kind[u] != kind[v]:
                        continue
                    trial = [list(g) for g in groups]
                    trial[a][trial[a].index(u)] = v
                    trial[b][trial[b].index(v)] = u
                    if satisfied(trial, by_id) >= wishes:
                        assert clashes(trial, recent) >= now, (u, v)


@st.composite
def existing_groups(draw: st.DrawFn) -> tuple[list[list[int]], dict[int, Person], Person]:
    people = draw(rosters(min_size=1, max_size=30))
    cuts = sorted(draw(st.lists(st.integers(0, len(people)), max_size=6)))
    ids = [p.id for p in people]
    bounds = [0, *cuts, len(ids)]
    groups = [ids[x:y] for x, y in itertools.pairwise(bounds)]
    joiner = Person(20_000, draw(st.sampled_from(ALL_ROLES)), draw(st.booleans()))
    return groups, {p.id: p for p in people}, joiner


@settings(max_examples=200, deadline=None)
@given(existing_groups())
def test_a_late_joiner_goes_to_the_smallest_suitable_group(case):
    groups, by_id, joiner = case
    chosen = place_late_joiner(groups, joiner, by_id)
    tallies = [tally(g, by_id) for g in groups]

    def keep(candidates: list[int], test) -> list[int]:
        """The candidates passing `test`, or all of them if none does (rules are 'if possible')."""
        passing = [i for i in candidates if test(i)]
        return passing or candidates

    def asked_lived_only(i: int) -> bool:
        return (
            bool(groups[i])
            and all(is_lived(by_id[m]) for m in groups[i])
            and any(by_id[m].lived_experience_only for m in groups[i])
        )

    candidates = list(range(len(groups)))
    if is_lived(joiner):
        candidates = keep(candidates, lambda i: tallies[i][1] >= 1 or tallies[i][0] == 0)
        candidates = keep(candidates, lambda i: tallies[i][0] >= 1 and tallies[i][1] == 1)
        if joiner.lived_experience_only:
            candidates = keep(
                candidates, lambda i: bool(groups[i]) and tallies[i][1] == len(groups[i])
            )
    elif is_staff(joiner):
        candidates = keep(candidates, lambda i: tallies[i][1] != 1)
        least = min(max(0, tallies[i][0] + 1 - tallies[i][1]) for i in candidates)
        candidates = keep(candidates, lambda i: max(0, tallies[i][0] + 1 - tallies[i][1]) == least)
        candidates = keep(candidates, lambda i: not asked_lived_only(i))
    else:
        candidates = keep(candidates, lambda i: not asked_lived_only(i))
    smallest = min(len(groups[i]) for i in candidates)
    assert chosen == min(i for i in candidates if len(groups[i]) == smallest)


# -- named rosters ----------------------------------------------------------------------------


def roster(*spec: tuple[Role | None, int], asking: int = 0, start: int = 1) -> list[Person]:
    """People from (role, how many) pairs; the first `asking` lived-experience people ask for
    a lived-experience-only group."""
    people: list[Person] = []
    for role, count in spec:
        for _ in range(count):
            wants = role in LIVED and asking > 0
            asking -= wants
            people.append(Person(start + len(people), role, wants))
    return people


def test_nobody_means_no_groups_and_two_people_make_one_group():
    assert allocate([]) == []
    assert allocate(roster((Role.CARER, 1), (Role.OTHER, 1))) == [[1, 2]]


def test_the_only_person_who_draws_on_care_sits_with_neutral_people_not_staff():
    # Jo draws on care; 3 commissioners and 4 people who said "other": two groups of 4.
    people = roster((Role.DRAWS_ON_CARE, 1), (Role.COMMISSIONER, 3), (Role.OTHER, 4))
    by_id = {p.id: p for p in people}
    for seed in range(20):
        groups = allocate(people, seed=seed)
        jo_group = next(g for g in groups if 1 in g)
        assert tally(jo_group, by_id) == (0, 1, 3)


def test_a_lone_person_with_staff_is_allowed_only_when_there_is_no_other_way():
    people = roster((Role.CARER, 1), (Role.PROVIDER, 3))
    assert allocate(people) == [[1, 2, 3, 4]]


def test_three_staff_and_three_lived_in_groups_of_three_keep_lived_experience_together():
    # Equal totals, but a group of 3 with 2 staff would leave someone alone with them.
    people = roster((Role.DRAWS_ON_CARE, 2), (Role.CARER, 1), (Role.PROVIDER, 3))
    groups = allocate(people, target_size=3)
    assert sorted(groups) == [[1, 2, 3], [4, 5, 6]]


def test_when_staff_outnumber_they_are_spread_evenly():
    people = roster((Role.COMMISSIONER, 5), (Role.PROVIDER, 4), (Role.DRAWS_ON_CARE, 6))
    by_id = {p.id: p for p in people}
    groups = allocate(people, seed=3)
    assert sorted(tally(g, by_id) for g in groups) == [(3, 2, 0)] * 3


def test_a_mixed_room_of_fifteen_has_lived_experience_at_least_matching_staff():
    people = roster(
        (Role.DRAWS_ON_CARE, 4),
        (Role.CARER, 2),
        (Role.COMMISSIONER, 2),
        (Role.PROVIDER, 2),
        (Role.OTHER, 3),
        (None, 2),
    )
    by_id = {p.id: p for p in people}
    groups = allocate(people, seed=11)
    assert [len(g) for g in groups] == [5, 5, 5]
    for group in groups:
        staff, lived, _ = tally(group, by_id)
        assert lived == 2 and staff <= lived


def test_a_lived_experience_only_group_is_made_when_the_rest_stay_balanced():
    people = roster(
        (Role.DRAWS_ON_CARE, 5), (Role.CARER, 4), (Role.COMMISSIONER, 3), (Role.OTHER, 3), asking=2
    )
    by_id = {p.id: p for p in people}
    groups = allocate(people, seed=5)
    pure = [g for g in groups if all(is_lived(by_id[i]) for i in g)]
    assert len(pure) == 1 and {1, 2} <= set(pure[0])
    assert worst_excess(groups, by_id) == 0


def test_no_lived_experience_only_group_if_staff_would_then_outnumber_elsewhere():
    # Six lived-experience people: a group of five of them would leave one with staff.
    people = roster((Role.DRAWS_ON_CARE, 6), (Role.PROVIDER, 4), (Role.OTHER, 5), asking=1)
    by_id = {p.id: p for p in people}
    groups = allocate(people, seed=5)
    assert satisfied(groups, by_id) == 0
    assert worst_excess(groups, by_id) == 0


def test_a_few_recent_pairs_in_a_mixed_room_are_all_kept_apart():
    people = roster(
        (Role.DRAWS_ON_CARE, 5),
        (Role.CARER, 3),
        (Role.COMMISSIONER, 3),
        (Role.PROVIDER, 2),
        (Role.OTHER, 4),
        (Role.PREFER_NOT, 3),
    )
    recent = {frozenset(p) for p in [(1, 2), (1, 6), (9, 10), (14, 15), (15, 16), (2, 11)]}
    for seed in range(10):
        assert clashes(allocate(people, seed=seed, recent_pairs=recent), recent) == 0


def test_recent_pairs_from_last_session_are_mostly_split_up():
    rnd = random.Random(1)
    people = [Person(i, rnd.choice(ALL_ROLES)) for i in range(1, 101)]
    last_time = allocate(people, seed=1)
    recent = {frozenset((a, b)) for g in last_time for a in g for b in g if a < b}
    again = allocate(people, seed=2)
    apart = allocate(people, seed=2, recent_pairs=recent)
    assert clashes(apart, recent) < clashes(again, recent)
    assert clashes(apart, recent) <= 2


def test_the_same_person_twice_or_a_target_below_one_is_refused():
    with pytest.raises(ValueError):
        allocate([Person(1, None), Person(1, Role.CARER), Person(2, None)])
    with pytest.raises(ValueError):
        allocate(roster((None, 4)), target_size=0)


def test_late_joiners_by_example():
    people = roster((Role.DRAWS_ON_CARE, 3), (Role.COMMISSIONER, 3), (Role.OTHER, 3), asking=0)
    by_id = {p.id: p for p in people}
    groups = [[4, 5, 7], [1, 2, 6], [3, 8, 9, 10]]  # 10 is not in the roster: counts as neutral
    # Someone who draws on care avoids the all-staff-and-other group 0.
    assert place_late_joiner(groups, Person(50, Role.CARER), by_id) == 1
    # Staff avoid group 2, where person 3 would be alone with them, and group 0 (staff-heavy).
    assert place_late_joiner(groups, Person(51, Role.PROVIDER), by_id) == 1
    # Neutral people go to the smallest group, lowest index first.
    assert place_late_joiner(groups, Person(52, None), by_id) == 0
    with pytest.raises(ValueError):
        place_late_joiner([], Person(53, None), by_id)


def test_a_late_joiner_who_asked_joins_a_lived_experience_only_group():
    people = roster((Role.DRAWS_ON_CARE, 4), (Role.OTHER, 3), asking=1)
    by_id = {p.id: p for p in people}
    groups = [[5, 6, 7], [1, 2, 3, 4]]
    assert place_late_joiner(groups, Person(9, Role.CARER, True), by_id) == 1
    assert place_late_joiner(groups, Person(10, Role.CARER), by_id) == 0
    # Others never join a group someone asked to keep to lived experience, if they can help it.
    assert place_late_joiner([[1, 2, 3], [5, 6, 7, 4]], Person(11, None), by_id) == 1
