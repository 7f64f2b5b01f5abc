"""Take identifying details out of a reflection before it is stored.

Reflections are anonymous, so what someone typed must not name or locate them (or anyone
else): e-mail addresses (also spelled out, "jane dot smith at gmail dot com"), phone numbers,
UK postcodes, NHS and national insurance numbers, links, @mentions and handles
("jen_bakes_88", bot/reflections/identifiers.py), street addresses ("12 Acacia Avenue",
"Flat 3", "i live at 14 acacia ave"), dates of birth ("DOB 12/03/1954", "born on 3 March
1954"), the names of care homes and day centres ("Sunnyside Care Home", "the Beeches day
centre", "Rosewood House, the care home"), of a house or block someone lives in ("I live at
Rosewood Lodge") and of small places after "called" ("a village called Little Marsham"), the names
of people known in the community, names written after a cue ("my social worker Jane Smith",
"my son Tom", "Dr Patel"), before a role ("Dorota the carer", "Okafor from the council"),
said to be someone's carer ("Obinna is my support worker"), paired with the writer
("Bukola and I"), thanked, told, seen, rung or spoken to ("Thanks to Oluwaseun", "I rang
Deepa", "I told Kemi", "Call Adaeze"), before what only a person does ("Yesterday Ngozi
rang", "Eilidh never rang back"), with a relation or help only a person has ("Oluwaseun's
mum") or set apart before "who" ("I love Nkechi, who runs the cafe"), and given names common
in the communities that work in care here or draw on it (bot/reflections/given_names.txt:
"Karen from the council", "thanks to Mo and Lisa", "Tendai and Rudo help out", with a
surname after and the names listed with them) and common family names (family_names.txt:
"Singh was lovely", "Nguyen Thi Lan", "Lan Nguyen") are replaced by a short placeholder
such as "[phone]".

Names of people outside the community are found by their cue: a relation or a role ("my",
"our", "the", "his", "Mum's" ... perhaps two describing words, "my lovely", "the volunteer",
then "social worker", "GP", "son", "carer", "PA", "neighbour", "children" ...), a title ("Dr",
"Mr", "Mrs", "Ms", "Mx", "Prof", "Nurse", "Sister" ...), "a lady called", "someone named", or
"named" / "is called" / "my name is". After the cue (and a comma, colon or bracket, and perhaps
a title: "my GP, Dr Patel") up to three capitalised words are the name, and the names listed
after it ("my children Tom, Amy and Ben"); only the names go, the cue stays ("my son [name]",
"Dr [name]"). A lower-case word ends the name, so "my son is lovely" and "my GP surgery" are
left alone, and so does a capitalised word that is not a name (`_NOT_NAME_WORDS`: "I", "The",
"Surgery", "NHS", weekdays ...); capitalised words before a group or place word ("our Carer
Support Group") are not a person. A name typed all in lower case after a cue ("my son tom")
is not taken out: it cannot be told from a word, so it is only marked (below). Nor are
capitals a sign of a name in text written all in capitals: after a cue in capitals ("MY
CARER NEVER COMES") the word is taken only if it is a given name or a longer word that does
not read as everyday speech, and a short word in capitals is initials ("GP", "NHS") unless
it is a given name ("SAM").

For the facilitator's review, `find_details` says what was found (kind and span): what
`redact` takes out ("sure"), and what only may be personal and is left for a person to check
(a lower-case word after a cue that ends there or is followed by what a person does, "my son
tom.", "my son tom came round", or after "dr", "mrs" in lower case; a street without a
number, "on Acacia Avenue", or in lower case without a word such as "live at" before it,
"12 acacia close"; a care home's name in lower case, "oak lodge nursing home"; a given name
of the list in lower case anywhere, "our jamie"; a whole date in a year an adult could be
born in; half of a spelled-out address, "jane at gmail"). `placeholders_in` counts what
was already taken out of a stored text.

How it works: each detector finds spans in the *original* text; detectors run in priority
order and a span that overlaps one already taken is dropped (so the "nhs.net" inside an
e-mail address is not also reported as a link). The result is built in one pass.

Every pattern is anchored with a look-behind so it can only start at a token boundary, and
no pattern nests quantifiers over overlapping character classes: run time stays linear in
the length of the text, even for hostile input such as 2,000 "@" signs.

Every reflection goes through this, so it is kept quick: a costly pattern is only run on a
text holding a part every match of it has (its `_HINT`: no "@", no e-mail address), lists of
words are written as trees of shared beginnings (`_alternatives`), and names after a cue are
looked for only a few words before a word that every cue holds (`_cues`). None of these
changes what is found; tests/reflections/test_redaction_shortcuts.py shows each.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from bot.reflections.given_names import family_names, given_names
from bot.reflections.identifiers import handles, ni_numbers

# What each kind of detail is replaced by. Kept here rather than in prompts/ because they are
# stored in the database as part of the reflection text, not said to anyone.
PLACEHOLDERS: dict[str, str] = {
    "mention": "[mention]",
    "email": "[email]",
    "link": "[link]",
    "nhs_number": "[NHS number]",
    "ni_number": "[NI number]",
    "phone": "[phone]",
    "postcode": "[postcode]",
    "name": "[name]",
    "address": "[address]",
    "place": "[place]",
    "date_of_birth": "[date of birth]",
}

Span = tuple[int, int, str]  # start, end, kind


def _alternatives(words: Iterable[str]) -> str:
    """A pattern matching any of `words` (a space in a word matches spaces and tabs), written
    as a tree of shared beginnings: "s(?:on(?:-in-law|s)?|ister)" rather than each word in
    turn, which the regex engine would try one by one at every place (most of the cost of a
    list of 200 roles). Where one word begins another the longer is tried first, as in a
    list sorted longest first, so the matches are the same. Words that differ only in case
    must not both be given (a case-blind pattern is given them in lower case)."""
    tree: dict[str, dict] = {}
    for word in sorted(words):
        node = tree
        for ch in word:
            node = node.setdefault(r"[ \t]+" if ch == " " else re.escape(ch), {})
        node[""] = {}  # a word ends here

    def pattern(node: dict[str, dict]) -> str:
        branches = [piece + pattern(child) for piece, child in node.items() if piece]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # Greedy, so what continues a word is tried before the word ending here.
        return f"(?:{body})?" if "" in node else body

    return f"(?:{pattern(tree)})"


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
# Parts every match of a costly pattern has (`_HINT`s): a text without one is not scanned.
_URL_HINT = re.compile(r"[hw](?:ttps?://|ww\.)", re.IGNORECASE)
_DOMAIN_HINT = re.compile(rf"\.(?:{_TLDS})(?![\w-])", re.IGNORECASE)
_AT_MENTION = re.compile(r"(?<![\w.@])@\w[\w.-]*")
# A run of digits, brackets and separators that might hold a phone or NHS number. The
# character class has no overlap with what follows it, so the match cannot backtrack.
_NUMBER_RUN = re.compile(r"(?<![\w+])(?:\+|\()?\d[\d()\-./ \t]*")
_GROUP = re.compile(r"\+?\(?\d+\)?")
_DIGIT = re.compile(r"\d")
# The fewest digits a phone or NHS number has (see `_phone_like` and `_nhs_at`).
_FEWEST_NUMBER_DIGITS = 8
# Outward code (A9, A99, A9A, AA9, AA99, AA9A), optional space, inward code (9AA). The inward
# letters never include C, I, K, M, O or V, which also keeps times such as "2pm" out.
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{1,2}\d[A-Za-z\d]?[ \t]{0,2}\d[ABD-HJLNP-UW-Z]{2}(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_POSTCODE_HINT = re.compile(r"\d[A-Za-z\d]?[ \t]{0,2}\d[ABD-HJLNP-UW-Z]{2}", re.IGNORECASE)
_WORD = re.compile(r"\w+(?:['’-]\w+)*")
_PIECE = re.compile(r"[^\W_]+")  # of a word: "Smith" and "Jones" of "Smith-Jones"
_SPACE_FOR_NON_ALNUM = bytes(c if chr(c).isalnum() else 32 for c in range(256))  # for ASCII
# Marks that phones and word processors type, which have no case and are neither letters nor
# digits: to `_plain_pieces` they are spaces.
_TYPOGRAPHY_AS_SPACE = str.maketrans(dict.fromkeys("‘’‚“”„–—…•\u00a0", " "))
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

    Kinds: mention, email, link, nhs_number, phone, postcode, name, address, date_of_birth.
    """
    out: list[str] = []
    counts: Counter[str] = Counter()
    pos = 0
    for start, end, kind in _taken(text, known_names):
        out.append(text[pos:start])
        out.append(PLACEHOLDERS[kind])
        counts[kind] += 1
        pos = end
    out.append(text[pos:])
    return "".join(out), counts


@dataclass(frozen=True)
class Finding:
    """A personal detail found in a text: its kind (a key of PLACEHOLDERS), where it is, and
    whether redaction is sure (`redact` takes it out) or it only may be one (left in, for a
    person to check: "my son tom", "lives on Acacia Avenue", a date long ago)."""

    kind: str
    start: int
    end: int
    sure: bool


def find_details(text: str, known_names: KnownNames | Iterable[str] = ()) -> tuple[Finding, ...]:
    """Everything `redact` would take out of `text` (sure), and the places that may hold a
    personal detail but are left in (not sure), in order and never overlapping.

    Used by the digest preview to say which items need a look (bot/digest/marks.py).
    """
    taken = _taken(text, known_names)
    findings = [Finding(kind, start, end, True) for start, end, kind in taken]
    for detect in (
        _maybe_emails,
        _maybe_dates_of_birth,
        _maybe_addresses,
        _maybe_places,
        _maybe_names,
    ):
        for start, end, kind in detect(text):
            if start < end and all(end <= a or start >= b for a, b, _ in taken):
                taken.insert(bisect.bisect_left(taken, (start, end, kind)), (start, end, kind))
                findings.append(Finding(kind, start, end, False))
    return tuple(sorted(findings, key=lambda f: (f.start, f.end)))


_PLACEHOLDER_KINDS = {placeholder: kind for kind, placeholder in PLACEHOLDERS.items()}
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))


def placeholders_in(text: str) -> Counter[str]:
    """How many details of each kind were already taken out of a stored text (its
    placeholders, such as "[name]")."""
    return Counter(_PLACEHOLDER_KINDS[m.group()] for m in _PLACEHOLDER.finditer(text))


def _taken(text: str, known_names: KnownNames | Iterable[str]) -> list[Span]:
    """The spans `redact` replaces, sorted: detectors run in priority order and a span that
    overlaps one already taken is dropped."""
    names = known_names if isinstance(known_names, KnownNames) else KnownNames.build(known_names)
    detectors: list[Callable[[str], Iterator[Span]]] = [
        _angle_markup,
        _emails,
        _spelled_emails,
        _urls,
        _at_mentions,
        _dates_of_birth,
        _addresses,
        ni_numbers,
        _numbers,
        _postcodes,
        _care_places,
        _cued_names,
        names.spans,
        handles,
        _listed_names,
        _named_before_role,
        _named_with_me,
        _thanked_or_spoken_to,
        _named_before_a_deed,
        _named_with_relations,
        _named_before_who,
    ]
    taken: list[Span] = []  # kept sorted; spans never overlap, so starts and ends both rise
    for detect in detectors:
        for span in detect(text):
            at = bisect.bisect_left(taken, span)
            clash_before = at > 0 and taken[at - 1][1] > span[0]
            clash_after = at < len(taken) and taken[at][0] < span[1]
            if span[0] < span[1] and not clash_before and not clash_after:
                taken.insert(at, span)
    return taken


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
    if "<" not in text:
        return
    for match in _ANGLE_MENTION.finditer(text):
        yield match.start(), match.end(), "mention"
    for match in _ANGLE_LINK.finditer(text):
        yield match.start(), match.end(), "link"


def _emails(text: str) -> Iterator[Span]:
    if "@" not in text:
        return
    for match in _EMAIL.finditer(text):
        start, end = _trim(match, ".-")
        yield start, end, "email"


def _urls(text: str) -> Iterator[Span]:
    for pattern, hint in ((_URL, _URL_HINT), (_DOMAIN, _DOMAIN_HINT)):
        if not hint.search(text):
            continue
        for match in pattern.finditer(text):
            start, end = _trim(match)
            if end - start > 4:
                yield start, end, "link"


def _at_mentions(text: str) -> Iterator[Span]:
    if "@" not in text:
        return
    for match in _AT_MENTION.finditer(text):
        start, end = _trim(match, ".-")
        yield start, end, "mention"


def _postcodes(text: str) -> Iterator[Span]:
    if not _POSTCODE_HINT.search(text):
        return
    for match in _POSTCODE.finditer(text):
        yield match.start(), match.end(), "postcode"


# --- spelled-out e-mail addresses: "jane dot smith at gmail dot com", "sam (at) x (dot) org" ---

_SP = r"[ \t]{1,3}"
_SPELLED_LABEL = r"[A-Za-z0-9][\w%+'-]{0,63}"
_SPELLED_DOT = (
    rf"(?:[ \t]{{0,2}}[(\[{{<][ \t]{{0,2}}dot[ \t]{{0,2}}[)\]}}>][ \t]{{0,2}}|{_SP}dot{_SP}"
    r"|\.|[ \t]{1,2}\.[ \t]{1,2})"
)
# Inside the part before the "at" only: "jackie underscore p", "mary dash jones".
# ("." with spaces on one side only ends a sentence: "I asked tom. sam at x dot com".)
_SPELLED_JOIN = rf"(?:{_SPELLED_DOT}|{_SP}(?:underscore|dash|hyphen){_SP})"
_SPELLED_AT = (
    rf"(?:[ \t]{{0,2}}[(\[{{<][ \t]{{0,2}}at[ \t]{{0,2}}[)\]}}>][ \t]{{0,2}}"
    rf"|{_SP}at{_SP}|[ \t]{{0,2}}@[ \t]{{0,2}})"
)
_SPELLED_TLDS = _TLDS + "|co|ac|me|de|fr|es|it|nl|us|ca|au|in"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.%+'@-])(?P<local>{_SPELLED_LABEL}(?:{_SPELLED_JOIN}{_SPELLED_LABEL}){{0,4}})"
    rf"{_SPELLED_AT}{_SPELLED_LABEL}(?:{_SPELLED_DOT}{_SPELLED_LABEL}){{0,3}}"
    rf"{_SPELLED_DOT}(?:{_SPELLED_TLDS})(?![\w-])",
    re.IGNORECASE,
)
# Every such address has "@" or an "at" between spaces or brackets, and ends, loosely, with
# "." or "dot" (and a bracket or spaces) and a domain. Each starts with a character, not a
# choice of patterns, so is quick to look for.
_SPELLED_AT_HINT = re.compile(r"[ \t(\[{<]at[ \t)\]}>]", re.IGNORECASE)
_SPELLED_HINT = re.compile(
    rf"(?:[.d](?:|ot[ \t]{{0,2}}[)\]}}>]?[ \t]{{0,3}})|[ \t]\.[ \t]{{1,2}})"
    rf"(?:{_SPELLED_TLDS})(?![\w-])",
    re.IGNORECASE,
)
# "I looked at nhs dot uk", "we were at leeds dot ac dot uk": a word before a plain " at "
# that says where someone was or looked, not whose address it is.
_NOT_MAILBOXES = frozenset(
    "i i'm im me us we you him her them it its look looked looking go went going see saw seen "
    "was is are be been were online website site page web info details email e-mail mail "
    "write wrote message contact live lived living work worked working get got find found "
    "check checked here there that this out in up one all sent send post posted search "
    "searched read it's everything something nothing anything people everyone someone".split()
)


def _spelled_emails(text: str) -> Iterator[Span]:
    at = "@" in text or _SPELLED_AT_HINT.search(text)
    if not (at and _SPELLED_HINT.search(text)):
        return
    for match in _SPELLED_EMAIL.finditer(text):
        local = match.group("local")
        if _key(local) in _NOT_MAILBOXES and not re.search(r"[(\[{<@]", match.group()):
            continue
        yield match.start(), match.end(), "email"


# --- dates of birth: "DOB 12/03/1954", "born on 3 March 1954", "date of birth: 12.3.54" ---------

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:\d{4}|['’]\d{2})"  # "1956", "'56"
# After "born" or "DOB" a bare "58" is a year too: "d.o.b 14th june 58".
_CUED_YEAR = r"(?:\d{4}|['’]?\d{2})"


def _date(year: str) -> str:
    return (
        r"(?:\d{1,2}[ \t]?[/.-][ \t]?\d{1,2}[ \t]?[/.-][ \t]?(?:\d{4}|\d{2})(?![\d/.-]\d)"
        r"|\d{4}-\d{1,2}-\d{1,2}"
        rf"|(?:the[ \t]+)?{_ORDINAL}(?:[ \t]+of)?[ \t]+{_MONTHS}(?:,?[ \t]+{year})?"
        rf"|{_MONTHS}[ \t]+(?:the[ \t]+)?{_ORDINAL}(?:,?[ \t]+{year})?"
        rf"|{_MONTHS},?[ \t]+{year})(?!\w)"
    )


_DATE = _date(_YEAR)
# A loose form of the words `_DOB` starts with ("DOB", "born", "birth"), quick to look for.
_DOB_HINT = re.compile(r"[bd](?:irth|orn|[ \t]?\.?[ \t]?o[ \t]?\.?[ \t]?b\b)", re.IGNORECASE)
_DOB = re.compile(
    r"(?<![\w.])(?:d[ \t]?\.?[ \t]?o[ \t]?\.?[ \t]?b\b\.?|date[ \t]+of[ \t]+birth|birth[ \t]?date"
    r"|born(?:[ \t]+(?:on|in))?|birthday)"
    r"(?:[ \t]*(?:[:=(\-–][ \t]*|(?:is|was|s)[ \t]+(?:on[ \t]+)?)|[ \t]+)"
    rf"(?P<date>{_date(_CUED_YEAR)})",
    re.IGNORECASE,
)


def _dates_of_birth(text: str) -> Iterator[Span]:
    if not _DOB_HINT.search(text):
        return
    for match in _DOB.finditer(text):
        yield match.start("date"), match.end("date"), "date_of_birth"


# --- street addresses: "12 Acacia Avenue", "Flat 3, 4a St John's Road", "Flat 3" --------------

_STREET_WORDS = frozenset(
    "road rd street st avenue ave av close lane ln drive way crescent cres court ct gardens "
    "gdns place pl terrace tce grove walk row hill square sq mews park rise view green parade "
    "vale wharf yard gate croft meadow meadows fields chase bank approach circus boulevard "
    "highway embankment villas cottages mount wynd brow side end wood heights path parkway "
    "quay grange dale glen link mead orchard common promenade broadway precinct".split()
)
# Street words a participant may type in lower case ("12 acacia avenue") and which are not
# everyday words after a number ("a 10 minute walk", "2 very close friends").
_LOWER_STREET_WORDS = frozenset("road street avenue crescent terrace gardens".split())
_NOT_STREET_NAMES = frozenset(
    "a an the my our your his her their same other busy long short quiet main big small "
    "one two three of on in at and or to mile miles minute minutes min mins hour hours lane "
    "way very more most few times people days weeks months years".split()
)
_ADDRESS_WORD = r"[^\W\d_][\w'’.-]{0,40}"
_FLAT = r"(?:flat|apartment|apt\.?)[ \t]+\d{1,4}[A-Za-z]?"
# The number may be a flat's alone: "flat 4b, rosewood court".
_ADDRESS = re.compile(
    rf"(?<![\w.,/:£$€-])(?:{_FLAT},?[ \t]+)?"
    rf"(?P<number>{_FLAT}|\d{{1,3}}[A-Za-z]?(?:[ \t]?[-–/][ \t]?\d{{1,3}}[A-Za-z]?)?),?[ \t]+"
    rf"(?P<name>{_ADDRESS_WORD}(?:[ \t]+{_ADDRESS_WORD}){{0,2}})[ \t]+"
    rf"(?P<street>{_alternatives(_STREET_WORDS)})(?![\w'’-])\.?",
    re.IGNORECASE,
)
_ADDRESS_HINT = re.compile(r"\d[A-Za-z]?,?[ \t]+[^\W\d_]", re.IGNORECASE)  # a number, a word
# A flat on its own: "Flat 3" anywhere; "flat 3" in lower case only after "in", "at", "my" ...,
# so "the tyre went flat 3 times" stays.
_FLAT_ALONE = re.compile(
    r"(?<![\w])(?:(?:Flat|FLAT|Apartment|APARTMENT|Apt\.?)[ \t]+"
    r"|(?:(?<=\bin )|(?<=\bat )|(?<=\bmy )|(?<=\bour )|(?<=\bto )|(?<=\bof )|(?<=\bfrom )"
    r"|(?<=\bher )|(?<=\bhis )|(?<=\btheir ))(?:flat|apartment|apt\.?)[ \t]+)"
    r"\d{1,4}[A-Za-z]?(?![\w/.:,]\d)(?!\w)"
)
_FLAT_HINT = re.compile(r"Flat|FLAT|Apartment|APARTMENT|Apt|flat|apartment|apt")


def _addresses(text: str) -> Iterator[Span]:
    if _ADDRESS_HINT.search(text):
        for match in _ADDRESS.finditer(text):
            if _is_address(match):
                yield match.start(), match.end() - match.group().endswith("."), "address"
    # A flat inside an address found above overlaps it, so is dropped by the caller.
    if _FLAT_HINT.search(text) and _DIGIT.search(text):
        for match in _FLAT_ALONE.finditer(text):
            yield match.start(), match.end(), "address"


def _is_address(match: re.Match[str]) -> bool:
    street = match.group("street")
    key = street.lower()
    if key not in _STREET_WORDS:
        return False
    words = match.group("name").split()
    if [w.lower() for w in words] == ["the"]:  # "9 The Crescent"
        return key in _THE_STREETS and words[0][0].isupper() and street[0].isupper()
    if all(w[0].isupper() for w in words):
        return street[0].isupper() or key in _LOWER_STREET_WORDS
    return (
        all(w.islower() for w in words)
        and (key in _LOWER_STREET_WORDS or _ADDRESS_CUE.search(_before(match, 30)) is not None)
        and not any(w in _NOT_STREET_NAMES for w in words)
    )


def _before(match: re.Match[str], reach: int) -> str:
    return match.string[max(0, match.start() - reach) : match.start()]


# Streets named "The" and one word: "9 the crescent" is an address, "9 the close" may be.
_THE_STREETS = frozenset(
    "crescent green avenue drive grove parade square mews walk terrace broadway boulevard "
    "promenade rise row chase croft meadows orchard close".split()
)
# Words just before a number that say an address follows, so "i live at 14 acacia ave" is
# one in lower case too (without them, "a 2 lane road" must stay).
_ADDRESS_CUE = re.compile(
    r"(?<![\w'’-])(?:(?:live|lives|living|lived|stay|stays|staying|stayed|moved|move|moving)"
    r"[ \t]+(?:at|to|in)|address[ \t]*(?:is|:)|at|to)[ \t]*$",
    re.IGNORECASE,
)


# --- names after a cue: "my social worker Jane Smith", "my son Tom", "Dr Patel" ----------------

_RELATIONS = sorted(
    {
        *"social worker|GP|doctor|nurse|carer|care worker|support worker|key worker|keyworker"
        "|care coordinator|care co-ordinator|case worker|caseworker|OT|occupational therapist"
        "|physio|physiotherapist|therapist|counsellor|counselor|psychiatrist|psychologist"
        "|consultant|dentist|pharmacist|health visitor|district nurse|community nurse|CPN"
        "|advocate|PA|personal assistant|manager|care manager|team manager|boss|landlord"
        "|landlady|neighbour|neighbor|friend|best friend|partner|husband|wife|son|daughter"
        "|child|kid|mum|mom|mam|mother|dad|father|brother|sister|grandson|granddaughter"
        "|grandchild|nan|nana|nanna|gran|granny|grandma|grandmother|grandad|granddad|grandpa"
        "|grandfather|uncle|aunt|auntie|aunty|cousin|niece|nephew|boyfriend|girlfriend"
        "|fiance|fiancé|fiancee|fiancée|stepson|stepdaughter|stepmum|stepmom|stepdad|son-in-law"
        "|step-son|step-daughter|step-mum|step-mom|step-dad|stepfather|stepmother|step-father"
        "|step-mother|foster carer|foster mum|foster dad|guardian"
        "|daughter-in-law|mother-in-law|father-in-law|brother-in-law|sister-in-law|sibling"
        "|son in law|daughter in law|mother in law|father in law|brother in law|sister in law"
        "|twin|baby|lodger|flatmate|housemate|befriender|buddy|mentor|tutor|teacher|worker"
        "|councillor|MP|vicar|priest|solicitor|lawyer|assessor|reviewer|officer|colleague"
        "|employer|supervisor|cleaner|driver|granddaughter|grandkid|grandchildren|mate|pal"
        "|hubby|ex|ex-husband|ex-wife|ex-partner|other half|stepbrother|stepsister"
        "|step-brother|step-sister|half-brother|half-sister|godson|goddaughter|godmother"
        "|godfather|receptionist|midwife|paramedic|surgeon|specialist|registrar|assistant"
        "|practitioner|prescriber|coordinator|co-ordinator|secretary|chaplain|minister|pastor"
        "|imam|rabbi|warden|matron|volunteer|home help|friends|children|kids|sons|daughters"
        "|grandsons|granddaughters|grandkids|neighbours|neighbors|carers|parents|brothers"
        "|sisters|twins|nephews|nieces|cousins|workers".split("|"),
    },
    key=len,
    reverse=True,
)
# A capitalised title is a cue on its own ("Sister Agnes"); in lower case only a few are
# (`_LOWER_TITLES`), and only for a look: "ms" and "sister" are everyday words too.
_TITLE_WORDS = frozenset(
    "dr mr mrs ms miss mx prof professor doctor nurse sister matron cllr councillor rev revd "
    "fr pastor imam rabbi sir dame aunty auntie aunt uncle nana nanna grandma grandad "
    "grandpa granny".split()
)
_TITLES = _alternatives(_TITLE_WORDS)  # used case-blind
# Words for someone that say nothing about who they are, so they cue a name only when it is
# given: "a lady called Pat", "someone named Bob".
_PERSONS = _alternatives(
    "lady man woman gentleman bloke chap fella fellow girl boy lad lass person someone".split()
)
# Whichever of these matches must be followed by a space (`_DESCRIBED`), so at most one can.
_DETERMINERS = (
    _alternatives("my our his her their your the a an this that one another some".split())
    + r"|[A-Za-z]+['’]s"
)
# Up to two describing words between the determiner and the role, in lower case or short
# capitals: "my lovely son", "the volunteer driver", "my GP practice manager". Greedy, so the
# role is the last word that can be one ("the volunteer driver Alan").
_DESCRIBED = r"(?:[ \t]+(?-i:[a-z][a-z'’-]*|[A-Z]{2,4})){0,2}[ \t]+"
_CALLED = r"[ \t]+(?:called|named|known[ \t]+as)"
_ROLES = _alternatives({r.lower() for r in _RELATIONS})  # used case-blind
_CUE = re.compile(
    rf"(?<![\w'’-])(?:(?:{_DETERMINERS}){_DESCRIBED}(?:"
    + _ROLES
    + rf")(?:{_CALLED})?(?:[ \t]*[,:(\-–][ \t]*|[ \t]+)"
    + rf"|(?:(?:{_DETERMINERS}){_DESCRIBED})?(?:{_PERSONS}){_CALLED}[ \t]+"
    + r"|(?:named|(?:is|was|are|['’]s)[ \t]+called|name[ \t]+(?:is|was)|name['’]s)[ \t]+)"
    + rf"(?:{_TITLES}(?:\.[ \t]*|[ \t]+))?"
    + rf"|(?<![\w'’-]){_TITLES}(?:\.[ \t]*|[ \t]+)",
    re.IGNORECASE,
)
# Every cue holds one of these: a role after a space, "called", "name", "known" or a title;
# and at most four words come before it in the cue (a determiner, two describing words and a
# word for a person: "my lovely old lady called"). So a text without one has no cue, and the
# search for one can start four words before the first.
_CUE_ANCHOR = re.compile(
    rf"[ \t]{_ROLES}[ \t,:(\-–]|called|name|known|(?<![\w'’-]){_TITLES}[. \t]", re.IGNORECASE
)
_WORDS_BEFORE_ANCHOR = 4
# The words anchors begin with, as pieces of a lowered text (`_plain_pieces`): the first
# piece of each role ("son" of "son-in-law"), the titles, "called", "named", "name", "known".
_ANCHOR_WORDS = frozenset(
    {_PIECE.findall(role.lower())[0] for role in _RELATIONS}
    | {*_TITLE_WORDS, "called", "named", "name", "known"}
)
_TITLE_ONLY = re.compile(rf"{_TITLES}(?:\.[ \t]*|[ \t]+)", re.IGNORECASE)
_LOWER_TITLES = re.compile(r"(?:dr|mr|mrs|cllr|prof)(?:\.[ \t]*|[ \t]+)")
# Capitalised words that are not names, so they end a name after a cue ("my GP Surgery",
# "my mum I think", "Dr Who"). Compared in lower case.
_NOT_NAME_WORDS = frozenset(
    "i i'm i've i'll i'd the a an and but or so then when who what where why how which he she "
    "they we you it his her their our my your its this that these those is was are were has "
    "had have did does do not no yes ok okay please thanks thank also too very really just "
    "still now today yesterday tomorrow tonight monday tuesday wednesday thursday friday "
    "saturday sunday mondays tuesdays wednesdays thursdays fridays saturdays sundays "
    "surgery practice team teams services service centre center clinic "
    "hospital office unit ward appointment appointments assessment review referral nhs gp "
    "a&e ot pa cpn uk council trust partnership health care social mental adult adults "
    "children's practitioner nurse nurses dr mr mrs ms miss mx prof doctor doctors sir "
    "dame after before at in on of for with from to by about said says told asked came went "
    "who's he's she's they're it's there here mum mom mam mummy dad daddy nan nana gran "
    "granny grandma grandad grandpa auntie aunty me us him them myself back round off up out "
    "over if when whether because but and or so then as though although while where why how "
    "what which whom once until unless since can could would should must might "
    "christmas easter".split()
)
# Words that make the capitalised words before them the name of a group, service or place,
# not of a person: "our Carer Support Group", "my GP Green Lane Surgery". After a role or
# relation (not after a title: "Dr Patel" is a person whatever follows) such a run is left.
_PLACE_WORDS = frozenset(
    "group groups service services team teams centre center scheme hub network forum "
    "allowance assessment agency budget payment payments line association society trust "
    "charity project programme program club cafe café board panel committee partnership "
    "alliance foundation unit clinic surgery practice hospital council office ward home "
    "house hall lodge church chapel school college university library".split()
)
_MAX_CUED_NAME_WORDS = 3


# Between the names of a list: "my children Tom, Amy and Ben", "my son Tom and Amy".
_LIST_JOIN = re.compile(r",?[ \t]+(?:and|&|or)[ \t]+|,[ \t]*")


def _cues(text: str) -> Iterator[re.Match[str]]:
    """What `_CUE.finditer(text)` finds, without scanning the stretches no cue can start in."""
    pos = 0
    for anchor in _anchors(text):
        if anchor < pos:
            continue  # inside the cue found last
        start = anchor
        for _ in range(_WORDS_BEFORE_ANCHOR):  # back over spaces, then a word, to `pos` at most
            while start > pos and text[start - 1] in " \t":
                start -= 1
            while start > pos and text[start - 1] not in " \t":
                start -= 1
        cue = _CUE.search(text, start)
        if cue is None:
            return
        yield cue
        pos = cue.end()  # a cue is never empty


def _anchors(text: str) -> Iterator[int]:
    """Places where `_CUE_ANCHOR` matches, in order, among them every place where the anchor
    a cue holds starts. In plain text that anchor starts at one of `_ANCHOR_WORDS` (or at the
    space before it), so only those places are tried; other text is searched."""
    pieces = _plain_pieces(text)
    if pieces is None:
        at = 0
        while anchor := _CUE_ANCHOR.search(text, at):
            yield anchor.start()
            at = anchor.start() + 1
        return
    words = _ANCHOR_WORDS.intersection(pieces)
    lowered = text.lower()
    at = 0
    while found := [where for word in words if (where := lowered.find(word, at)) >= 0]:
        at = min(found)
        for start in (at - 1, at):  # the space before a role, or the word
            if start >= 0 and _CUE_ANCHOR.match(text, start):
                yield start
        at += 1


def _cued_names(text: str) -> Iterator[Span]:
    for cue in _cues(text):
        title_only = _TITLE_ONLY.fullmatch(cue.group()) is not None
        if title_only and not cue.group()[0].isupper():
            continue  # "mr" or "dr" in lower case, alone, is not a title
        # "MY CARER NEVER COMES": written in capitals, a capital says nothing of a name. A
        # title still does ("MY GP DR PATEL").
        shouted = (
            not title_only
            and cue.group().isupper()
            and _ENDS_WITH_TITLE.search(cue.group()) is None
        )
        name = _name_at(text, cue.end(), title_only, shouted)
        if name is None:
            continue
        if not title_only and _ENDS_WITH_TITLE.search(cue.group()) is None:
            place = _WORD.match(text, name[1] + 1)
            if text[name[1] : name[1] + 1] == " " and place and place.group() in _PLACE_WORDS:
                continue  # "the Carers Support line": a service, not a person
        yield name
        # More names in a list. Names after a comma only count once "and" closes the list,
        # so a place after a name ("my GP Dr Patel, Leeds") is left.
        pending: list[Span] = []
        while (join := _LIST_JOIN.match(text, name[1])) and (
            following := _name_at(text, join.end(), title_only, shouted)
        ):
            pending.append(following)
            if join.group().strip(", \t"):
                yield from pending
                pending.clear()
            name = following


def _name_at(text: str, pos: int, title_only: bool, shouted: bool = False) -> Span | None:
    """The capitalised name that starts at `pos` (up to three words), if there is one;
    `shouted`: after a cue in capitals, a first word in capitals only if `_shouted_name`."""
    start = end = -1
    count = 0
    for word in _WORD.finditer(text, pos):
        if text[pos : word.start()] not in ("", " "):
            break
        token = text[word.start() : _without_possessive(word)]
        if _key(token) in _PLACE_WORDS and token[:1].isupper():
            if not title_only:
                return None  # "our Carer Support Group": a group, not a person
            break
        if count == _MAX_CUED_NAME_WORDS or not _could_be_name(token):
            break
        if token.isupper() and (
            (count == 0 and shouted and not _shouted_name(token))
            or (count > 0 and _a_deed_in_capitals(token))
        ):
            break
        if start < 0:
            start = word.start()
        end = _without_possessive(word)
        count += 1
        pos = word.end()
        if end < word.end():
            break  # "Tom's": the name ends at its possessive
    return (start, end, "name") if start >= 0 else None


def _could_be_name(token: str) -> bool:
    if not (token[:1].isupper() and _lettery(token.replace("’", "'"))):
        return False
    if _key(token) in _NOT_NAME_WORDS:
        return False
    return not _initials(token)


# Initials that care writes and that are also given names on the list: an acquired brain
# injury, keeping-in-touch days, a TED talk. In capitals they are read as the initials.
_INITIALS_ON_THE_LIST = frozenset({"abi", "kit", "ted"})


def _initials(token: str) -> bool:
    """A short word in capitals ("NHS", "GP", "OT") is initials, unless it is a given name
    ("SAM", "AMY": some people write everything in capitals)."""
    return token.isupper() and 1 < len(token) <= 4 and not _a_listed_name(token)


def _shouted_name(token: str) -> bool:
    """Whether a word in capitals after a cue in capitals is taken as a name: a given name,
    or a longer word that is not one of those that follow a cue in everyday speech ("MY CARER
    NEVER COMES", "MY SON USUALLY", "MY DAUGHTER HELPS"), so a rare name ("MY NEIGHBOUR
    NGOZI") is still taken. Short ones that are not names ("MY SON HAS") are left, and
    marked for a look if a name could be there (`_maybe_names`)."""
    if _a_listed_name(token):
        return True
    key = _key(token)
    return not (
        len(token) <= 4
        or key in _NOT_LOWER_NAMES
        or key in _WHAT_PEOPLE_DO
        or _reads_as_verb_or_adverb(key)
        or key.endswith("n't")  # "DOESN'T"
        or key.endswith("ed")  # "LISTENED"; "AHMED" and "FRED" are on the list
        # "LOOKS", "ARRIVES", "TRIES"; not "LUCAS", "MARCUS", "IDRIS", "CARLOS"
        or (key.endswith("s") and not key.endswith(("as", "us", "is", "os", "ss")))
    )


def _a_listed_name(token: str) -> bool:
    key = _key(token)
    return key in _given_name_list() and key not in _INITIALS_ON_THE_LIST


_ENDS_WITH_TITLE = re.compile(rf"(?<![\w'’-]){_TITLES}(?:\.[ \t]*|[ \t]+)$", re.IGNORECASE)


# --- names of care homes, day centres and small places: "Sunnyside Care Home", "the Beeches
# day centre", "a village called Little Marsham" ------------------------------------------------

# Where people live or spend their days, whose name says where someone is. A big hospital or a
# town is left: many people are there.
_CARE_SETTING = (
    r"(?i:(?:care|nursing|residential|rest|retirement)[ \t]+home|residential[ \t]+care"
    r"|care[ \t]+cent(?:re|er)|day[ \t]+(?:cent(?:re|er)|service|hospice)|hospice"
    r"|respite[ \t]+(?:unit|cent(?:re|er)|home|house)|supported[ \t]+(?:living|housing)"
    r"|extra[ \t]+care|sheltered[ \t]+housing|group[ \t]+home)(?![\w'’-])"
)
_CAPITALISED = r"[A-Z][\w'’-]*"
# Starting with a capital letter, so the scan skips to the next one at C speed.
_CARE_PLACE = re.compile(
    rf"(?P<name>{_CAPITALISED}\.?(?:[ \t]+{_CAPITALISED}){{0,3}})[ \t]+{_CARE_SETTING}"
)
# Parts every care setting has, looked for in the lowered text before the patterns are run.
_CARE_HINTS = (
    "home", "cent", "hospice", "living", "housing", "extra care", "residential care",
    "day service", "respite",
)  # fmt: skip
_SAINTS = frozenset({"st", "st.", "saint"})
# A small place named after "called": "a village called Little Marsham", "an estate known as
# The Heights". ("a lady called Pat" is a name: the names rule's.)
_CALLED_PLACE = re.compile(
    r"(?<![\w'’-])(?i:village|hamlet|town|estate|street|road|lane|close|farm|ward|home|house"
    r"|school|scheme|unit|centre|center|area|place|flats|block)"
    r"[ \t]+(?i:called|named|known[ \t]+as)[ \t]+"
    rf"(?P<name>{_CAPITALISED}(?:[ \t]+{_CAPITALISED}){{0,2}})"
)
# In lower case a care setting's name is told by a word that names houses: "oak lodge nursing
# home". It is only marked, for a person to check.
_HOUSE_WORDS = (
    "lodge house court manor grange hall view gardens park mount lea field fields bank croft "
    "mews green villa villas towers place heights meadow meadows cottage cottages gate".split()
)
_LOWER_CARE_PLACE = re.compile(
    rf"(?<![\w'’-])(?P<name>[a-z][\w'’-]*[ \t]+{_alternatives(_HOUSE_WORDS)})[ \t]+"
    rf"{_CARE_SETTING}"
)


# A named house where someone lives: "I live at Rosewood Lodge", "we moved into Maple Court",
# and a care setting named beside it: "Rosewood House, the care home". A town or a district
# ("I live in Hyde Park") is left: many people live there.
_HOUSE_NAMES = (
    "House Lodge Court Manor Grange Hall Mews Villa Villas Cottage Cottages Towers Heights "
    "Mansions Flats"
).split()
# In a lowered text, a house word then a comma: "Rosewood House, the care home" may be there.
_HOUSE_COMMAS = tuple(f"{word.lower()}," for word in _HOUSE_NAMES)
# Capitalised or in capitals ("ROSEWOOD LODGE"), never in lower case ("a council house").
_NAMED_HOUSE = (
    rf"(?<![\w'’-]){_CAPITALISED}(?:[ \t]+{_CAPITALISED}){{0,2}}[ \t]+"
    rf"(?:{'|'.join(_HOUSE_NAMES + [word.upper() for word in _HOUSE_NAMES])})(?![\w'’-])"
)
_LIVES_AT = re.compile(
    r"(?<![\w'’-])(?i:lives?|lived|living|stays?|stayed|staying|moved[ \t]+(?:in)?to)"
    rf"[ \t]+(?:(?i:at|in)[ \t]+)?(?P<name>{_NAMED_HOUSE})"
)
# Both start where the scan can skip at C speed: at a capital, and at a comma.
_NAMED_BEFORE_CARE = re.compile(
    rf"(?P<name>{_NAMED_HOUSE}),[ \t]+(?i:the|a|an|my|his|her|their|our|mum['’]s|dad['’]s)"
    rf"[ \t]+(?:[a-z]+[ \t]+)?{_CARE_SETTING}"
)
_NAMED_AFTER_COMMA = re.compile(rf",[ \t]+(?P<name>{_NAMED_HOUSE})")
_CARE_SETTING_ENDS = re.compile(rf"{_CARE_SETTING}\Z")
# How far back from the comma a care setting's words can start ("supported living").
_CARE_SETTING_REACH = 30


def _care_places(text: str) -> Iterator[Span]:
    lowered = text.lower()
    if "liv" in lowered or "stay" in lowered or "moved" in lowered:
        for match in _LIVES_AT.finditer(text):
            yield match.start("name"), match.end("name"), "place"
    if any(hint in lowered for hint in _CARE_HINTS):
        named_first = any(comma in lowered for comma in _HOUSE_COMMAS)
        for match in _NAMED_BEFORE_CARE.finditer(text) if named_first else ():
            yield match.start("name"), match.end("name"), "place"
        for match in _NAMED_AFTER_COMMA.finditer(text):
            before = text[max(0, match.start() - _CARE_SETTING_REACH) : match.start()]
            if _CARE_SETTING_ENDS.search(before):
                yield match.start("name"), match.end("name"), "place"
        for match in _CARE_PLACE.finditer(text):
            if match.start() > 0 and _WORD.match(text, match.start() - 1):
                continue  # a capital inside a word
            # The name is the capitalised words just before the setting that could be a
            # name ("The Beeches" -> "Beeches"; "Age UK day centre" has none).
            words = list(re.finditer(r"\S+", match.group("name")))
            start = None
            for word in reversed(words):
                token = word.group().rstrip(".")
                bare = token[: len(token) - _possessive_length(token)]
                if not (_key(token) in _SAINTS or _could_be_name(bare)):
                    break
                start = word.start()
            if start is not None and _key(match.group("name")[start:].rstrip(".")) not in _SAINTS:
                yield match.start("name") + start, match.end("name"), "place"
    if "call" in text or "named" in text or "known" in text:
        for match in _CALLED_PLACE.finditer(text):
            if _could_be_name(match.group("name").split()[0]):
                yield match.start("name"), match.end("name"), "place"


def _maybe_places(text: str) -> Iterator[Span]:
    lowered = text.lower()
    if any(hint in lowered for hint in _CARE_HINTS):
        for match in _LOWER_CARE_PLACE.finditer(text):
            first = match.group("name").split()[0]
            if _key(first) not in _NOT_NAME_WORDS and _key(first) not in _NOT_STREET_NAMES:
                yield match.start("name"), match.end("name"), "place"


# --- names known as names: "Karen from the council", "thanks to Lisa", "Sharon the manager" ----

# Everyday words never taken as the name of a person by the rules below, even capitalised at
# the start of a sentence ("Staff from the council", "Someone from social services").
_NOT_PERSONS = frozenset(
    "someone somebody nobody noone everyone everybody anyone anybody people staff carers "
    "workers managers commissioners providers services parents families family friends "
    "sometimes usually often then now recently luckily sadly unfortunately thankfully "
    "honestly apparently eventually finally however even still once".split()
)
# A role after a name: "Sharon the manager", "Bev (my carer)", "Karen from the council".
_ROLE_AFTER = re.compile(
    r"[ \t]*[,(]?[ \t]*(?i:(?:(?:is|was)[ \t]+)?"
    rf"(?:my|our|the|his|her|their|mum['’]s|dad['’]s)[ \t]+"
    rf"(?:[a-z]+[ \t]+)?{_ROLES}(?![\w'’-])"
    r"|(?:from|at)[ \t]+(?:the[ \t]+)?(?:council|social[ \t]+services|local[ \t]+authority"
    r"|care[ \t]+(?:agency|company)|agency|surgery|practice|hospital|trust|brokerage"
    r"|team|office|ccg|icb|home|day[ \t]+centre|carers[ \t]+(?:centre|service)))"
)
_SAID_TO_BE = re.compile(r"[ \t]+(?:is|was)[ \t]")
_SURNAME_WORDS = 2
_ROLE_WORDS = frozenset(
    word for relation in _RELATIONS for word in _PIECE.findall(relation.lower())
)


def _not_a_person(token: str) -> bool:
    """A capitalised word the weaker rules (a role after it, a list with a name) never take:
    an everyday or ordinary-name word, a street, place or role word, or capitals ("LOVELY")."""
    bare = token[: len(token) - _possessive_length(token)]
    key = _key(bare)
    return (
        not _could_be_name(bare)
        or (bare.isupper() and len(bare) > 1)
        or key in _NOT_PERSONS
        or key in _PLACE_WORDS
        or key in _STREET_WORDS
        or key in _ORDINARY_WORD_NAMES
        or key in _ROLE_WORDS
    )


def _listed_names(text: str) -> Iterator[Span]:
    """Names found by the lists of given and family names. Where both see part of one name
    ("Tran Van Minh" by the family name, "Minh" by the given name; "Paul Jennings Smith" and
    "Jennings Smith"), it is one name: spans that overlap are joined."""
    spans = sorted([*_family_names(text), *_given_names(text)])
    joined: list[Span] = []
    for start, end, kind in spans:
        if joined and start < joined[-1][1]:
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]), kind)
        else:
            joined.append((start, end, kind))
    yield from joined


def _given_names(text: str) -> Iterator[Span]:
    """A capitalised given name from the list (bot/reflections/given_names.txt), with the
    capitalised words after it (a surname) and the names listed with it ("Mo and Lisa",
    "Joanne, Kelly and Marek"). Not next to a number ("Jan 1956" is a date) and not before a
    street or place word ("Victoria Road", "Florence House")."""
    names = _given_name_list()
    pieces = _plain_pieces(text)
    if (
        pieces is not None
        and names.isdisjoint(pieces)
        and ("-" not in text or _hyphened_name_starts().isdisjoint(pieces))
    ):
        return
    for word in _WORD.finditer(text):
        if not word.group()[0].isupper():
            continue  # most words, told at once
        token = text[word.start() : _without_possessive(word)]
        if not token[:1].isupper() or not _a_listed_given_name(token, names) or _initials(token):
            continue
        if _not_a_name_here(text, word):
            continue
        end = _name_end(text, word)
        yield word.start(), end, "name"
        yield from _listed_with(text, word.start(), end)


def _a_listed_given_name(token: str, names: frozenset[str]) -> bool:
    """On the list, or joined by a hyphen to a name on it ("Anne-Marie", "Mary-Jane")."""
    key = _key(token)
    return key in names or ("-" in key and key.split("-", 1)[0] in names)


@functools.cache
def _hyphened_name_starts() -> frozenset[str]:
    """The first piece of each name with a hyphen ("ji" of "ji-woo"): a text's pieces are
    split there, so the quick check looks for these in a text with a hyphen. Some are
    everyday words ("so" of "so-yeon"), so a text without a hyphen is not held up by them."""
    return frozenset(name.split("-", 1)[0] for name in _given_name_list() if "-" in name)


def _not_a_name_here(text: str, word: re.Match[str]) -> bool:
    """A listed name that is part of a date ("4th Jan", "Jan 1956"), a saint's name ("St
    John's Road") or a place ("Victoria Road", "Florence House"); "Karen's group" is hers."""
    if _next_to_number(text, word) or _SAINT_BEFORE.search(
        text[max(0, word.start() - 8) : word.start()]
    ):
        return True
    if _possessive_length(word.group()) or text[word.end() : word.end() + 1] != " ":
        return False
    after = _WORD.match(text, word.end() + 1)
    return after is not None and _key(after.group()) in _STREET_WORDS | _PLACE_WORDS


def _name_end(text: str, word: re.Match[str]) -> int:
    """Where the name that starts with `word` ends: after up to _SURNAME_WORDS capitalised
    words written after it that could be names ("Paul Jennings", "Maria Garcia Lopez",
    "Nguyen Thi Lan"), perhaps joined by particles ("Maria de Souza", "Ahmed bin Rashid"),
    up to a possessive; not a deed in capitals ("SAM HELPS") nor a word before a street or
    place word."""
    end = _without_possessive(word)
    last = word
    for _ in range(_SURNAME_WORDS):
        if end < last.end() or text[last.end() : last.end() + 1] != " ":
            break  # "Tom's", or not one space: the name ends here
        after = _past_particles(text, last.end() + 1)
        if after is None:
            break
        surname = text[after.start() : _without_possessive(after)]
        if (
            not _could_be_name(surname)
            or _key(surname) in _NOT_PERSONS
            or _key(surname) in _TITLE_WORDS  # "O'Neill Cllr Tom": another's
            or _a_deed_in_capitals(surname)
        ):
            break  # "SAM HELPS": in capitals, what a person does is not a surname
        following = _WORD.match(text, after.end() + 1)
        if following and _key(following.group()) in _STREET_WORDS | _PLACE_WORDS:
            break
        end, last = _without_possessive(after), after
    return end


# Small words inside a name, between a given name and a family name.
_NAME_PARTICLES = frozenset(
    "van von der den de del della di da das dos du la le bin bint ibn al el".split()
)
_MAX_PARTICLES = 2  # "van der"


def _past_particles(text: str, pos: int) -> re.Match[str] | None:
    """The word at `pos`, or, if that is a name's particle (or two) followed by one space
    and a capitalised word, that word."""
    word = _WORD.match(text, pos)
    for _ in range(_MAX_PARTICLES):
        if word is None or word.group() not in _NAME_PARTICLES:
            return word
        if text[word.end() : word.end() + 1] != " ":
            return None
        following = _WORD.match(text, word.end() + 1)
        if following is None:
            return None
        if following.group() not in _NAME_PARTICLES and not following.group()[0].isupper():
            return None  # "Tom van driver": a word, not a particle
        word = following
    return word


def _family_names(text: str) -> Iterator[Span]:
    """A capitalised family name from the list (bot/reflections/family_names.txt), alone
    ("Nguyen helped me"), with the given names written after it ("Nguyen Thi Lan", "Wang
    Fang") or one before it that is on no list ("Lan Nguyen"), and a family named by it
    ("the Nguyens next door"). Not in two capitals ("NG tube"), next to a number, or before
    a street or place word ("Wilson Road")."""
    families = _family_name_pieces()
    pieces = _plain_pieces(text)
    if (
        pieces is not None
        and families.isdisjoint(pieces)
        and not any(len(piece) >= 6 and piece.endswith(_FAMILY_ENDINGS) for piece in pieces)
    ):
        return
    for word in _WORD.finditer(text):
        if not word.group()[0].isupper():
            continue
        token = text[word.start() : _without_possessive(word)]
        if not _a_family_name(_key(token), families) or (token.isupper() and len(token) <= 2):
            continue
        if _not_a_name_here(text, word):
            continue
        yield _given_name_before(text, word.start()), _name_end(text, word), "name"


def _a_family_name(key: str, families: frozenset[str]) -> bool:
    """In `families` (`_family_name_pieces`: the list, and a family named by each name on it,
    "the Nguyens"), or ending as Polish, Romanian, Ukrainian, Balkan, Bulgarian and Armenian
    family names do ("Wisniewska", "Brzezinski", "Petrenko", "Kovalchuk", "Petrovic",
    "Dimitrova", "Hovhannisyan")."""
    return key in families or (
        len(key) >= 6
        and _FAMILY_NAME_ENDING.search(key) is not None
        and key not in _NOT_FAMILY_NAMES
    )


# The endings of many family names. No everyday English word of six letters or more ends so,
# but for the few in _NOT_FAMILY_NAMES; "-yan" only after a consonant: "Himalayan",
# "Wesleyan" and "Uruguayan" are not names.
_FAMILY_NAME_ENDING = re.compile(
    r"(?:ski|ska|cki|cka|wicz|escu|enko|chuk|czuk|czyk|ovi[cć]|evi[cć]"
    r"|[a-z]{4}[b-df-hj-np-tv-xz]yan|[a-z]{4}(?:ova|eva))$"
)
# The same endings, loosely, for the quick check on a plain text's pieces (str.endswith is
# about ten times as fast there as a search of the text for the pattern).
_FAMILY_ENDINGS = (
    *("ski", "ska", "cki", "cka", "wicz", "escu", "enko", "chuk", "czuk", "czyk"),
    *("ovic", "evic", "yan", "ova", "eva"),
)
_NOT_FAMILY_NAMES = frozenset(
    "alaska nebraska unalaska polska apres-ski après-ski supernova villanova".split()
)


@functools.cache
def _family_name_pieces() -> frozenset[str]:
    """Each family name of the list, and the same name for a family, as English makes a
    plural from a name of three letters or more ("nguyens", "joneses"; not "lines" from
    "lin", nor "makes" from "mak"): what a capitalised word is looked up in, and what the
    quick check looks for in a text's pieces."""
    families = family_names()
    return families | {
        f"{name}es" if name.endswith(("s", "x", "z", "ch", "sh")) else f"{name}s"
        for name in families
        if len(name) >= 3
    }


def _given_name_before(text: str, start: int) -> int:
    """Where a name whose family name starts at `start` begins: at a capitalised word just
    before it that could be a given name ("Lan Nguyen", "Pat Jones"), else at `start`. Not
    a title ("Cllr Jones"), nor a word that reads as something else before a name at the
    start of a sentence ("Ask Wong", "Poor Nguyen", "Sadly Patel")."""
    before = _PREVIOUS_CAPITALISED.search(text, max(0, start - 40), start)
    if before is None or text[before.end("name") : start] != " ":
        return start
    token = before.group("name")
    key = _key(token)
    if (
        _possessive_length(token)
        or (_not_a_person(token) and key not in _ORDINARY_WORD_NAMES)  # "Pat Jones"
        or _reads_as_verb_or_adverb(key)
        or key in _SAID_BEFORE_A_NAME
        or key in _TITLE_WORDS  # "Cllr Jones": the title stays, as after a cue
    ):
        return start
    return before.start("name")


# Words said to or of a person at the start of a sentence, before their name.
_SAID_BEFORE_A_NAME = frozenset(
    "ask tell call ring phone text email message thank love meet see saw poor dear hi hey "
    "hello bless cheers congratulations congrats welcome sorry bye goodbye let get help".split()
)


def _listed_with(text: str, start: int, end: int) -> Iterator[Span]:
    """Capitalised words joined to a name by "and", "&" or a comma, before and after it."""
    reach = max(0, start - 40)
    before = _LISTED_BEFORE.search(text[reach:start])
    if before is not None and not _not_a_person(before.group("name")):
        # At a sentence start any word has a capital: only "and" makes it a name there.
        if before.group("join").strip(", ") or not _at_sentence_start(text, reach + before.start()):
            yield reach + before.start("name"), reach + before.end("name"), "name"
    pos = end
    while (join := _LIST_JOIN.match(text, pos)) and (word := _WORD.match(text, join.end())):
        if _not_a_person(word.group()):
            break
        yield word.start(), _without_possessive(word), "name"
        pos = _without_possessive(word)


_SAINT_BEFORE = re.compile(r"(?<![\w'’-])(?:St|ST|Saint)\.?[ \t]+$")
_LISTED_BEFORE = re.compile(
    r"(?<![\w'’-])(?P<name>[A-Z][a-z]+)(?P<join>,?[ \t]+(?:and|&)[ \t]+|,[ \t]*)$"
)


def _next_to_number(text: str, word: re.Match[str]) -> bool:
    before = text[max(0, word.start() - 6) : word.start()]
    after = text[word.end() : word.end() + 6]
    return bool(re.search(r"\d(?:st|nd|rd|th)?[ \t]*(?:of[ \t]+)?$", before)) or bool(
        re.match(r",?[ \t]*['’]?\d", after)
    )


def _named_before_role(text: str) -> Iterator[Span]:
    """A capitalised word that is not a name known from the list, inside a sentence,
    followed by a role: "i asked Dorota the carer", "we saw Okafor at the council"; at a
    sentence start when a comma or bracket sets the role apart ("Oluwaseun, my carer")."""
    for match in _NAME_THEN_ROLE.finditer(text):
        word = _WORD.match(text, match.start())
        if word is None or _not_a_person(word.group()) or _key(word.group()) in _NOT_ADDRESSED:
            continue
        # At a sentence start, where every word has a capital, only a role set apart by a
        # comma or a bracket makes it a name: "Oluwaseun, my carer, is brilliant", not
        # "Overall the carer was kind" nor "Anyway, my carer came".
        set_apart = text[word.end() : word.end() + 2].lstrip(" \t")[:1] in ",("
        described = _SAID_TO_BE.match(text, word.end()) is not None  # "Obinna is my carer"
        if not _at_sentence_start(text, word.start()) or (
            (set_apart or described)
            and not _not_addressed(word.group())
            and _key(word.group()) not in _NOT_LOWER_NAMES
        ):
            yield word.start(), _without_possessive(word), "name"


# Starting with a capital letter, so the scan skips to the next one at C speed; a capital
# inside a word is passed over at once (the look-behind), so that a long word in capitals is
# read once, not once from each of its letters.
_NAME_THEN_ROLE = re.compile(
    r"[A-Z](?<![\w'’-][A-Z])[\w'’-]*(?<![’'-])(?![\w'’-])" + _ROLE_AFTER.pattern
)


def _named_with_me(text: str) -> Iterator[Span]:
    """A capitalised word paired with the writer, who pairs themselves with people: "Bukola
    and I run the group", "me and Chidi went", "Sam & me". Even at a sentence start; not an
    everyday, role or place word ("Mum and I", "the GP and I", "Tuesday and me")."""
    for joiner in (" and ", " & "):
        at = text.find(joiner)
        while at >= 0:
            after = _WORD.match(text, at + len(joiner))
            # Told first by the word after, which is mostly in lower case and ends the look.
            if after is not None and (after.group()[:1].isupper() or after.group() == "me"):
                # The word just before the joiner, with nothing but a space between.
                token_start = max(text.rfind(" ", 0, at), text.rfind("\n", 0, at)) + 1
                before = _WORD.search(text, token_start, at)
                name = None
                if before is None or before.end() != at:
                    pass
                elif after.group() in _THE_WRITER_AFTER:
                    name = before  # "Bukola and I", "Sam & me"
                elif _key(before.group()) in _THE_WRITER:
                    name = after  # "me and Chidi"
                if name is not None and name.group()[:1].isupper():
                    if not _not_a_person(name.group()):
                        yield name.start(), _without_possessive(name), "name"
            at = text.find(joiner, at + 1)


_THE_WRITER = frozenset({"me", "myself"})
# "I", "I'm" ...: a capitalised word after a name that is not more of it ("I told Kemi I was").
_THE_WRITER_AS_I = frozenset(
    f"I{end}"
    for ending in ("", "'m", "'d", "'ve", "'ll")
    for end in (ending, ending.replace("'", "’"))
)
_THE_WRITER_AFTER = frozenset({"I", "me", "myself", "Me", "Myself", "ME", "MYSELF"})


# What people say to or of a person: they thank them, ask for them, speak to or ring them.
_ADDRESSED = re.compile(
    r"(?<![\w'’-])(?i:thank(?:s|ing)?(?:[ \t]+(?:you|u))?(?:[ \t]+(?:so|very)[ \t]+much)?"
    r"(?:[ \t]+on)?(?:[ \t]+(?:to|go[ \t]+to))?"
    r"|cheers|kudos(?:[ \t]+to)?|well[ \t]+done|praise[ \t]+(?:for|to)|love[ \t]+to"
    r"|hi|hiya|hello|dear|shout[ \t-]?outs?[ \t]+to|(?:credit|grateful|thankful)[ \t]+to"
    r"|ask(?:ed|s|ing)?(?:[ \t]+for)?|told|tell(?:s|ing)?|thanked|hugged|miss(?:ed)?|saw"
    r"|(?:spoke|speak(?:ing)?|talk(?:ed|ing)?|chat(?:ted|ting)?)[ \t]+(?:to|with)"
    r"|(?:helped|visited|supported)[ \t]+by|met(?:[ \t]+(?:up[ \t]+)?with)?"
    r"|rang|ring(?:s|ing)?|phon(?:e|es|ed|ing)|call(?:s|ing)?|text(?:s|ed|ing)?"
    r"|e-?mail(?:s|ed|ing)?|messag(?:e|es|ed|ing)|see(?:s|ing)?)"
    r"(?:[ \t]*,[ \t]*|[ \t]+)(?=[A-Z])"
)
# The words those begin with, as pieces of a lowered text (`_plain_pieces`).
_ADDRESSED_WORDS = frozenset(
    "thanks thank thanking cheers kudos well praise love hi hiya hello dear shout shoutout "
    "shoutouts credit grateful thankful ask asked asks asking told tell tells telling thanked "
    "hugged miss missed saw spoke speak speaking talk talked talking chat chatted "
    "chatting helped visited supported met rang ring rings ringing phone phones phoned "
    "phoning call calls calling text texts texted texting email emails emailed emailing e "
    "message messages messaged messaging see sees seeing".split()
)
# What only a person does, after their name ("Yesterday Ngozi rang"), perhaps with one of
# `_DEED_ADVERBS` between ("Eilidh never rang back").
_DEED_WORDS = frozenset(
    "said says told tells asked explained replied rang rings phoned texted emailed messaged "
    "laughed smiled agreed promised promises shouted shouts cried hugged waved nodded sighed "
    "whispered apologised apologized insisted admitted complained suggested mentioned "
    "listened listens".split()
)
# What people mostly do, but a thing or an activity may too ("Music helped", "Christmas
# came"): after a capitalised word inside a sentence only, where a capital marks a name.
_DEED_INSIDE_WORDS = frozenset(
    "came comes helped helps drives drove visited visits cooked cooks popped brought brings "
    "collected collects cares cared knows knew understood understands".split()
)
_ALL_DEED_WORDS = _DEED_WORDS | _DEED_INSIDE_WORDS
_DEED = re.compile(r"(?<![\w'’-])" + _alternatives(_ALL_DEED_WORDS) + r"(?![\w'’-])")
_DEED_ADVERBS = re.compile(
    r"(?<![\w'’-])(?:never|always|just|also|often|still|even|sometimes|usually|once|already"
    r"|actually|really|then|kindly|finally|eventually|immediately|quickly)[ \t]+\Z"
)
_LONGEST_NAME = 40
# A capitalised word, then the spaces before what the person did.
_NAME_BEFORE = re.compile(r"(?P<name>[A-Z][\w'’-]*(?<![’'-]))[ \t]+\Z")
# Capitalised words thanked, rung or said to speak that are not people: what a place,
# service, app or everyday thing is called, what speaks for many ("Management said"), and
# words that open a sentence before a comma ("Overall, my carer was kind").
_NOT_ADDRESSED = frozenset(
    "god goodness heaven heavens lord jesus christ advice direct connect zoom skype facebook "
    "whatsapp google alexa siri cortana chatgpt netflix spotify youtube twitter instagram "
    "discord slack teams brewbot messenger gmail outlook "
    "tiktok amazon ebay argos primark greggs costa starbucks boots tesco asda "
    "sainsbury's sainsburys morrisons aldi lidl mencap mind scope healthwatch samaritans "
    "shelter covid coronavirus lockdown management government research evidence feedback "
    "reception admin administration finance payroll accounts billing security switchboard "
    "pharmacy helpdesk triage bingo karaoke yoga "
    "policy guidance legislation everything nothing something anything all both later earlier "
    "first again afterwards madam overall otherwise meanwhile besides plus yes well anyhow "
    "anyway anyways however though ok okay wow oh ah oops "
    "nevertheless nonetheless therefore thus hence indeed sorry hi hiya hello hey morning "
    "afternoon evening night alright right sure true january february march july september "
    "october november december".split()
)
_NOT_PLURAL_ENDINGS = ("as", "us", "is", "os", "ss")
_CONTRACTION = re.compile(r"['’](?:re|ve|ll|d|m|t)\Z|n['’]t\Z", re.IGNORECASE)


def _not_addressed(token: str) -> bool:
    """A capitalised word the rules on what people say to or of a person never take: one
    `_not_a_person`, a thing or many people (`_NOT_ADDRESSED`), a word ending in "ing" or
    "ly" ("Being asked", "Finally said") and a contraction ("You're told")."""
    key = _key(token)
    return (
        _not_a_person(token)
        or key in _NOT_ADDRESSED
        or _reads_as_verb_or_adverb(key)
        or _CONTRACTION.search(token) is not None
    )


def _thanked_or_spoken_to(text: str) -> Iterator[Span]:
    """A capitalised word after "thanks to", "ask for", "spoke to", "rang" ...: a person, even
    one on no list ("Thanks to Oluwaseun", "I rang Deepa"), and the names listed with them.
    One word only: capitalised words together are mostly what a group, a service or a scheme
    is called ("Age UK", "Easy Read", "Shared Lives"), and a given name with a surname is
    found by `_given_names`. Not an everyday, role or place word, nor a plural ("Boots"). In
    capitals ("THANKS TO NGOZI"), as after a cue in capitals (`_shouted_name`)."""
    for at in _places_of(text, _ADDRESSED_WORDS, _ADDRESSED):
        cue = _ADDRESSED.match(text, at)
        if cue is None:
            continue
        word = _WORD.match(text, cue.end())
        if word is None:
            continue
        end = _without_possessive(word)
        token = text[word.start() : end]
        following = _WORD.match(text, word.end() + 1) if end == word.end() else None
        if (
            text[word.end() : word.end() + 1] == " "
            and following
            and following.group()[0].isupper()
            and following.group() not in _THE_WRITER_AS_I
        ):
            continue  # "Age UK", "Easy Read", "Carers Trust"; not "I told Kemi I was"
        if cue.group().isupper():
            if token.isupper() and _shouted_name(token) and _key(token) not in _NOT_PERSONS:
                yield word.start(), end, "name"
            continue
        if _not_addressed(token) or _a_plural(_key(token)):
            continue
        yield word.start(), end, "name"
        yield from _listed_with(text, word.start(), end)


def _places_of(text: str, words: frozenset[str], pattern: re.Pattern[str]) -> Iterator[int]:
    """Where a word of `words` (lower-case pieces, `_plain_pieces`) starts, in order: every
    place `pattern` (which starts with one) can match. Plain text is searched only for the
    words it holds; other text is searched with the pattern itself."""
    pieces = _plain_pieces(text)
    if pieces is None:
        yield from (match.start() for match in pattern.finditer(text))
        return
    found = words.intersection(pieces)
    if not found:
        return
    lowered = text.lower()
    places = {
        at
        for word in found
        for at in _finds(lowered, word)
        if at == 0 or not lowered[at - 1].isalnum()
    }
    yield from sorted(places)


def _finds(text: str, word: str) -> Iterator[int]:
    at = text.find(word)
    while at >= 0:
        yield at
        at = text.find(word, at + 1)


def _a_plural(key: str) -> bool:
    """ "Residents", "Boots"; not "Lucas", "Marcus", "Idris", "Carlos", "Ross"."""
    return key.endswith("s") and not key.endswith(_NOT_PLURAL_ENDINGS)


def _named_before_a_deed(text: str) -> Iterator[Span]:
    """A capitalised word followed by what only a person does: "Yesterday Ngozi rang", "then
    Oluwaseun said no", and with its given name before it ("Ngozi Adeyemi told me"). At a
    sentence start, where every word has a capital, not a plural ("Residents said")."""
    for at in _places_of(text, _ALL_DEED_WORDS, _DEED):
        end = _before_spaces(text, at)
        between = _DEED_ADVERBS.search(text, max(0, end - 16), at)
        if between is not None:
            end = _before_spaces(text, between.start())  # "Eilidh never rang"
        # The word before, no longer than a name can be (so the look back is bounded).
        reach = max(0, end - _LONGEST_NAME)
        first = 1 + max(
            text.rfind(" ", reach, end), text.rfind("\t", reach, end), text.rfind("\n", reach, end)
        )
        if first == 0 and reach > 0:
            continue
        while first < end and text[first] in _OPENERS:
            first += 1  # "(Ngozi said"
        # Told first by the word before's first letter: mostly lower case ("being asked").
        deed = _DEED.match(text, at) if end < at and text[first : first + 1].isupper() else None
        if deed is None:
            continue
        word = _NAME_BEFORE.match(text, first, end + 1)
        if word is None:
            continue
        token = word.group("name")
        key = _key(token)
        if _not_addressed(token) or key in _TITLE_WORDS:
            continue  # "Being asked", "You're told", "Management said", "then Matron came"
        start = word.start("name")
        before = _PREVIOUS_CAPITALISED.search(text, max(0, start - 40), start)
        if before is not None and not _not_a_person(before.group("name")):
            start = before.start("name")  # "Ngozi Adeyemi said"
        previous = _PREVIOUS_WORD.search(text, max(0, start - 40), start)
        if previous is not None and _key(previous.group(1)) in _ORDINARY_BEFORE:
            continue  # "the Manager said", "my Tutor told me"
        at_start = _at_sentence_start(text, start)
        if deed.group() in _DEED_INSIDE_WORDS and (
            at_start or previous is None or not previous.group(1).islower()
        ):
            continue  # "Music helped", "then Art Therapy helped": "and Chidi came" only
        if at_start and start == word.start("name") and _a_plural(key):
            continue  # "Residents said"
        yield start, word.end("name"), "name"


def _before_spaces(text: str, at: int) -> int:
    """Where the spaces and tabs just before `at` begin."""
    while at > 0 and text[at - 1] in " \t":
        at -= 1
    return at


# Who only a person has, after their name and "'s" ("Oluwaseun's mum", "Folasade's help").
_RELATIONS_AFTER = re.compile(
    r"(?<![\w'’-])(?P<name>[A-Z][\w-]*)['’]s[ \t]+(?:mum|dad|mother|father|son|daughter|wife"
    r"|husband|partner|brother|sister|kids|children|child|baby|family|grandson|granddaughter"
    r"|nan|gran|grandma|grandad|grandmother|grandfather|help|support)(?![\w'’-])"
)


def _named_with_relations(text: str) -> Iterator[Span]:
    """A capitalised word with a relation or help that only a person has: "Oluwaseun's mum",
    "With Folasade's help". Not an everyday, role or place word, nor a thing ("Mum's help",
    "God's help")."""
    if "s " not in text and "s\t" not in text:
        return
    for match in _RELATIONS_AFTER.finditer(text):
        if not _not_addressed(match.group("name")):
            yield match.start("name"), match.end("name"), "name"


# A capitalised word set apart before "who" ("Nkechi, who runs the cafe").
_BEFORE_WHO = re.compile(
    r"(?<![\w'’-])(?P<name>[A-Z][\w'’-]*(?<![’'-]))[ \t]*,[ \t]*who(?![\w'’-])"
)


def _named_before_who(text: str) -> Iterator[Span]:
    """A capitalised word set apart by a comma before "who": "I love Nkechi, who runs the
    cafe". One word, with no capitalised word before it ("Carers UK, who"), and not an
    everyday, role or place word. At a sentence start only when a second comma closes what
    is said of them ("Nkechi, who runs the cafe, is lovely"), which a question does not
    ("Anyway, who cares?")."""
    if "who" not in text:
        return
    for match in _BEFORE_WHO.finditer(text):
        token = match.group("name")
        if _not_addressed(token) or _a_plural(_key(token)):
            continue
        start = match.start("name")
        if _at_sentence_start(text, start):
            if not _closed_by_a_comma(text, match.end()):
                continue
        else:
            previous = _PREVIOUS_WORD.search(text, max(0, start - 40), start)
            if previous is not None and (
                previous.group(1)[:1].isupper() or _key(previous.group(1)) in _ORDINARY_BEFORE
            ):
                continue  # "Age Concern, who", "the Council, who"
        yield start, match.end("name"), "name"


def _closed_by_a_comma(text: str, at: int) -> bool:
    """A comma comes after `at` before the sentence ends."""
    comma = text.find(",", at)
    return comma >= 0 and not any(mark in text[at:comma] for mark in ".?!\n")


_PREVIOUS_CAPITALISED = re.compile(r"(?<![\w'’-])(?P<name>[A-Z][a-z][\w'’-]*)[ \t]+$")


def _given_name_list() -> frozenset[str]:
    """The list's names, less those that are also everyday words (read once)."""
    return given_names(_ORDINARY_WORD_NAMES)


@dataclass(frozen=True)
class _Group:
    start: int
    end: int
    digits: str
    plus: bool


def _numbers(text: str) -> Iterator[Span]:
    """Phone and NHS numbers, found among runs of digit groups ("020 7946 0958")."""
    if len(_DIGIT.findall(text)) < _FEWEST_NUMBER_DIGITS:
        return
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
    capitalised in the text and at least 3 letters long, and not straight after "the", "a" or
    "an" (names take no article: "the Facilitator" is a role, whoever is called that).

    A name that is also an ordinary word (`_ORDINARY_WORD_NAMES`: "Will", "May", "Faith",
    "Bill", "Grace", "Hope", "Facilitator", "Host" ...) is taken only where it reads as a name:
    capitalised, not at the start of a sentence (after ".", "!", "?", ":", ";", a new line or
    the start of the text, where any word is capitalised), not after a possessive or "this",
    "that", "in", "since", "last", "next" ... ("my Will", "in May"), and not next to a number
    ("3 May", "May 2024"). So "Will the Facilitator follow up?" is left alone, while "I asked
    Will" and "thanks to Grace" lose the name. At a sentence start, a possessive still marks a
    name ("Will's idea" -> "[name]'s idea"); otherwise "Will said so." keeps "Will": that is
    the price of never eating a word. After a cue ("my carer Will", "Dr May") the name is
    taken by the cue rule in any position. A whole name made only of ordinary words
    ("Will Hope") is likewise taken only when each word is capitalised.
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
        pieces, in_text = self._pieces, _plain_pieces(text)
        if pieces is not None and in_text is not None and pieces.isdisjoint(in_text):
            return iter(())  # the usual case, told without going word by word
        return self._word_by_word(text)

    def _word_by_word(self, text: str) -> Iterator[Span]:
        if not self.full and not self.parts:
            return
        words = list(_WORD.finditer(text))
        first_words, parts = self._first_words, self.parts
        i = 0
        while i < len(words):
            word = words[i]
            token = word.group()
            key = _key(token)
            possessive = _possessive_length(token)
            end = word.end() - possessive  # as _without_possessive(word)
            bare = _key(token[:-possessive]) if possessive else key
            # Most words start no name: say so before trying every length.
            if key in first_words or bare in first_words:
                taken = self._full_at(text, words, i)
                if taken:
                    yield word.start(), _without_possessive(words[i + taken - 1]), "name"
                    i += taken
                    continue
            if token[0].isupper():
                if bare in parts:
                    if _reads_as_name(text, word, bare, possessive > 0):
                        yield word.start(), end, "name"
                elif not token.isalnum():  # one piece: the whole word, just looked up
                    # "Smith-Jones" when only "Smith" is known: redact the known piece.
                    yield from self._hyphen_parts(word)
            i += 1

    @functools.cached_property
    def _pieces(self) -> frozenset[str] | None:
        """The pieces of the first words of full names and of name parts ("o", "neill" of
        "o'neill"), or None if one has none (a name of underscores).

        Any word `spans` takes is made of pieces of the text, one of them such a piece: the
        name's first word or a part with or without "'s", or a piece that is a part. So a
        plain text without one (`_plain_pieces`) holds no name."""
        pieces: set[str] = set()
        for key in self._first_words | self.parts:
            found = _PIECE.findall(key)
            if not found:
                return None
            pieces.update(found)
        return frozenset(pieces)

    @functools.cached_property
    def _first_words(self) -> frozenset[str]:
        return frozenset(name[0] for name in self.full)

    def _full_at(self, text: str, words: list[re.Match[str]], i: int) -> int:
        """How many words starting at `i` make up a known full name (0 if none)."""
        for count in range(min(self.longest, len(words) - i), 0, -1):
            chosen = words[i : i + count]
            if any(not text[a.end() : b.start()].isspace() for a, b in itertools.pairwise(chosen)):
                continue
            key = tuple(_key(w.group()) for w in chosen[:-1])
            last = chosen[-1]
            key += (_key(text[last.start() : _without_possessive(last)]),)
            if key in self.full:
                if all(k in _ORDINARY_WORD_NAMES for k in key) and not all(
                    w.group()[0].isupper() for w in chosen
                ):
                    continue  # "we will hope" is not "Will Hope"
                return count
        return 0

    def _hyphen_parts(self, word: re.Match[str]) -> Iterator[Span]:
        offset = word.start()
        for piece in _PIECE.finditer(word.group()):
            if piece.group()[0].isupper() and _key(piece.group()) in self.parts:
                yield offset + piece.start(), offset + piece.end(), "name"


def _without_possessive(word: re.Match[str]) -> int:
    """End of the word without a possessive "'s", so "Priya's" becomes "[name]'s"."""
    return word.end() - _possessive_length(word.group())


def _possessive_length(token: str) -> int:
    """2 if `token` ends in a possessive "'s", else 0."""
    return 2 if len(token) > 2 and token[-2] in "'’" and token[-1] in "sS" else 0


@functools.lru_cache(maxsize=8)  # asked in turn by every detector that looks for words
def _plain_pieces(text: str) -> tuple[str, ...] | None:
    """The pieces of the words of a plain text, in lower case (what is left between
    characters other than letters and digits). Plain: ASCII but for typographic marks such as
    "’", so that lowering the whole text lowers each word as `_key` does, and keeps every
    character where it was. None for other text."""
    if not text.isascii():
        text = text.translate(_TYPOGRAPHY_AS_SPACE)
        if not text.isascii():
            return None
    return tuple(text.lower().encode().translate(_SPACE_FOR_NON_ALNUM).decode().split())


def _key(word: str) -> str:
    """How a name is looked up: any case, either apostrophe."""
    return word.lower().replace("’", "'")


def _lettery(word: str) -> bool:
    """Letters, perhaps joined by apostrophes or hyphens ("O'Brien", "Smith-Jones")."""
    return word.replace("'", "").replace("-", "").isalpha()


# Names that are also everyday words, including roles people take as a display name. Such a
# name is taken only where it reads as a name (see KnownNames). Compared in lower case.
_ORDINARY_WORD_NAMES = frozenset(
    "will may faith bill grace hope joy mark rose pat sue jack frank dawn summer amber "
    "april june august rob art bob sky star max guy ray carol holly ivy iris lily daisy "
    "heather ruby pearl crystal sandy penny chase hunter drew dean gene miles earnest "
    "patience prudence constance honor honour mercy charity victor chance autumn sunny "
    "rich bud cliff dale glen heath brook rocky rusty basil sage hazel olive poppy violet "
    "jasmine fern willow river storm rain robin jay wren teal clay reed stone wood forest "
    "marsh hall page cook baker butler mason archer porter fisher miller brown green white "
    "black young long short hill field bell king nick don ken kit gay ginger dot rue noble "
    "wade stew norm buck grant facilitator host chair cochair co-chair organiser organizer "
    "coordinator co-ordinator moderator helper volunteer guest lead leader member friend "
    "buddy support champion convenor convener scribe notetaker listener peer advocate "
    "mentor welcome hello sunshine angel honey happy lucky blessing".split()
)
# Words before a name part that make it an ordinary word ("the Facilitator", "in May").
_ARTICLES = frozenset({"the", "a", "an"})
_WORD_MARKERS = frozenset(
    "my your our their his her its this that these those every each any some no in since "
    "until till last next early late mid of".split()
)
_ORDINARY_BEFORE = _ARTICLES | _WORD_MARKERS  # either kind, made once for `_named_before_a_deed`
_SENTENCE_ENDS = ".!?:;…"
_PERSON_VERB_WORDS = (
    "said says told tells asked asks explained suggested mentioned replied agreed thinks "
    "thought wrote helped joined shared talked spoke laughed smiled"
).split()
_PERSON_VERB = re.compile(rf"[ \t]+(?:{'|'.join(_PERSON_VERB_WORDS)}|and I|and me)\b")
_OPENERS = "\"'“‘([{*-•–—>_ \t\r"
_PREVIOUS_WORD = re.compile(r"(\w+)[^\w\n]*$")


def _reads_as_name(text: str, word: re.Match[str], key: str, possessive: bool) -> bool:
    """Whether a known single name part, capitalised here, is used as a name (KnownNames)."""
    before = text[max(0, word.start() - 40) : word.start()]
    previous = _PREVIOUS_WORD.search(before)
    prev = previous.group(1).lower() if previous and "\n" not in before[previous.end(1) :] else ""
    if prev in _ARTICLES and not possessive:
        return False
    if key not in _ORDINARY_WORD_NAMES:
        return True
    if possessive:
        return True  # "Will's idea"
    if prev in _WORD_MARKERS or prev.isdigit():
        return False
    after = text[word.end() : word.end() + 12]
    if re.match(r",?[ \t]+\d", after):
        return False  # "May 2024", "May 3rd"
    if not _at_sentence_start(text, word.start()):
        return True
    # At a sentence start, a verb only a person does makes it a name: "Grace said so".
    return bool(_PERSON_VERB.match(after))


def _at_sentence_start(text: str, pos: int) -> bool:
    while pos > 0:
        ch = text[pos - 1]
        if ch == "\n" or ch in _SENTENCE_ENDS:
            return True
        if ch not in _OPENERS:
            return False
        pos -= 1
    return True


# --- details that only may be personal: found for a person to check, never taken out -------

# Half of a spelled-out address: "jane at gmail" (no "dot com").
_MAYBE_EMAIL = re.compile(
    r"(?<![\w.%+'@-])(?P<local>[A-Za-z0-9][\w.%+'-]{0,63})[ \t]+(?:at|@)[ \t]+"
    r"(?:gmail|googlemail|hotmail|yahoo|btinternet|icloud|aol|outlook|virginmedia|talktalk)"
    r"(?![\w-])",
    re.IGNORECASE,
)


def _maybe_emails(text: str) -> Iterator[Span]:
    for match in _MAYBE_EMAIL.finditer(text):
        if _key(match.group("local")) not in _NOT_MAILBOXES:
            yield match.start(), match.end(), "email"


# A whole date (with a day) in a year an adult could have been born, without "born" or "DOB".
_ANY_DATE = re.compile(rf"(?<![\w/.-])(?:{_DATE})", re.IGNORECASE)
_MONTH_AND_YEAR = re.compile(rf"{_MONTHS},?[ \t]+\d{{4}}", re.IGNORECASE)
_BIRTH_YEAR = re.compile(r"(?<!\d)(?:19\d\d|200\d|2010)(?!\d)")


def _maybe_dates_of_birth(text: str) -> Iterator[Span]:
    for match in _ANY_DATE.finditer(text):
        date = match.group()
        if _BIRTH_YEAR.search(date) and not _MONTH_AND_YEAR.fullmatch(date):
            yield match.start(), match.end(), "date_of_birth"


# A street named without a number ("lives on Acacia Avenue"), after a word that places it.
_STREET_NAMED = re.compile(
    r"(?<![\w'’-])(?:on|in|at|off|near|along|down|up|to|from|opposite)[ \t]+"
    r"(?P<street>(?:[A-Z][\w'’.-]{0,40}[ \t]+){1,3}"
    rf"{_alternatives(w.capitalize() for w in _STREET_WORDS)})"
    r"(?![\w'’-])"
)


def _maybe_addresses(text: str) -> Iterator[Span]:
    # A number and a street word in unusual capitals: "12 acacia close", "4 Mill lane",
    # "9 the crescent".
    for match in _ADDRESS.finditer(text):
        words = match.group("name").split()
        the_street = [w.lower() for w in words] == ["the"] and (
            match.group("street").lower() in _THE_STREETS
        )
        if not _is_address(match) and (
            the_street or not any(_key(w) in _NOT_STREET_NAMES for w in words)
        ):
            yield match.start(), match.end() - match.group().endswith("."), "address"
    for match in _STREET_NAMED.finditer(text):
        words = match.group("street").split()[:-1]
        if not any(_key(w) in _NOT_NAME_WORDS for w in words):
            yield match.start("street"), match.end("street"), "address"


# Words that often follow "my son", "my GP" ... in lower case and are not names: everyday
# words, and the words of roles, relations and places ("my GP receptionist", "my PA budget").
_NOT_LOWER_NAMES = (
    _NOT_NAME_WORDS
    | _PLACE_WORDS
    | frozenset(word for relation in _RELATIONS for word in relation.lower().split())
    | frozenset(
        "again anyway though either instead there here then now once twice sometimes always "
        "never often usually lately recently later earlier first last next much more less all "
        "both too helps helped left leaves came comes come visits visited visit rang rings "
        "rung phoned phones calls called works worked lives lived living died passed moved "
        "moves stays stayed cares cared cooks cooked drives drove knows knew does did done is "
        "was gone goes went got gets says tells asks wants wanted needs needed alone himself "
        "herself themselves even ever already almost seldom soon can can't could will won't "
        "number numbers phone mobile email e-mail address postcode name details birthday age "
        "would should might must may has had only early daily badly sadly truly fully "
        "newly oddly".split()
    )
)
_NAME_ENDS = re.compile(r"[ \t]*(?:$|[.,;:!?)\n]|['’]s\b)")
# What someone does, straight after their name: "my son tom came round", "my carer jane is
# late". A word ending in "ed" is a past tense ("my son tom visited").
_DOES_WORDS = (
    "is was has had does did can cannot can't could couldn't will won't would wouldn't should "
    "might must never always came comes goes went rang rings gets got takes took makes made "
    "brings brought gives gave keeps kept lives works visits helps says tells"
).split()
_DOES = re.compile(rf"[ \t]+(?:{'|'.join(_DOES_WORDS)}|[a-z]{{2,}}ed)(?![\w'’-])")
# The same, as words: in capitals ("TOM HELPS"), one of them after a name is not its surname.
# Not "...ed", which surnames end in too ("AHMED", "REED").
_WHAT_PEOPLE_DO = frozenset(_DOES_WORDS + _PERSON_VERB_WORDS)


def _a_deed_in_capitals(token: str) -> bool:
    """After a name in capitals, what the person did ("HELPS", "SAID"), not more of it."""
    return token.isupper() and _key(token) in _WHAT_PEOPLE_DO


def _maybe_names(text: str) -> Iterator[Span]:
    """A lower-case word after a cue that ends the phrase or is followed by what a person
    does ("my son tom.", "my social worker jane said", "my son tom came round"), or any
    lower-case word after "dr", "mr", "mrs" in lower case ("saw dr patel today"). A name or an
    ordinary word; a person can tell, a program cannot. The same after a cue written in
    capitals ("MY CARER JACK IS LATE"), read as if in lower case."""
    yield from _maybe_cued(text)
    lowered = text.lower()
    if _WORDS_IN_CAPITALS.search(text) and len(lowered) == len(text):
        yield from _maybe_cued(lowered, written=text)
    # A given or family name from the lists typed in lower case, wherever it is: "our
    # jamie", "hi im brenda", "dave my neighbour", "i saw nguyen today".
    names = _lower_case_names()
    pieces = _plain_pieces(text)
    if pieces is None or not names.isdisjoint(pieces):
        for word in _WORD.finditer(text):
            if not word.group().islower():
                continue
            end = _without_possessive(word)
            token = text[word.start() : end]
            if token.islower() and token in names and not _next_to_number(text, word):
                yield word.start(), end, "name"


@functools.cache
def _lower_case_names() -> frozenset[str]:
    """The names worth a look when typed in lower case: the given names of the list, and
    its family names of four letters or more ("vu" is in "deja vu", "tse" a slip for "the"),
    less everyday words (a family name may be one in lower case: "a page turner")."""
    families = {name for name in family_names() if len(name) >= 4}
    return (_given_name_list() | families) - _NOT_LOWER_NAMES - _LOWER_CASE_WORDS


_LOWER_CASE_WORDS = frozenset("gray turner cooper smith chow".split())


# Two words in capitals side by side: where a cue in capitals ("MY CARER JACK") may be. Tried
# only from the first capital of a run (the look-behind), so a long run is read once.
_WORDS_IN_CAPITALS = re.compile(r"[A-Z](?<![A-Z]{2})[A-Z]+[ \t]+[A-Z]{2,}")


def _maybe_cued(text: str, written: str | None = None) -> Iterator[Span]:
    """`_maybe_names`' look after a cue, in `text`: the text as written, or, given `written`
    (the text as written), `text` is it in lower case and only a cue and a word in capitals
    there count."""
    for cue in _cues(text):
        lower_title = False
        if written is not None:
            if not written[cue.start() : cue.end()].isupper():
                continue
        elif not cue.group()[0].isupper() and _TITLE_ONLY.fullmatch(cue.group()):
            if not _LOWER_TITLES.fullmatch(cue.group()):
                continue  # "ms", "sister", "nurse" in lower case are everyday words
            lower_title = True
        word = _WORD.match(text, cue.end())
        if word is None:
            continue
        end = _without_possessive(word)
        token = text[word.start() : end]
        if not (token.isalpha() and token.islower() and len(token) >= 2):
            continue
        if written is not None and not written[word.start() : end].isupper():
            continue
        if _key(token) in _NOT_LOWER_NAMES or _reads_as_verb_or_adverb(token):
            continue
        if (
            lower_title
            or _NAME_ENDS.match(text, end)
            or _PERSON_VERB.match(text, end)
            or _DOES.match(text, end)
        ):
            yield word.start(), end, "name"


def _reads_as_verb_or_adverb(token: str) -> bool:
    """ "arriving", "usually": not names. Short words ending in "ly" may be ("emily", "kelly"),
    and so may words ending in "ed" ("ahmed", "fred"), so those stay worth a look."""
    return (len(token) >= 5 and token.endswith("ing")) or (len(token) >= 6 and token.endswith("ly"))
