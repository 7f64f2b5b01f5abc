"""Marks in the facilitator's review preview for items likely to hold personal details.

Reflections are redacted before they are stored (bot/reflections/redaction.py), so a stored
text may carry placeholders ("[name]"): the preview says so ("may hold a name: redacted").
Whatever redaction is sure of and is still in the text (stored before a detector knew it) is
taken out here too, for the preview and the digest alike. What only may be personal ("my son
tom.", "lives on Acacia Avenue") is left in and marked "check: may hold an address", for the
facilitator to read and hold or redact. Marks are short words in the item's one line, never
colour or emoji, so the preview stays one list a screen reader can follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from bot.engine.texts import Texts
from bot.reflections.redaction import PLACEHOLDERS, find_details, placeholders_in

# Marks come in the order of kinds redaction knows, taken-out ones first.
_KINDS = tuple(PLACEHOLDERS)


@cache
def _texts() -> Texts:
    return Texts.load()


@dataclass(frozen=True)
class ReviewMarks:
    """An item as the preview shows it: its text with what redaction is sure of taken out,
    its marks in words, and whether any of them asks the facilitator to check."""

    text: str
    marks: tuple[str, ...]
    check: bool


def shown_text(text: str) -> str:
    """The text with what redaction is sure of taken out, as the preview and digest show it."""
    return review_marks(text).text


def review_marks(text: str) -> ReviewMarks:
    """The text as the digest will show it, and the marks for its line in the preview."""
    out: list[str] = []
    pos = 0
    unsure: set[str] = set()
    for finding in find_details(text):
        if finding.sure:
            out.append(text[pos : finding.start] + PLACEHOLDERS[finding.kind])
            pos = finding.end
        else:
            unsure.add(finding.kind)
    out.append(text[pos:])
    shown = "".join(out)
    taken = set(placeholders_in(shown))
    t = _texts().t
    marks = [
        t("digests.marks.redacted", kind=t(f"digests.marks.kind.{kind}"))
        for kind in _KINDS
        if kind in taken
    ]
    checks = [
        t("digests.marks.check", kind=t(f"digests.marks.kind.{kind}"))
        for kind in _KINDS
        if kind in unsure and kind not in taken
    ]
    return ReviewMarks(shown, (*marks, *checks), bool(checks))
