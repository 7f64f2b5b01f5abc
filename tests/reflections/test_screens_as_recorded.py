"""The two screens every reflection goes through find exactly what was recorded for a corpus
of about 1,500 texts (tests/reflections/screens_corpus.py says what is in it).

The record was written by the screens as they were before they were made faster (issue 17),
so this shows the faster ones take out the same details, at the same places, and see the same
risks. Recorded outputs, rather than a copy of the old code kept here to compare against:
the copy would be 1,300 lines to keep in step with every intended change, while a record is
written again with one command and its diff shows what a change does.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from bot.reflections.redaction import PLACEHOLDERS, KnownNames, find_details, redact_with_report
from bot.reflections.safeguarding import SafeguardingTerms, load_terms
from tests.reflections.screens_corpus import RECORDED


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    return json.loads(RECORDED.read_text("utf-8"))


def _first_differences(differences: list[Any]) -> str:
    return f"{len(differences)} differ, first: {differences[:3]!r}"


def _redacted(text: str, findings: list[list[Any]]) -> tuple[str, Counter[str]]:
    """`text` with the sure findings replaced by their placeholders, and how many of each."""
    out, counts, pos = [], Counter[str](), 0
    for kind, start, end, sure in findings:
        if sure:
            out += [text[pos:start], PLACEHOLDERS[kind]]
            counts[kind] += 1
            pos = end
    return "".join([*out, text[pos:]]), counts


def test_redaction_finds_what_was_recorded(recorded):
    names = [KnownNames.build(listed) for listed in recorded["names"]]
    differences: list[Any] = []
    for text, at, findings, _ in recorded["cases"]:
        found = [[f.kind, f.start, f.end, f.sure] for f in find_details(text, names[at])]
        if found != findings:
            differences.append((text, at, findings, found))
        elif redact_with_report(text, names[at]) != _redacted(text, findings):
            differences.append((text, at, _redacted(text, findings)))
    assert not differences, _first_differences(differences)


def test_redaction_with_names_given_as_a_list_is_the_same(recorded):
    differences: list[Any] = []
    for text, at, findings, _ in recorded["cases"][::10]:
        if redact_with_report(text, recorded["names"][at]) != _redacted(text, findings):
            differences.append((text, at))
    assert not differences, _first_differences(differences)


def test_safeguarding_finds_what_was_recorded(recorded):
    differences: list[Any] = []
    for text, _, _, risks in recorded["cases"]:
        if load_terms().matches(text) != risks:
            differences.append((text, risks, load_terms().matches(text)))
    assert not differences, _first_differences(differences)


def test_safeguarding_answers_the_same_with_nothing_remembered_yet(recorded):
    # Each list of terms remembers what it learnt about words; a new one starts empty.
    fresh = SafeguardingTerms.load()
    differences = [
        text for text, _, _, risks in reversed(recorded["cases"]) if fresh.matches(text) != risks
    ]
    assert not differences, _first_differences(differences)
