"""The digest's chart is one that mail clients show (Gmail and Outlook drop inline SVG): bars
drawn with table cells of set widths and background colours, each row labelled with its theme
and its number in text, inside one captioned data table, so nothing depends on colour and a
screen reader reads the numbers."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from bot.core.marked import unmark
from bot.digest.model import build_digest
from bot.digest.render import to_html
from bot.engine.texts import Texts
from tests.digest.test_digest_render import make_input

_TEXTS = Texts.load()


def T(key: str, /, **values: object) -> str:
    """A text as a reader sees it: without the marks around typed words."""
    return unmark(_TEXTS.t(key, **values))


class Chart(HTMLParser):
    """The chart table: its caption, column headers, and per row (category, theme, count
    text, bar widths). Cells of tables inside a cell belong to that cell."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # tables deep, counting from the chart table
        self.caption = ""
        self.headers: list[str] = []
        self.rows: list[dict[str, object]] = []
        self.bars: list[dict[str, str | None]] = []
        self.presentation_roles: list[str | None] = []
        self.svg = 0
        self._where = ""
        self._cell: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "svg":
            self.svg += 1
        if tag == "table":
            if self.depth or "chart" in str(found.get("class", "")).split():
                if self.depth:
                    self.presentation_roles.append(found.get("role"))
                self.depth += 1
            return
        if not self.depth:
            return
        if tag == "caption":
            self._where = "caption"
        elif tag == "tr" and self.depth == 1:
            self.rows.append({"cells": [], "row_header": None, "bars": []})
        elif tag in ("td", "th") and self.depth == 1:
            self._where = f"{tag}:{found.get('scope')}"
            self._cell = []
        elif tag == "td" and self.depth > 1 and found.get("bgcolor"):
            self.bars.append(found)
            self.rows[-1]["bars"].append(found)  # type: ignore[attr-defined]

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag == "table":
            self.depth -= 1
        elif tag == "caption":
            self._where = ""
        elif tag in ("td", "th") and self.depth == 1 and self._where:
            text = " ".join("".join(self._cell).split())
            if self._where == "th:col":
                self.headers.append(text)
            elif self._where == "th:row":
                self.rows[-1]["row_header"] = text
                self.rows[-1]["cells"].append(text)  # type: ignore[attr-defined]
            else:
                self.rows[-1]["cells"].append(text)  # type: ignore[attr-defined]
            self._where = ""

    def handle_data(self, data: str) -> None:
        if self._where == "caption":
            self.caption += data
        elif self._where:
            self._cell.append(data)


def read_chart(page: str) -> Chart:
    chart = Chart()
    chart.feed(page)
    chart.close()
    return chart


def test_the_chart_is_a_table_of_bars_without_svg():
    digest = build_digest(make_input())
    chart = read_chart(to_html(digest))
    assert chart.svg == 0
    assert chart.caption.strip() == T("digest.chart.table_caption")
    assert chart.headers == [
        T("digest.chart.column_category"),
        T("digest.chart.column_theme"),
        T("digest.chart.column_count"),
    ]
    body = [row for row in chart.rows if row["cells"]]
    expected = [
        (section.label, theme.label, theme.count)
        for section in digest.categories
        for theme in section.themes
    ]
    assert len(body) == len(expected)
    for row, (category, label, count) in zip(body, expected, strict=True):
        # The theme heads its row and the number is text in the row, beside its bar.
        assert row["row_header"] == label
        assert row["cells"] == [category, label, str(count)]
        [bar] = row["bars"]  # type: ignore[misc]
        assert bar["bgcolor"] and bar["width"] and int(str(bar["width"])) > 0
        assert f"width:{bar['width']}px" in str(bar["style"]).replace(" ", "")
    # Layout tables inside the cells say so, so a screen reader reads only the number.
    assert chart.presentation_roles and set(chart.presentation_roles) == {"presentation"}


def test_bars_are_as_long_as_their_numbers():
    digest = build_digest(make_input())
    chart = read_chart(to_html(digest))
    widths = [
        (int(str(row["bars"][0]["width"])), int(str(row["cells"][2])))  # type: ignore[index]
        for row in chart.rows
        if row["cells"]
    ]
    biggest = max(count for _, count in widths)
    longest = max(width for width, _ in widths)
    for width, count in widths:
        assert width == max(2, round(longest * count / biggest))


def test_no_reflections_no_chart():
    digest = build_digest(make_input(reflections=[], contributors=0, actions=[]))
    chart = read_chart(to_html(digest))
    assert chart.rows == [] and chart.svg == 0


def test_every_bar_starts_at_the_same_place():
    # The number before each bar has a set width, so bars are compared from one edge.
    page = to_html(build_digest(make_input()))
    widths = re.findall(r'<td class="count" width="(\d+)"', page)
    assert widths and len(set(widths)) == 1
