"""Words a participant typed, made safe in the formats Brewbot writes itself.

Each chat platform has one rule of its own, which its renderer applies to every
`Section(untrusted=True)`: bot/platforms/discord/escape.py and bot/platforms/slack/escape.py.
The digest is also written as files and e-mail, with these rules:

- Markdown (`escape_markdown`): shown exactly as typed by any CommonMark or GitHub-flavoured
  Markdown viewer: no formatting, headings, lists, quotes, code, tables, HTML, links or images.
- HTML: `html.escape`, on everything the page did not write itself.
- CSV (`safe_cell`): a spreadsheet never runs a cell as a formula (OWASP, "CSV injection").
"""

from __future__ import annotations

import re

# Backslash-escaped wherever they are (CommonMark lets any ASCII punctuation be escaped):
# emphasis and strike-through, code, links and images, HTML and autolinks, entities, tables,
# block quotes, and "@" (an e-mail address would become a link).
_MD_INLINE = re.compile(r"[\\`*_~\[\]<>&|@]")
# Markers that count at the start of a line: headings, bullets, setext underlines, numbered
# lists (the "." or ")" after the number is escaped).
_MD_LINE_START = re.compile(r"^(?:([#+=-])|(\d+)([.)]))")
# What GitHub turns into a link without any markup: https://..., //..., www. addresses.
_MD_BARE_LINK = re.compile(r":(?=//)|/(?=/)|(?<=(?<![\w.])[wW]{3})\.")

# A cell starting with one of these is run as a formula by Excel, LibreOffice or Google
# Sheets (OWASP lists = + - @ tab and carriage return; the full-width forms are read as the
# same characters by some versions).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def escape_markdown(text: str) -> str:
    """`text` as Markdown that shows exactly as typed. Each line starts with its first visible
    character (indentation would make a code block, and Markdown does not show it anyway); a
    NUL becomes U+FFFD, as a Markdown viewer would show it."""
    lines = text.replace("\x00", "\ufffd").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(_escape_line(line.lstrip(" \t")) for line in lines)


def _escape_line(line: str) -> str:
    line = _MD_INLINE.sub(lambda m: "\\" + m.group(), line)
    line = _MD_BARE_LINK.sub(lambda m: "\\" + m.group(), line)
    return _MD_LINE_START.sub(_escape_line_start, line)


def _escape_line_start(match: re.Match[str]) -> str:
    marker, number, point = match.groups()
    return "\\" + marker if marker else f"{number}\\{point}"


def safe_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: one that would start a formula gets a leading
    apostrophe, the usual, visible way to say "this is text"."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value
