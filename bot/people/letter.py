"""The letter a person can give Jobcentre Plus about what they were paid for taking part:
their name, the dates and amounts, and what each payment was for. Two files with the same
words: an accessible web page (a language, headings in order, a table with a caption and
header cells scoped to their rows and columns, no colour or images carrying meaning) that
prints well, and plain text. Pure: the lines come from the claims (bot/people/claims.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from html import escape

from bot.people.choices import CHARITY, pounds
from bot.people.claims import ClaimLine
from bot.sessions.timeparse import format_day

Words = Callable[..., str]


@dataclass(frozen=True)
class Letter:
    name: str
    community: str
    start: date
    end: date
    lines: tuple[ClaimLine, ...]


def _rows(letter: Letter, t: Words) -> tuple[list[str], list[list[str]], list[str]]:
    """The table's header, its rows and its totals, as text."""
    header = [
        t(f"payments.letter.column.{c}", name=letter.name)
        for c in ("date", "session", "hours", "choice", "paid", "charity", "expenses")
    ]
    rows = []
    totals = [0, 0, 0]
    for line in letter.lines:
        to_charity = line.amount_pence if line.choice.choice == CHARITY else 0
        to_person = line.amount_pence - to_charity
        choice = t(f"payments.choice.{line.choice.choice}")
        if to_charity:
            choice = t("payments.charity_detail", choice=choice, charity=line.choice.charity)
        rows.append(
            [
                format_day(line.day),
                line.session,
                f"{line.hours:.2f}",
                choice,
                pounds(to_person),
                pounds(to_charity),
                pounds(line.expenses_pence),
            ]
        )
        for i, pence in enumerate((to_person, to_charity, line.expenses_pence)):
            totals[i] += pence
    return header, rows, [t("payments.letter.total"), "", "", "", *map(pounds, totals)]


def _paragraphs(letter: Letter, t: Words) -> tuple[list[str], list[str]]:
    """What is said before the table and the notes after it."""
    values = {"name": letter.name, "community": letter.community}
    before = [
        t("payments.letter.about", **values),
        t("payments.letter.from", **values),
        t("payments.letter.dates", start=format_day(letter.start), end=format_day(letter.end)),
        t("payments.letter.intro", **values),
    ]
    notes = [
        t("payments.letter.what_for"),
        t("payments.letter.expenses_note"),
        t("payments.letter.choice_note"),
    ]
    if any(line.choice.choice == CHARITY for line in letter.lines):
        notes.append(t("payments.letter.charity_note", **values))
    notes.append(t("payments.letter.contact", **values))
    return before, notes


def as_html(letter: Letter, t: Words) -> str:
    header, rows, totals = _rows(letter, t)
    before, notes = _paragraphs(letter, t)
    title = t("payments.letter.title")
    cells = "\n".join(
        "<tr>"
        + f'<th scope="row">{escape(row[0])}</th>'
        + "".join(f"<td>{escape(cell)}</td>" for cell in row[1:])
        + "</tr>"
        for row in rows
    )
    total = (
        f'<tr><th scope="row">{escape(totals[0])}</th>'
        + "".join(f"<td>{escape(cell)}</td>" for cell in totals[1:])
        + "</tr>"
    )
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in before)
    noted = "\n".join(f"<li>{escape(n)}</li>" for n in notes)
    heads = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}: {escape(letter.name)}</title>
<style>
body {{ font-family: Arial, sans-serif; font-size: 1.1rem; line-height: 1.5; max-width: 60rem;
  margin: 1rem auto; padding: 0 1rem; color: #000; background: #fff; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #000; padding: 0.4rem; text-align: left; vertical-align: top; }}
</style>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<p>{escape(t("payments.letter.to"))}</p>
{paragraphs}
<h2>{escape(t("payments.letter.heading_sessions"))}</h2>
<table>
<caption>{escape(t("payments.letter.table_caption"))}</caption>
<thead><tr>{heads}</tr></thead>
<tbody>
{cells}
</tbody>
<tfoot>{total}</tfoot>
</table>
<h2>{escape(t("payments.letter.heading_notes"))}</h2>
<ul>
{noted}
</ul>
</main>
</body>
</html>
"""


def as_text(letter: Letter, t: Words) -> str:
    header, rows, totals = _rows(letter, t)
    before, notes = _paragraphs(letter, t)
    title = t("payments.letter.title")
    out = [title, "=" * len(title), "", t("payments.letter.to"), "", *before, ""]
    sessions = t("payments.letter.heading_sessions")
    out += [sessions, "-" * len(sessions), ""]
    # One block per session, each value after its heading: a screen reader or a narrow
    # screen reads it in order, as no table of spaces would.
    for row in rows:
        out += [f"{head}: {cell}" for head, cell in zip(header, row, strict=True)] + [""]
    out += [f"{totals[0]}:"]
    out += [f"{head}: {cell}" for head, cell in zip(header[4:], totals[4:], strict=True)]
    notes_heading = t("payments.letter.heading_notes")
    out += ["", notes_heading, "-" * len(notes_heading), ""]
    out += [f"- {note}" for note in notes]
    return "\n".join(out) + "\n"
