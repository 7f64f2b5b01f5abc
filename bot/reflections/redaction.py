"""Take identifying details out of a reflection before it is stored.

Reflections are anonymous, so what someone typed must not name or locate them (or anyone
else): e-mail addresses, phone numbers, UK postcodes, NHS numbers, links, @mentions and the
names of people known in the community are replaced by a short placeholder such as "[phone]".

How it works: each detector finds spans in the *original* text; detectors run in priority
order and a span that overlaps one already taken is dropped (so the "nhs.net" inside an
e-mail address is not also reported as a link). The result is built in one pass.

Every pattern is anchored with a look-behind so it can only start at a token boundary, and
no pattern nests quantifiers over overlapping character classes: run time stays linear in
the length of the text, even for hostile input such as 2,000 "@" signs.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

# What each kind of detail is replaced by. Kept here rather than in prompts/ because they are
# stored in the database as part of the reflection text, not said to anyone.
PLACEHOLDERS: dict[str, str] = {
    "mention": "[mention]",
    "email": "[email]",
    "link": "[link]",
    "nhs_number": "[NHS number]",
    "phone": "[phone]",
    "postcode": "[postcode]",
    "name": "[name]",
}

Span = tuple[int, int, str]  # start, end, kind

# Slack and Discord markup: <@123>, <@!123>, <@&123>, <#123>, <#C123|general>, <@U123ABC>,
# <!channel>, <!here>, <!subteam^S123|@team>, and Discord command mentions </name sub:123>.
_ANGLE_MENTION = re.compile(r"<(?:@[!&]?|#|!)[\w^.-]*(?:\|[^<>\n]*)?>|</[\w -]{1,100}:\d+>")
# Slack links with their own label: <https://x.org|click here>, <mailto:a@b.org|me>.
_ANGLE_LINK = re.compile(r"<(?:https?|mailto|tel):[^<>|\s]*(?:\|[^<>\n]*)?>", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.%+'-])[\w.%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_URL = re.compile(r"(?<![\w.@/-])(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
# Bare domains only with a common top-level domain, so "end.Then" or "e.g." are left alone.
_TLDS = "com|org|net|uk|gov|nhs|edu|io|info|biz|app|ly|tv|eu|ie|scot|wales|cymru|london"
_DOMAIN = re.compile(
    rf"(?<![\w.@/-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:{_TLDS})(?![\w-])(?:[/?#][^\s<>\"]*)?",
    re.IGNORECASE,
)
_AT_MENTION = re.compile(r"(?<![\w.@])@\w[\w.-]*")
# A run of digits, brackets and separators that might hold a phone or NHS number. The
# character class has no overlap with what follows it, so the match cannot backtrack.
_NUMBER_RUN = re.compile(r"(?<![\w+])(?:\+|\()?\d[\d()\-. \t]*")
_GROUP = re.compile(r"\+?\(?\d+\)?")
# Outward code (A9, A99, A9A, AA9, AA99, AA9A), optional space, inward code (9AA). The inward
# letters never include C, I, K, M, O or V, which also keeps times such as "2pm" out.
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[ABD-HJLNP-UW-Z]{2}(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+(?:['’-]\w+)*")
_TRAILING_PUNCT = ".,;:!?)]}'\"’”*_-"

# Words that appear in display names but must never be redacted on their own: pronoun tags
# such as "(she/her)" are stripped first, these catch what is left.
_NOT_NAME_PARTS = frozenset(
    "the and she her hers him his they them their you your our mum dad nan gran carer "
    "admin team staff mod bot".split()
)
_MAX_NAME_WORDS = 6


def redact(text: str, known_names: KnownNames | Iterable[str] = ()) -> str:
    """`text` with personal details replaced by placeholders such as "[email]".

    `known_names` may be built once with `KnownNames.build` and reused (it is the costly part
    for a large community)."""
    return redact_with_report(text, known_names)[0]


def redact_with_report(
    text: str, known_names: KnownNames | Iterable[str] = ()
) -> tuple[str, Counter[str]]:
    """Like `redact`, and also how many details of each kind were taken out.

    Kinds: mention, email, link, nhs_number, phone, postcode, name.
    """
    names = known_names if isinstance(known_names, KnownNames) else KnownNames.build(known_names)
    detectors: list[Callable[[str], Iterator[Span]]] = [
        _angle_markup,
        _emails,
        _urls,
        _at_mentions,
        _numbers,
        _postcodes,
        names.spans,
    ]
    taken: list[Span] = []  # kept sorted; spans never overlap, so starts and ends both rise
    for detect in detectors:
        for span in detect(text):
            at = bisect.bisect_left(taken, span)
            clash_before = at > 0 and taken[at - 1][1] > span[0]
            clash_after = at < len(taken) and taken[at][0] < span[1]
            if span[0] < span[1] and not clash_before and not clash_after:
                taken.insert(at, span)
    out: list[str] = []
    counts: Counter[str] = Counter()
    pos = 0
    for start, end, kind in taken:
        out.append(text[pos:start])
        out.append(PLACEHOLDERS[kind])
        counts[kind] += 1
        pos = end
    out.append(text[pos:])
    return "".join(out), counts


def nhs_number_valid(digits: str) -> bool:
    """True if `digits` (ten digits) passes the NHS number Modulus 11 check."""
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):
        return False
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _trim(match: re.Match[str], chars: str = _TRAILING_PUNCT) -> tuple[int, int]:
    """The match without trailing punctuation that belongs to the sentence, not the token."""
    start, end = match.span()
    text = match.string
    while end > start and text[end - 1] in chars:
        # Keep a closing bracket that has its opening partner inside, e.g. wiki links.
        if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break
        end -= 1
    return start, end


def _angle_markup(text: str) -> Iterator[Span]:
    for match in _ANGLE_MENTION.finditer(text):
        yield match.start(), match.end(), "mention"
    for match in _ANGLE_LINK.finditer(text):
        yield match.start(), match.end(), "link"


def _emails(text: str) -> Iterator[Span]:
    for match in _EMAIL.finditer(text):
        start, end = _trim(match, ".-")
        yield start, end, "email"


def _urls(text: str) -> Iterator[Span]:
    for pattern in (_URL, _DOMAIN):
        for match in pattern.finditer(text):
            start, end = _trim(match)
            if end - start > 4:
                yield start, end, "link"


def _at_mentions(text: str) -> Iterator[Span]:
    for match in _AT_MENTION.finditer(text):
        start, end = _trim(match, ".-")
        yield start, end, "mention"


def _postcodes(text: str) -> Iterator[Span]:
    for match in _POSTCODE.finditer(text):
        yield match.start(), match.end(), "postcode"


@dataclass(frozen=True)
class _Group:
    start: int
    end: int
    digits: str
    plus: bool


def _numbers(text: str) -> Iterator[Span]:
    """Phone and NHS numbers, found among runs of digit groups ("020 7946 0958")."""
    for run in _NUMBER_RUN.finditer(text):
        groups = _groups(run)
        # A number may start at any group, and one read from an earlier group can end part
        # of the way into the next number ("00000 07000 000000"): overlapping readings are
        # joined, so no part of a number is left showing.
        joined: Span | None = None
        for i in range(len(groups)):
            found = _number_at(groups, i)
            if found is None:
                continue
            last, kind = found
            start, end = groups[i].start, groups[last].end
            if joined is not None and start < joined[1]:
                joined = (joined[0], max(joined[1], end), joined[2])
                continue
            if joined is not None:
                yield joined
            joined = (start, end, kind)
        if joined is not None:
            yield joined


def _groups(run: re.Match[str]) -> list[_Group]:
    """The digit groups of a run; a gap of more than one separator (or two around a dash)
    ends the chain, so "1990 - 2024" stays two numbers apart from anything else."""
    groups: list[_Group] = []
    text = run.string
    for match in _GROUP.finditer(text, run.start(), run.end()):
        start, end = match.span()
        token = match.group()
        if token.endswith(")") and "(" not in token:
            end -= 1  # a closing bracket of the sentence, not of an area code
            token = token[:-1]
        if groups:
            gap = text[groups[-1].end : start]
            if len(gap.replace(" ", "")) > 1 or len(gap) > 3:
                groups.append(_Group(-1, -1, "", False))  # a break in the chain
        digits = "".join(ch for ch in token if ch.isdigit())
        groups.append(_Group(start, end, digits, token.startswith("+")))
    return groups


def _number_at(groups: list[_Group], i: int) -> tuple[int, str] | None:
    """If a phone or NHS number starts at group `i`: the index of its last group and its kind."""
    first = groups[i]
    if not first.digits:
        return None
    if not first.plus:
        nhs = _nhs_at(groups, i)
        if nhs is not None:
            return nhs
    digits = ""
    best: int | None = None
    for j in range(i, len(groups)):
        if not groups[j].digits:
            break
        digits += groups[j].digits
        if len(digits) > 15:
            break
        if _phone_like(digits, first.plus):
            best = j
    if best is not None:
        return best, "phone"
    return None


def _nhs_at(groups: list[_Group], i: int) -> tuple[int, str] | None:
    """Ten digits written together or as 3-3-4. They are an NHS number if the check digit
    is right; otherwise they are treated as a phone number, because a ten-digit identifier
    in a reflection is identifying whatever it is."""
    if len(groups[i].digits) == 10:
        last = i
    elif [len(g.digits) for g in groups[i : i + 3]] == [3, 3, 4]:
        last = i + 2
    else:
        return None
    digits = "".join(g.digits for g in groups[i : last + 1])
    if nhs_number_valid(digits):
        return last, "nhs_number"
    if not digits.startswith("0"):
        return last, "phone"
    return None


def _phone_like(digits: str, plus: bool) -> bool:
    if plus or digits.startswith("00"):
        international = digits[2:] if digits.startswith("00") else digits
        if international.startswith("44"):
            national = international[2:]
            if national.startswith("0"):  # the "(0)" in +44 (0)20 ...
                national = national[1:]
            return len(national) in (9, 10) and not national.startswith("0")
        return 8 <= len(international) <= 15
    return digits.startswith("0") and not digits.startswith("00") and len(digits) in (10, 11)


@dataclass(frozen=True)
class KnownNames:
    """Names of people in the community, ready to look up word by word.

    A whole name ("Priya Shah", or a one-word handle with digits such as "sam_99") is
    redacted in any case. A single part of a name ("Priya", "Shah") is redacted only when it is
    capitalised in the text and at least 3 letters long, so that a name which is also an
    ordinary word ("Hope", "Will") is only taken when it is written like a name.
    """

    full: frozenset[tuple[str, ...]]
    parts: frozenset[str]
    longest: int

    @classmethod
    def build(cls, names: Iterable[str]) -> KnownNames:
        full: set[tuple[str, ...]] = set()
        parts: set[str] = set()
        for name in names:
            # "Priya Shah (she/her)" -> "Priya Shah"
            cleaned = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", name or "")
            words = tuple(_key(w) for w in _WORD.findall(cleaned))[:_MAX_NAME_WORDS]
            if not words:
                continue
            if len(words) > 1 or not _lettery(words[0]):
                full.add(words)
            elif len(words[0]) >= 2 and words[0] not in _NOT_NAME_PARTS:
                parts.add(words[0])  # a one-word name such as "Jo" is a name on its own
            for word in words:
                for part in {word, *re.split(r"[-'_]", word)}:
                    if len(part) >= 3 and _lettery(part) and part not in _NOT_NAME_PARTS:
                        parts.add(part)
        longest = max((len(f) for f in full), default=0)
        return cls(frozenset(full), frozenset(parts), longest)

    def spans(self, text: str) -> Iterator[Span]:
        if not self.full and not self.parts:
            return
        words = list(_WORD.finditer(text))
        i = 0
        while i < len(words):
            taken = self._full_at(text, words, i)
            if taken:
                end = _without_possessive(words[i + taken - 1])
                yield words[i].start(), end, "name"
                i += taken
                continue
            word = words[i]
            if word.group()[0].isupper():
                end = _without_possessive(word)
                candidate = _key(text[word.start() : end])
                if candidate in self.parts:
                    yield word.start(), end, "name"
                else:
                    # "Smith-Jones" when only "Smith" is known: redact the known piece.
                    yield from self._hyphen_parts(word)
            i += 1

    @functools.cached_property
    def _first_words(self) -> frozenset[str]:
        return frozenset(name[0] for name in self.full)

    def _full_at(self, text: str, words: list[re.Match[str]], i: int) -> int:
        """How many words starting at `i` make up a known full name (0 if none)."""
        first = words[i]
        if (
            _key(first.group()) not in self._first_words
            and _key(text[first.start() : _without_possessive(first)]) not in self._first_words
        ):
            return 0  # most words start no name: say so before trying every length
        for count in range(min(self.longest, len(words) - i), 0, -1):
            chosen = words[i : i + count]
            if any(not text[a.end() : b.start()].isspace() for a, b in itertools.pairwise(chosen)):
                continue
            key = tuple(_key(w.group()) for w in chosen[:-1])
            last = chosen[-1]
            key += (_key(text[last.start() : _without_possessive(last)]),)
            if key in self.full:
                return count
        return 0

    def _hyphen_parts(self, word: re.Match[str]) -> Iterator[Span]:
        offset = word.start()
        for piece in re.finditer(r"[^\W_]+", word.group()):
            if piece.group()[0].isupper() and _key(piece.group()) in self.parts:
                yield offset + piece.start(), offset + piece.end(), "name"


def _without_possessive(word: re.Match[str]) -> int:
    """End of the word without a possessive "'s", so "Priya's" becomes "[name]'s"."""
    token = word.group()
    if len(token) > 2 and token[-2] in "'’" and token[-1] in "sS":
        return word.end() - 2
    return word.end()


def _key(word: str) -> str:
    """How a name is looked up: any case, either apostrophe."""
    return word.lower().replace("’", "'")


def _lettery(word: str) -> bool:
    """Letters, perhaps joined by apostrophes or hyphens ("O'Brien", "Smith-Jones")."""
    return word.replace("'", "").replace("-", "").isalpha()
