"""Offline grouping of reflections by meaning into a vetted vocabulary of themes, and
tagging with Making It Real themes.

Theme labels come only from prompts/digest/themes.yaml, never from what people wrote, so a
label can never carry a name, an address or a placeholder left by review. Each reflection
goes to the theme it is closest to, scored two ways that the vocabulary both supplies:

- by meaning, with WordLlama: static token embeddings averaged per text, 256 numbers, whose
  weights ship inside the package's wheel (nothing is downloaded). A text is compared with
  the theme's exemplar sentences and with its keywords;
- by the theme's keywords appearing in the text ("respite", "waiting list", "bus").

Averaged word vectors alone place most texts by their commonest words (care, help, time),
so alone they agreed with a facilitator's grouping on only about 0.4 of pairs; a topic word
or phrase is the strongest single sign of what a statement is about, and the meaning score
still decides where no keyword appears or several themes' keywords do. A reflection close to
no theme goes under "Other points".

Everything is deterministic: the same texts give the same groups in any order, in any
process (no randomness, no set iteration order, ties broken by the vocabulary's order and
then by the words themselves).
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.core.yaml_data import DataFileError, load_data_file

if TYPE_CHECKING:
    from wordllama.inference import WordLlamaInference

# A word: letters, optionally joined by apostrophes (don't, what's). Digits are not themes.
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")

THEMES_FILE = "digest/themes.yaml"
# A theme's score for a text is the sum of three parts. The weights and the "Other points"
# line were chosen on the even-numbered rows of bot/bench/data/themes_eval.csv only (the
# odd-numbered rows are held out, and `brewbot bench` reports both), from a coarse grid, by
# the mean score of each setting and its neighbours, so that a lucky single point does not
# win.
# 1. The mean similarity of the theme's closest exemplars, so one stray exemplar cannot win
#    a text alone, and a theme need not resemble the text everywhere.
CLOSEST_EXEMPLARS = 5
# 2. The similarity of the theme's closest keyword, as a phrase: catches a synonym that is
#    not in the list ("anxious" near "anxiety", "wheelchair taxi" near "taxi").
KEYWORD_MEANING_WEIGHT = 1.0
# 3. How many places in the text one of the theme's keywords appears, as log(1 + count): the
#    first keyword counts most, further ones add less, so a long text does not win by length.
KEYWORD_WEIGHT = 0.8
# Below this score a text has no keyword of any theme and is not close in meaning to one
# either: it goes under "Other points" (about 1 in 10 of the labelled statements, where the
# facilitator put 1 in 25 aside), rather than making a weak pair with some theme's texts.
OTHER_BELOW = 0.8

# Suffix -> replacement, longest first. Deliberately light: it only has to make "isolated",
# "isolation" and "isolating" meet, not be linguistically right. "-er" is left alone so that
# "worker" and "carer" stay apart from "working" and "care".
_SUFFIXES = (
    ("ations", "at"),
    ("ation", "at"),
    ("ities", ""),
    ("ity", ""),
    ("iness", "y"),
    ("ness", ""),
    ("ments", ""),
    ("ment", ""),
    ("ings", ""),
    ("ing", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("ed", ""),
    ("es", ""),
    ("s", ""),
    ("e", ""),
)
# Suffixes after which a doubled final consonant is undoubled (stopped -> stop).
_UNDOUBLE_AFTER = {"ing", "ings", "ed", "es"}
_KEEP_DOUBLE = set("lsfz")
_MIN_STEM = 3

MAKING_IT_REAL_FILE = "digest/making_it_real.yaml"


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A loose stem of one lowercase word: simple suffix stripping, nothing more."""
    word = word.replace("’", "'").removesuffix("'s").replace("'", "")
    if len(word) <= _MIN_STEM:
        return word
    for suffix, replacement in _SUFFIXES:
        if not word.endswith(suffix):
            continue
        root = word[: -len(suffix)]
        if len(root) < _MIN_STEM:
            continue
        if suffix == "s" and word.endswith(("ss", "us", "is")):
            return word
        if (
            suffix in _UNDOUBLE_AFTER
            and len(root) > _MIN_STEM
            and root[-1] == root[-2]
            and root[-1] not in _KEEP_DOUBLE
            and root[-1] not in "aeiou"
        ):
            root = root[:-1]
        return root + replacement
    return word


def words(text: str) -> list[str]:
    """Lowercase words of a text, in order."""
    return _WORD.findall(text.replace("’", "'").lower())


def text_stems(text: str) -> frozenset[str]:
    """Every distinct loose stem in a text (stopwords included; callers filter)."""
    # map() over the cached stem keeps the per-word work in C; it matters at 10,000 texts.
    return frozenset(map(stem, set(words(text))))


@dataclass(frozen=True)
class Theme:
    key: str
    label: str
    description: str
    making_it_real: str  # a key of making_it_real.yaml
    exemplars: tuple[str, ...]
    # Words and phrases that mark the theme; "assess*" matches any word starting "assess".
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    themes: tuple[Theme, ...]
    other_label: str
    other_description: str
    # What is said about the session itself ("the sound kept dropping out", "thanks all"):
    # scored like a theme, and a text closest to it goes under "Other points", since it is
    # not a finding for the working group.
    other_exemplars: tuple[str, ...] = ()
    other_keywords: tuple[str, ...] = ()


class VocabularyError(DataFileError):
    """prompts/digest/themes.yaml cannot be used (start-up stops with this)."""


@cache
def vocabulary() -> Vocabulary:
    """The vetted themes, checked: unique keys, plain short labels, real Making It Real keys."""
    try:
        return _vocabulary(_themes_data(THEMES_FILE), _making_it_real_data())
    except (KeyError, TypeError, AttributeError) as exc:
        # A theme without a field it needs, or a list where a mapping should be.
        raise VocabularyError(
            f"prompts/{THEMES_FILE}: a theme is missing {exc} or is not laid out as the others are"
        ) from exc


def _themes_data(name: str) -> Any:
    text = resources.files("prompts").joinpath(name).read_text("utf-8")
    return load_data_file(text, f"prompts/{name}", VocabularyError)


def _vocabulary(data: Any, making_it_real: Any) -> Vocabulary:
    known = {entry["key"] for entry in making_it_real["themes"]}
    themes: list[Theme] = []
    for entry in data["themes"]:
        theme = Theme(
            key=str(entry["key"]),
            label=str(entry["label"]).strip(),
            description=str(entry["description"]).strip(),
            making_it_real=str(entry["making_it_real"]),
            exemplars=tuple(str(e).strip() for e in entry["exemplars"]),
            keywords=tuple(str(k).strip() for k in entry.get("keywords") or ()),
        )
        if not theme.label or len(theme.label) > 40:
            raise VocabularyError(f"{THEMES_FILE}: {theme.key}'s label must be 1 to 40 characters")
        if theme.making_it_real not in known:
            raise VocabularyError(f"{THEMES_FILE}: {theme.key}: no such Making It Real theme")
        if not theme.exemplars:
            raise VocabularyError(f"{THEMES_FILE}: {theme.key} has no exemplars")
        if not all(_keyword_pattern(k)[0] for k in theme.keywords):
            raise VocabularyError(f"{THEMES_FILE}: {theme.key} has a keyword with no word")
        themes.append(theme)
    keys = [t.key for t in themes]
    if len(set(keys)) != len(keys) or len({t.label for t in themes}) != len(themes):
        raise VocabularyError(f"{THEMES_FILE}: two themes share a key or a label")
    other = data["other"]
    return Vocabulary(
        tuple(themes),
        str(other["label"]).strip(),
        str(other["description"]),
        tuple(str(e).strip() for e in other.get("exemplars") or ()),
        tuple(str(k).strip() for k in other.get("keywords") or ()),
    )


def _scored() -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Exemplars and keywords of every theme, in order, then those of "Other points"."""
    found = vocabulary()
    entries = [(theme.exemplars, theme.keywords) for theme in found.themes]
    return [*entries, (found.other_exemplars, found.other_keywords)]


def other_label() -> str:
    """The label of the group for texts that match no theme."""
    return vocabulary().other_label


@cache
def _model() -> WordLlamaInference:
    # Importing wordllama calls logging.basicConfig(level=INFO), which would send every
    # library's INFO lines to the console past Brewbot's own logging (bot/logs.py): the root
    # logger is put back as it was.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        wordllama = importlib.import_module("wordllama")
    finally:
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
        root.setLevel(level)
    # The weights and tokenizer ship in the wheel; `disable_download` makes a missing file
    # an error instead of a download, which would fail (or leak) on a council network.
    model: WordLlamaInference = wordllama.WordLlama.load(
        cache_dir=Path(str(wordllama.__file__)).parent, disable_download=True
    )
    # The weights ship as 16-bit numbers, which WordLlama widens to 32 bits (33 MB kept for
    # the life of the process). Kept as shipped, they are half that, and nothing is lost:
    # sums are taken in 32 bits (`_embed`, WordLlama's pooling), from exactly these values.
    model.embedding = model.embedding.astype(np.float16)
    return model


# Words that carry no meaning of their own: averaged in, "the" and "I" only blur a text.
# Deliberately short: longer lists (YAKE's has 574 words) drop "nobody", "alone", "help".
_FUNCTION_WORDS = frozenset(
    """a about all am an and any are as at be been but by can could did do does for from get
    got go going had has have he her him his i i'm if im in is it it's its just me my no not
    of on one or our out really she so that the their them there they this to up very was we
    were what when who will with would you your""".split()
)


def _meaningful(text: str) -> str:
    """The words that carry meaning."""
    return " ".join(w for w in words(text) if w not in _FUNCTION_WORDS)


# A keyword's words: letters or digits ("18", "24/7" is "24", "7"), with apostrophes kept.
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")


def _tokens(text: str) -> list[str]:
    """Lowercase words of a text, digits kept, a possessive 's dropped (carer's -> carer)."""
    return [t.removesuffix("'s") for t in _TOKEN.findall(text.replace("’", "'").lower())]


def _keyword_pattern(keyword: str) -> tuple[tuple[str, ...], bool]:
    """A keyword's words, and whether its last word is a prefix ("assess*")."""
    keyword = keyword.strip()
    return tuple(_tokens(keyword.rstrip("*"))), keyword.endswith("*")


def _last_word_matches(token: str, word: str, prefix: bool) -> bool:
    # Plurals are matched here so the lists need not carry both forms.
    if prefix:
        return token.startswith(word)
    return token in (word, word + "s", word + "es")


_Entry = tuple[int, tuple[str, ...], bool]  # a theme's number, a keyword's words, prefix?


@dataclass(frozen=True)
class _KeywordTables:
    single: dict[str, frozenset[int]]  # one-word keywords: word -> themes
    # One-word prefix keywords ("assess*"): prefix -> themes, and the prefixes' lengths, so
    # a word is looked up once a length rather than tried against every prefix.
    prefixes: dict[str, frozenset[int]]
    prefix_lengths: tuple[int, ...]
    # Longer keywords by their first two words as a text may have them (a two-word
    # keyword's second word also as a plural: "waiting lists"); prefix ones by first word.
    longer: dict[tuple[str, str], tuple[_Entry, ...]]
    longer_prefix: dict[str, tuple[_Entry, ...]]


@cache
def _keyword_tables() -> _KeywordTables:
    single: dict[str, set[int]] = {}
    prefixes: dict[str, set[int]] = {}
    longer: dict[tuple[str, str], list[_Entry]] = {}
    longer_prefix: dict[str, list[_Entry]] = {}
    for theme_number, (_, keywords) in enumerate(_scored()):
        for keyword in keywords:
            pattern, prefix = _keyword_pattern(keyword)
            if len(pattern) == 1:
                if prefix:
                    prefixes.setdefault(pattern[0], set()).add(theme_number)
                else:
                    single.setdefault(pattern[0], set()).add(theme_number)
            elif prefix and len(pattern) == 2:
                longer_prefix.setdefault(pattern[0], []).append((theme_number, pattern, prefix))
            else:
                entry = (theme_number, pattern, prefix)
                seconds = [pattern[1]]
                if len(pattern) == 2 and not prefix:
                    seconds += [pattern[1] + "s", pattern[1] + "es"]
                for second in seconds:
                    longer.setdefault((pattern[0], second), []).append(entry)
    return _KeywordTables(
        {word: frozenset(themes) for word, themes in single.items()},
        {start: frozenset(themes) for start, themes in prefixes.items()},
        tuple(sorted({len(start) for start in prefixes})),
        {pair: tuple(found) for pair, found in longer.items()},
        {word: tuple(found) for word, found in longer_prefix.items()},
    )


@lru_cache(maxsize=65_536)
def _forms(token: str) -> tuple[str, ...]:
    """The word, and the singulars it may be the plural of ("buses": "bus", "buse")."""
    forms = [token]
    if token.endswith("es"):
        forms.append(token[:-2])
    if token.endswith("s"):
        forms.append(token[:-1])
    return tuple(forms)


@lru_cache(maxsize=65_536)
def _one_word_themes(token: str) -> frozenset[int]:
    """Themes with a one-word keyword this word matches. Cached: the same few thousand words
    recur across texts, and this is the per-word cost."""
    tables = _keyword_tables()
    found: set[int] = set()
    for form in _forms(token):
        found |= tables.single.get(form, frozenset())
    for length in tables.prefix_lengths:
        found |= tables.prefixes.get(token[:length], frozenset())
    return frozenset(found)


def _longer_matches(tokens: list[str], at: int, end: int, entry: _Entry) -> bool:
    """Whether a keyword of two or more words starts at `at` (first word already equal) and
    ends before `end`, where the text ends."""
    _, pattern, prefix = entry
    last = at + len(pattern)
    if last > end or tokens[at + 1 : last - 1] != list(pattern[1:-1]):
        return False
    return _last_word_matches(tokens[last - 1], pattern[-1], prefix)


def keyword_counts(text: str) -> list[int]:
    """For each theme of the vocabulary, at how many places in the text one of its keywords
    starts (two keywords starting at the same word count once: "waiting", "waiting list")."""
    counts = _keyword_count_table([text])[0, : len(vocabulary().themes)]
    return [int(n) for n in counts]


def _keyword_count_table(texts: Sequence[str]) -> np.ndarray:
    """keyword_counts for many texts at once, with "Other points" last (rows: texts).

    The texts' words are laid end to end in one list, and every distinct word is looked up
    once: 10,000 reflections hold a few hundred thousand words but only a few thousand
    different ones, so the per-word work is done in C (dicts, map, numpy), not in a loop."""
    tables = _keyword_tables()
    width = len(_scored())
    counts = np.zeros((len(texts), width))
    token_lists = [_tokens(text) for text in texts]
    flat = list(chain.from_iterable(token_lists))
    if not flat:
        return counts
    index = {token: number for number, token in enumerate(dict.fromkeys(flat))}
    places = np.fromiter(map(index.__getitem__, flat), np.intp, len(flat))
    lengths = np.fromiter(map(len, token_lists), np.intp, len(texts))
    rows = np.repeat(np.arange(len(texts)), lengths)
    # Longer keywords: only the places where a text's next two words (or, for a prefix
    # keyword, its next word) can begin one are looked at. Each place's pair of words is
    # one number, so the pairs are matched in numpy, not word by word.
    ends = np.cumsum(lengths)
    following = np.append(places[1:], len(index))
    following[ends[lengths > 0] - 1] = len(index)  # a text's last word: nothing follows
    pairs = places * (len(index) + 1) + following
    known = [
        index[first] * (len(index) + 1) + index[second]
        for first, second in tables.longer
        if first in index and second in index
    ]
    prefixed = np.fromiter((token in tables.longer_prefix for token in index), bool, len(index))
    at_places = np.flatnonzero(np.isin(pairs, known) | prefixed[places])
    for at, end, row in zip(
        at_places.tolist(),
        ends[rows[at_places]].tolist(),
        rows[at_places].tolist(),
        strict=True,
    ):
        token = flat[at]
        pair = (token, flat[at + 1] if at + 1 < end else "")
        candidates = [*tables.longer.get(pair, ()), *tables.longer_prefix.get(token, ())]
        found = {c[0] for c in candidates if _longer_matches(flat, at, end, c)}
        # A place already counted for a theme by a one-word keyword counts once.
        for theme in found - _one_word_themes(token):
            counts[row, theme] += 1
    # One-word keywords: which themes each distinct word marks, added up theme by theme
    # (a column at a time, so 10,000 texts' words never make a words-by-themes table).
    marks = np.zeros((width, len(index)), dtype=np.float32)
    for token, number in index.items():
        marks[list(_one_word_themes(token)), number] = 1
    for theme in range(width):
        counts[:, theme] += np.bincount(rows, marks[theme, places], minlength=len(texts))
    return counts


# Word places gathered at a time when embedding: 4,096 words' vectors are 4 MB. Smaller
# gathers were no slower for 10,000 reflections (0.25 s against 0.28 at 32,768) and held
# 31 MB less at once.
_WORD_SLOTS = 4_096


def _embed(texts: Sequence[str]) -> np.ndarray:
    """The model's embedding of each text (words separated by single spaces): the mean of
    its tokens' vectors, what WordLlama's own `embed` gives, up to rounding.

    The model's tokenizer never makes a token that spans two words (it is SentencePiece
    style: a space starts a new piece), so a text's tokens are its words' tokens in order.
    Each distinct word is tokenized and summed once, instead of every text: 10,000
    reflections share a few thousand words, and tokenizing was most of the grouping's time.
    """
    model = _model()
    table = model.embedding
    words_of = [text.split(" ") for text in texts]
    flat = list(chain.from_iterable(words_of))
    index = {word: number for number, word in enumerate(dict.fromkeys(flat))}
    # One row per distinct word, and a last row of zeros that pads short texts below.
    word_sums = np.zeros((len(index) + 1, table.shape[1]), dtype=np.float32)
    word_tokens = np.zeros(len(index) + 1, dtype=np.float32)
    for number, encoded in enumerate(
        model.tokenizer.encode_batch(list(index), add_special_tokens=False)
    ):
        ids = np.clip(encoded.ids[: sum(encoded.attention_mask)], 0, table.shape[0] - 1)
        word_sums[number] = table[ids].sum(axis=0, dtype=np.float32)
        word_tokens[number] = len(ids)
    places = np.append(np.fromiter(map(index.__getitem__, flat), np.intp, len(flat)), len(index))
    lengths = np.fromiter(map(len, words_of), np.intp, len(texts))
    starts = np.cumsum(lengths) - lengths
    vectors = np.empty((len(texts), table.shape[1]), dtype=np.float32)
    # Texts of similar length together, each as a row of word places padded to the longest:
    # summing along a row is fast in numpy, and little is padding.
    order = np.argsort(lengths, kind="stable")
    first = 0
    while first < len(texts):
        rows = max(1, min(_SLICE, _WORD_SLOTS // max(1, lengths[order[first]])))
        chosen = order[first : first + rows]
        width = np.arange(max(1, lengths[chosen[-1]]))
        grid = np.where(
            width < lengths[chosen, None], starts[chosen, None] + width, len(places) - 1
        )
        slots = places[grid]
        tokens = np.maximum(word_tokens[slots].sum(axis=1), 1)
        vectors[chosen] = word_sums[slots].sum(axis=1) / tokens[:, None]
        first += len(chosen)
    return vectors


@dataclass(frozen=True)
class _Anchors:
    """The vocabulary's vectors: the centre of all exemplars, and every exemplar's and every
    keyword's unit vector taken from that centre, each theme's in one run of rows."""

    centre: np.ndarray
    exemplars: np.ndarray
    exemplar_spans: tuple[tuple[int, int], ...]  # rows of each theme's exemplars
    keywords: np.ndarray
    keyword_spans: tuple[tuple[int, int], ...]


def _spans(sizes: list[int]) -> tuple[tuple[int, int], ...]:
    ends = np.cumsum(sizes).tolist()
    return tuple((end - size, end) for size, end in zip(sizes, ends, strict=True))


@cache
def _anchors() -> _Anchors:
    entries = _scored()
    model = _model()
    exemplars = model.embed([_meaningful(e) for examples, _ in entries for e in examples])
    keywords = model.embed([k.rstrip("*") for _, words in entries for k in words])
    # Averaged word vectors all share a large common part (every text is "about" care); taken
    # away, what is left is what tells one theme from another. The centre comes from the
    # vocabulary, never from the texts being grouped, so a text's score does not depend on
    # which other texts are grouped with it.
    centre = exemplars.mean(axis=0)
    return _Anchors(
        centre,
        _unit(exemplars - centre),
        _spans([len(examples) for examples, _ in entries]),
        _unit(keywords - centre),
        _spans([len(words) for _, words in entries]),
    )


# Texts scored at a time: each slice holds a texts-by-anchors table (about 1,800 anchors).
_SLICE = 1024


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def theme_scores(texts: Sequence[str]) -> np.ndarray:
    """How close each text is to each theme (rows: texts, columns: the vocabulary's themes)."""
    return _all_scores(texts)[:, : len(vocabulary().themes)]


def _all_scores(texts: Sequence[str]) -> np.ndarray:
    """As theme_scores, with a last column for what is said about the session itself."""
    anchors = _anchors()
    count = len(_scored())
    if not texts:
        return np.zeros((0, count))
    meaningful = [_meaningful(t) for t in texts]
    # A text with no meaningful word ("Thank you.") is close to nothing: it keeps 0.
    scores = np.zeros((len(texts), count))
    kept = [i for i, text in enumerate(meaningful) if text]
    if not kept:
        return scores
    vectors = _unit(_embed([meaningful[i] for i in kept]) - anchors.centre)
    meaning = np.zeros((len(kept), count))
    # In slices, so 10,000 texts never hold a texts-by-anchors table in memory at once.
    for start in range(0, len(kept), _SLICE):
        rows = vectors[start : start + _SLICE]
        to_exemplars = rows @ anchors.exemplars.T
        to_keywords = rows @ anchors.keywords.T
        part = meaning[start : start + _SLICE]
        for theme, (first, end) in enumerate(anchors.exemplar_spans):
            if end > first:
                closest = min(CLOSEST_EXEMPLARS, end - first)
                # The closest few, in any order (only their mean is used): no full sort.
                own = np.partition(to_exemplars[:, first:end], end - first - closest, axis=1)
                part[:, theme] = own[:, -closest:].mean(axis=1)
        for theme, (first, end) in enumerate(anchors.keyword_spans):
            if end > first:
                part[:, theme] += KEYWORD_MEANING_WEIGHT * to_keywords[:, first:end].max(axis=1)
    hits = _keyword_count_table([texts[i] for i in kept])
    scores[kept] = meaning + KEYWORD_WEIGHT * np.log1p(hits)
    # Rounded, so a last-bit difference between machines cannot change a grouping.
    return np.round(scores, 6)


@dataclass(frozen=True)
class Grouped:
    """A theme (None: "Other points") and the indices of its texts, closest first."""

    theme: Theme | None
    members: list[int]

    @property
    def label(self) -> str:
        return self.theme.label if self.theme else other_label()


def group_by_theme(texts: Sequence[str], max_themes: int = 6) -> list[Grouped]:
    """Group texts under at most `max_themes` themes of the vocabulary, plus "Other points".

    Biggest theme first (ties in the vocabulary's order), "Other points" last; every index
    appears exactly once; empty groups are left out. Texts in a theme come closest first.
    """
    if not texts:
        return []
    themes = vocabulary().themes
    every = _all_scores(texts)
    scores = every[:, : len(themes)]
    best = every.argmax(axis=1)
    by_theme: dict[int, list[int]] = {}
    rest: list[int] = []
    for i, theme in enumerate(best):
        if theme < len(themes) and scores[i, theme] >= OTHER_BELOW:
            by_theme.setdefault(int(theme), []).append(i)
        else:
            rest.append(i)
    ranked = sorted(by_theme, key=lambda theme: (-len(by_theme[theme]), theme))
    for theme in ranked[max(0, max_themes) :]:
        rest.extend(by_theme.pop(theme))

    def closest_first(theme: int | None, members: list[int]) -> list[int]:
        column = scores[:, theme] if theme is not None else scores.max(axis=1)
        return sorted(members, key=lambda i: (-column[i], texts[i], i))

    groups = [
        Grouped(themes[theme], closest_first(theme, by_theme[theme]))
        for theme in ranked
        if theme in by_theme
    ]
    if rest:
        groups.append(Grouped(None, closest_first(None, rest)))
    return groups


@dataclass(frozen=True)
class _MakingItRealTheme:
    label: str
    single: frozenset[str]  # one-word keywords, as stems
    phrases: tuple[frozenset[str], ...]  # several-word keywords, as sets of stems


@cache
def _making_it_real_data() -> dict[str, Any]:
    data: dict[str, Any] = _themes_data(MAKING_IT_REAL_FILE)
    return data


@cache
def _making_it_real() -> tuple[_MakingItRealTheme, ...]:
    data = _making_it_real_data()
    themes = []
    for entry in data["themes"]:
        keywords = [frozenset(stem(w) for w in words(str(k))) for k in entry["keywords"]]
        themes.append(
            _MakingItRealTheme(
                label=str(entry["label"]).strip(),
                single=frozenset(s for k in keywords if len(k) == 1 for s in k),
                phrases=tuple(k for k in keywords if len(k) > 1),
            )
        )
    return tuple(themes)


def making_it_real_labels() -> tuple[str, ...]:
    """The six Making It Real theme labels, in the framework's order."""
    return tuple(theme.label for theme in _making_it_real())


def making_it_real_tags(text: str) -> tuple[str, ...]:
    """Making It Real theme labels whose keywords appear in the text, in framework order."""
    return tags_for_stems(text_stems(text))


def tags_for_stems(stems: frozenset[str] | set[str]) -> tuple[str, ...]:
    """As making_it_real_tags, for a text already reduced to stems (saves a second pass)."""
    return tuple(
        theme.label
        for theme in _making_it_real()
        if not theme.single.isdisjoint(stems) or any(p <= stems for p in theme.phrases)
    )


def count_tags(tag_lists: Iterable[tuple[str, ...]]) -> dict[str, int]:
    """How many texts carry each Making It Real label, in framework order."""
    counts = dict.fromkeys(making_it_real_labels(), 0)
    for tags in tag_lists:
        for tag in tags:
            counts[tag] += 1
    return counts
