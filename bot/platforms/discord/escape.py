"""Make text a participant typed safe to repost on Discord.

Reposted text must show exactly as typed and must never ping anyone or pick up formatting
(DESIGN.md, "Nothing a participant typed can ping or format-inject"). The bot also sends
`allowed_mentions=AllowedMentions.none()`; this is defence in depth, for places such as
embed titles, thread names or a future change that forgets it.

- Markdown characters get a backslash, which Discord hides: `*bold*` shows as `*bold*`.
- `@everyone` and `@here` get a zero-width space after the "@", so the words are no longer
  mentions even where the backslash rules do not apply.
- Every "<" gets a zero-width space after it, which breaks all of Discord's angle-bracket
  markup: user, role and channel mentions (<@123>, <@!123>, <@&123>, <#123>), slash-command
  mentions (</name:123>), custom emoji and timestamps.
- A masked link `[text](https://url)` becomes `text (https://url)`, so the real address is in
  plain sight instead of hidden behind words that may not match it.

Bare links are left untouched so that they still work; Discord shows them as typed.
Apply the function once, to participant text only (never to the bot's own formatting).
"""

from __future__ import annotations

import re

ZWSP = "\u200b"

_MASKED_LINK = r"\[(?P<label>[^\[\]\n]{0,256})\]\(\s*<?(?P<href>https?://[^\s<>()]+)>?" \
    r"(?:\s+\"[^\"\n]*\")?\s*\)"
_BARE_URL = r"(?P<url>https?://[^\s<>|`\[\]]+)"
_LINKS = re.compile(f"{_MASKED_LINK}|{_BARE_URL}", re.IGNORECASE)
# Characters that start or end inline formatting anywhere in a line: bold/italic, underline,
# strike-through, inline code and code fences, spoilers, block quotes, masked-link brackets.
_INLINE = re.compile(r"[\\*_~`|>\[\]]")
# Formatting that only counts at the start of a line: headings (#), subtext (-#), bullet
# lists (- or +), and numbered lists ("1. ").
_LINE_START = re.compile(r"^([ \t]*)(#|-|\+|\d+(?=\.\s|\.$))", re.MULTILINE)
_PINGS = re.compile(r"@(?=everyone|here)", re.IGNORECASE)
_URL_TRAILING = ".,;:!?'\")*_~"


def escape_participant_text(text: str) -> str:
    """`text` that shows as typed on Discord and cannot mention anyone."""
    out: list[str] = []
    pos = 0
    for match in _LINKS.finditer(text):
        start, end = match.span()
        if match.group("url") is not None:
            end = _url_end(text, start, end)
            out.append(_escape_markdown(text[pos:start]))
            out.append(text[start:end])
        else:
            out.append(_escape_markdown(text[pos:start]))
            out.append(f"{_escape_markdown(match.group('label'))} ({match.group('href')})")
        pos = end
    out.append(_escape_markdown(text[pos:]))
    return _neutralise_mentions("".join(out))


def _escape_markdown(text: str) -> str:
    text = _INLINE.sub(lambda m: "\\" + m.group(), text)
    return _LINE_START.sub(_escape_line_start, text)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker = match.group(1), match.group(2)
    if marker[0].isdigit():
        return f"{indent}{marker}\\"  # escape the "." that follows the number
    return f"{indent}\\{marker}"


def _neutralise_mentions(text: str) -> str:
    text = text.replace("<", "<" + ZWSP)
    return _PINGS.sub("@" + ZWSP, text)


def _url_end(text: str, start: int, end: int) -> int:
    """Leave sentence punctuation after a link (and an unbalanced ")") outside the link."""
    while end > start and text[end - 1] in _URL_TRAILING:
        if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break
        end -= 1
    return end
