"""Make text a participant typed safe to repost on Discord: the one rule for Discord.

Reposted words must show exactly as typed and must never ping anyone, link anywhere or pick
up formatting (docs/architecture.md, "Nothing a participant typed can ping or format-inject"). The
renderer applies this to every `Section(untrusted=True)`, whatever it holds: a reflection, a
name, a group list. The bot also sends `allowed_mentions=AllowedMentions.none()`; this is
defence in depth, for places such as embed titles, thread names or a future change that
forgets it.

Discord hides a backslash in front of any punctuation and shows the character itself, so:

- Characters that format wherever they are get a backslash: \\ * _ ~ ` | > [ ] #. That
  covers bold, italics, underline, strike-through, inline code and code blocks, spoilers
  (||), block quotes (> and >>>), masked links ([text](url)) and headings (#, and the
  subtext marker -#).
- Markers that only count at the start of a line, followed by a space, get a backslash
  wherever a space follows them, because a long message may be cut anywhere and the next
  piece then starts a new line: "-" and "+" (bullets) and the "." or ")" after a digit
  (numbered lists). The "#" of "-#" (subtext) is escaped anyway.
- "://" becomes "\\://", so a typed address shows as typed but is not a link.
- Every "<" gets a zero-width space after it, which breaks all of Discord's angle-bracket
  markup: user, role and channel mentions (<@123>, <@!123>, <@&123>, <#123>), slash-command
  mentions (</name:123>), custom emoji, timestamps (<t:0:R>) and <https://...> links.
- "@everyone" and "@here" get a zero-width space after the "@".

Brewbot's own sentences hold typed words too (a name, a title: bot/core/marked.py):
`own_words` escapes those with this same rule and leaves the sentence's own Markdown as it is.

`WHOLE` is what a long message may never be cut through (an escape and the character it
protects, and the bot's own mentions and links): pass it to `split_text`.
Apply the function once, to participant text only (never to the bot's own formatting).
"""

from __future__ import annotations

import re

from bot.core.marked import Mention, MentionKind, shown_as

ZWSP = "\u200b"

_INLINE = re.compile(r"[\\*_~`|>\[\]#]")
_LIST = re.compile(r"(?:[-+]|(?<=\d)[.)])(?=\s|$)")
_LINK = re.compile(r":(?=//)")
_PINGS = re.compile(r"@(?=everyone|here)", re.IGNORECASE)

WHOLE = re.compile(
    r"\\.|<\u200b|@\u200b|<[^<>\s]*>|\[[^\[\]\n]*\]\([^()\s]*\)|https?://\S+",
    re.DOTALL | re.IGNORECASE,
)


def escape_participant_text(text: str) -> str:
    """`text` that shows as typed on Discord and cannot mention anyone or link anywhere."""
    text = _INLINE.sub(lambda m: "\\" + m.group(), text)
    text = _LIST.sub(lambda m: "\\" + m.group(), text)
    text = _LINK.sub(r"\\:", text)
    text = text.replace("<", "<" + ZWSP)
    return _PINGS.sub("@" + ZWSP, text)


_MENTION_STARTS = {MentionKind.PERSON: "<@", MentionKind.CHANNEL: "<#", MentionKind.GROUP: "<@&"}


def mention(found: Mention) -> str:
    """A mention Brewbot built, as Discord writes it (its ids are digits; anything else, such
    as the channel name "general" the terminal chat uses, shows as it is)."""
    if not found.id.isdigit():
        return escape_participant_text(found.id)
    return f"{_MENTION_STARTS[found.kind]}{found.id}>"


def own_words(text: str) -> str:
    """Brewbot's own Markdown with the typed words in it escaped (`escape_participant_text`)
    and the mentions it built written as Discord's."""
    return shown_as(text, escape_participant_text, mention)
