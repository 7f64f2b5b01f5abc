"""Offline grouping of reflections by meaning into a vetted vocabulary of themes, and
tagging with Making It Real themes.

Theme labels come only from prompts/digest/themes.yaml, never from what people wrote, so a
label can never carry a name, an address or a placeholder left by review. Each reflection
goes to the theme whose exemplars it is closest to in meaning, with WordLlama: static token
embeddings averaged per text, 256 numbers, whose weights ship inside the package's wheel
(nothing is downloaded). A reflection close to no theme goes under "Other points".

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
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

if TYPE_CHECKING:
    from wordllama.inference import WordLlamaInference

# A word: letters, optionally joined by apostrophes (don't, what's). Digits are not themes.
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")

THEMES_FILE = "digest/themes.yaml"
# A theme's score for a text: the mean similarity of its closest exemplars, so one stray
# exemplar cannot win a text alone, and a theme need not resemble the text everywhere.
CLOSEST_EXEMPLARS = 3
# Below this score a text is closer to nothing in the vocabulary than texts about something
# else usually are to a theme: it goes under "Other points".
OTHER_BELOW = 0.25

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


@dataclass(frozen=True)
class Vocabulary:
    themes: tuple[Theme, ...]
    other_label: str
    other_description: str


class VocabularyError(ValueError):
    """prompts/digest/themes.yaml cannot be used (start-up stops with this)."""


@cache
def vocabulary() -> Vocabulary:
    """The vetted themes, checked: unique keys, plain short labels, real Making It Real keys."""
    data = yaml.safe_load(resources.files("prompts").joinpath(THEMES_FILE).read_text("utf-8"))
    known = {entry["key"] for entry in _making_it_real_data()["themes"]}
    themes: list[Theme] = []
    for entry in data["themes"]:
        theme = Theme(
            key=str(entry["key"]),
            label=str(entry["label"]).strip(),
            description=str(entry["description"]).strip(),
            making_it_real=str(entry["making_it_real"]),
            exemplars=tuple(str(e).strip() for e in entry["exemplars"]),
        )
        if not theme.label or len(theme.label) > 40:
            raise VocabularyError(f"{THEMES_FILE}: {theme.key}'s label must be 1 to 40 characters")
        if theme.making_it_real not in known:
            raise VocabularyError(f"{THEMES_FILE}: {theme.key}: no such Making It Real theme")
        if not theme.exemplars:
            raise VocabularyError(f"{THEMES_FILE}: {theme.key} has no exemplars")
        themes.append(theme)
    keys = [t.key for t in themes]
    if len(set(keys)) != len(keys) or len({t.label for t in themes}) != len(themes):
        raise VocabularyError(f"{THEMES_FILE}: two themes share a key or a label")
    other = data["other"]
    return Vocabulary(tuple(themes), str(other["label"]).strip(), str(other["description"]))


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


@cache
def _exemplars() -> tuple[np.ndarray, np.ndarray]:
    """Every exemplar's unit vector, and the index of its theme."""
    themes = vocabulary().themes
    texts = [_meaningful(e) for theme in themes for e in theme.exemplars]
    owner = np.array([i for i, theme in enumerate(themes) for _ in theme.exemplars])
    return _model().embed(texts, norm=True), owner


def theme_scores(texts: Sequence[str]) -> np.ndarray:
    """How close each text is to each theme (rows: texts, columns: the vocabulary's themes)."""
    vectors, owner = _exemplars()
    count = len(vocabulary().themes)
    if not texts:
        return np.zeros((0, count))
    meaningful = [_meaningful(t) for t in texts]
    # A text with no meaningful word ("Thank you.") is close to nothing: it keeps 0.
    scores = np.zeros((len(texts), count))
    kept = [i for i, text in enumerate(meaningful) if text]
    if not kept:
        return scores
    similarity = _model().embed([meaningful[i] for i in kept], norm=True) @ vectors.T
    for theme in range(count):
        own = np.sort(similarity[:, owner == theme], axis=1)[:, ::-1]
        scores[kept, theme] = own[:, :CLOSEST_EXEMPLARS].mean(axis=1)
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
    scores = theme_scores(texts)
    best = scores.argmax(axis=1)
    by_theme: dict[int, list[int]] = {}
    rest: list[int] = []
    for i, theme in enumerate(best):
        if scores[i, theme] >= OTHER_BELOW:
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
    source = resources.files("prompts").joinpath(MAKING_IT_REAL_FILE)
    data: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
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
