"""The digest model's privacy rules, and the four formats it is written in."""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import json
from datetime import date
from html.parser import HTMLParser

import pytest

from bot.core.marked import unmark
from bot.digest.model import (
    CATEGORIES,
    ROLES,
    ActionLine,
    Digest,
    DigestInput,
    DigestReflection,
    build_digest,
)
from bot.digest.render import to_csv, to_html, to_json, to_markdown
from bot.engine.texts import Texts

_TEXTS = Texts.load()


def T(key: str, /, **values: object) -> str:
    """A text as a reader sees it: without the marks around typed words."""
    return unmark(_TEXTS.t(key, **values))
FORMATS = {"markdown": to_markdown, "html": to_html, "csv": to_csv, "json": to_json}

QUOTABLE = [
    DigestReflection(
        "r01", "working", "My social worker listened to me and explained my care plan.", True
    ),
    DigestReflection(
        "r02", "working", "The day centre helps me feel part of the community again.", True
    ),
    DigestReflection(
        "r03", "not_working", "Nobody told us anything after hospital discharge.", True
    ),
    DigestReflection("r04", "future", "I want to keep living in my own home for many years.", True),
    DigestReflection(
        "r05", "idea", "A peer support group for carers, run by carers themselves.", True
    ),
]
PRIVATE = [
    DigestReflection(
        "r06", "working", "The day centre staff know my husband by his first name.", False
    ),
    DigestReflection(
        "r07", "not_working", "The letters about my review were full of jargon.", False
    ),
]
REFLECTIONS = [*QUOTABLE, *PRIVATE]
ACTIONS = [
    ActionLine(
        "Letters are hard to read", "Rewrote the review letter", "Commissioning team", "done", None
    ),
    ActionLine("Pay people for their time", "", "", "cant_do", "the budget for this year is set"),
]


def make_input(**changes: object) -> DigestInput:
    base = DigestInput(
        title="Assessments and reviews",
        theme="What it feels like to go through an assessment",
        spark_title="Amara's story",
        date_text="Monday 23 November 2026, 10:00",
        session_id=12,
        attendance={"draws_on_care": 7, "carer": 6},
        total_attended=13,
        reflections=REFLECTIONS,
        contributors=7,
        actions=ACTIONS,
        intro="Thank you to everyone who came.",
    )
    return dataclasses.replace(base, **changes)


def render_all(digest: Digest) -> dict[str, str]:
    return {name: render(digest) for name, render in FORMATS.items()}


def lines_by_key(digest: Digest) -> dict[str, tuple[int | None, str]]:
    return {line.key: (line.count, line.shown) for line in digest.attendance_lines}


# Attendance: small numbers are never shown ----------------------------------------------


def test_role_counts_under_min_count_read_fewer_than():
    digest = build_digest(
        make_input(attendance={"draws_on_care": 8, "carer": 6}, total_attended=14)
    )
    lines = lines_by_key(digest)
    fewer = T("digest.attendance.fewer_than", min_count=5)
    assert lines["draws_on_care"] == (8, "8")
    assert lines["carer"] == (6, "6")
    # Nobody in a role identifies nobody: 0 reads 0, not "fewer than 5" (issue 15).
    for role in ("commissioner", "provider", "other", "prefer_not"):
        assert lines[role] == (0, "0")
    assert lines["total"] == (14, "14")
    small = lines_by_key(
        build_digest(make_input(attendance={"draws_on_care": 8, "carer": 2}, total_attended=10))
    )
    assert small["carer"] == (None, fewer)
    assert [line.key for line in digest.attendance_lines] == [*ROLES, "total", "contributors"]


def test_in_a_small_group_even_zero_counts_are_not_shown():
    # Below the threshold overall, which roles were there would describe the few people.
    lines = lines_by_key(
        build_digest(make_input(attendance={"carer": 3}, total_attended=3, contributors=3))
    )
    fewer = T("digest.attendance.fewer_than", min_count=5)
    assert {lines[role] for role in ROLES} == {(None, fewer)}
    assert lines["total"] == (None, fewer)


def test_a_small_count_cannot_be_worked_out_from_the_total():
    # 13 - 7 - 5 = 1 commissioner, if 7 and 5 were shown beside the total.
    digest = build_digest(
        make_input(
            attendance={"draws_on_care": 7, "carer": 5, "commissioner": 1}, total_attended=13
        )
    )
    lines = lines_by_key(digest)
    assert lines["commissioner"][0] is None
    assert lines["carer"] == (None, T("digest.attendance.hidden"))
    assert lines["draws_on_care"] == (7, "7")
    hidden_sum = 13 - sum(count for key, (count, _) in lines.items() if key in ROLES and count)
    assert hidden_sum >= 5
    markdown = to_markdown(digest)
    assert f"{T('digest.attendance.role.carer')}: 5" not in markdown
    assert f"{T('digest.attendance.role.commissioner')}: 1" not in markdown


def test_small_totals_are_suppressed_too():
    digest = build_digest(
        make_input(attendance={"draws_on_care": 3, "carer": 1}, total_attended=4, contributors=2)
    )
    fewer = T("digest.attendance.fewer_than", min_count=5)
    assert all(line.count is None and line.shown == fewer for line in digest.attendance_lines)
    data = json.loads(to_json(digest))
    assert data["contributors"] is None
    assert all(line["count"] is None for line in data["attendance_lines"])


def test_min_count_never_goes_below_three():
    digest = build_digest(make_input(min_count=1, attendance={"carer": 2}, total_attended=2))
    assert digest.min_count == 3
    assert lines_by_key(digest)["carer"][0] is None


def test_no_role_count_under_min_count_appears_in_any_format():
    digest = build_digest(
        make_input(
            attendance={"draws_on_care": 9, "carer": 6, "commissioner": 2, "provider": 3},
            total_attended=20,
        )
    )
    for line in digest.attendance_lines:
        assert line.count is None or line.count == 0 or line.count >= digest.min_count
    for text in render_all(digest).values():
        for role in ("commissioner", "provider"):
            label = T(f"digest.attendance.role.{role}")
            assert f"{label}: 2" not in text and f"{label}: 3" not in text


# Words: only with enough contributors, only with consent ----------------------------------


def test_too_few_contributors_means_no_reflection_text_anywhere():
    digest = build_digest(make_input(contributors=4))
    assert digest.verbatim_allowed is False
    assert digest.items == ()
    assert all(not theme.quotes for section in digest.categories for theme in section.themes)
    for name, text in render_all(digest).items():
        for reflection in REFLECTIONS:
            assert reflection.text not in text, name
            # Nor a long piece of it.
            assert reflection.text[:30] not in text, name
    assert T("digest.verbatim_withheld", min_count=5) in to_markdown(digest)


def test_too_few_contributors_csv_has_theme_rows_with_counts():
    digest = build_digest(make_input(contributors=4))
    rows = list(csv.reader(io.StringIO(to_csv(digest))))
    header, body = rows[0], rows[1:]
    assert header[2] == T("digest.csv.count")
    assert sum(int(row[2]) for row in body) == len(REFLECTIONS)
    assert all(row[3] == "" for row in body)
    themes = sum(len(section.themes) for section in digest.categories)
    assert len(body) == themes


def test_only_consenting_reflections_are_quoted():
    digest = build_digest(make_input())
    assert digest.verbatim_allowed is True
    outputs = render_all(digest)
    for name, text in outputs.items():
        for reflection in PRIVATE:
            assert reflection.text not in text, name
    quoted = {
        quote for section in digest.categories for theme in section.themes for quote in theme.quotes
    }
    assert quoted == {r.text for r in QUOTABLE}
    for reflection in QUOTABLE:
        assert reflection.text in outputs["markdown"]
        assert reflection.text in outputs["csv"]
        assert json.dumps(reflection.text, ensure_ascii=False) in outputs["json"]


def test_every_reflection_is_counted_once_per_category():
    digest = build_digest(make_input())
    assert digest.reflection_count == len(REFLECTIONS)
    assert [section.key for section in digest.categories] == list(CATEGORIES)
    for section in digest.categories:
        expected = sum(1 for r in REFLECTIONS if r.category == section.key)
        assert section.count == expected
        assert sum(theme.count for theme in section.themes) == expected
    assert len(digest.items) == len(REFLECTIONS)


def test_many_reflections_are_all_counted():
    # Enough texts for keyphrases to come from a sample; everything is still counted once.
    words = ["waiting list", "day centre", "care plan", "phone line", "direct payment"]
    many = [
        DigestReflection(f"m{i}", CATEGORIES[i % 4], f"The {words[i % 5]} thing number {i}.", True)
        for i in range(1000)
    ]
    digest = build_digest(make_input(reflections=many, contributors=800))
    assert sum(section.count for section in digest.categories) == 1000
    for section in digest.categories:
        assert sum(theme.count for theme in section.themes) == section.count
    assert len(digest.items) == 1000


def test_themes_at_a_glance_are_biggest_first_without_other_points():
    digest = build_digest(make_input())
    counts = [item.count for item in digest.themes_at_a_glance]
    assert counts == sorted(counts, reverse=True)
    assert T("digest.other_points") not in {item.label for item in digest.themes_at_a_glance}


def test_unknown_category_is_refused():
    bad = DigestReflection("x", "gossip", "Something.", True)
    with pytest.raises(ValueError, match="gossip"):
        build_digest(make_input(reflections=[bad]))


# Markdown -------------------------------------------------------------------------------


def test_markdown_has_the_sections_with_words_from_prompts():
    markdown = to_markdown(build_digest(make_input()))
    headings = [line for line in markdown.splitlines() if line.startswith("#")]
    assert headings[0] == "# " + T("digest.title", title="Assessments and reviews")
    for key in ("glance", "said", "attendance", "actions"):
        assert f"## {T(f'digest.{key}.heading')}" in headings
    for category in CATEGORIES:
        assert any(h.startswith(f"### {T(f'digest.category.{category}')}") for h in headings)
    assert "> " + QUOTABLE[0].text in markdown


def test_markdown_we_said_we_did_gives_status_and_the_reason():
    markdown = to_markdown(build_digest(make_input()))
    assert T("digest.actions.state.done") in markdown
    assert T("digest.actions.state.cant_do") in markdown
    assert T("digest.actions.because", reason="the budget for this year is set") in markdown


def test_a_quote_cannot_become_a_markdown_heading():
    sneaky = DigestReflection("h1", "idea", "# Everyone is wonderful\n  ## really\nfine", True)
    markdown = to_markdown(build_digest(make_input(reflections=[*REFLECTIONS, sneaky])))
    ours = {
        "# " + T("digest.title", title="Assessments and reviews"),
        *(
            f"## {T(f'digest.{key}.heading')}"
            for key in ("key_messages", "glance", "said", "attendance", "actions")
        ),
    }
    for line in markdown.splitlines():
        if line.startswith("#"):
            assert line in ours or line.startswith("### "), line
    assert "> \\# Everyone is wonderful" in markdown
    assert "> \\## really" in markdown


# HTML -----------------------------------------------------------------------------------


VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "source", "col", "area", "base"}


class PageParser(HTMLParser):
    """Collects what the accessibility checks need."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.text_in: dict[str, list[str]] = {}
        self.ids: set[str] = set()
        self.page_title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.starts.append((tag, found))
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self.stack[-2:] == ["head", "title"]:
            self.page_title += data
        if self.stack:
            self.text_in.setdefault(self.stack[-1], []).append(data)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.starts if tag == name]


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def test_html_is_a_standalone_accessible_page():
    page = to_html(build_digest(make_input()))
    assert page.lower().startswith("<!doctype html>")
    parser = parse(page)
    assert parser.tags("html") == [{"lang": "en-GB"}]
    assert parser.page_title.strip() == T("digest.title", title="Assessments and reviews")
    assert parser.tags("script") == []
    assert "<script" not in page.lower()
    assert len(parser.tags("style")) == 1
    assert "@media print" in page
    # Nothing fetched from elsewhere: no links, sources or imports.
    for tag, attrs in parser.starts:
        assert "src" not in attrs and "href" not in attrs, tag
        assert not any(name.startswith("on") for name in attrs), tag
    assert "@import" not in page and "url(" not in page


def test_html_headings_never_skip_a_level():
    page = to_html(build_digest(make_input()))
    levels = [
        int(tag[1]) for tag, _ in parse(page).starts if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}
    ]
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1
    assert 3 in levels


def test_html_data_tables_have_captions_and_header_scopes():
    # The chart is a table mail clients show (tests/digest/test_digest_chart.py); the
    # tables that draw its bars are layout only and say so.
    digest = build_digest(make_input())
    parser = parse(to_html(digest))
    assert parser.tags("svg") == []
    data_tables = [t for t in parser.tags("table") if t.get("role") != "presentation"]
    assert len(parser.tags("caption")) == len(data_tables) == 2
    scopes = [attrs.get("scope") for attrs in parser.tags("th")]
    assert scopes and all(scope in {"col", "row"} for scope in scopes)


def test_html_quotes_are_blockquotes_and_private_words_absent():
    digest = build_digest(make_input())
    parser = parse(to_html(digest))
    shown = sum(len(theme.quotes) for section in digest.categories for theme in section.themes)
    shown += sum(1 for message in digest.key_messages if message.quote)
    assert len(parser.tags("blockquote")) == shown
    page = to_html(digest)
    for reflection in PRIVATE:
        assert reflection.text not in page


def test_html_escapes_participant_words():
    nasty = DigestReflection(
        "x1", "idea", "<script>alert('hi')</script> & <b>bold</b> \"quoted\"", True
    )
    page = to_html(build_digest(make_input(reflections=[*REFLECTIONS, nasty])))
    parser = parse(page)
    assert parser.tags("script") == [] and parser.tags("b") == []
    assert "<script" not in page.lower()
    assert (
        "&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    )


def test_html_without_reflections_still_renders():
    digest = build_digest(make_input(reflections=[], contributors=0, actions=[]))
    page = to_html(digest)
    parser = parse(page)
    assert parser.tags("svg") == []
    assert T("digest.no_reflections") in page
    assert T("digest.actions.none") in page


# CSV and JSON ---------------------------------------------------------------------------


def test_csv_has_a_header_and_a_row_per_reflection():
    digest = build_digest(make_input())
    rows = list(csv.reader(io.StringIO(to_csv(digest))))
    assert rows[0] == [
        T("digest.csv.category"),
        T("digest.csv.theme"),
        T("digest.csv.count"),
        T("digest.csv.text"),
        T("digest.csv.making_it_real"),
    ]
    body = rows[1:]
    assert len(body) == len(REFLECTIONS)
    texts = {row[3] for row in body}
    assert {r.text for r in QUOTABLE} <= texts
    assert not {r.text for r in PRIVATE} & texts
    assert sum(1 for row in body if row[3] == "") == len(PRIVATE)
    categories = {T(f"digest.category.{key}") for key in CATEGORIES}
    assert all(row[0] in categories for row in body)


def test_csv_cannot_smuggle_a_spreadsheet_formula():
    formula = DigestReflection("f1", "idea", '=HYPERLINK("http://example.invalid","click")', True)
    rows = list(
        csv.reader(
            io.StringIO(to_csv(build_digest(make_input(reflections=[*REFLECTIONS, formula]))))
        )
    )
    [row] = [row for row in rows if "HYPERLINK" in row[3]]
    assert row[3] == "'" + formula.text


def test_json_loads_and_round_trips_the_counts():
    digest = build_digest(make_input())
    raw = to_json(digest)
    data = json.loads(raw)
    assert raw == json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2)
    assert data["reflection_count"] == digest.reflection_count
    assert data["verbatim_allowed"] is True
    assert data["contributors"] == 7
    for section, loaded in zip(digest.categories, data["categories"], strict=True):
        assert loaded["key"] == section.key and loaded["count"] == section.count
        assert [(t["label"], t["count"]) for t in loaded["themes"]] == [
            (t.label, t.count) for t in section.themes
        ]
    assert [(g["label"], g["count"]) for g in data["themes_at_a_glance"]] == [
        (g.label, g.count) for g in digest.themes_at_a_glance
    ]
    assert [a["status"] for a in data["actions"]] == ["done", "cant_do"]


def test_json_keeps_non_ascii_words():
    accents = DigestReflection("u1", "idea", "Café mornings for carers — every week", True)
    raw = to_json(build_digest(make_input(reflections=[*REFLECTIONS, accents])))
    assert "Café mornings for carers — every week" in raw


def test_an_open_action_says_when_it_is_due_in_every_form():
    due = date(2027, 3, 15)
    open_action = ActionLine("More time in reviews", "", "Adult social care", "doing", None, due)
    done_action = ActionLine("Plain letters", "Rewrote them", "", "done", None, due)
    digest = build_digest(make_input(actions=[open_action, done_action]))
    when = T("digest.actions.due", day="Monday 15 March 2027")
    for name, text in render_all(digest).items():
        if name in ("markdown", "html"):
            # Said once, for the action still open; a finished one is past its due day.
            assert text.count(when) == 1, name
    assert [a["due"] for a in json.loads(to_json(digest))["actions"]] == ["2027-03-15"] * 2
