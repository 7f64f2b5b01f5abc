"""The regional roll-up: `brewbot report --from DATE --to DATE [--community ID ...]`.

What the working group reads across sessions and communities: the themes of every sent
digest, month by month; people's priorities where digests carry them; and "we said, we did"
(still open, done, can't do and why).

- Only sent digests count. Each is compiled again exactly as the digest is (`compile`:
  the facilitator's review, the same grouping, the same small-number rule), so a theme's
  label is never built from participants' words and nothing review removed comes back.
- A session belongs to the month of its date in its community's time zone.
- Numbers of people and of statements under the small-number threshold read "fewer than N"
  (0 reads 0); a total that would give a hidden small number away by subtraction reads "not
  shown". Counts of actions are shown as they are: an action is the organisation's, not a
  person's.
- Actions: those opened or changed in the period, and every one still open now.

`gather` reads the database; `build_report` and the three renderers are pure.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.domain import ActionStatus
from bot.core.escape import escape_markdown, safe_cell
from bot.core.marked import unmark
from bot.digest.model import Digest
from bot.digest.render import page_head
from bot.engine.texts import shared_texts
from bot.sessions.timeparse import format_day
from storage.models import ActionItem, Community, Session
from storage.models import Digest as DigestRow

OPEN, DONE, CANT_DO = "open", "done", "cant_do"
ACTION_GROUPS = (OPEN, DONE, CANT_DO)
# The longest report, in months, wherever it is asked for (the command line, the group's
# page): each month is a column, and five years of columns is already a wide table.
MAX_MONTHS = 60


@dataclass(frozen=True)
class SentDigest:
    """One sent digest, as the report reads it."""

    community: str
    month: date  # the first day of the session's month, in its community's zone
    themes: tuple[tuple[str, int], ...]  # (label, statements)
    contributors: int
    priorities: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class ActionRow:
    community: str
    said: str
    did: str
    owner: str
    status: str
    reason: str | None


@dataclass(frozen=True)
class Row:
    """One line of a table over the months: each cell as shown, then the total as shown."""

    label: str
    cells: tuple[str, ...]
    total: str


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    communities: tuple[str, ...]  # empty: all
    min_count: int
    sessions: int
    months: tuple[date, ...]
    # Sessions and people per month, then one row per theme (largest first).
    summary_rows: tuple[Row, ...]
    theme_rows: tuple[Row, ...]
    priorities: tuple[tuple[str, str], ...]  # (label, count as shown)
    actions: dict[str, tuple[ActionRow, ...]]  # "open", "done", "cant_do"
    any_hidden: bool


def _t(key: str, /, **values: object) -> str:
    # The report is only ever a file or a page, each escaping whole sentences: no marks.
    return unmark(shared_texts().t(key, **values))


def too_long(start: date, end: date) -> bool:
    """Whether a report from `start` to `end` would have more than MAX_MONTHS months."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    return months > MAX_MONTHS


def months_between(start: date, end: date) -> tuple[date, ...]:
    """The first day of every month from `start`'s to `end`'s."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return tuple(months)


def shown(count: int, min_count: int) -> str:
    """A number of people or statements as the small-number rule lets it be read."""
    if 0 < count < min_count:
        return _t("report.fewer_than", min_count=min_count)
    return str(count)


def _row(label: str, counts: Sequence[int], min_count: int, *, exact: bool = False) -> Row:
    """Cells for each month and the total. A total is "not shown" when the hidden cells it
    covers would add up to a small number anyone could work out."""
    if exact:
        return Row(label, tuple(str(n) for n in counts), str(sum(counts)))
    cells = tuple(shown(n, min_count) for n in counts)
    total = sum(counts)
    hidden = sum(n for n in counts if 0 < n < min_count)
    if total >= min_count and 0 < hidden < min_count:
        return Row(label, cells, _t("report.hidden"))
    return Row(label, cells, shown(total, min_count))


def build_report(
    digests: Sequence[SentDigest],
    actions: Sequence[ActionRow],
    *,
    start: date,
    end: date,
    communities: Sequence[str] = (),
    min_count: int = 5,
) -> Report:
    """Everything the report says, with the small-number rule applied once, here."""
    months = months_between(start, end)
    index = {month: i for i, month in enumerate(months)}
    sessions = [0] * len(months)
    people = [0] * len(months)
    themes: dict[str, list[int]] = {}
    priorities: dict[str, int] = {}
    for digest in digests:
        i = index[digest.month]
        sessions[i] += 1
        people[i] += digest.contributors
        for label, count in digest.themes:
            themes.setdefault(label, [0] * len(months))[i] += count
        for label, count in digest.priorities:
            priorities[label] = priorities.get(label, 0) + count
    ranked = sorted(themes.items(), key=lambda item: (-sum(item[1]), item[0]))
    theme_rows = tuple(_row(label, counts, min_count) for label, counts in ranked)
    summary_rows = (
        _row(_t("report.themes.sessions"), sessions, min_count, exact=True),
        _row(_t("report.themes.people"), people, min_count),
    )
    grouped: dict[str, list[ActionRow]] = {group: [] for group in ACTION_GROUPS}
    for action in actions:
        grouped[action_group(action.status)].append(action)
    rows = (*summary_rows, *theme_rows)
    return Report(
        start=start,
        end=end,
        communities=tuple(communities),
        min_count=min_count,
        sessions=len(digests),
        months=months,
        summary_rows=summary_rows,
        theme_rows=theme_rows,
        priorities=tuple(
            (label, shown(count, min_count))
            for label, count in sorted(priorities.items(), key=lambda p: (-p[1], p[0]))
        ),
        actions={group: tuple(found) for group, found in grouped.items()},
        any_hidden=any(row.total == _t("report.hidden") for row in rows),
    )


def action_group(status: str) -> str:
    if status == ActionStatus.DONE:
        return DONE
    if status == ActionStatus.CANT_DO:
        return CANT_DO
    return OPEN


# --- reading the database ----------------------------------------------------------------------


async def gather(
    tx: AsyncSession,
    compile_digest: Callable[[AsyncSession, Community, Session], Any],
    *,
    start: date,
    end: date,
    communities: Sequence[Community],
    min_count: int,
) -> Report:
    """The report for these communities (every community when none is given) from start to
    end (whole days, each community's own time zone). `compile_digest` is the digest
    service's `compile`, so each session reads exactly as its digest does."""
    if communities:
        chosen = list(communities)
    else:
        chosen = list((await tx.exec(select(Community).order_by(col(Community.id)))).all())
    by_id = {c.id: c for c in chosen}
    # A day either side in UTC, then each session's own local day decides.
    first = datetime.combine(start - timedelta(days=1), time(), ZoneInfo("UTC"))
    last = datetime.combine(end + timedelta(days=2), time(), ZoneInfo("UTC"))
    found = (
        await tx.exec(
            select(Session)
            .join(DigestRow, col(DigestRow.session_id) == col(Session.id))
            .where(
                col(Session.community_id).in_(list(by_id)),
                col(DigestRow.status) == "sent",
                col(Session.starts_at) >= first,
                col(Session.starts_at) < last,
            )
            .order_by(col(Session.starts_at), col(Session.id))
        )
    ).all()
    digests: list[SentDigest] = []
    for session in found:
        community = by_id[session.community_id]
        local = session.starts_at.astimezone(ZoneInfo(community.timezone)).date()
        if not start <= local <= end:
            continue
        digest: Digest = await compile_digest(tx, community, session)
        digests.append(_sent(_name(community), local.replace(day=1), digest))
    opened = datetime.combine(start, time(), ZoneInfo("UTC"))
    closed = datetime.combine(end + timedelta(days=1), time(), ZoneInfo("UTC"))
    actions = (
        await tx.exec(
            select(ActionItem)
            .where(col(ActionItem.community_id).in_(list(by_id)))
            .order_by(col(ActionItem.community_id), col(ActionItem.id))
        )
    ).all()
    rows = [
        ActionRow(
            _name(by_id[a.community_id]),
            _line(a.said),
            _line(a.did),
            _line(a.owner),
            a.status,
            _line(a.reason) if a.reason else None,
        )
        for a in actions
        if action_group(a.status) == OPEN
        or opened <= a.created_at < closed
        or opened <= a.updated_at < closed
    ]
    return build_report(
        digests,
        rows,
        start=start,
        end=end,
        communities=[_name(c) for c in communities],
        min_count=min_count,
    )


def _sent(community: str, month: date, digest: Digest) -> SentDigest:
    themes: dict[str, int] = {}
    for section in digest.categories:
        for theme in section.themes:
            themes[theme.label] = themes.get(theme.label, 0) + theme.count
    # People's priorities, where the digest carries them (marked before the close, counted
    # only at the small-number threshold or more).
    priorities = tuple(
        (str(p.label), int(p.count)) for p in getattr(digest, "priorities", None) or ()
    )
    return SentDigest(community, month, tuple(themes.items()), digest.contributors, priorities)


def _name(community: Community) -> str:
    return _line(community.name or community.external_id)


def _line(text: str) -> str:
    return " ".join(text.split())


# --- rendering ---------------------------------------------------------------------------------


def _month(month: date) -> str:
    return f"{month:%B %Y}"


def title(r: Report) -> str:
    """The report's title: what it is and the days it covers."""
    return _t("report.title", start=format_day(r.start), end=format_day(r.end))


def _scope(r: Report) -> str:
    names = ", ".join(r.communities) or _t("report.all_communities")
    return _t("report.scope", communities=names, sessions=r.sessions)


def _action_columns(group: str) -> list[str]:
    columns = ["said", "did", "owner", "status", "community"]
    return [*columns, "reason"] if group == CANT_DO else columns


def _action_cells(action: ActionRow, group: str) -> list[str]:
    cells = [
        action.said,
        action.did or _t("report.actions.nothing_yet"),
        action.owner,
        _t(f"actions.status.{action.status}"),
        action.community,
    ]
    return [*cells, action.reason or ""] if group == CANT_DO else cells


def _counts(r: Report) -> str:
    return _t("report.actions.counts", **{g: len(r.actions[g]) for g in ACTION_GROUPS})


def to_markdown(r: Report) -> str:
    md = escape_markdown

    def table(head: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
        heads = [md(h) for h in head]
        lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
        lines.extend("| " + " | ".join(md(cell) for cell in row) + " |" for row in rows)
        return lines

    out = [
        f"# {md(title(r))}",
        "",
        md(_scope(r)),
        "",
        md(_t("report.privacy", min_count=r.min_count)),
        "",
    ]
    out += [f"## {md(_t('report.themes.heading'))}", ""]
    if r.sessions:
        head = [_t("report.themes.theme"), *map(_month, r.months), _t("report.themes.total")]
        rows = [[row.label, *row.cells, row.total] for row in (*r.summary_rows, *r.theme_rows)]
        out += [f"*{md(_t('report.themes.caption'))}*", "", *table(head, rows), ""]
        if r.any_hidden:
            out += [md(_t("report.hidden_note")), ""]
    else:
        out += [md(_t("report.themes.none")), ""]
    out += [f"## {md(_t('report.priorities.heading'))}", ""]
    if r.priorities:
        head = [_t("report.priorities.theme"), _t("report.priorities.count")]
        out += [f"*{md(_t('report.priorities.caption'))}*", ""]
        out += [*table(head, [list(p) for p in r.priorities]), ""]
    else:
        out += [md(_t("report.priorities.none")), ""]
    out += [f"## {md(_t('report.actions.heading'))}", ""]
    if not any(r.actions.values()):
        out += [md(_t("report.actions.none")), ""]
        return "\n".join(out)
    out += [md(_t("report.actions.intro")), "", md(_counts(r)), ""]
    for group in ACTION_GROUPS:
        if not r.actions[group]:
            continue
        out += [f"### {md(_t(f'report.actions.{group}.heading'))}", ""]
        head = [_t(f"report.actions.{c}") for c in _action_columns(group)]
        out += [*table(head, (_action_cells(a, group) for a in r.actions[group])), ""]
    return "\n".join(out)


_STYLE = """body { font-family: system-ui, sans-serif; line-height: 1.5; max-width: 60rem;
  margin: 1rem auto; padding: 0 1rem; color: #111; background: #fff; }
table { border-collapse: collapse; margin: 1rem 0; }
caption { text-align: left; font-weight: bold; padding: 0.25rem 0; }
th, td { border: 1px solid #555; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
td.n { text-align: right; }"""


def to_html(r: Report) -> str:
    """A standalone, accessible page: headings in order, every table captioned with scoped
    headers, the language declared, and no meaning carried by colour alone."""
    heading = escape(title(r))
    return "\n".join(
        [
            *page_head(heading, _STYLE),
            "<main>",
            f"<h1>{heading}</h1>",
            html_body(r),
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )


def html_body(r: Report) -> str:
    """What the report says, headed from <h2> down, for a page that gives its own <h1> (the
    working group's web page, bot/platforms/web/pages/group.py). No style attribute and no
    script: numbers are marked with a class, which a stylesheet may align."""
    e = escape
    out = [
        f"<p>{e(_scope(r))}</p>",
        f"<p>{e(_t('report.privacy', min_count=r.min_count))}</p>",
        '<section aria-labelledby="themes">',
        f'<h2 id="themes">{e(_t("report.themes.heading"))}</h2>',
    ]

    def table(caption: str, head: list[str], rows: Iterable[list[str]], numbers: bool) -> None:
        out.append(f"<table>\n<caption>{e(caption)}</caption>")
        out.append(
            "<thead><tr>"
            + "".join(f'<th scope="col">{e(h)}</th>' for h in head)
            + "</tr></thead>\n<tbody>"
        )
        cell = '<td class="n">' if numbers else "<td>"
        for row in rows:
            first, *rest = row
            out.append(
                f'<tr><th scope="row">{e(first)}</th>'
                + "".join(f"{cell}{e(c)}</td>" for c in rest)
                + "</tr>"
            )
        out.append("</tbody>\n</table>")

    if r.sessions:
        head = [_t("report.themes.theme"), *map(_month, r.months), _t("report.themes.total")]
        rows = [[row.label, *row.cells, row.total] for row in (*r.summary_rows, *r.theme_rows)]
        table(_t("report.themes.caption"), head, rows, numbers=True)
        if r.any_hidden:
            out.append(f"<p>{e(_t('report.hidden_note'))}</p>")
    else:
        out.append(f"<p>{e(_t('report.themes.none'))}</p>")
    out += [
        "</section>",
        '<section aria-labelledby="priorities">',
        f'<h2 id="priorities">{e(_t("report.priorities.heading"))}</h2>',
    ]
    if r.priorities:
        head = [_t("report.priorities.theme"), _t("report.priorities.count")]
        table(_t("report.priorities.caption"), head, [list(p) for p in r.priorities], True)
    else:
        out.append(f"<p>{e(_t('report.priorities.none'))}</p>")
    out += [
        "</section>",
        '<section aria-labelledby="actions">',
        f'<h2 id="actions">{e(_t("report.actions.heading"))}</h2>',
    ]
    if not any(r.actions.values()):
        out.append(f"<p>{e(_t('report.actions.none'))}</p>")
    else:
        out += [f"<p>{e(_t('report.actions.intro'))}</p>", f"<p>{e(_counts(r))}</p>"]
        for group in ACTION_GROUPS:
            if not r.actions[group]:
                continue
            out.append(f"<h3>{e(_t(f'report.actions.{group}.heading'))}</h3>")
            head = [_t(f"report.actions.{c}") for c in _action_columns(group)]
            rows = [_action_cells(a, group) for a in r.actions[group]]
            table(_t(f"report.actions.{group}.caption"), head, rows, numbers=False)
    out.append("</section>")
    return "\n".join(out)


def to_csv(r: Report) -> str:
    """One row per figure: themes, sessions and people per month (as shown, small numbers
    hidden), priorities, then every action. Cells a spreadsheet would run are made text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    keys = ("section", "month", "label", "count", "community", "did", "owner", "status", "reason")
    writer.writerow([_t(f"report.csv.{k}") for k in keys])

    def write(*cells: str) -> None:
        writer.writerow([safe_cell(c) for c in cells] + [""] * (len(keys) - len(cells)))

    sessions, people = r.summary_rows
    for section, rows in (
        ("sessions", (sessions,)),
        ("people", (people,)),
        ("themes", r.theme_rows),
    ):
        for row in rows:
            for month, cell in zip(r.months, row.cells, strict=True):
                label = "" if section != "themes" else row.label
                write(_t(f"report.csv.{section}"), f"{month:%Y-%m}", label, cell)
    for label, count in r.priorities:
        write(_t("report.csv.priority"), "", label, count)
    for group in ACTION_GROUPS:
        for a in r.actions[group]:
            write(
                _t("report.csv.action"),
                "",
                a.said,
                "",
                a.community,
                a.did,
                a.owner,
                _t(f"actions.status.{a.status}"),
                a.reason or "",
            )
    return buffer.getvalue()
