"""What a digest says, decided once, before any format is written.

`build_digest` turns a closed session's reflections, attendance and actions into a `Digest`:
plain data that every renderer (Markdown, HTML, CSV, JSON) shows without further decisions.
All privacy rules live here, so no format can leak what another hides:

- role counts (and totals) under `min_count` are shown only as "fewer than N", and a count
  that could be worked out from the total and the others is hidden as well;
- when fewer than `min_count` people reflected, no reflection's words are kept at all,
  only theme labels and counts of statements;
- otherwise words are kept only from reflections whose writer agreed to be quoted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.digest.key_messages import KeyMessage, key_messages
from bot.digest.themes import count_tags, group_by_theme, other_label, tags_for_stems, text_stems
from bot.engine.texts import shared_texts

# Working Together for Change categories, in the order a digest shows them.
CATEGORIES = ("working", "not_working", "future", "idea")
ROLES = ("draws_on_care", "carer", "commissioner", "provider", "other", "prefer_not")
ACTION_STATUSES = ("planned", "doing", "done", "cant_do")
# The design allows the threshold to be configured, never below 3.
MIN_COUNT_FLOOR = 3
MAX_THEMES = 6
# A digest is read by busy people: a few quotes per theme, the full set is in the CSV.
MAX_QUOTES_PER_THEME = 3
GLANCE_SIZE = 5
# A theme is tagged with a Making It Real theme when at least this share of its
# reflections are (and at least one), so big themes are not tagged with everything.
TAG_SHARE = 0.2
TOTAL = "total"
CONTRIBUTORS = "contributors"


@dataclass(frozen=True)
class DigestReflection:
    id: str
    category: str
    text: str
    quote_ok: bool


@dataclass(frozen=True)
class ActionLine:
    said: str
    did: str
    owner: str
    status: str
    reason: str | None
    due: date | None = None


# Themes by category: (label, reflection ids in the order shown).
Grouping = dict[str, list[tuple[str, list[str]]]]


@dataclass(frozen=True)
class DigestInput:
    title: str
    theme: str
    spark_title: str | None
    date_text: str
    session_id: int
    attendance: Mapping[str, int]
    total_attended: int
    reflections: Sequence[DigestReflection]
    contributors: int
    actions: Sequence[ActionLine]
    min_count: int = 5
    intro: str = ""
    # The themes as the facilitator's review left them (bot/digest/review.py), by category:
    # (label, reflection ids in the order shown). None: the suggested themes.
    grouping: Mapping[str, Sequence[tuple[str, Sequence[str]]]] | None = None
    # People's priorities (bot/digest/priorities.py), by theme as the review left it: how
    # many people marked each suggested theme that became it (several after a merge).
    priorities: Mapping[str, Sequence[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class AttendanceLine:
    """One line of "Who came". `count` is None whenever the number is not shown."""

    key: str  # a role, or "total" / "contributors"
    label: str
    count: int | None
    shown: str


@dataclass(frozen=True)
class ThemeGroup:
    label: str
    count: int
    quotes: tuple[str, ...]
    making_it_real: tuple[str, ...]


@dataclass(frozen=True)
class CategorySection:
    key: str
    label: str
    count: int
    themes: tuple[ThemeGroup, ...]


@dataclass(frozen=True)
class ThemeCount:
    label: str
    count: int


@dataclass(frozen=True)
class DigestItem:
    """One reflection as the CSV shows it. `text` is empty unless it may be quoted."""

    category: str
    theme: str
    text: str
    making_it_real: tuple[str, ...]


@dataclass(frozen=True)
class Digest:
    title: str
    theme: str
    spark_title: str | None
    date_text: str
    session_id: int
    intro: str
    min_count: int
    # How many people reflected. Needed by the digest service; never shown below min_count
    # (renderers show the matching AttendanceLine, and JSON blanks it).
    contributors: int
    reflection_count: int
    verbatim_allowed: bool
    attendance_lines: tuple[AttendanceLine, ...]
    categories: tuple[CategorySection, ...]
    themes_at_a_glance: tuple[ThemeCount, ...]
    actions: tuple[ActionLine, ...]
    # One per reflection, only when verbatim_allowed (otherwise words could be pieced
    # together from single-reflection rows).
    items: tuple[DigestItem, ...] = field(default=())
    # The sentences every form opens with (bot/digest/key_messages.py).
    key_messages: tuple[KeyMessage, ...] = field(default=())
    # The themes people marked as mattering most, each marked by `min_count` people or more,
    # most marked first (bot/digest/priorities.py).
    priorities: tuple[ThemeCount, ...] = field(default=())


def build_digest(data: DigestInput) -> Digest:
    """Everything the digest will say, with the privacy rules already applied."""
    min_count = max(MIN_COUNT_FLOOR, data.min_count)
    verbatim = data.contributors >= min_count
    categories: list[CategorySection] = []
    items: list[DigestItem] = []
    by_category = _by_category(data.reflections)
    for action in data.actions:
        if action.status not in ACTION_STATUSES:
            raise ValueError(f"unknown action status {action.status!r}")
    grouping = suggested_grouping(data.reflections) if data.grouping is None else data.grouping
    for key in CATEGORIES:
        section, section_items = _category(key, by_category[key], verbatim, grouping.get(key, ()))
        categories.append(section)
        items.extend(section_items)
    return Digest(
        title=_one_line(data.title),
        theme=_one_line(data.theme),
        spark_title=_one_line(data.spark_title) if data.spark_title else None,
        date_text=_one_line(data.date_text),
        session_id=data.session_id,
        intro=data.intro.strip(),
        min_count=min_count,
        contributors=data.contributors,
        reflection_count=len(data.reflections),
        verbatim_allowed=verbatim,
        attendance_lines=attendance_lines(
            data.attendance, data.total_attended, data.contributors, min_count
        ),
        categories=tuple(categories),
        themes_at_a_glance=_glance(categories),
        actions=tuple(
            ActionLine(
                _one_line(a.said),
                _one_line(a.did),
                _one_line(a.owner),
                str(a.status),
                _one_line(a.reason) if a.reason else None,
                a.due,
            )
            for a in data.actions
        ),
        items=tuple(items) if verbatim else (),
        key_messages=key_messages(categories, len(data.reflections), min_count),
        priorities=_priorities(data.priorities, categories, min_count),
    )


def _priorities(
    marked: Mapping[str, Sequence[int]], categories: Sequence[CategorySection], min_count: int
) -> tuple[ThemeCount, ...]:
    """What people said matters most, for the themes this digest shows (a marked theme the
    review emptied, or put under "Other points", is no theme any more, so it is left out).

    A theme's count is its marks. A merged theme gathers the marks of the themes merged into
    it, and someone who marked two of them is counted twice: who marked what is never kept,
    so it cannot be known, and the digest says "marks" (each person marks a theme at most
    once, so without a merge marks are people). It is shown when one of those themes alone
    was marked by `min_count` people, so at least that many people marked it."""
    themes = {theme.label for section in categories for theme in section.themes}
    themes.discard(other_label())
    shown = [
        (label, sum(counts))
        for label, counts in marked.items()
        if label in themes and max(counts, default=0) >= min_count
    ]
    ranked = sorted(shown, key=lambda p: (-p[1], p[0]))
    return tuple(ThemeCount(_one_line(label), count) for label, count in ranked)


def _by_category(reflections: Sequence[DigestReflection]) -> dict[str, list[DigestReflection]]:
    """The reflections under each category, in an order of their own: the same reflections
    make the same digest, whatever order they were stored in."""
    found: dict[str, list[DigestReflection]] = {key: [] for key in CATEGORIES}
    for reflection in sorted(reflections, key=lambda r: (r.text, r.quote_ok)):
        if reflection.category not in found:
            # The reflection form only offers the four; anything else is a bug upstream,
            # and filing it under a wrong heading would misreport what people said.
            raise ValueError(f"unknown reflection category {reflection.category!r}")
        found[reflection.category].append(reflection)
    return found


def suggested_grouping(reflections: Sequence[DigestReflection]) -> Grouping:
    """The themes the digest suggests in each category, as (label, reflection ids), each
    theme's closest reflection first; what review's edits start from."""
    grouping: Grouping = {}
    for key, found in _by_category(reflections).items():
        if found:
            groups = group_by_theme([r.text for r in found], MAX_THEMES)
            grouping[key] = [(g.label, [found[i].id for i in g.members]) for g in groups]
    return grouping


def _category(
    key: str,
    reflections: list[DigestReflection],
    verbatim: bool,
    grouping: Sequence[tuple[str, Sequence[str]]],
) -> tuple[CategorySection, list[DigestItem]]:
    label = shared_texts().t(f"digest.category.{key}")
    if not reflections:
        return CategorySection(key, label, 0, ()), []
    texts = [r.text for r in reflections]
    stems = [text_stems(text) for text in texts]
    tags = [tags_for_stems(s) for s in stems]
    themes: list[ThemeGroup] = []
    items: list[DigestItem] = []
    for theme_label, members in _groups(reflections, grouping):
        # Members come closest to the theme first, so the first quote is its most typical.
        quotable = [reflections[i] for i in members if reflections[i].quote_ok]
        quotes = tuple(_quote(r.text) for r in quotable[:MAX_QUOTES_PER_THEME]) if verbatim else ()
        counts = count_tags(tags[i] for i in members)
        least = max(1, math.ceil(TAG_SHARE * len(members)))
        # Most frequent first; the framework's order breaks ties (dicts keep it).
        ranked = sorted(
            (tag for tag, n in counts.items() if n >= least), key=lambda tag: -counts[tag]
        )
        themes.append(ThemeGroup(theme_label, len(members), quotes, tuple(ranked)))
        if verbatim:
            items.extend(
                DigestItem(
                    key,
                    theme_label,
                    _quote(reflections[i].text) if reflections[i].quote_ok else "",
                    tags[i],
                )
                for i in members
            )
    return CategorySection(key, label, len(reflections), tuple(themes)), items


def _groups(
    reflections: list[DigestReflection], grouping: Sequence[tuple[str, Sequence[str]]]
) -> list[tuple[str, list[int]]]:
    """A category's themes as (label, indices into `reflections`), from the grouping (the
    suggested one, or as review left it). A reflection the grouping does not place (none
    should be) goes under "Other points", so nothing said is ever left out."""
    index = {r.id: i for i, r in enumerate(reflections)}
    groups = [(label, [index[i] for i in ids if i in index]) for label, ids in grouping]
    placed = {i for _, members in groups for i in members}
    missing = [i for i in range(len(reflections)) if i not in placed]
    if missing:
        other = next((g for g in groups if g[0] == other_label()), None)
        if other is None:
            groups.append((other_label(), missing))
        else:
            other[1].extend(missing)
    return [(label, members) for label, members in groups if members]


def _glance(categories: list[CategorySection]) -> tuple[ThemeCount, ...]:
    """The biggest themes across all categories; one label used in two categories is
    one theme. "Other points" is not a theme, so it is left out."""
    totals: dict[str, int] = {}
    other = other_label()
    for section in categories:
        for theme in section.themes:
            if theme.label != other:
                totals[theme.label] = totals.get(theme.label, 0) + theme.count
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return tuple(ThemeCount(label, count) for label, count in ranked[:GLANCE_SIZE])


def attendance_lines(
    attendance: Mapping[str, int], total: int, contributors: int, min_count: int
) -> tuple[AttendanceLine, ...]:
    """Role lines in a fixed order, then everyone, then how many reflected.

    Counts from 1 to `min_count` - 1 read "fewer than N" (0 reads 0: it identifies nobody).
    When the total is shown, the hidden
    counts add up to a number anyone can work out; if that number is itself small, the
    smallest shown counts are hidden too ("not shown"), so no small group can be recovered
    by subtraction.
    """
    t = shared_texts().t
    counts = dict.fromkeys(ROLES, 0)
    for role, n in attendance.items():
        # Anything unexpected is counted as "other" rather than shown under its own name.
        counts[role if role in counts else "other"] += max(0, int(n))
    # Nobody in a role identifies nobody, so 0 is shown as 0, once the total is shown at all
    # (below it, which roles were there would describe a small group).
    small = {
        role for role in ROLES if counts[role] < min_count and (counts[role] or total < min_count)
    }
    hidden: list[str] = []
    if total >= min_count:
        residual = sum(counts[role] for role in small)
        shown = sorted(
            (role for role in ROLES if role not in small),
            key=lambda role: (counts[role], ROLES.index(role)),
        )
        while 0 < residual < min_count and shown:
            role = shown.pop(0)
            hidden.append(role)
            residual += counts[role]
    lines = []
    for role in ROLES:
        label = t(f"digest.attendance.role.{role}")
        if role in small:
            lines.append(_suppressed(role, label, min_count))
        elif role in hidden:
            lines.append(AttendanceLine(role, label, None, t("digest.attendance.hidden")))
        else:
            lines.append(AttendanceLine(role, label, counts[role], str(counts[role])))
    for key, n in ((TOTAL, total), (CONTRIBUTORS, contributors)):
        label = t(f"digest.attendance.{key}")
        if 0 < n < min_count:
            lines.append(_suppressed(key, label, min_count))
        else:
            lines.append(AttendanceLine(key, label, n, str(n)))
    return tuple(lines)


def _suppressed(key: str, label: str, min_count: int) -> AttendanceLine:
    shown = shared_texts().t("digest.attendance.fewer_than", min_count=min_count)
    return AttendanceLine(key, label, None, shown)


def _one_line(text: str) -> str:
    """Header and action fields are single lines, so a stray newline cannot start a new
    Markdown block."""
    return " ".join(text.split())


def _quote(text: str) -> str:
    """Words as written, minus trailing spaces and runs of blank lines."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return "\n".join(kept)
