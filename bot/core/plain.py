"""Plain style, for people who asked for it: no emoji, no decorative formatting, short lines.

Every renderer applies `plain_text_style` to a message marked `plain`, so the preference is
honoured the same way on every platform.
"""

from __future__ import annotations

import re
import textwrap

PLAIN_WIDTH = 60

# Emoji and pictographs, dingbats, variation selectors and joiners.
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f900-\U0001f9ff\u2b00-\u2bff"
    "\ufe0f\u200d\u20e3]"
)
# Markdown emphasis and heading marks used for decoration, not meaning.
_DECORATION = re.compile(r"(\*\*|__|~~|`+)")
_HEADING = re.compile(r"^#{1,6}\s*", re.M)


def plain_text_style(text: str, width: int = PLAIN_WIDTH) -> str:
    """Remove emoji and decoration and wrap lines; list markers and paragraphs are kept."""
    text = _EMOJI.sub("", text)
    text = _DECORATION.sub("", text)
    text = _HEADING.sub("", text)
    out: list[str] = []
    for line in text.splitlines():
        line = re.sub(r"[ \t]+", " ", line).rstrip()
        if not line:
            out.append("")
            continue
        start = re.match(r"^\s*(?:[-*] |\d+[.)] )?", line)
        assert start is not None  # every part of the pattern is optional: it always matches
        indent = start.group(0)
        out.extend(textwrap.wrap(line, width=width, subsequent_indent=" " * len(indent)) or [""])
    return "\n".join(out).strip()
