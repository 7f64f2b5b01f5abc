"""How well the digest's theme grouping agrees with a facilitator's: pairwise precision,
recall and F1 over a labelled set of statements (bot/bench/data/themes_eval.csv, written in
the voices of people who draw on care and support, carers and staff; no real names).

Two statements form a pair when they are in the same group. Precision is the share of the
pairs the grouping made that the facilitator made too; recall, the share of the
facilitator's pairs the grouping found. "Other points" (and the facilitator's "Other") make
no pairs: putting two unrelated statements aside together is not a finding.

The set is split in two, once and for all, by row number: even rows are the "dev" part, the
only one the grouping's weights and keywords may be tuned on; odd rows are held out, and
their figure is the honest one (how the grouping does on statements nobody tuned it to).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import combinations

from bot.digest.themes import group_by_theme, vocabulary

EVALUATION_FILE = "data/themes_eval.csv"
FACILITATOR_OTHER = "Other"


@dataclass(frozen=True)
class Agreement:
    precision: float
    recall: float
    f1: float
    statements: int


def labelled_statements() -> list[tuple[str, str]]:
    """(statement, the facilitator's group) for every row of the evaluation set."""
    text = resources.files("bot.bench").joinpath(EVALUATION_FILE).read_text("utf-8")
    return [(row["statement"], row["group"]) for row in csv.DictReader(io.StringIO(text))]


def pairwise(truth: Sequence[str | None], found: Sequence[str | None]) -> Agreement:
    """Agreement of two groupings of the same statements (None: in no group)."""
    both = made = wanted = 0
    for i, j in combinations(range(len(truth)), 2):
        same_truth = truth[i] is not None and truth[i] == truth[j]
        same_found = found[i] is not None and found[i] == found[j]
        both += same_truth and same_found
        made += same_found
        wanted += same_truth
    precision = both / made if made else 0.0
    recall = both / wanted if wanted else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Agreement(round(precision, 3), round(recall, 3), round(f1, 3), len(truth))


def split(rows: Sequence[tuple[str, str]]) -> tuple[list[int], list[int]]:
    """Indices of the dev part (even row numbers, counting from 1) and the held-out part."""
    dev = [i for i in range(len(rows)) if (i + 1) % 2 == 0]
    held_out = [i for i in range(len(rows)) if (i + 1) % 2 == 1]
    return dev, held_out


def agreement_on(rows: Sequence[tuple[str, str]]) -> Agreement:
    """The digest's grouping (every theme allowed) of these statements against the
    facilitator's."""
    texts = [statement for statement, _ in rows]
    found: list[str | None] = [None] * len(texts)
    for group in group_by_theme(texts, max_themes=len(vocabulary().themes)):
        for i in group.members:
            found[i] = group.theme.key if group.theme else None
    truth = [None if group == FACILITATOR_OTHER else group for _, group in rows]
    return pairwise(truth, found)


def theme_agreement() -> Agreement:
    """The digest's grouping against the facilitator's, on the whole set."""
    return agreement_on(labelled_statements())


@dataclass(frozen=True)
class ThemeQuality:
    whole: Agreement
    dev: Agreement
    held_out: Agreement


def theme_quality() -> ThemeQuality:
    """Agreement on the whole set, on the dev part and on the held-out part."""
    rows = labelled_statements()
    dev, held_out = split(rows)
    return ThemeQuality(
        whole=agreement_on(rows),
        dev=agreement_on([rows[i] for i in dev]),
        held_out=agreement_on([rows[i] for i in held_out]),
    )
