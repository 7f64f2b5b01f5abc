"""Easy Read layout for a facilitator's own message: one short sentence per line, with space
between, so each idea stands on its own (as Easy Read guidance asks)."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def easy_read_layout(text: str) -> str:
    sentences = [s.strip() for part in text.split("\n") for s in _SENTENCE_END.split(part)]
    return "\n\n".join(s for s in sentences if s)
