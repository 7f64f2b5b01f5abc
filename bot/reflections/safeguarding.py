"""Spot reflections that may mean someone is at risk, so they are held for a person to check.

`risk_matches(text)` returns the risk categories found (for example "self_harm", "abuse");
an empty list means nothing was found. It errs on the side of holding a reflection back: a
facilitator can release a false alarm, but a missed disclosure cannot be undone.

The words and phrases are data reviewed by safeguarding leads, in
`prompts/safeguarding/terms.yaml`; that file's header explains how matching works. In short:
text is normalised (lower case, punctuation dropped, repeated letters counted once, "dont" ->
"do not", a sum such as "£300" or "300 quid" read as "money"), then matched word by word,
allowing one slip of the keyboard in longer words. The end of a sentence is kept as a word of
its own (`SENTENCE_END`), so a phrase can say it ends there ("i can not go on", said and left,
but not "i can not go on the bus"), and no phrase runs on from one sentence into the next.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, TypeVar

from bot.core.typed import is_number
from bot.core.yaml_data import DataFileError, load_data_file

SAFEGUARDING = "safeguarding"  # the outbox purpose of alerts and requests to be contacted

TERMS_FILE = "safeguarding/terms.yaml"
# Slips are only allowed in words this long: shorter words are too close to everyday ones.
FUZZY_MIN_LENGTH = 5
# How many words (and stretches typed between spaces) the check remembers what it learnt
# about, and the longest it remembers: a few megabytes at most.
MEMO_LIMIT = 50_000
_LONGEST_REMEMBERED = 64
# Endings tried when a word does not match as typed, so "abuesd" is still seen as "abuse".
_ENDINGS = ("ing", "ed", "d", "s", "ly")
_APOSTROPHES = re.compile(r"['’‘ʼ`]")
# A sum written with its currency sign ("£300", "£3,000", "£2.50", "£3k", "50€") reads as the
# word "money": "took £300 off me" is then "took money off me". Only with the sign on the
# number, within what was typed between two spaces: "300" alone may be tablets or a year.
_AMOUNT = re.compile(
    r"[£$€]\d[\d,]*(?:\.\d+)?k?(?![a-z0-9])|(?<![a-z0-9])\d[\d,]*(?:\.\d+)?k?[£$€]"
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_REPEATS = re.compile(r"(.)\1+")
_GROUP_REF = re.compile(r"\{(\w+)\}")
# The end of a sentence, as the matcher sees it: a word that normalising never makes (words
# are letters and digits), after a stretch ending in ".", "!" or "?", at a line break and at
# the end of the text. A term says it with `_END_IN_TERMS` as its last word.
SENTENCE_END = "."
_END_IN_TERMS = "<end>"
_ENDS_SENTENCE = re.compile(r"[.!?][\"'’”)\]]*$")
T = TypeVar("T")


class SafeguardingTermsError(DataFileError):
    """prompts/safeguarding/terms.yaml is missing or malformed. Stops start-up."""


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]
    category: str


@dataclass(frozen=True, slots=True)
class _TokenFacts:
    """What one normalised word means for matching."""

    categories: frozenset[str]  # found by the word alone, as a word or a one-word phrase
    similar: frozenset[str]  # the phrase words it matches (itself, or a slip of one)
    phrase_starts: tuple[str, ...]  # those of `similar` that begin a longer phrase


@dataclass(frozen=True)
class SafeguardingTerms:
    """The term lists, normalised and indexed for matching."""

    categories: tuple[str, ...]
    rewrites: Mapping[str, tuple[str, ...]]
    words: Mapping[str, frozenset[str]]  # word -> categories; slips allowed
    exact_words: Mapping[str, frozenset[str]]  # word -> categories; as written only
    prefixes: tuple[tuple[str, str], ...]  # (start of word, category)
    phrases: tuple[Phrase, ...]
    ignore: tuple[tuple[str, ...], ...]
    not_misspellings: frozenset[str]

    @classmethod
    def load(cls) -> SafeguardingTerms:
        """The reviewed lists shipped in the prompts package."""
        try:
            raw = resources.files("prompts").joinpath(TERMS_FILE).read_text(encoding="utf-8")
        except OSError as exc:
            raise SafeguardingTermsError(f"prompts/{TERMS_FILE} could not be read: {exc}") from exc
        return cls.from_yaml(raw)

    @classmethod
    def from_yaml(cls, text: str) -> SafeguardingTerms:
        return cls.from_mapping(
            load_data_file(text, f"prompts/{TERMS_FILE}", SafeguardingTermsError)
        )

    @classmethod
    def from_mapping(cls, data: Any) -> SafeguardingTerms:
        if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
            raise SafeguardingTermsError(f"prompts/{TERMS_FILE} needs a 'categories' mapping")
        rewrites = {
            _fold(str(key)): tuple(_plain_tokens(str(value)))
            for key, value in _mapping(data, "rewrites").items()
        }
        groups = {
            str(name): _strings(entries, f"groups.{name}")
            for name, entries in _mapping(data, "groups").items()
        }

        def tokens(term: str, where: str) -> tuple[str, ...]:
            written = term.split()
            at_end = bool(written) and written[-1] == _END_IN_TERMS
            if _END_IN_TERMS in written[:-1]:
                raise SafeguardingTermsError(
                    f"prompts/{TERMS_FILE}: {_END_IN_TERMS} in {where} must come last: {term!r}"
                )
            words = tuple(_tokens(" ".join(written[:-1] if at_end else written), rewrites))
            if not words:
                raise SafeguardingTermsError(f"prompts/{TERMS_FILE}: empty term in {where}")
            return (*words, SENTENCE_END) if at_end else words

        words: dict[str, set[str]] = {}
        exact: dict[str, set[str]] = {}
        prefixes: list[tuple[str, str]] = []
        phrases: list[Phrase] = []
        for category, spec in data["categories"].items():
            category = str(category)
            if not isinstance(spec, dict):
                raise SafeguardingTermsError(f"prompts/{TERMS_FILE}: {category} is not a mapping")
            for term in _strings(spec.get("words"), f"{category}.words"):
                if term.endswith("*"):
                    stem = tokens(term[:-1], f"{category}.words")
                    prefixes.append((" ".join(stem), category))
                else:
                    words.setdefault(" ".join(tokens(term, f"{category}.words")), set()).add(
                        category
                    )
            for term in _strings(spec.get("exact_words"), f"{category}.exact_words"):
                exact.setdefault(" ".join(tokens(term, f"{category}.exact_words")), set()).add(
                    category
                )
            for term in _strings(spec.get("phrases"), f"{category}.phrases"):
                for expanded in _expand(term, groups, f"{category}.phrases"):
                    phrases.append(Phrase(tokens(expanded, f"{category}.phrases"), category))
        for table, where in ((words, "words"), (exact, "exact_words")):
            for term in table:
                if " " in term:
                    raise SafeguardingTermsError(
                        f"prompts/{TERMS_FILE}: {term!r} in {where} is more than one word; "
                        "put it under phrases"
                    )
        ignore = tuple(
            tokens(expanded, "ignore")
            for term in _strings(data.get("ignore"), "ignore")
            for expanded in _expand(term, groups, "ignore")
        )
        not_misspellings = frozenset(
            " ".join(tokens(w, "not_misspellings"))
            for w in _strings(data.get("not_misspellings"), "not_misspellings")
        )
        return cls(
            categories=tuple(str(c) for c in data["categories"]),
            rewrites=rewrites,
            words={w: frozenset(c) for w, c in words.items()},
            exact_words={w: frozenset(c) for w, c in exact.items()},
            prefixes=tuple(prefixes),
            phrases=tuple(phrases),
            ignore=ignore,
            not_misspellings=not_misspellings,
        )

    def matches(self, text: str) -> list[str]:
        """The categories found in `text`, in the order the terms file lists them."""
        tokens = self._without_ignored(_sums_said(self._normalised(text)))
        memo = self._facts_memo
        found: set[str] = set()
        for i, token in enumerate(tokens):
            if token is None:
                continue
            facts = memo.get(token) or self._learn(token)
            found |= facts.categories
            if not facts.phrase_starts:
                continue
            # Only phrases whose first two words are here are worth checking in full.
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if following is None:
                continue
            seconds = (memo.get(following) or self._learn(following)).similar
            for first in facts.phrase_starts:
                for second in seconds:
                    for phrase in self._phrases_by_pair.get((first, second), ()):
                        if phrase.category not in found and self._phrase_at(tokens, i, phrase):
                            found.add(phrase.category)
        return [c for c in self.categories if c in found]

    # -- matching helpers -------------------------------------------------------------------

    @functools.cached_property
    def _phrase_vocabulary(self) -> Vocabulary:
        """Every word used in a phrase, bucketed for the slip search."""
        return _bucketed(word for phrase in self.phrases for word in phrase.words)

    @functools.cached_property
    def _one_word_phrases(self) -> dict[str, tuple[Phrase, ...]]:
        index: dict[str, list[Phrase]] = {}
        for phrase in self.phrases:
            if len(phrase.words) == 1:
                index.setdefault(phrase.words[0], []).append(phrase)
        return {word: tuple(phrases) for word, phrases in index.items()}

    @functools.cached_property
    def _phrases_by_pair(self) -> dict[tuple[str, str], tuple[Phrase, ...]]:
        index: dict[tuple[str, str], list[Phrase]] = {}
        for phrase in self.phrases:
            if len(phrase.words) > 1:
                index.setdefault((phrase.words[0], phrase.words[1]), []).append(phrase)
        return {pair: tuple(phrases) for pair, phrases in index.items()}

    @functools.cached_property
    def _word_vocabulary(self) -> Vocabulary:
        return _bucketed(self.words)

    # What a token means for matching depends only on the token, and people reuse the same
    # words, so each token's facts are kept (see MEMO_LIMIT): the slip search behind them is
    # most of a reflection's check. Likewise what each stretch of text between spaces
    # normalises to.
    @functools.cached_property
    def _facts_memo(self) -> dict[str, _TokenFacts]:
        return {}

    @functools.cached_property
    def _typed_memo(self) -> dict[str, tuple[str, ...]]:
        return {}

    def _learn(self, token: str) -> _TokenFacts:
        """Work out `token`'s facts and remember them."""
        similar = self._similar(token, self._phrase_vocabulary)
        categories = set(self._word_categories_of(token))
        for word in similar:
            categories.update(phrase.category for phrase in self._one_word_phrases.get(word, ()))
        facts = _TokenFacts(
            frozenset(categories),
            similar,
            tuple(sorted(w for w in similar if w in self._phrase_firsts)),
        )
        _remember(self._facts_memo, token, facts)
        return facts

    @functools.cached_property
    def _phrase_firsts(self) -> frozenset[str]:
        """The first words of phrases of more than one word."""
        return frozenset(first for first, _ in self._phrases_by_pair)

    def _normalised(self, text: str) -> list[str]:
        """`normalise(text, self.rewrites)` with the ends of sentences marked, remembering
        what each stretch of text between spaces comes out as. Normalising never joins or
        changes anything across a space (no space becomes a letter, and lower case reads a
        word's letters only), so the stretches can be normalised apart."""
        memo = self._typed_memo
        out: list[str] = []
        for line in text.splitlines():
            for typed in line.split():
                tokens = memo.get(typed)
                if tokens is None:
                    words = tuple(_tokens(typed, self.rewrites))
                    ends = _ENDS_SENTENCE.search(typed) is not None
                    tokens = _remember(memo, typed, (*words, SENTENCE_END) if ends else words)
                out.extend(tokens)
            if out and out[-1] != SENTENCE_END:
                out.append(SENTENCE_END)  # a line ends, or the text
        return out

    def _similar(self, token: str, vocabulary: Vocabulary) -> frozenset[str]:
        """The vocabulary words `token` matches: itself, or a one-slip misspelling."""
        if token in self.not_misspellings:
            return frozenset(t for t in vocabulary.get((token[0], len(token)), ()) if t == token)
        return frozenset(
            term
            for term in _within_reach(vocabulary, token)
            if term == token or (len(term) >= FUZZY_MIN_LENGTH and within_one_slip(token, term))
        )

    def _word_categories_of(self, token: str) -> set[str]:
        found: set[str] = set()
        found |= self.exact_words.get(token, frozenset())
        found |= self.words.get(token, frozenset())
        for stem, category in self.prefixes:
            if token.startswith(stem):
                found.add(category)
        if token in self.not_misspellings:
            return found
        forms = [token] + [
            token[: -len(e)]
            for e in _ENDINGS
            if token.endswith(e) and len(token) - len(e) >= FUZZY_MIN_LENGTH - 1
        ]
        for form in forms:
            if form in self.not_misspellings:
                continue
            for term in _within_reach(self._word_vocabulary, form):
                if len(term) >= FUZZY_MIN_LENGTH and within_one_slip(form, term):
                    found |= self.words[term]
        return found

    def _phrase_at(self, tokens: Sequence[str | None], i: int, phrase: Phrase) -> bool:
        if i + len(phrase.words) > len(tokens):
            return False
        memo = self._facts_memo
        for offset, word in enumerate(phrase.words[1:], start=1):
            token = tokens[i + offset]
            if token is None or word not in (memo.get(token) or self._learn(token)).similar:
                return False
        return True

    def _without_ignored(self, tokens: list[str]) -> list[str | None]:
        """Everyday phrases ("it really hit me") replaced by gaps no phrase can span."""
        out: list[str | None] = list(tokens)
        by_first = self._ignore_by_first
        if by_first.keys().isdisjoint(tokens):
            return out  # most texts: no word starts one
        by_pair = self._ignore_by_pair
        for i, token in enumerate(tokens):
            if token not in by_first:
                continue
            # Phrases are looked up by their first two words: "not" begins many.
            candidates = by_pair.get((token, tokens[i + 1] if i + 1 < len(tokens) else ""), ())
            for phrase in (*by_first[token], *candidates):
                if tuple(tokens[i : i + len(phrase)]) == phrase:
                    out[i : i + len(phrase)] = [None] * len(phrase)
        return out

    @functools.cached_property
    def _ignore_by_first(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """Ignored phrases of one word by that word, and every first word of one (with no
        phrases of its own if all are longer)."""
        index: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self.ignore:
            index.setdefault(phrase[0], [])
            if len(phrase) == 1:
                index[phrase[0]].append(phrase)
        return {word: tuple(phrases) for word, phrases in index.items()}

    @functools.cached_property
    def _ignore_by_pair(self) -> dict[tuple[str, str], tuple[tuple[str, ...], ...]]:
        index: dict[tuple[str, str], list[tuple[str, ...]]] = {}
        for phrase in self.ignore:
            if len(phrase) > 1:
                index.setdefault((phrase[0], phrase[1]), []).append(phrase)
        return {pair: tuple(phrases) for pair, phrases in index.items()}


# Words by (first letter, length): a slip keeps the first letter and changes the length by
# at most one, so only three buckets can hold a match.
Vocabulary = dict[tuple[str, int], tuple[str, ...]]


def _bucketed(words: Iterable[str]) -> Vocabulary:
    buckets: dict[tuple[str, int], set[str]] = {}
    for word in words:
        buckets.setdefault((word[0], len(word)), set()).add(word)
    return {key: tuple(sorted(group)) for key, group in buckets.items()}


def _within_reach(vocabulary: Vocabulary, token: str) -> Iterator[str]:
    for length in (len(token) - 1, len(token), len(token) + 1):
        yield from vocabulary.get((token[0], length), ())


@functools.cache
def load_terms() -> SafeguardingTerms:
    """The shipped term lists, read once per process."""
    return SafeguardingTerms.load()


def risk_matches(text: str, terms: SafeguardingTerms | None = None) -> list[str]:
    """The risk categories `text` seems to touch on; an empty list means none were found.

    Categories (as named in the terms file): self_harm, harm_to_others, abuse, neglect,
    not_safe, distress.
    """
    return (terms or load_terms()).matches(text)


def within_one_slip(a: str, b: str) -> bool:
    """True if `a` and `b` differ by at most one letter added, dropped, changed, or two
    neighbouring letters swapped (optimal string alignment distance <= 1), and start alike.

    Typing slips rarely hit the first letter, and requiring it keeps "eaten" from matching
    "beaten".
    """
    if a == b:
        return True
    if not a or not b or a[0] != b[0] or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(differ) == 1:
            return True
        return (
            len(differ) == 2
            and differ[1] == differ[0] + 1
            and a[differ[0]] == b[differ[1]]
            and a[differ[1]] == b[differ[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


def normalise(text: str, rewrites: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """The words of `text` as the matcher sees them (see the module docstring), before a
    number and its unit are read as one sum (`_sums_said`)."""
    return _tokens(text, rewrites or {})


def _sums_said(tokens: list[str]) -> list[str]:
    """`tokens` with each sum said with its unit after it as the one word "money", as a sum
    written with its sign is: a number in digits ("30 quid"; "3", "0", "pounds" for "3,000
    pounds") or in words ("three hundred quid", "a couple of hundred pounds", "a few quid",
    "hundreds of pounds"), or "a" alone ("a grand", "a tenner"). Within a sentence only: a
    sentence's end between them keeps them apart. The words before "money" that say how
    much ("nearly", "all of", "more than") go: "took nearly £300 off me" is "took money off
    me". No phrase has such a word before "money", so "worried about money" reads the same
    either way."""
    if _UNITS.isdisjoint(tokens) and "money" not in tokens:
        return tokens  # most texts
    out: list[str] = []
    run = 0  # how many tokens at the end of `out` could be the start of a sum
    counted = False  # whether that run holds a number
    for token in tokens:
        if token in _UNITS and run and (counted or out[-1] == "a"):
            del out[-run:]
            token = "money"
        if token == "money":  # a sum, with its sign or unit, or the word
            _drop_qualifier(out)
            out.append(token)
            run, counted = 0, False
            continue
        out.append(token)
        if is_number(token) or token in _NUMBER_WORDS:
            run, counted = run + 1, True
        elif token in _IN_A_SUM and (run or token == "a"):
            # A sum starts with a number or "a", never with "and" or "of".
            run += 1
        else:
            run, counted = 0, False
    return out


def _drop_qualifier(out: list[str]) -> None:
    """Take off the end of `out` the words that say how big a sum is ("nearly", "all of",
    "more than"): "took nearly £300 off me" reads as "took money off me"."""
    for qualifier in _QUALIFIERS:
        if len(out) >= len(qualifier) and tuple(out[-len(qualifier) :]) == qualifier:
            del out[-len(qualifier) :]
            return


def _fold(text: str) -> str:
    """Lower case without accents or apostrophes: "Don’t" -> "dont"."""
    plain = text.lower()
    if not plain.isascii():  # plain ASCII has nothing to decompose
        decomposed = unicodedata.normalize("NFKD", plain)
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _APOSTROPHES.sub("", plain)


def _plain_tokens(text: str) -> list[str]:
    return _NOT_ALNUM.sub(" ", _AMOUNT.sub(" money ", _fold(text))).split()


def _tokens(text: str, rewrites: Mapping[str, Sequence[str]]) -> list[str]:
    out: list[str] = []
    for word in _plain_tokens(text):
        # Rewrites look at the word as typed, before repeated letters are merged, so that
        # "noone" -> "no one" does not also turn "none" into "no one".
        for part in rewrites.get(word, (word,)):
            out.append(_merged(part))
    return out


def _merged(word: str) -> str:
    """`word` with letters repeated in a row counted once. Remembered (`_remember`, bounded
    like every memo here): the term lists repeat their words thousands of times once
    {groups} are filled in, and reading them at start took most of its 0.2 s merging the
    same words again."""
    found = _MERGED.get(word)
    return found if found is not None else _remember(_MERGED, word, _REPEATS.sub(r"\1", word))


_MERGED: dict[str, str] = {}


def _remember(memo: dict[str, T], key: str, answer: T) -> T:
    """`answer` kept in `memo` under `key` unless the key is long; a full memo is emptied
    first, to bound it."""
    if len(key) <= _LONGEST_REMEMBERED:
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[key] = answer
    return answer


# A number said with its unit after it ("300 quid", "3,000 pounds", "2 grand") is a sum too,
# read as "money" once the words are known (`_sums_said`): the unit is a word of its own,
# kept as the matcher sees it (repeated letters once: "dollars" is "dolars").
_UNITS = frozenset(
    _merged(unit)
    for unit in (
        *("pound", "pounds", "quid", "grand", "euro", "euros", "dollar", "dollars"),
        *("tenner", "tenners", "fiver", "fivers"),
    )
)
# Numbers said in words, as the matcher sees them ("three" is "thre"), with the amounts said
# as numbers are ("a few quid", "a couple of hundred").
_NUMBER_WORDS = frozenset(
    _merged(word)
    for word in (
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
        "eighty ninety hundred hundreds thousand thousands million millions few couple"
    ).split()
)
# Words that a sum said in words has between its numbers: "two hundred and fifty", "a
# couple of hundred", "hundreds of".
_IN_A_SUM = frozenset({"a", "and", "of"})
# Words before a sum that say how big it is, taken off with it; as the matcher sees them, the
# longest first so that "well over" goes whole.
_QUALIFIERS = tuple(
    sorted(
        (
            tuple(_merged(word) for word in qualifier.split())
            for qualifier in (
                "all of", "nearly", "almost", "about", "around", "roughly", "over", "under",
                "more than", "less than", "at least", "up to", "close to", "well over",
                "just over", "just under", "the best part of", "getting on for",
            )
        ),
        key=len,
        reverse=True,
    )
)  # fmt: skip


def _mapping(data: dict[str, Any], key: str) -> dict[Any, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise SafeguardingTermsError(f"prompts/{TERMS_FILE}: {key} must be a mapping")
    return value


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SafeguardingTermsError(f"prompts/{TERMS_FILE}: {where} must be a list of text")
    return value


def _expand(term: str, groups: Mapping[str, list[str]], where: str) -> Iterable[str]:
    """ "kill {person}" -> "kill him", "kill her", ... (every combination of groups)."""
    match = _GROUP_REF.search(term)
    if match is None:
        yield term
        return
    name = match.group(1)
    if name not in groups:
        raise SafeguardingTermsError(
            f"prompts/{TERMS_FILE}: {where} uses {{{name}}} but groups has no {name!r}"
        )
    for entry in groups[name]:
        yield from _expand(term[: match.start()] + entry + term[match.end() :], groups, where)
