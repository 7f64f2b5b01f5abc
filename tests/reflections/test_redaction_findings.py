"""What redaction found, exposed for the facilitator's review: each finding's kind and span,
and whether redaction is sure (it takes the detail out) or it only may be one (worth a look)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.reflections.redaction import (
    PLACEHOLDERS,
    Finding,
    find_details,
    placeholders_in,
    redact,
    redact_with_report,
)


def found(text: str, names: tuple[str, ...] = ()) -> list[tuple[str, str, bool]]:
    """(kind, the words found, sure) for each finding, in order."""
    return [(f.kind, text[f.start : f.end], f.sure) for f in find_details(text, names)]


@pytest.mark.parametrize(
    ("text", "kind", "words"),
    [
        ("My social worker Jane Smith never rings.", "name", "Jane Smith"),
        ("I saw my GP Dr Patel last week.", "name", "Patel"),
        ("My son Tom helps me.", "name", "Tom"),
        ("I live at 12 Acacia Avenue now.", "address", "12 Acacia Avenue"),
        ("My DOB 12/03/1954 was on the form.", "date_of_birth", "12/03/1954"),
        ("Write to jane dot smith at gmail dot com please.", "email", None),
    ],
)
def test_what_redaction_takes_out_is_found_as_sure(text, kind, words):
    findings = find_details(text)
    sure = [f for f in findings if f.sure]
    assert [f.kind for f in sure] == [kind]
    if words is not None:
        assert text[sure[0].start : sure[0].end] == words
    # Exactly what redact takes out, no more and no less.
    redacted = text[: sure[0].start] + PLACEHOLDERS[kind] + text[sure[0].end :]
    assert redact(text) == redacted


@pytest.mark.parametrize(
    ("text", "kind", "words"),
    [
        # A name typed in lower case after a cue cannot be told from a word: worth a look.
        ("I rang my son tom.", "name", "tom"),
        ("My social worker jane said no.", "name", "jane"),
        # A street without a number, or not in the usual capitals.
        ("She lives on Acacia Avenue, near the shops.", "address", "Acacia Avenue"),
        ("12 acacia close has no ramp.", "address", "12 acacia close"),
        # A full date long ago may be someone's birthday, even without "born".
        ("It all started on 3 March 1954 for me.", "date_of_birth", "3 March 1954"),
        ("Mum 14/07/1938 needs help.", "date_of_birth", "14/07/1938"),
        # Half of a spelled-out address.
        ("Email me, jane at gmail.", "email", "jane at gmail"),
    ],
)
def test_what_may_be_personal_is_found_as_unsure_and_left_in(text, kind, words):
    assert found(text) == [(kind, words, False)]
    assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "My son is lovely and my GP surgery is good.",
        "I rang my GP yesterday.",
        "The day centre closed in March 2020.",
        "On 3 March 2021 the new service started.",
        "It is a 10 minute walk to 2 very close friends.",
        "I looked at the council website.",
        "Will the Facilitator follow up?",
        "We went to the park on Sunday.",
    ],
)
def test_ordinary_sentences_have_no_findings(text):
    assert find_details(text, ("Will", "Facilitator", "Grace Park")) == ()


def test_an_ordinary_word_display_name_is_left_in_an_ordinary_sentence():
    names = ("Will", "May", "Host")
    assert find_details("Will the Facilitator follow up in May?", names) == ()
    assert found("I asked Will about it.", names) == [("name", "Will", True)]


def test_findings_are_in_order_and_never_overlap():
    text = "My son tom said he lives at 12 Acacia Avenue, DOB 1/2/1950, and my GP Dr Patel."
    findings = find_details(text)
    assert [f.kind for f in findings] == ["name", "address", "date_of_birth", "name"]
    assert [f.sure for f in findings] == [False, True, True, True]
    for before, after in itertools.pairwise(findings):
        assert before.end <= after.start


def test_the_report_counts_only_what_was_taken_out():
    text = "My son tom and my daughter Amy."
    _, counts = redact_with_report(text)
    assert counts == {"name": 1}


def test_placeholders_in_stored_text_say_what_was_taken_out():
    stored = redact("My social worker Jane Smith at 12 Acacia Avenue, 07700 900123.")
    assert placeholders_in(stored) == {"name": 1, "address": 1, "phone": 1}
    assert placeholders_in("Nothing here [sic].") == {}


@given(st.text(max_size=300))
def test_findings_are_real_spans_and_sure_ones_are_what_redact_removes(text):
    findings = find_details(text)
    out, pos, last = [], 0, 0
    for finding in findings:
        assert isinstance(finding, Finding)
        assert 0 <= finding.start < finding.end <= len(text)
        assert finding.start >= last
        last = finding.end
        if finding.sure:
            out.append(text[pos : finding.start] + PLACEHOLDERS[finding.kind])
            pos = finding.end
    out.append(text[pos:])
    assert "".join(out) == redact(text)
