"""Make text a participant typed safe to show in a Microsoft Teams Adaptive Card: the one
rule for Teams.

Markdown escapes cannot be trusted in Teams: the desktop client reads a TextBlock's Markdown
with backslash escapes, but the mobile clients' parser (the Adaptive Cards shared model) keeps
the backslash on screen and turns "&" into "&amp;" before it reads anything, so neither a
backslash nor an entity shows every character as typed everywhere. So the cards never put a
participant's words in a TextBlock: they go in the TextRuns of a RichTextBlock, which the
Adaptive Cards schema reads without Markdown ("Markdown is not supported", since 1.2). What
a TextRun still reads, and this breaks with a zero-width space (invisible, so the words still
show as typed):

- "{{": the start of the DATE() and TIME() functions ({{DATE(2017-02-14T06:00:00Z, SHORT)}}),
  which would show a date other than the one typed;
- "<at": a Teams mention is <at>name</at> with an entity naming the person; the bot never
  sends an entity for a participant's words, and with the tag broken no entity could ever
  match them;
- "://", "www." and "@": what Teams turns into a link or an e-mail address by itself.

Line ends are made "\\n" and a NUL becomes U+FFFD, as a Markdown reader would show it.

A message's own `text` (outside a card: a breakout group's opener that mentions its members)
is another reader: `escape_teams_text` makes words for a text sent with `textFormat: "xml"`,
which Teams reads as its HTML subset, with no Markdown at all; "&", "<" and ">" become
entities, line ends <br>, and links are broken up as above. Only the <at> tags the bot writes
around a name it sends a mention entity for are real tags.
`neutralise` is the smaller rule for the bot's own words (Markdown on purpose): no date
function and no mention tag, links kept. `WHOLE` is what a long text may never be cut
through (an escape and the character it protects): pass it to `split_text`.
Apply each function once.
"""

from __future__ import annotations

import html
import re

ZWSP = "\u200b"

_FUNCTION = re.compile(r"\{(?=\{)")
_MENTION = re.compile(r"<(?=\s*/?\s*at\b)", re.IGNORECASE)
# Every "www." (a cut may make any of them the start of a piece) and every "@".
_LINK = re.compile(r":(?=//)|(?<=[wW]{3})\.|@")

WHOLE = re.compile(r"\{\u200b\{|<\u200b|[:@]\u200b|www\.\u200b", re.IGNORECASE)


def escape_teams(text: str) -> str:
    """A participant's `text` for a TextRun: shows as typed, cannot mention, link or turn
    into a date."""
    text = text.replace("\x00", "\ufffd").replace("\r\n", "\n").replace("\r", "\n")
    return _LINK.sub(lambda m: m.group() + ZWSP, neutralise(text))


def neutralise(text: str) -> str:
    """The bot's own Markdown with no date function and no mention tag in it (a facilitator's
    words are filled into it)."""
    text = _FUNCTION.sub("{" + ZWSP, text)
    return _MENTION.sub("<" + ZWSP, text)


def escape_teams_text(text: str) -> str:
    """Someone's words for a message `text` sent as `textFormat: "xml"` (HTML): shown as
    typed, with no tag, no mention and no link of their own."""
    text = _LINK.sub(lambda m: m.group() + ZWSP, html.escape(text, quote=False))
    text = text.replace("\x00", "\ufffd").replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", "<br>")
