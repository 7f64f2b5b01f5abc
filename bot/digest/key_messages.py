"""Key messages: the three to five plain sentences every form of the digest opens with.

Busy readers (the working group, a participant on a phone) get the gist before the detail:

1. how many reflections people shared;
2. for each Working Together for Change category in the framework's order (what's working,
   what's not working, what's important for the future, ideas for change), its largest theme,
   with its count;
3. if that makes fewer than three sentences, the next largest themes, biggest first.

Counts follow the digest's small-number rule: under `min_count` they read "fewer than N"
(0 reads 0). Sentences are built from templates in prompts/strings/digest.yaml and theme
labels (the vocabulary, or the facilitator's names in review), never from what people wrote;
"Other points" is not a theme, so it never leads. A sentence may carry one quote: the first
of its theme's quotes, which `build_digest` keeps closest to the theme first, only from a
writer who agreed to be quoted, and only when enough people reflected (the same rules as
every other quote). Everything is decided from the already-sorted digest model, so the same
reflections give the same key messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.digest.themes import other_label
from bot.engine.texts import shared_texts

if TYPE_CHECKING:
    from bot.digest.model import CategorySection

MIN_MESSAGES = 3
MAX_MESSAGES = 5


@dataclass(frozen=True)
class KeyMessage:
    """One sentence. `category` and `label` are empty for the opening count; `quote` is a
    participant's words (untrusted: every renderer escapes it), or None."""

    sentence: str
    category: str = ""
    label: str = ""
    count: int = 0
    quote: str | None = None


def count_text(count: int, min_count: int) -> str:
    """A number of reflections under the small-number rule: 0 reads 0, 1 to min_count - 1
    read "fewer than N", the rest as they are."""
    t = shared_texts().t
    if 0 < count < min_count:
        return t("digest.key_messages.count_few", min_count=min_count)
    return t("digest.key_messages.count_many", count=count)


def _in_sentence(label: str) -> str:
    """A label inside a sentence: "Connection and loneliness" -> "connection and loneliness";
    initials ("NHS ...") keep their capitals."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def key_messages(
    categories: Sequence[CategorySection], total: int, min_count: int
) -> tuple[KeyMessage, ...]:
    """The digest's key messages, from its categories (themes biggest first, quotes closest
    to their theme first, privacy rules already applied)."""
    t = shared_texts().t
    if total <= 0:
        return (KeyMessage(t("digest.no_reflections")),)
    messages = [KeyMessage(t("digest.key_messages.overview", count=count_text(total, min_count)))]
    other = other_label()
    # Biggest first, whatever order review left the themes in (ties keep that order).
    ranked = [
        sorted((theme for theme in s.themes if theme.label != other), key=lambda th: -th.count)
        for s in categories
    ]
    leaders = [
        _message(section, themes[0].label, themes[0].count, themes[0].quotes, min_count)
        for section, themes in zip(categories, ranked, strict=True)
        if themes
    ]
    messages.extend(leaders[: MAX_MESSAGES - 1])
    # Runners-up, biggest first (ties: the framework's order, then the theme's rank).
    runners = sorted(
        (-theme.count, position, rank)
        for position, themes in enumerate(ranked)
        for rank, theme in enumerate(themes)
        if rank
    )
    for _, position, rank in runners[: max(0, MIN_MESSAGES - len(messages))]:
        section, theme = categories[position], ranked[position][rank]
        messages.append(
            _message(section, theme.label, theme.count, theme.quotes, min_count, also=True)
        )
    return tuple(messages)


def _message(
    section: CategorySection,
    label: str,
    count: int,
    quotes: tuple[str, ...],
    min_count: int,
    *,
    also: bool = False,
) -> KeyMessage:
    t = shared_texts().t
    key = "also" if also else f"leads.{section.key}"
    sentence = t(
        f"digest.key_messages.{key}",
        theme=_in_sentence(label),
        category=_in_sentence(section.label),
        count=count_text(count, min_count),
    )
    return KeyMessage(sentence, section.key, label, count, quotes[0] if quotes else None)
