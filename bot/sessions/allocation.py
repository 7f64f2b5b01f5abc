"""Balanced breakout groups: a pure, deterministic allocation (no database, no I/O).

Who is who
    lived experience = draws_on_care, carer; staff = commissioner, provider;
    neutral = other, prefer_not, or not said (role None).

The rules, strongest first. A weaker rule never makes a stronger one worse.

1. Sizes. ``g = max(1, min(round_half_up(n / target_size), n // 3))`` groups, so that
   nobody sits in a group of fewer than 3; sizes differ by at most one. n < 3 gives one
   group, n = 0 gives ``[]``. Output order: larger groups first, any lived-experience-only
   groups (rule 4) last; ids sorted within each group.
2. Nobody with lived experience is the only one in a group with staff: no group holds
   exactly one lived-experience person together with one or more staff. This is hard
   whenever an allocation with those sizes can meet it, which is always unless there is
   exactly one lived-experience person, at least one staff member, and fewer than
   (smallest group size - 1) neutral people to make a staff-free group with them. (With two
   or more lived-experience people they can always share groups in clusters of two or more.)
   In that one case the person is placed by rule 3 like everyone else.
3. Staff never outnumber lived experience "when the mix allows it". Precisely: the largest
   excess over groups, max(0, staff - lived), is made as small as rules 1-2 allow. It is
   zero whenever the mix allows it. "Staff <= lived overall" is not enough on its own:
   3 staff and 3 lived in two groups of 3 can't do it (a group of 3 fits one staff member
   beside more lived experience), and 1 staff + 1 lived can't meet rules 2 and 3 together.
   A simple sufficient condition: S <= L and, with k = min(g, S, L // 2), ceil(S / k) <=
   (smallest size) // 2 (spread the staff over k groups, each with at least two
   lived-experience people and at least as many as its staff). When staff outnumber, the
   smallest possible worst excess means the staff are spread evenly.
4. "Lived experience only" is honoured for as many of the lived-experience people who ask
   as possible: they get group(s) made only of lived-experience people (topped up with
   lived-experience people who did not ask), but only when the remaining groups still
   meet rules 2-3 exactly as well. People who are staff or neutral and tick the box can't
   be put in such a group without breaking it for the others, so for them it is ignored.
5. Pairs who shared a group recently (``recent_pairs``, the caller passes the last three
   sessions) are kept apart where possible, like coffee-pairing bots do: a seeded local
   search swaps two people *of the same kind* between groups when that strictly lowers the
   number of recent pairs sharing a group. Same-kind swaps keep every group's counts, so
   rules 1-3 cannot break; a swap that would take someone out of a group they asked for
   (rule 4) is refused. The search stops at a local optimum or after a fixed budget of
   tried swaps, so its cost is bounded. It works within the count plan: a pair stays
   together if only a different plan could part them (say the only two lived-experience
   people, who must share a group because there are staff in every group). Pairs naming
   someone who is not here are ignored.
6. Otherwise even: lived-experience people are spread over as many groups as possible in
   clusters of two or more, staff as evenly as the rules allow, neutral people fill up.

How: first a plan of counts (staff, lived, neutral per group) is worked out exactly from the
totals (see the comment above ``_cap``), then people are dealt into it from shuffles made with
``random.Random(seed)``, then the local search runs. People are sorted by id first, so the
result depends only on who is there, the seed and the recent pairs, not on input order.

Late joiners (``place_late_joiner``) go to the smallest group where adding them breaks no
rule: a lived-experience person goes where another lived-experience person already is or
where there are no staff (and to a group where someone is alone with staff first, since
they end that); staff go where staff + 1 <= lived when possible, otherwise where the
excess after joining is smallest, and never beside a lone lived-experience person if they
can avoid it; nobody but a lived-experience person joins a group of only lived experience
where someone asked for one; a lived-experience person who asked for such a group joins
one if there is one. Ties go to the lowest index.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Collection, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

from bot.core.domain import Role

__all__ = ["MAX_GROUP", "MIN_GROUP", "Person", "allocate", "group_sizes", "place_late_joiner"]

MIN_GROUP = 3
# The sizes a facilitator may ask for, in the group_size setting or as the breakouts
# command's size: a smaller one would be made larger anyway (rule 1).
MAX_GROUP = 12
# Swaps the recent-pairs search may try in one allocation. Each try looks at two groups, so
# this bounds the search at a few tens of milliseconds however large or tangled the roster.
SEARCH_BUDGET = 20_000
# Arrangements of "lived experience only" groups tried before settling for fewer (rule 4).
PURE_TRIES = 16


class Kind(IntEnum):
    STAFF = 0
    LIVED = 1
    NEUTRAL = 2


LIVED_ROLES = frozenset({Role.DRAWS_ON_CARE, Role.CARER})
STAFF_ROLES = frozenset({Role.COMMISSIONER, Role.PROVIDER})


@dataclass(frozen=True)
class Person:
    id: int
    role: Role | None
    lived_experience_only: bool = False


def kind_of(person: Person | None) -> Kind:
    role = person.role if person is not None else None
    if role in LIVED_ROLES:
        return Kind.LIVED
    if role in STAFF_ROLES:
        return Kind.STAFF
    return Kind.NEUTRAL


def group_sizes(n: int, target_size: int = 5) -> list[int]:
    """Sizes of the groups for n people, largest first (rule 1)."""
    if target_size < 1:
        raise ValueError("target_size must be at least 1")
    if n <= 0:
        return []
    groups = (2 * n + target_size) // (2 * target_size)  # n / target, halves round up
    groups = max(1, min(groups, n // MIN_GROUP))  # n < 3 makes one group
    base, extra = divmod(n, groups)
    return [base + 1] * extra + [base] * (groups - extra)


# -- the count plan ---------------------------------------------------------------------------
#
# Staff capacity of a group of size s holding y lived-experience people, when no group may
# have an excess above E: x <= s - y (room) and x <= y + E (rule 3), and x = 0 when y == 1
# (rule 2, "the dip"). Without the dip, cap(y) = min(s - y, y + E) is concave in y with
# slopes +1, then at most one 0, then -1. So the most staff that L lived-experience people
# can make room for is found exactly by:
#   - leaving some groups without lived experience (cap min(s, E)),
#   - "activating" k groups with 2 lived each (1 without the dip), largest groups first,
#   - at most one group with a single lived person and no staff (a "dump"; two dumps are
#     never better than one group of two plus an empty one),
#   - handing out the remaining lived people by best marginal gain (+1s, then 0s, then -1s),
#     which is optimal for concave pieces.
# A plan with worst excess E exists iff that maximum is >= S; the neutral people fill the
# rest. Largest-first activation is optimal while E <= the small size (both kinds of empty
# group then hold E staff); at E = small + 1 every choice gives n - L, so the search over E
# never needs to go further.


def _cap(size: int, lived: int, excess: int, dip: bool) -> int:
    if lived == 1 and dip:
        return 0
    return max(0, min(size - lived, lived + excess))


@dataclass(frozen=True)
class _Slopes:
    base: int  # capacity at the activation level
    plus: int  # lived units beyond activation that each add one staff place
    zero: int  # ... that add nothing
    room: int  # all lived units beyond activation (the rest each cost one place)


@lru_cache(maxsize=1024)  # few distinct arguments, asked for thousands of times
def _slopes(size: int, excess: int, dip: bool, start: int) -> _Slopes:
    gains = [
        _cap(size, y + 1, excess, dip) - _cap(size, y, excess, dip) for y in range(start, size)
    ]
    return _Slopes(_cap(size, start, excess, dip), gains.count(1), gains.count(0), len(gains))


@dataclass(frozen=True)
class _Shape:
    """`big` groups of size small + 1 (listed first), then `few` groups of size `small`."""

    big: int
    few: int
    small: int

    @property
    def count(self) -> int:
        return self.big + self.few

    @property
    def largest(self) -> int:
        return self.small + 1 if self.big else self.small

    def sizes(self) -> list[int]:
        return [self.small + 1] * self.big + [self.small] * self.few


@dataclass(frozen=True)
class _Totals:
    staff: int
    lived: int
    dip: bool  # rule 2 can be met, so a lone lived person may not be with staff

    @property
    def start(self) -> int:
        return 2 if self.dip else 1


def _fits(shape: _Shape, t: _Totals, excess: int, active: int, dump: bool) -> bool:
    """Can `active` groups with lived experience (largest first) and maybe one dump hold
    every lived person and make room for all the staff with no excess above `excess`?"""
    start = t.start
    if dump and (not t.dip or active >= shape.count):
        return False
    act_big = min(active, shape.big)
    act_small = active - act_big
    if act_small > shape.few:
        return False
    if (act_big and shape.small + 1 < start) or (act_small and shape.small < start):
        return False
    spare = t.lived - start * active - int(dump)
    if spare < 0:
        return False
    idle_big, idle_small = shape.big - act_big, shape.few - act_small
    if dump:
        if idle_small:
            idle_small -= 1
        else:
            idle_big -= 1
    places = idle_big * min(shape.small + 1, excess) + idle_small * min(shape.small, excess)
    plus = zero = room = 0
    if act_big:
        s = _slopes(shape.small + 1, excess, t.dip, start)
        places += act_big * s.base
        plus, zero, room = act_big * s.plus, act_big * s.zero, act_big * s.room
    if act_small:
        s = _slopes(shape.small, excess, t.dip, start)
        places += act_small * s.base
        plus, zero, room = (
            plus + act_small * s.plus,
            zero + act_small * s.zero,
            room + act_small * s.room,
        )
    if spare > room:
        return False
    places += min(spare, plus) - max(0, spare - plus - zero)
    return places >= t.staff


def _choose(shape: _Shape, t: _Totals, excess: int) -> tuple[int, bool] | None:
    """The most spread-out (active groups, dump) that fits, or None."""
    if shape.count == 0:
        return (0, False) if t.staff == 0 and t.lived == 0 else None
    for active in range(min(shape.count, t.lived // t.start), -1, -1):
        for dump in (False, True):
            if _fits(shape, t, excess, active, dump):
                return active, dump
    return None


def _least_excess(shape: _Shape, t: _Totals) -> int:
    for excess in range(shape.largest + 1):
        if _choose(shape, t, excess) is not None:
            return excess
    raise AssertionError("an excess of the largest group size always fits")  # pragma: no cover


def _water_fill(values: list[int], caps: list[int], amount: int, order: list[int]) -> int:
    """Raise the lowest values first (ties in `order`), never past their caps; return what is
    left over. Each round lifts the lowest level by one, so this is O(groups x size)."""
    while amount > 0:
        open_ = [i for i in order if values[i] < caps[i]]
        if not open_:
            break
        level = min(values[i] for i in open_)
        for i in open_:
            if values[i] == level:
                values[i] += 1
                amount -= 1
                if amount == 0:
                    break
    return amount


@dataclass
class _Plan:
    sizes: list[int]
    staff: list[int]
    lived: list[int]
    pure: list[bool]  # a group made for people who asked for lived experience only


def _build(shape: _Shape, t: _Totals, excess: int, active: int, dump: bool) -> _Plan:
    sizes = shape.sizes()
    g, start = len(sizes), t.start
    lived = [start] * active + [0] * (g - active)
    if dump:
        lived[-1] = 1  # the last group is the smallest idle one
    spare = t.lived - sum(lived)
    order = list(range(g))
    # Idle groups keep what they have; active ones fill by phase: +1 units, 0s, then -1s.
    rising, level, full = list(lived), list(lived), list(lived)
    for i in range(active):
        s = _slopes(sizes[i], excess, t.dip, start)
        rising[i] = start + s.plus
        level[i] = start + s.plus + s.zero
        full[i] = sizes[i]
    for caps in (rising, level, full):
        spare = _water_fill(lived, caps, spare, order)
    caps = [_cap(sizes[i], lived[i], excess, t.dip) for i in range(g)]
    staff = [0] * g
    # Staff go first where there is most lived experience, as evenly as the caps allow.
    left = _water_fill(staff, caps, t.staff, sorted(order, key=lambda i: (-lived[i], i)))
    assert spare == 0 and left == 0, "the plan was checked to fit"
    return _Plan(sizes, staff, lived, [False] * g)


def _shape_of(sizes: Sequence[int]) -> _Shape:
    small = min(sizes)
    return _Shape(sum(1 for s in sizes if s > small), sum(1 for s in sizes if s == small), small)


def _pure_options(shape: _Shape, requesters: int, lived: int) -> Iterator[tuple[int, int]]:
    """(big, small) counts of lived-only groups to try, best first: everyone who asked with
    as few lived people used as possible, then as many of those who asked as possible.
    Made as they are tried: only the first PURE_TRIES are, of up to (lived / size)^2."""
    q = shape.small
    totals = itertools.chain(
        range(requesters, min(lived, requesters + shape.largest - 1) + 1),
        range(min(requesters - 1, lived), q - 1, -1),
    )
    for total in totals:
        for groups in range(-(-total // (q + 1)), total // q + 1):
            big = total - groups * q
            if 0 <= big <= min(groups, shape.big) and groups - big <= shape.few:
                yield big, groups - big


def _plan(sizes: list[int], staff: int, lived: int, neutral: int, requesters: int) -> _Plan:
    shape = _shape_of(sizes)
    dip = not (lived == 1 and staff >= 1 and neutral < shape.small - 1)
    totals = _Totals(staff, lived, dip)
    excess = _least_excess(shape, totals)
    if requesters:
        for big, small in itertools.islice(_pure_options(shape, requesters, lived), PURE_TRIES):
            used = big * (shape.small + 1) + small * shape.small
            rest_shape = _Shape(shape.big - big, shape.few - small, shape.small)
            rest = _Totals(staff, lived - used, dip)
            choice = _choose(rest_shape, rest, excess)
            if choice is None:
                continue
            plan = (
                _build(rest_shape, rest, excess, *choice)
                if rest_shape.count
                else _Plan([], [], [], [])
            )
            pure_sizes = [shape.small + 1] * big + [shape.small] * small
            plan.sizes += pure_sizes
            plan.staff += [0] * len(pure_sizes)
            plan.lived += pure_sizes
            plan.pure += [True] * len(pure_sizes)
            return plan
    choice = _choose(shape, totals, excess)
    assert choice is not None
    return _build(shape, totals, excess, *choice)


# -- dealing people into the plan, then keeping recent pairs apart ---------------------------


def _deal(plan: _Plan, people: list[Person], rng: random.Random) -> list[list[Person]]:
    by_kind: dict[Kind, list[Person]] = {k: [] for k in Kind}
    for person in people:
        by_kind[kind_of(person)].append(person)
    for members in by_kind.values():
        rng.shuffle(members)
    lived = by_kind[Kind.LIVED]
    askers = [p for p in lived if p.lived_experience_only]
    others = [p for p in lived if not p.lived_experience_only]
    groups: list[list[Person]] = [[] for _ in plan.sizes]
    # Those who asked fill the lived-only groups first, then any group that is all lived.
    all_lived = [i for i in range(len(groups)) if plan.pure[i]]
    all_lived += [
        i for i in range(len(groups)) if not plan.pure[i] and plan.lived[i] == plan.sizes[i]
    ]
    for i in all_lived:
        while len(groups[i]) < plan.lived[i] and (askers or others):
            groups[i].append((askers or others).pop())
    rest = askers + others
    rng.shuffle(rest)
    for i, group in enumerate(groups):
        while len(group) < plan.lived[i]:
            group.append(rest.pop())
        for _ in range(plan.staff[i]):
            group.append(by_kind[Kind.STAFF].pop())
        while len(group) < plan.sizes[i]:
            group.append(by_kind[Kind.NEUTRAL].pop())
    return groups


class _Meetings:
    """Groups of ids, and who in them shares a group with a recent partner. It asks `recent`
    about the pairs in the groups it looks at, rather than first indexing every recent pair
    by person: that index touched three sessions' worth of pairs (six a person), while the
    search looks at a few groups."""

    def __init__(self, groups: list[list[int]], recent: Set[frozenset[int]]) -> None:
        self.groups = groups
        self.recent = recent
        self.where = {pid: index for index, group in enumerate(groups) for pid in group}
        # own[u]: how many of u's recent partners share u's group, kept up to date on swaps.
        self.own = dict.fromkeys(self.where, 0)
        for group in groups:
            for i, u in enumerate(group):
                for w in group[i + 1 :]:
                    if frozenset((u, w)) in recent:
                        self.own[u] += 1
                        self.own[w] += 1

    def met(self, u: int, index: int, besides: int) -> int:
        """How many of u's recent partners are in group `index`, not counting `besides`
        (u itself, when that is u's group; else the one u would change places with)."""
        recent = self.recent
        return sum(1 for w in self.groups[index] if w != besides and frozenset((u, w)) in recent)

    def swap(self, u: int, v: int) -> list[int]:
        """Swap u and v; return those who now share a group with a recent partner and did
        not before."""
        a, b = self.where[u], self.where[v]
        first, second = self.groups[a], self.groups[b]
        first[first.index(u)] = v
        second[second.index(v)] = u
        self.where[u], self.where[v] = b, a
        newly = []
        for index in (a, b):
            for w in self.groups[index]:
                before = self.own[w]
                self.own[w] = self.met(w, index, w)
                if self.own[w] and not before:
                    newly.append(w)
        return newly


def _keep_recent_apart(
    groups: list[list[int]],
    kinds: Mapping[int, Kind],
    asked: Mapping[int, bool],
    recent: Set[frozenset[int]],
    rng: random.Random,
) -> None:
    """Strictly-improving same-kind swaps until none is found or the budget runs out."""
    meetings = _Meetings(groups, recent)
    own, where = meetings.own, meetings.where
    if not any(own.values()):
        return
    pool: dict[Kind, list[int]] = {k: [] for k in Kind}
    for group in groups:
        for pid in group:
            pool[kinds[pid]].append(pid)
    pure = [bool(g) and all(kinds[pid] is Kind.LIVED for pid in g) for g in groups]
    budget = SEARCH_BUDGET
    improved = True
    while improved and budget > 0:
        improved = False
        # In id order, everyone who shares a group with a recent partner: those who come to
        # share one during the round join it if their turn is still to come.
        due = sorted(u for u, count in own.items() if count)  # a sorted list is a heap
        last = None
        while due:
            u = heapq.heappop(due)
            if u == last or not own[u]:
                continue
            last = u
            a = where[u]
            clash_u = own[u]
            candidates = pool[kinds[u]]
            first = rng.randrange(len(candidates))
            for step in range(len(candidates)):
                v = candidates[(first + step) % len(candidates)]
                b = where[v]
                if b == a:
                    continue
                budget -= 1
                keeps_wish = (asked[u] - asked[v]) * (pure[b] - pure[a]) >= 0
                after = meetings.met(u, b, v) + meetings.met(v, a, u)
                if keeps_wish and after < clash_u + own[v]:
                    for w in meetings.swap(u, v):
                        if w > u:
                            heapq.heappush(due, w)
                    improved = True
                    break
                if budget <= 0:
                    return


# -- public API ------------------------------------------------------------------------------


def allocate(
    people: Sequence[Person],
    *,
    target_size: int = 5,
    seed: int = 0,
    recent_pairs: Collection[frozenset[int]] = (),
) -> list[list[int]]:
    """Breakout groups as lists of participant ids (sorted within each group)."""
    sizes = group_sizes(len(people), target_size)
    if not sizes:
        return []
    ordered = sorted(people, key=lambda p: p.id)
    if len({p.id for p in ordered}) != len(ordered):
        raise ValueError("each person may appear only once")
    kinds = [kind_of(p) for p in ordered]
    requesters = sum(
        1
        for p, k in zip(ordered, kinds, strict=True)
        if k is Kind.LIVED and p.lived_experience_only
    )
    plan = _plan(
        sizes,
        kinds.count(Kind.STAFF),
        kinds.count(Kind.LIVED),
        kinds.count(Kind.NEUTRAL),
        requesters,
    )
    rng = random.Random(seed)
    groups = [[p.id for p in group] for group in _deal(plan, ordered, rng)]
    if recent_pairs:
        recent = recent_pairs if isinstance(recent_pairs, Set) else set(recent_pairs)
        kind_by_id = {p.id: k for p, k in zip(ordered, kinds, strict=True)}
        asked = {
            p.id: k is Kind.LIVED and p.lived_experience_only
            for p, k in zip(ordered, kinds, strict=True)
        }
        _keep_recent_apart(groups, kind_by_id, asked, recent, rng)
    return [sorted(group) for group in groups]


def place_late_joiner(
    groups: Sequence[Sequence[int]], person: Person, people_by_id: Mapping[int, Person]
) -> int:
    """Index of the group a late joiner should join. Members missing from `people_by_id`
    count as neutral."""
    if not groups:
        raise ValueError("there are no groups to join")
    joining = kind_of(person)
    wants_lived_only = joining is Kind.LIVED and person.lived_experience_only
    best: tuple[int, ...] | None = None
    chosen = 0
    for index, members in enumerate(groups):
        staff = lived = askers = 0
        for member in members:
            other = people_by_id.get(member)
            k = kind_of(other)
            staff += k is Kind.STAFF
            lived += k is Kind.LIVED
            askers += k is Kind.LIVED and other is not None and other.lived_experience_only
        size = len(members)
        all_lived = size > 0 and lived == size
        key: tuple[int, ...]  # the same length for every group: `joining` is fixed
        if joining is Kind.LIVED:
            key = (
                int(staff > 0 and lived == 0),  # would be alone with staff
                int(not (staff > 0 and lived == 1)),  # ends someone being alone with staff
                int(wants_lived_only and not all_lived),
                size,
                index,
            )
        else:
            breaks_wish = int(all_lived and askers > 0)
            if joining is Kind.STAFF:
                key = (int(lived == 1), max(0, staff + 1 - lived), breaks_wish, size, index)
            else:
                key = (breaks_wish, size, index)
        if best is None or key < best:
            best, chosen = key, index
    return chosen
