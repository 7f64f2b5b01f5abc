"""Make text a participant typed safe to repost on Slack: the one rule for Slack.

Slack has no backslash escapes (a backslash shows as a backslash), so this uses what Slack
does offer (docs.slack.dev, "Formatting message text"; the same tricks as jsx-slack's
<Escape>). The renderer applies it to every `Section(untrusted=True)`:

- "&", "<" and ">" become "&amp;", "&lt;" and "&gt;". Slack reads control sequences only from
  real angle brackets, so this neutralises <!channel>, <!here>, <!everyone>, <@U123>,
  <#C123>, <!subteam^S123> and links whose label hides the address (<https://x|click me>).
- Each run of the mrkdwn markers * _ ~ ` (up to 20 at a time) becomes the fallback text of a
  date Slack cannot format, <!date^00000000^{_}|*>: Slack shows a fallback as plain text,
  never formatted, so `*bold*` shows with its stars. (A zero-width space beside a marker
  does not work: Slack counts it as a word boundary and formats all the more readily.)
- Every ">" gets a soft hyphen, which is invisible, in front, so it is never at the start of
  a line (a quote), even where a long message is cut just before it.
- Every "@" gets a zero-width space after it, so "@channel", "@here" and "@someone" never
  become mentions, even if a message is sent with link_names on.
- Bare addresses and #channel names are left as typed; the blocks that carry participant
  words are sent with `verbatim: true`, so Slack does not turn them into links.

Brewbot's own sentences hold typed words too (a name, a title: bot/core/marked.py); the
renderer escapes those with this same rule (bot/platforms/slack/blocks.py, `to_mrkdwn`), and
writes the mentions Brewbot built with `mention`.

`WHOLE` is what a long message may never be cut through (an entity, a date, the bot's own
<links>, a protected ">" or "@"): pass it to `split_text`.
Apply the function once, to participant text only; Slack shows "&amp;" as "&".
"""

from __future__ import annotations

import re

from bot.core.marked import Mention, MentionKind

ZWSP = "\u200b"
SHY = "\u00ad"
# A date with no valid format: Slack shows its fallback (after the "|") as plain text.
VERBATIM_OPEN = "<!date^00000000^{_}|"

_MARKERS = re.compile(r"[*_~`]{1,20}")

WHOLE = re.compile(r"<[^<>\n]*>|\u00ad&gt;|&(?:amp|lt|gt);|@\u200b")


def escape_participant_text(text: str) -> str:
    """`text` that shows as typed in Slack mrkdwn and cannot mention anyone."""
    text = entities(text)
    text = _MARKERS.sub(lambda m: f"{VERBATIM_OPEN}{m.group()}>", text)
    return text.replace("&gt;", SHY + "&gt;").replace("@", "@" + ZWSP)


def entities(text: str) -> str:
    """Slack's three escapes: without them "<" would start a control sequence."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_SLACK_ID = re.compile(r"[A-Z0-9]+")


def mention(found: Mention) -> str:
    """A mention Brewbot built, as Slack writes it (docs.slack.dev, "Formatting message
    text"): <@U123> for a person, <#C123> for a channel, and <!subteam^S123> for a user group,
    which Slack shows by its handle. Anything that is not a Slack id shows as it is."""
    if not _SLACK_ID.fullmatch(found.id):
        return escape_participant_text(found.id)
    if found.kind is MentionKind.GROUP:
        return f"<!subteam^{found.id}>"
    return f"<{found.kind.value}{found.id}>"
