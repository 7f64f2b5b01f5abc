"""`brewbot themes --in statements.csv`, run as a person runs it (a real process), and the
quality figures `brewbot bench` reports for the same grouping."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bench.themes import (
    labelled_statements,
    pairwise,
    split,
    theme_agreement,
    theme_quality,
)
from bot.digest.themes import group_by_theme, vocabulary, words

ROOT = Path(__file__).resolve().parents[2]


def brewbot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_themes_groups_a_csv_exactly_as_the_digest_does(tmp_path):
    statements = [
        "Nobody visits me and the days are very long.",
        "I waited eight months for an assessment.",
        "The bus never comes on time, so I miss my appointments.",
        "My social worker Jane Smith keeps changing.",
    ]
    source = tmp_path / "statements.csv"
    source.write_text(
        "statement,where\n" + "".join(f'"{s}",paper\n' for s in statements), encoding="utf-8"
    )
    done = brewbot("themes", "--in", str(source), "--format", "json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    expected = group_by_theme(statements, max_themes=len(vocabulary().themes))
    assert [(g["label"], g["statements"]) for g in found] == [
        (g.label, [statements[i] for i in g.members]) for g in expected
    ]
    labels = {t.label for t in vocabulary().themes} | {vocabulary().other_label}
    assert all(g["label"] in labels for g in found)

    markdown = brewbot("themes", "--in", str(source))
    assert markdown.returncode == 0, markdown.stderr
    assert f"## {found[0]['label']} ({len(found[0]['statements'])})" in markdown.stdout


@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        (None, "I cannot read"),
        (b"where\npaper\n", "has no column called statement"),
        (b"statement\n\n  \n", "has no statements in it"),
        (b"\xff\xfe\x00bad", "is not a text file"),
    ],
)
def test_themes_refuses_a_file_it_cannot_use_in_one_sentence(tmp_path, content, sentence):
    source = tmp_path / "statements.csv"
    if content is not None:
        source.write_bytes(content)
    done = brewbot("themes", "--in", str(source))
    assert done.returncode == 2
    assert sentence in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_pairwise_agreement_counts_pairs_and_ignores_other():
    truth = ["a", "a", "b", "b", None]
    assert pairwise(truth, truth).f1 == 1.0
    # Everything in one group: every true pair found, one in three made pairs true.
    lumped = pairwise(truth, ["x"] * 5)
    assert (lumped.recall, lumped.precision) == (1.0, round(2 / 10, 3))
    assert pairwise(truth, [None] * 5).f1 == 0.0


def test_the_evaluation_set_is_large_and_labelled():
    rows = labelled_statements()
    assert len(rows) >= 100
    assert len({group for _, group in rows}) >= 12
    agreement = theme_agreement()
    assert agreement.statements == len(rows)
    assert 0.0 <= agreement.f1 <= 1.0


def test_the_split_is_fixed_by_row_number_and_covers_every_statement_once():
    rows = labelled_statements()
    dev, held_out = split(rows)
    assert sorted(dev + held_out) == list(range(len(rows)))
    # Row numbers count from 1: the first row (index 0) is held out, the second is dev.
    assert dev[:2] == [1, 3] and held_out[:2] == [0, 2]
    # Both parts have something to measure: several groups, and most of each group's voices.
    for part in (dev, held_out):
        assert len({rows[i][1] for i in part}) >= 12


def test_theme_quality_reports_the_whole_set_and_both_parts():
    quality = theme_quality()
    rows = labelled_statements()
    dev, held_out = split(rows)
    assert quality.whole == theme_agreement()
    assert (quality.dev.statements, quality.held_out.statements) == (len(dev), len(held_out))
    assert all(0.0 <= a.f1 <= 1.0 for a in (quality.whole, quality.dev, quality.held_out))


def _runs(text: str, length: int) -> set[tuple[str, ...]]:
    found = words(text)
    return {tuple(found[i : i + length]) for i in range(len(found) - length + 1)}


def _meaning_words(text: str) -> set[str]:
    return {w for w in words(text) if len(w) > 3}


def test_no_anchor_is_a_copy_of_an_evaluation_statement():
    # The measured agreement only says something about new statements if the vocabulary was
    # not written from the evaluation set: no exemplar repeats six words in a row of one, or
    # shares half its longer words with one.
    found = vocabulary()
    anchors = [e for theme in found.themes for e in theme.exemplars]
    anchors += list(found.other_exemplars)
    statements = [statement for statement, _ in labelled_statements()]
    for anchor in anchors:
        mine = _meaning_words(anchor)
        for statement in statements:
            assert not _runs(anchor, 6) & _runs(statement, 6), (anchor, statement)
            theirs = _meaning_words(statement)
            overlap = len(mine & theirs) / max(1, len(mine | theirs))
            assert overlap < 0.5, (anchor, statement)
