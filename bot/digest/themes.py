"""Offline grouping of reflections into themes, and tagging with Making It Real themes.

Grouping works in two steps so that it stays quick for thousands of reflections:

1. Keyphrases are extracted with YAKE (statistical, no model, no network) from a bounded,
   evenly spaced sample of the texts. YAKE's cost grows with the text it reads, so the
   sample is capped; evenly spaced picks keep it representative and deterministic.
2. Texts are matched to keyphrases through a word index of loosely stemmed words, which is
   linear in the total text and needs no further YAKE calls. Labels are chosen greedily
   (the keyphrase that would win the most texts next), and each text goes to the label
   whose words it shares most; a text sharing none goes to "Other points".

Everything is deterministic: no randomness, and no decision depends on set iteration order
(which changes with PYTHONHASHSEED).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import yake
import yaml

from bot.engine.texts import Texts

# A word: letters, optionally joined by apostrophes (don't, what's). Digits are not themes.
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")

# Bounds on what YAKE reads per call; see the module docstring.
SAMPLE_TEXTS = 400
SAMPLE_CHARS = 40_000
# How many YAKE keyphrases are considered for each theme wanted.
CANDIDATES_PER_THEME = 5
# A word in more than this share of the texts tells themes apart less well, so it counts
# for less (see _candidates); only once there are enough texts for shares to mean much.
COMMON_SHARE = 0.5
COMMON_WEIGHT = 0.5
COMMON_MIN_TEXTS = 10
# Once there are this many texts, a theme must gather at least two of them.
PAIR_MIN_TEXTS = 10

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
# Words in capitals up to this length are kept as acronyms (NHS, GP, CQC) in labels.
_ACRONYM = 5

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


@cache
def _stopwords() -> frozenset[str]:
    # YAKE's own English list, so our matching ignores the same words its phrases skip.
    return frozenset(w for w in yake.KeywordExtractor(lan="en").stopword_set if w)


@cache
def other_label() -> str:
    """The label of the group for texts that match no theme (from prompts/strings)."""
    return Texts.load().t("digest.other_points")


@dataclass(frozen=True)
class _Candidate:
    label: str
    # How well each text it touches matches it: the summed weights of the label's words the
    # text contains (halves and wholes, so sums are exact and never depend on order).
    scores: dict[int, float]
    stems: tuple[str, ...]


def group_by_theme(
    texts: Sequence[str],
    max_themes: int = 6,
    *,
    sample_texts: int = SAMPLE_TEXTS,
    sample_chars: int = SAMPLE_CHARS,
    stems: Sequence[frozenset[str]] | None = None,
) -> list[tuple[str, list[int]]]:
    """Group texts into at most `max_themes` labelled themes, plus "Other points".

    Returns (label, indices into `texts`) pairs, biggest theme first and "Other points"
    last; every index appears exactly once. Empty groups are left out. `stems` may carry
    `text_stems` of each text when the caller already has them.
    """
    if not texts:
        return []
    n = len(texts)
    if stems is None:
        stems = [text_stems(t) for t in texts]
    elif len(stems) != n:
        raise ValueError("stems must have one entry per text")
    phrases = _keyphrases(
        _sample(texts, sample_texts, sample_chars), max(1, max_themes) * CANDIDATES_PER_THEME
    )
    stop = _stopwords()
    phrase_stems = [
        (label, {stem(w) for w in words(label) if w not in stop and len(w) >= _MIN_STEM})
        for label in phrases
    ]
    wanted: set[str] = set().union(*(found for _, found in phrase_stems))
    postings: dict[str, list[int]] = {s: [] for s in wanted}
    for i, own in enumerate(stems):
        for s in own & wanted:
            postings[s].append(i)
    min_gain = 2 if n >= PAIR_MIN_TEXTS else 1
    chosen = _choose(_candidates(phrase_stems, postings, n), max_themes, min_gain)
    owners = _owners(chosen)
    groups = sorted(
        (
            (candidate.label, [i for i in sorted(owners) if owners[i] == rank], rank)
            for rank, candidate in enumerate(chosen)
        ),
        key=lambda g: (-len(g[1]), g[2]),
    )
    result = [(label, members) for label, members, _ in groups if members]
    rest = [i for i in range(n) if i not in owners]
    if rest:
        result.append((other_label(), rest))
    return result


def _candidates(
    phrase_stems: list[tuple[str, set[str]]], postings: dict[str, list[int]], n: int
) -> list[_Candidate]:
    """Keyphrases as candidate themes, in YAKE's order. Two phrases with the same words
    ("care home", "care homes") are one candidate. A text's score for a label is how many
    of the label's words it shares, a word most texts use ("care" at a care event) counting
    half, so it cannot outweigh a more specific word."""
    common = n >= COMMON_MIN_TEXTS
    weight = {
        s: COMMON_WEIGHT if common and len(hits) > COMMON_SHARE * n else 1.0
        for s, hits in postings.items()
    }
    candidates: list[_Candidate] = []
    seen: set[tuple[str, ...]] = set()
    for label, found in phrase_stems:
        key = tuple(sorted(found))
        if not key or key in seen:
            continue
        seen.add(key)
        scores: dict[int, float] = {}
        for s in key:
            for i in postings[s]:
                scores[i] = scores.get(i, 0.0) + weight[s]
        if scores:
            candidates.append(_Candidate(_tidy(label), scores, key))
    return candidates


def _choose(candidates: list[_Candidate], max_themes: int, min_gain: int) -> list[_Candidate]:
    """Greedy: each step takes the candidate that would win the most texts, counting texts
    no theme has yet and texts it matches better than their current theme (ties go to the
    better YAKE rank). So one very common word cannot crowd out the more specific themes
    that follow it. Labels sharing a word with a chosen one are skipped, to keep themes
    distinct."""
    chosen: list[_Candidate] = []
    best: dict[int, float] = {}
    used: set[str] = set()
    while len(chosen) < max_themes:
        pick: _Candidate | None = None
        pick_gain = min_gain - 1
        for candidate in candidates:
            if used.intersection(candidate.stems):
                continue
            gain = sum(1 for i, score in candidate.scores.items() if score > best.get(i, 0.0))
            if gain > pick_gain:
                pick, pick_gain = candidate, gain
        if pick is None:
            break
        chosen.append(pick)
        used.update(pick.stems)
        for i, score in pick.scores.items():
            if score > best.get(i, 0.0):
                best[i] = score
    return chosen


def _owners(chosen: list[_Candidate]) -> dict[int, int]:
    """Text index -> rank of the chosen theme it matches best; ties go to the one chosen
    first, exactly as _choose counted them."""
    owners: dict[int, int] = {}
    best: dict[int, float] = {}
    for rank, candidate in enumerate(chosen):
        for i, score in candidate.scores.items():
            if score > best.get(i, 0.0):
                best[i] = score
                owners[i] = rank
    return owners


def _sample(texts: Sequence[str], limit_texts: int, limit_chars: int) -> str:
    """Evenly spaced texts, capped in number and size, as sentences YAKE will not run together."""
    step = max(1, math.ceil(len(texts) / max(1, limit_texts)))
    picked: list[str] = []
    size = 0
    for text in texts[::step]:
        flat = " ".join(text.split())
        if not flat:
            continue
        if picked and size + len(flat) > limit_chars:
            break
        picked.append(flat if flat[-1] in ".!?" else flat + ".")
        size += len(flat) + 1
    return "\n".join(picked)


def _keyphrases(text: str, top: int) -> list[str]:
    if not text.strip():
        return []
    extractor = yake.KeywordExtractor(lan="en", n=2, top=top)
    # YAKE returns (phrase, score), best (lowest) score first; order is kept as the rank.
    return [str(phrase) for phrase, _ in extractor.extract_keywords(text)]


def _tidy(phrase: str) -> str:
    """A label as people wrote it (so "NHS" and "English" keep their capitals), but with
    shouting lowered and a capital first letter; only words survive, never punctuation."""
    found = _WORD.findall(phrase.replace("’", "'"))
    label = " ".join(w.lower() if w.isupper() and len(w) > _ACRONYM else w for w in found)
    return label[:1].upper() + label[1:]


@dataclass(frozen=True)
class _MakingItRealTheme:
    label: str
    single: frozenset[str]  # one-word keywords, as stems
    phrases: tuple[frozenset[str], ...]  # several-word keywords, as sets of stems


@cache
def _making_it_real() -> tuple[_MakingItRealTheme, ...]:
    source = resources.files("prompts").joinpath(MAKING_IT_REAL_FILE)
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
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
