"""Identifiers that name one person wherever they are written, for redaction.py: national
insurance numbers ("QQ 12 34 56 C", "jt123456a") and social media handles typed without an
"@" ("my insta is jen_bakes_88", "twitter: mark_t_1970", "find me on x_user_12").

Each finder yields (start, end, kind) spans of the original text, as redaction's other
detectors do, and like them is linear in the length of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Two letters, six digits (in pairs, perhaps spaced or dashed) and a letter A to D. Written
# together ("JT123456A") it is an identifier whatever the case; spaced ("ab 12 34 56 c") it
# could be words and numbers ("on 12 12 20"), so then it needs capitals ("AB 12 34 56 C") or
# a word before that says what it is ("my NI number is ...", "national insurance").
_NI_TOGETHER = re.compile(r"(?<![\w-])[A-Za-z]{2}\d{6}[A-Da-d]?(?![\w-])")
_NI_SPACED = re.compile(
    r"(?<![\w-])(?P<letters>[A-Za-z]{2})[ \t-]{0,2}\d{2}[ \t-]{0,2}\d{2}[ \t-]{0,2}\d{2}"
    r"(?:[ \t-]{0,2}(?P<suffix>[A-Da-d]))?(?![\w-])"
)
_NI_CUE = re.compile(
    r"(?<![\w])(?:n\.?i\.?|nino|national[ \t]+insurance)(?:[ \t]+(?:no\.?|num(?:ber)?|#))?"
    r"(?:[ \t]*(?::|-|is|was)[ \t]*|[ \t]+)$",
    re.IGNORECASE,
)
_NI_CUE_REACH = 40  # characters before the number looked at for a cue
_NI_HINT = re.compile(r"[A-Za-z]{2}[ \t-]{0,2}\d\d")


def ni_numbers(text: str) -> Iterator[tuple[int, int, str]]:
    """National insurance numbers."""
    if not _NI_HINT.search(text):
        return
    for match in _NI_TOGETHER.finditer(text):
        yield match.start(), match.end(), "ni_number"
    for match in _NI_SPACED.finditer(text):
        capitals = match.group("letters").isupper() and (match.group("suffix") or "").isupper()
        before = text[max(0, match.start() - _NI_CUE_REACH) : match.start()]
        if (capitals and match.group("suffix")) or _NI_CUE.search(before):
            yield match.start(), match.end(), "ni_number"


# A handle typed without "@": a word joining letters and digits with underscores
# ("jen_bakes_88"), which ordinary words never are, anywhere; or a word with digits or dots
# after the name of a social network and "is", ":" or "-" ("my insta is jenbakes88"). A
# word of letters only there may be an everyday word ("my fb is the best way"), and a
# capitalised one a name, which the names rule looks at.
_UNDERSCORED = re.compile(r"(?<![\w@.\[/-])[A-Za-z0-9]+(?:[_.][A-Za-z0-9]+)*_[A-Za-z0-9_.]*\w")
_NETWORKS = (
    r"insta(?:gram)?|ig|twitter|tiktok|snap(?:chat)?|fb|facebook|threads|bluesky|bsky"
    r"|youtube|linkedin|twitch|discord|reddit"
)
# Parts every network's name has, looked for as plain text before the pattern is run.
_NETWORK_HINTS = (
    "insta", "ig", "twitter", "tiktok", "snap", "fb", "facebook", "threads", "bluesky", "bsky",
    "youtube", "linkedin", "twitch", "discord", "reddit",
)  # fmt: skip
_AFTER_NETWORK = re.compile(
    rf"(?<![\w])(?:{_NETWORKS})(?:[ \t]+(?:handle|name|username|account|page|id))?"
    r"(?:[ \t]*(?::|-)[ \t]*|[ \t]+(?:is|=)[ \t]+)"
    r"(?P<handle>@?[A-Za-z0-9][\w.]{2,29})(?![\w@])",
    re.IGNORECASE,
)


def handles(text: str) -> Iterator[tuple[int, int, str]]:
    """Social media handles without an "@" (those with one are mentions already)."""
    if "_" in text:
        for match in _UNDERSCORED.finditer(text):
            if any(ch.isalpha() for ch in match.group()):
                yield match.start(), match.end(), "mention"
    lowered = text.lower()
    if not any(word in lowered for word in _NETWORK_HINTS):
        return
    for match in _AFTER_NETWORK.finditer(text):
        handle = match.group("handle").rstrip(".")
        if not handle.lstrip("@").isalpha():
            yield match.start("handle"), match.start("handle") + len(handle), "mention"
