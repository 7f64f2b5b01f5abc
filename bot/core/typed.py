"""What people type, as Brewbot reads it and quotes it back: without the characters that
show nothing or turn text around, so that nothing unreadable is stored or repeated."""

from __future__ import annotations

import re
import unicodedata

# Characters typed that show nothing, or change how the rest shows: control characters
# (a terminal runs "\x1b[31m"), zero-width spaces, a byte-order mark, and the marks that
# turn text right to left (a name could show backwards, and so could the sentence after it).
# Zero-width joiners stay: emoji and some scripts need them.
_UNSEEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]"
)


def readable(text: str) -> str:
    """`text` as typed, without what shows nothing or turns text around (`_UNSEEN`), and
    without spaces at either end; "" when nothing in it can be read: only spaces, joiners
    or accents with no letter under them."""
    kept = _UNSEEN.sub("", text).strip()
    seen = any(unicodedata.category(c)[0] in "LNPS" for c in kept)
    return kept if seen else ""


# Numbers. Every number a person types (an amount, an id, a count, a time, a session number
# on the command line) is read from the digits 0-9 only. Python's `int`, `str.isdigit` and
# the regular expression `\d` also take digits from other scripts ("١٢" is read as 12, "²"
# passes isdigit), which would store an amount or pick a session nobody saw written: such
# text is refused, with one sentence (errors.other_digits) asking for the digits 0 to 9.


def is_number(text: str) -> bool:
    """Plain digits 0-9 only (and at least one): `str.isdigit` also takes "²" and "٣",
    which `int` refuses or reads as something nobody typed."""
    return text.isascii() and text.isdigit()


def other_digits(text: str) -> bool:
    """Whether `text` holds a digit that is not 0-9 ("٣", "²", "１"): a number in it must
    then be refused, not read."""
    return any(c.isdigit() and not c.isascii() for c in text)


def shown(value: str, limit: int = 30) -> str:
    """Something typed, quoted back in a sentence: readable, on one line, at most `limit`
    characters, and never empty."""
    flat = " ".join(readable(value).split()) or '""'
    return f'"{flat[:limit]}…"' if len(flat) > limit else flat
