"""Cut long Markdown into pieces that fit a platform's limits, at the most natural places.

`split_text` cuts text into chunks of at most `limit` characters. It prefers, in order: a
paragraph break, a line break, the end of a sentence, a space; it cuts inside a word only
when that word alone is longer than the limit. A fenced code block (```) is kept whole
whenever it fits in one chunk. Nothing is lost or reordered: joining the chunks with the
whitespace that was removed at the cuts gives back the text (leading blank lines and
trailing whitespace of the whole text are dropped too). Indentation at the start of a line
that begins a chunk is kept.

`pack_chunks` then groups chunks into messages, e.g. for Discord: embed descriptions of at
most 4096 characters, at most 10 embeds and 6000 characters per message::

    groups = pack_chunks(split_text(text, 4096), per_group_limit=6000, max_items=10)

and for Slack: sections of at most 3000 characters, at most 50 blocks per message::

    groups = pack_chunks(split_text(text, 3000), per_group_limit=40_000, max_items=50)

Limits are counted in Python characters (code points).

A cut never separates a character from the accents, joiners and variation selectors that go
with it (an emoji family, a flag, "e" + combining acute), unless one such cluster alone is
longer than the limit. `whole` names what else must never be cut: a renderer passes the
shapes of its escapes and markup (Discord's backslash escapes, Slack's "&amp;" entities and
<links>), so a piece never ends in half an escape and the next never starts with the
character the escape was protecting. A match of `whole` longer than the limit may be cut.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Sequence

_WHITESPACE = re.compile(r"\s+")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})", re.MULTILINE)
_SENTENCE_END = re.compile(r"[.!?…][\"'’”)\]]*$")

# How good a cut is, best last.
_SPACE, _SENTENCE, _LINE, _PARAGRAPH = range(4)


def split_text(text: str, limit: int, *, whole: re.Pattern[str] | None = None) -> list[str]:
    """`text` cut into non-empty chunks of at most `limit` characters each; no match of
    `whole` (that fits in a chunk) is cut."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    end = len(text.rstrip())
    pos = _skip_blank_lines(text, 0, end)
    protected = [(s, e) for s, e in _fences(text, end) if e - s <= limit]
    atoms = _atoms(text, end, limit, whole)
    chunks: list[str] = []
    while pos < end:
        first_visible = _next_visible(text, pos, end)
        if first_visible - pos >= limit:
            pos = first_visible  # indentation alone would fill a chunk: drop it
        if end - pos <= limit:
            chunks.append(text[pos:end])
            break
        cut = _best_cut(text, pos, limit, protected, atoms)
        if cut is None:
            # One word longer than the limit: the only place a word is broken.
            right = _hard_cut(text, pos, limit, atoms)
            chunks.append(text[pos:right])
            pos = right
            continue
        left_end, right_start = cut
        chunks.append(text[pos:left_end])
        pos = right_start
    return chunks


def pack_chunks(
    chunks: Sequence[str], per_group_limit: int, max_items: int, cost: Callable[[str], int] = len
) -> list[list[str]]:
    """Group `chunks`, in order, so each group has at most `max_items` chunks whose costs add
    up to at most `per_group_limit`.

    `cost` measures one chunk (its length by default); pass e.g. `lambda c: len(c) + 20` to
    allow for an embed title or footer that each item also carries. Groups are filled
    greedily, which gives the fewest groups for items that must stay in order.
    """
    if per_group_limit < 1 or max_items < 1:
        raise ValueError("per_group_limit and max_items must be at least 1")
    groups: list[list[str]] = []
    current: list[str] = []
    total = 0
    for chunk in chunks:
        size = cost(chunk)
        if size > per_group_limit:
            raise ValueError(
                f"a chunk costs {size}, more than a whole group may ({per_group_limit}): "
                "split the text with a smaller limit first"
            )
        if current and (len(current) >= max_items or total + size > per_group_limit):
            groups.append(current)
            current, total = [], 0
        current.append(chunk)
        total += size
    if current:
        groups.append(current)
    return groups


def _best_cut(
    text: str,
    pos: int,
    limit: int,
    protected: list[tuple[int, int]],
    atoms: list[tuple[int, int]],
) -> tuple[int, int] | None:
    """Where to end the chunk starting at `pos`: (end of this chunk, start of the next).

    Takes the best kind of break that still leaves a chunk at least a third of the limit
    long (so a paragraph break near the start does not make a tiny chunk); failing that, the
    last break of any kind; None if there is no whitespace to break at.
    """
    window_end = pos + limit  # the chunk may end here at the latest
    first_visible = _next_visible(text, pos, len(text))
    best: dict[int, tuple[int, int]] = {}
    last: tuple[int, int] | None = None
    for run in _WHITESPACE.finditer(text, pos, min(len(text), window_end + 1)):
        start = run.start()
        if start <= first_visible or start > window_end:  # the chunk would be blank
            continue
        if _inside(protected, start) or _inside(atoms, start):
            continue
        whole_run = _WHITESPACE.match(text, start)  # the run may go past the window
        assert whole_run is not None  # finditer found whitespace here
        run_end = whole_run.end()
        gap = text[start:run_end]
        newlines = gap.count("\n")
        if newlines >= 2:
            kind = _PARAGRAPH
        elif newlines == 1:
            kind = _LINE
        elif _SENTENCE_END.search(text, max(pos, start - 4), start):
            kind = _SENTENCE
        else:
            kind = _SPACE
        # Keep the indentation of the line the next chunk starts with.
        right = start + gap.rfind("\n") + 1 if newlines else run_end
        cut = (start, right)
        for level in range(kind + 1):
            best[level] = cut  # a paragraph break is also a line break, and so on
        last = cut
    minimum = max(1, limit // 3)
    for level in (_PARAGRAPH, _LINE, _SENTENCE, _SPACE):
        found = best.get(level)
        if found is not None and found[0] - pos >= minimum:
            return found
    return last


def _hard_cut(text: str, pos: int, limit: int, atoms: list[tuple[int, int]]) -> int:
    """Where to cut a word longer than the limit: as late as possible, outside every atom
    and every cluster of joined characters; failing that outside atoms (an escape matters
    more than an accent); failing that outside clusters; failing that at the limit."""
    latest = pos + limit
    for avoid_atoms, avoid_clusters in ((True, True), (True, False), (False, True)):
        cut = latest
        while cut > pos:
            at = _enclosing(atoms, cut) if avoid_atoms else None
            if at is not None:
                cut = at
            elif avoid_clusters and _joined(text, cut):
                cut -= 1
            else:
                return cut
    return latest


_ZWJ = "\u200d"


def _joined(text: str, index: int) -> bool:
    """True if `index` falls inside a cluster of characters that show as one: an accent or
    other combining mark, a zero-width joiner on either side, a variation selector, an emoji
    skin tone or tag, a keycap, a flag's second half, CR LF, a surrogate pair, the parts of a
    Hangul syllable."""
    if index <= 0 or index >= len(text):
        return False
    before, after = text[index - 1], text[index]
    if before == _ZWJ or after == _ZWJ or (before == "\r" and after == "\n"):
        return True
    if "\ud800" <= before <= "\udbff" and "\udc00" <= after <= "\udfff":
        return True
    code = ord(after)
    if unicodedata.category(after) in ("Mn", "Me", "Mc"):
        return True
    if (
        0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # tags (flags of England, Scotland, Wales)
    ):
        return True
    if _hangul_joined(_jamo(before), _jamo(after)):
        return True
    if _regional(after) and _regional(before):
        run = 0
        while index - run - 1 >= 0 and _regional(text[index - run - 1]):
            run += 1
        return run % 2 == 1  # flags are pairs: cut after an even number only
    return False


def _jamo(char: str) -> str:
    """A character's Hangul syllable type, as Unicode's grapheme rules use it: "L" (leading
    consonant), "V" (vowel), "T" (trailing consonant), "LV" or "LVT" (a whole syllable), or
    "" for anything else."""
    code = ord(char)
    if 0x1100 <= code <= 0x115F or 0xA960 <= code <= 0xA97C:
        return "L"
    if 0x1160 <= code <= 0x11A7 or 0xD7B0 <= code <= 0xD7C6:
        return "V"
    if 0x11A8 <= code <= 0x11FF or 0xD7CB <= code <= 0xD7FB:
        return "T"
    if 0xAC00 <= code <= 0xD7A3:
        return "LV" if (code - 0xAC00) % 28 == 0 else "LVT"
    return ""


def _hangul_joined(before: str, after: str) -> bool:
    """Whether two Hangul parts show as one syllable (UAX #29, rules GB6-GB8): a vowel or a
    trailing consonant after anything else stands alone, so a cut there parts nothing."""
    if before == "L":
        return after in ("L", "V", "LV", "LVT")
    if before in ("LV", "V"):
        return after in ("V", "T")
    if before in ("LVT", "T"):
        return after == "T"
    return False


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _atoms(text: str, end: int, limit: int, whole: re.Pattern[str] | None) -> list[tuple[int, int]]:
    if whole is None:
        return []
    return [
        match.span()
        for match in whole.finditer(text, 0, end)
        if 1 < match.end() - match.start() <= limit
    ]


def _enclosing(spans: list[tuple[int, int]], index: int) -> int | None:
    """The start of the span `index` falls strictly inside, or None."""
    at = bisect.bisect_left(spans, (index, index)) - 1
    if at >= 0 and spans[at][0] < index < spans[at][1]:
        return spans[at][0]
    return None


def _inside(spans: list[tuple[int, int]], index: int) -> bool:
    """True if `index` falls strictly inside one of `spans` (sorted, not overlapping)."""
    at = bisect.bisect_left(spans, (index, index)) - 1
    return at >= 0 and spans[at][0] < index < spans[at][1]


def _fences(text: str, end: int) -> list[tuple[int, int]]:
    """Spans of fenced code blocks, from the opening fence to the end of the closing one."""
    spans: list[tuple[int, int]] = []
    opening: re.Match[str] | None = None
    for fence in _FENCE.finditer(text, 0, end):
        if opening is None:
            opening = fence
            continue
        close = text.find("\n", fence.end(), end)
        close = end if close == -1 else close
        marker, opened = fence.group(1), opening.group(1)
        # A closing fence is the same character, at least as long, alone on its line.
        if (
            marker[0] == opened[0]
            and len(marker) >= len(opened)
            and not text[fence.end() : close].strip()
        ):
            spans.append((opening.start(), close))
            opening = None
    return spans


def _skip_blank_lines(text: str, pos: int, end: int) -> int:
    visible = _next_visible(text, pos, end)
    newline = text.rfind("\n", pos, visible)
    return pos if newline == -1 else newline + 1


def _next_visible(text: str, pos: int, end: int) -> int:
    match = _WHITESPACE.match(text, pos, end)
    return match.end() if match else pos
