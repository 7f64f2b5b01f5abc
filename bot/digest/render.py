"""Writes a `Digest` as Markdown (email and files), as sections of a chat message, as a
standalone accessible HTML page, CSV and JSON. Every decision about what may be shown was
made in `build_digest`; these functions only lay it out, so the formats cannot disagree.

Reflection words are untrusted, and so is every other value the digest did not write itself
(theme labels, titles, actions). Markdown escapes them all (`escape_markdown`), so a Markdown
viewer shows them as typed. A chat message (`to_sections`) carries each quote in an
untrusted section, and marks every other such value as typed (bot/core/marked.py), and every
chat platform's renderer escapes both by its own rule. No file holds a mark. HTML escapes
everything it did not write itself. CSV cells that a spreadsheet would run as a formula are
neutralised (`safe_cell`).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import TYPE_CHECKING

from bot.core.domain import OPEN_ACTIONS
from bot.core.escape import escape_markdown, safe_cell
from bot.core.marked import Own, mark, unmark
from bot.core.messages import Section
from bot.digest.key_messages import KeyMessage
from bot.digest.model import ActionLine, CategorySection, Digest
from bot.engine.texts import shared_texts
from bot.sessions.timeparse import format_date

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

# The chart's longest bar, in pixels, and its colour (dark blue: 8.9:1 on white).
_BAR_MAX = 200
_BAR_COLOUR = "#1f4e79"
_SLOT = "\x00"


def _t(key: str, /, **values: object) -> str:
    return shared_texts().t(key, **values)


def _reflections(count: int) -> str:
    texts = shared_texts()
    if count == 1:
        return texts.t("digest.reflections_one")
    return texts.t("digest.reflections_many", count=count)


def _as_is(value: str) -> str:
    return value


def _bold(label: str) -> Own:
    """A label the digest shows in bold: its own Markdown around a value already made safe
    for where it goes (`words`)."""
    return Own(f"**{label}**")


def _meta(d: Digest, words: Callable[[str], str] = _as_is) -> list[tuple[str, str]]:
    rows = [(_t("digest.meta.date"), words(d.date_text))]
    if d.theme:
        rows.append((_t("digest.meta.theme"), words(d.theme)))
    if d.spark_title:
        rows.append((_t("digest.meta.spark"), words(d.spark_title)))
    rows.append((_t("digest.meta.session"), str(d.session_id)))
    return rows


def _action_sentences(
    action: ActionLine, words: Callable[[str], str] = _as_is
) -> tuple[str, str | None]:
    texts = shared_texts()
    line = texts.t(
        "digest.actions.line",
        said=words(action.said.rstrip(". ")) or texts.t("digest.actions.nothing_yet"),
        did=words(action.did.rstrip(". ")) or texts.t("digest.actions.nothing_yet"),
        owner=words(action.owner.rstrip(". ")) or texts.t("digest.actions.no_owner"),
        status=texts.t(f"digest.actions.state.{action.status}"),
    )
    if action.due is not None and action.status in OPEN_ACTIONS:
        line += " " + texts.t("digest.actions.due", day=format_date(action.due))
    because = None
    if action.status == "cant_do" and action.reason:
        because = texts.t("digest.actions.because", reason=words(action.reason.rstrip(". ")))
    return line, because


def _key_sentence(message: KeyMessage) -> str:
    """A key message as read: with a quote, the sentence says one follows."""
    if message.quote:
        return f"{message.sentence} {_t('digest.key_messages.quote_intro')}"
    return message.sentence


def _theme_summary(label: str, count: int, tags: tuple[str, ...]) -> str:
    line = _t("digest.said.theme_line", label=label, count=_reflections(count))
    if tags:
        line += ". " + _t("digest.said.making_it_real", tags="; ".join(tags))
    return line


# Markdown and chat ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Quote:
    """A reflection's words, quoted: never laid out as Markdown, always escaped."""

    text: str


def _md_quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in escape_markdown(text).split("\n"))


def to_markdown(d: Digest, *, heading: bool = True) -> str:
    """The digest as Markdown, for e-mail bodies and files: every value the digest did not
    write itself is escaped, so any Markdown viewer shows it as typed."""
    blocks = _blocks(d, heading, escape_markdown)
    text = "\n\n".join(b if isinstance(b, str) else _md_quote(b.text) for b in blocks) + "\n"
    return unmark(text)


def to_sections(d: Digest, *, heading: bool = False) -> tuple[Section, ...]:
    """The digest as the sections of a chat message: its own words as Markdown-lite, each
    quote in an untrusted section (escaped by the chat platform's renderer, shown as a
    quote). `heading=False` leaves out the title, for a message that shows its own."""
    sections: list[Section] = []
    ours: list[str] = []
    for block in _blocks(d, heading, mark):
        if isinstance(block, str):
            ours.append(block)
            continue
        if ours:
            sections.append(Section("\n\n".join(ours)))
            ours = []
        sections.append(Section(block.text, untrusted=True))
    if ours:
        sections.append(Section("\n\n".join(ours)))
    return tuple(sections)


def _blocks(d: Digest, heading: bool, words: Callable[[str], str]) -> list[str | _Quote]:
    """The digest's paragraphs in order: Markdown in which `words` was applied to every value
    the digest did not write itself, and quotes."""
    out: list[str | _Quote] = []
    if heading:
        out.append(f"# {_t('digest.title', title=words(d.title))}")
    out.append("\n".join(f"- **{name}:** {value}" for name, value in _meta(d, words)))
    if d.key_messages:
        out.append(f"## {_t('digest.key_messages.heading')}")
        for message in d.key_messages:
            out.append(words(_key_sentence(message)))
            if message.quote:
                out.append(_Quote(message.quote))
    if d.intro:
        out.append(d.intro)

    out.append(f"## {_t('digest.glance.heading')}")
    if d.themes_at_a_glance:
        out.append(
            "\n".join(
                "- "
                + _t("digest.glance.line", label=words(item.label), count=_reflections(item.count))
                for item in d.themes_at_a_glance
            )
        )
    else:
        out.append(_t("digest.no_reflections"))

    if d.priorities:
        out.append(f"## {_t('digest.priorities.heading')}")
        out.append(_t("digest.priorities.note", min_count=d.min_count))
        out.append("\n".join(f"- {_priority_line(words(p.label), p.count)}" for p in d.priorities))

    out.append(f"## {_t('digest.said.heading')}")
    if d.reflection_count:
        out.append(_privacy_note(d))
    for section in d.categories:
        out.append(f"### {_category_heading(section)}")
        if not section.themes:
            out.append(_t("digest.said.nothing"))
        for theme in section.themes:
            out.append(
                "- " + _theme_summary(_bold(words(theme.label)), theme.count, theme.making_it_real)
            )
            out.extend(_Quote(quote) for quote in theme.quotes)

    out.append(f"## {_t('digest.attendance.heading')}")
    out.append(
        "\n".join(
            "- " + _t("digest.attendance.line", label=line.label, count=line.shown)
            for line in d.attendance_lines
        )
    )
    out.append(_t("digest.attendance.note", min_count=d.min_count))

    out.append(f"## {_t('digest.actions.heading')}")
    if d.actions:
        items = []
        for number, action in enumerate(d.actions, start=1):
            line, because = _action_sentences(action, words)
            item = f"{number}. {line}"
            if because:
                # Indented to stay inside the numbered item.
                item += f"\n   {because}"
            items.append(item)
        out.append("\n".join(items))
    else:
        out.append(_t("digest.actions.none"))
    out.append(f"_{_t('digest.footer')}_")
    return out


def _priority_line(label: str, count: int) -> str:
    return _t("digest.priorities.line", label=label, count=count)


def _privacy_note(d: Digest) -> str:
    if d.verbatim_allowed:
        return _t("digest.quotes_note")
    return _t("digest.verbatim_withheld", min_count=d.min_count)


def _category_heading(section: CategorySection) -> str:
    return _t(
        "digest.said.category_heading",
        category=section.label,
        count=_reflections(section.count),
    )


# HTML -------------------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, "Segoe UI", Roboto, Arial, sans-serif; line-height: 1.5;
  color: #1a1a1a; background: #ffffff; max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
h1, h2, h3 { line-height: 1.25; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
blockquote { margin: 0.5rem 0 1rem; padding: 0.25rem 1rem; border-left: 0.3rem solid #4a4a4a;
  background: #f3f3f3; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
th, td { border: 1px solid #6b6b6b; padding: 0.3rem 0.6rem; text-align: left;
  vertical-align: top; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
table.bar, table.bar td { border: 0; padding: 0; margin: 0; }
table.bar td[bgcolor] { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.note { font-style: italic; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  blockquote, table, li { break-inside: avoid; page-break-inside: avoid; }
  blockquote { background: none; }
}
""".strip()


def _html_paragraphs(text: str) -> str:
    """Blank lines split paragraphs; single line breaks are kept."""
    blocks = [block.strip() for block in text.split("\n\n")]
    return "".join(
        "<p>" + "<br>".join(escape(line) for line in block.splitlines()) + "</p>"
        for block in blocks
        if block
    )


def page_head(title: str, style: str) -> list[str]:
    """The lines that open a standalone page, up to and including `<body>`: British
    English declared for screen readers, and `title` (already escaped) in the tab."""
    return [
        "<!doctype html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>\n{style}\n</style>",
        "</head>",
        "<body>",
    ]


def to_html(d: Digest) -> str:
    """A complete, standalone, printable and accessible HTML page (no scripts, nothing
    fetched from elsewhere)."""
    title = escape(_t("digest.title", title=d.title))
    return unmark(
        "\n".join(
            [
                *page_head(title, _STYLE),
                "<header>",
                f"<h1>{title}</h1>",
                html_meta(d),
                "</header>",
                "<main>",
                html_sections(d),
                "</main>",
                f'<footer><p class="note">{escape(_t("digest.footer"))}</p></footer>',
                "</body>",
                "</html>",
            ]
        )
        + "\n"
    )


def html_meta(d: Digest) -> str:
    """The digest's date, theme, spark and session number, as a definition list."""
    rows = (f"<dt>{escape(name)}</dt><dd>{escape(value)}</dd>" for name, value in _meta(d))
    return unmark("\n".join(['<dl class="meta">', *rows, "</dl>"]))


def html_sections(d: Digest, *, chart: bool = True) -> str:
    """The digest's sections, from its key messages to its actions, headed from <h2> down,
    for a page that gives its own <h1>. `chart=False` leaves out the bar chart, whose bars
    are drawn with style attributes (mail clients ignore stylesheets) that a page allowing
    no inline style would not show; its numbers are in the list of themes too."""
    parts: list[str] = []
    if d.key_messages:
        parts.append('<section aria-labelledby="key-messages">')
        heading = escape(_t("digest.key_messages.heading"))
        parts.append(f'<h2 id="key-messages">{heading}</h2>')
        for message in d.key_messages:
            parts.append(f"<p>{escape(_key_sentence(message))}</p>")
            if message.quote:
                parts.append(f"<blockquote>{_html_paragraphs(message.quote)}</blockquote>")
        parts.append("</section>")
    if d.intro:
        parts.append(_html_paragraphs(d.intro))

    parts.append('<section aria-labelledby="glance">')
    parts.append(f'<h2 id="glance">{escape(_t("digest.glance.heading"))}</h2>')
    if d.themes_at_a_glance:
        parts.append("<ul>")
        parts.extend(
            "<li>"
            + escape(_t("digest.glance.line", label=item.label, count=_reflections(item.count)))
            + "</li>"
            for item in d.themes_at_a_glance
        )
        parts.append("</ul>")
    else:
        parts.append(f"<p>{escape(_t('digest.no_reflections'))}</p>")
    parts.append("</section>")

    if d.priorities:
        parts.append('<section aria-labelledby="priorities">')
        parts.append(f'<h2 id="priorities">{escape(_t("digest.priorities.heading"))}</h2>')
        parts.append(f"<p>{escape(_t('digest.priorities.note', min_count=d.min_count))}</p>")
        parts.append("<ul>")
        parts.extend(f"<li>{escape(_priority_line(p.label, p.count))}</li>" for p in d.priorities)
        parts.append("</ul>")
        parts.append("</section>")

    parts.append('<section aria-labelledby="said">')
    parts.append(f'<h2 id="said">{escape(_t("digest.said.heading"))}</h2>')
    if d.reflection_count:
        parts.append(f'<p class="note">{escape(_privacy_note(d))}</p>')
        if chart:
            parts.append(_chart(d))
    for number, section in enumerate(d.categories, start=1):
        parts.append(f'<section aria-labelledby="category-{number}">')
        parts.append(f'<h3 id="category-{number}">{escape(_category_heading(section))}</h3>')
        if not section.themes:
            parts.append(f"<p>{escape(_t('digest.said.nothing'))}</p>")
        else:
            parts.append("<ul>")
            for theme in section.themes:
                # A placeholder for the label, so the sentence is escaped but <strong> is not.
                summary = escape(_theme_summary(_SLOT, theme.count, theme.making_it_real))
                label = f"<strong>{escape(theme.label)}</strong>"
                item = f"<li><p>{summary.replace(_SLOT, label, 1)}</p>"
                item += "".join(
                    f"<blockquote>{_html_paragraphs(quote)}</blockquote>" for quote in theme.quotes
                )
                parts.append(item + "</li>")
            parts.append("</ul>")
        parts.append("</section>")
    parts.append("</section>")

    parts.append('<section aria-labelledby="attendance">')
    parts.append(f'<h2 id="attendance">{escape(_t("digest.attendance.heading"))}</h2>')
    parts.append("<table>")
    parts.append(f"<caption>{escape(_t('digest.attendance.table_caption'))}</caption>")
    parts.append(
        f'<thead><tr><th scope="col">{escape(_t("digest.attendance.column_role"))}</th>'
        f'<th scope="col">{escape(_t("digest.attendance.column_count"))}</th></tr></thead>'
    )
    parts.append("<tbody>")
    parts.extend(
        f'<tr><th scope="row">{escape(line.label)}</th>'
        f'<td class="number">{escape(line.shown)}</td></tr>'
        for line in d.attendance_lines
    )
    parts.append("</tbody></table>")
    parts.append(f"<p>{escape(_t('digest.attendance.note', min_count=d.min_count))}</p>")
    parts.append("</section>")

    parts.append('<section aria-labelledby="actions">')
    parts.append(f'<h2 id="actions">{escape(_t("digest.actions.heading"))}</h2>')
    if d.actions:
        parts.append("<ol>")
        for action in d.actions:
            line, because = _action_sentences(action)
            item = f"<li><p>{escape(line)}</p>"
            if because:
                item += f"<p>{escape(because)}</p>"
            parts.append(item + "</li>")
        parts.append("</ol>")
    else:
        parts.append(f"<p>{escape(_t('digest.actions.none'))}</p>")
    parts.append("</section>")
    return unmark("\n".join(parts))


def _chart_rows(d: Digest) -> Iterator[tuple[CategorySection, str, int]]:
    for section in d.categories:
        for theme in section.themes:
            yield section, theme.label, theme.count


def _chart(d: Digest) -> str:
    """A bar chart that mail clients show (Gmail and Outlook drop SVG and most CSS): one data
    table with a caption, a row per theme headed by its label, and in its number cell the
    number as text beside a bar made of a table cell with a set width and background colour.
    The bars' layout tables are marked as presentation, so a screen reader reads the table's
    three columns only; the number is always written, so nothing depends on colour."""
    rows = list(_chart_rows(d))
    biggest = max((count for _, _, count in rows), default=1) or 1
    body = []
    for section, label, count in rows:
        width = max(2, round(_BAR_MAX * count / biggest))
        bar = (
            '<table role="presentation" class="bar" cellpadding="0" cellspacing="0" border="0">'
            # A set width for the number, so every bar starts at the same place.
            f'<tr><td class="count" width="40" style="width:40px;padding:0 6px 0 0;border:0;'
            f'text-align:right;">{count}</td>'
            f'<td width="{width}" height="14" bgcolor="{_BAR_COLOUR}" style="width:{width}px;'
            f"height:14px;background-color:{_BAR_COLOUR};border:0;padding:0;font-size:1px;"
            'line-height:1px;">&nbsp;</td></tr></table>'
        )
        body.append(
            f'<tr><td>{escape(section.label)}</td><th scope="row">{escape(label)}</th>'
            f'<td class="number">{bar}</td></tr>'
        )
    return (
        '<table class="chart">'
        f"<caption>{escape(_t('digest.chart.table_caption'))}</caption>"
        f'<thead><tr><th scope="col">{escape(_t("digest.chart.column_category"))}</th>'
        f'<th scope="col">{escape(_t("digest.chart.column_theme"))}</th>'
        f'<th scope="col">{escape(_t("digest.chart.column_count"))}</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


# CSV and JSON -----------------------------------------------------------------------------


def to_csv(d: Digest) -> str:
    """One row per reflection when words may be shown (the words only where the person
    agreed), otherwise one row per theme with its count. The columns are the same either
    way, so a spreadsheet made from one digest works for the next."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _t("digest.csv.category"),
            _t("digest.csv.theme"),
            _t("digest.csv.count"),
            _t("digest.csv.text"),
            _t("digest.csv.making_it_real"),
        ]
    )
    labels = {section.key: section.label for section in d.categories}
    if d.verbatim_allowed:
        for item in d.items:
            writer.writerow(
                [
                    labels[item.category],
                    safe_cell(item.theme),
                    1,
                    safe_cell(item.text),
                    "; ".join(item.making_it_real),
                ]
            )
    else:
        for section in d.categories:
            for theme in section.themes:
                writer.writerow(
                    [
                        section.label,
                        safe_cell(theme.label),
                        theme.count,
                        "",
                        "; ".join(theme.making_it_real),
                    ]
                )
    return unmark(buffer.getvalue())


def to_json(d: Digest) -> str:
    """The whole digest as JSON. The number of people who reflected is blanked when it is
    under the threshold, as it is in every other format (0 is shown: it identifies nobody)."""
    data = _fields(d)
    if 0 < d.contributors < d.min_count:
        data["contributors"] = None
    return unmark(json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2))


def _plain(value: object) -> object:
    """Dataclasses to dicts and tuples to lists. dataclasses.asdict would do the same, but
    deep-copies every leaf, which is most of the time spent on a large digest."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _fields(value: DataclassInstance) -> dict[str, object]:
    return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
