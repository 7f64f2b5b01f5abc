"""A count of nobody identifies nobody: 0 reads 0 in every form of the digest, never
"fewer than 5" and never blank (issue 15)."""

from __future__ import annotations

import csv
import io
import json

from bot.core.marked import unmark
from bot.digest.key_messages import count_text
from bot.digest.model import build_digest
from bot.digest.render import to_csv, to_html, to_json, to_markdown, to_sections
from bot.engine.texts import Texts
from tests.digest.test_digest_render import make_input

_TEXTS = Texts.load()


def T(key: str, /, **values: object) -> str:
    """A text as a reader sees it: without the marks around typed words."""
    return unmark(_TEXTS.t(key, **values))
FEWER = T("digest.attendance.fewer_than", min_count=5)


def test_nobody_reflecting_reads_zero_everywhere():
    digest = build_digest(make_input(reflections=[], contributors=0, actions=[]))
    label = T("digest.attendance.contributors")
    line = T("digest.attendance.line", label=label, count="0")
    assert line in to_markdown(digest)
    assert line in unmark("\n".join(section.body for section in to_sections(digest)))
    assert f'<th scope="row">{label}</th><td class="number">0</td>' in to_html(digest)
    data = json.loads(to_json(digest))
    assert data["contributors"] == 0
    [contributors] = [x for x in data["attendance_lines"] if x["key"] == "contributors"]
    assert contributors["count"] == 0 and contributors["shown"] == "0"


def test_roles_nobody_came_in_read_zero_everywhere():
    digest = build_digest(make_input())
    markdown, html = to_markdown(digest), to_html(digest)
    for role in ("commissioner", "provider", "other", "prefer_not"):
        label = T(f"digest.attendance.role.{role}")
        assert T("digest.attendance.line", label=label, count="0") in markdown
        assert T("digest.attendance.line", label=label, count=FEWER) not in markdown
        escaped = label.replace("'", "&#x27;")
        assert f'<th scope="row">{escaped}</th><td class="number">0</td>' in html
    lines = {x["key"]: x for x in json.loads(to_json(digest))["attendance_lines"]}
    assert all(lines[role]["count"] == 0 for role in ("commissioner", "provider"))


def test_an_empty_category_reads_zero_reflections():
    digest = build_digest(make_input())
    heading = T(
        "digest.said.category_heading",
        category=T("digest.category.working"),
        count=T("digest.reflections_many", count=0),
    )
    only_ideas = build_digest(
        make_input(reflections=[r for r in make_input().reflections if r.category == "idea"])
    )
    assert heading in to_markdown(only_ideas)
    assert heading.replace("'", "&#x27;") in to_html(only_ideas)
    # CSV rows are themes or reflections, never an empty category: nothing to misread.
    rows = list(csv.reader(io.StringIO(to_csv(digest))))[1:]
    assert all(row[2] != "" for row in rows)


def test_a_key_message_count_of_zero_reads_zero():
    assert count_text(0, 5) == T("digest.key_messages.count_many", count=0)
    assert count_text(3, 5) == T("digest.key_messages.count_few", min_count=5)
    assert count_text(5, 5) == T("digest.key_messages.count_many", count=5)
