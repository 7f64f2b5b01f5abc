"""Marks in the facilitator's review preview for items likely to hold personal details.

Reflections are redacted before they are stored (bot/reflections/redaction.py): that is where
redaction takes out what it is sure of, so the words never reach the disk. A stored text may
therefore carry placeholders ("[name]"), and the preview says so: "may hold a name: redacted".
What only may be personal ("my son tom.", "lives on Acacia Avenue"), and anything redaction
would take out today from a text stored before it knew how, is left as it is and marked
"check: may hold an address", for the facilitator to read and then hold or redact. Nothing is
said to be redacted unless it was. (Redacting again while the digest is compiled would cost
about a millisecond a reflection, on every compile, to change only texts stored by an older
version.) Marks are short words in the item's one line, never colour or emoji, so the preview
stays one list a screen reader can follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.texts import shared_texts
from bot.reflections.redaction import PLACEHOLDERS, find_details, placeholders_in

# Marks come in the order of kinds redaction knows, taken-out ones first.
_KINDS = tuple(PLACEHOLDERS)


@dataclass(frozen=True)
class ReviewMarks:
    """An item's marks in words, and whether any of them asks the facilitator to check."""

    marks: tuple[str, ...]
    check: bool


def review_marks(text: str) -> ReviewMarks:
    """The marks for a stored text's line in the preview: what was taken out, then what is
    still there to check (another name beside a redacted one is checked too), each kind once,
    in the order redaction knows them."""
    taken = set(placeholders_in(text))
    unsure = {finding.kind for finding in find_details(text)}
    t = shared_texts().t
    marks = [
        t("digests.marks.redacted", kind=t(f"digests.marks.kind.{kind}"))
        for kind in _KINDS
        if kind in taken
    ]
    checks = [
        t("digests.marks.check", kind=t(f"digests.marks.kind.{kind}"))
        for kind in _KINDS
        if kind in unsure
    ]
    return ReviewMarks((*marks, *checks), bool(checks))
