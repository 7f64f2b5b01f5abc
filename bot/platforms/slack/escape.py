"""Make text a participant typed safe to repost on Slack.

Slack has no backslash escapes, so this uses its own rules (api.slack.com, "Formatting text
for app surfaces"):

- "&", "<" and ">" become "&amp;", "&lt;" and "&gt;". Slack reads control sequences only from
  real angle brackets, so this neutralises <!channel>, <!here>, <!everyone>, <@U123>,
  <#C123>, <!subteam^S123> and links whose label hides the address (<https://x|click me>).
- "@" at the start of a word gets a zero-width space after it, so "@channel", "@here",
  "@everyone" and "@someone" are never turned into mentions, even if a message is sent
  with link_names on. @channel, @here and @everyone are broken up wherever they appear.
- The mrkdwn markers * _ ~ ` get a zero-width space on each side. Slack only formats when a
  marker sits at a word boundary, and the invisible space makes every marker part of a word,
  so `*bold*` shows as typed (the stars stay visible). Inside a bare link the markers are
  left alone, because an invisible character there would break the address.
- A line that starts with ">" (a quote) gets a zero-width space before it.

Apply the function once, to participant text only; Slack shows "&amp;" as "&".
"""

from __future__ import annotations

import re

ZWSP = "\u200b"

_AT_WORD = re.compile(r"(?<!\w)@(?=\w)|@(?=channel|here|everyone)", re.IGNORECASE)
_MARKERS = re.compile(r"[*_~`]")
_QUOTE = re.compile(r"^([ \t]*)&gt;", re.MULTILINE)
_BARE_URL = re.compile(r"https?://[^\s<>|]+", re.IGNORECASE)


def escape_participant_text(text: str) -> str:
    """`text` that shows as typed in Slack mrkdwn and cannot mention anyone."""
    out: list[str] = []
    pos = 0
    for match in _BARE_URL.finditer(text):
        out.append(_MARKERS.sub(_wrap, _entities(text[pos:match.start()])))
        out.append(_entities(match.group()))
        pos = match.end()
    out.append(_MARKERS.sub(_wrap, _entities(text[pos:])))
    escaped = _AT_WORD.sub("@" + ZWSP, "".join(out))
    return _QUOTE.sub(lambda m: m.group(1) + ZWSP + "&gt;", escaped)


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _wrap(match: re.Match[str]) -> str:
    return ZWSP + match.group() + ZWSP
