"""Offline theme grouping and Making It Real tagging: real YAKE, real prompts data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.digest.themes import (
    group_by_theme,
    making_it_real_labels,
    making_it_real_tags,
    stem,
)
from bot.engine.texts import Texts

ROOT = Path(__file__).resolve().parents[2]

WAITING = [
    "The waiting list for an assessment was eight months long.",
    "We were stuck on a waiting list with no news at all.",
    "Nobody told us how long the waiting list would be.",
    "The waiting list meant my mum went without help.",
    "Being on the waiting list made me anxious every day.",
    "Waiting lists are too long in this area.",
]
DAY_CENTRE = [
    "The day centre is the best part of my week.",
    "At the day centre I see my friends.",
    "Closing the day centre would leave people lonely.",
    "The day centre staff know me well.",
    "I love the music sessions at the day centre.",
    "Our day centre gives my wife a break.",
]
UNRELATED = ["Thank you.", "Good to meet everyone."]
MIXED = [*WAITING, *DAY_CENTRE, *UNRELATED]


def _other() -> str:
    return Texts.load().t("digest.other_points")


def _assert_partition(groups: list[tuple[str, list[int]]], n: int) -> None:
    seen = [i for _, members in groups for i in members]
    assert sorted(seen) == list(range(n))
    assert all(members for _, members in groups)


def test_stemming_joins_word_forms_and_keeps_roles_apart():
    assert stem("isolated") == stem("isolation") == stem("isolating") == stem("isolate")
    assert stem("communities") == stem("community")
    assert stem("waiting") == stem("wait")
    assert stem("stopped") == stem("stop")
    assert stem("loneliness") == stem("lonely")
    # A care worker is not "working", and a carer is not "care".
    assert stem("worker") != stem("working")
    assert stem("carers") != stem("care")


def test_similar_texts_share_a_theme_and_the_rest_are_other_points():
    groups = group_by_theme(MIXED)
    _assert_partition(groups, len(MIXED))
    by_member = {i: label for label, members in groups for i in members}
    waiting_labels = {by_member[i] for i in range(len(WAITING))}
    centre_labels = {by_member[len(WAITING) + i] for i in range(len(DAY_CENTRE))}
    assert len(waiting_labels) == 1 and len(centre_labels) == 1
    assert waiting_labels != centre_labels
    assert "wait" in waiting_labels.pop().lower()
    assert "centre" in centre_labels.pop().lower()
    # Texts sharing nothing with any theme are kept, under the label from prompts, last.
    assert groups[-1] == (_other(), [12, 13])


def test_grouping_is_deterministic_within_a_process():
    assert group_by_theme(MIXED) == group_by_theme(list(MIXED))


def test_grouping_does_not_depend_on_the_hash_seed():
    # Set order changes with PYTHONHASHSEED; a result that leaned on it would differ here.
    script = (
        "import json, sys\n"
        "from bot.digest.themes import group_by_theme\n"
        "print(json.dumps(group_by_theme(json.loads(sys.stdin.read()))))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(MIXED),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    there = [(label, members) for label, members in json.loads(done.stdout)]
    assert there == group_by_theme(MIXED)


def test_max_themes_is_respected_and_other_points_is_extra():
    groups = group_by_theme(MIXED, max_themes=1)
    themed = [label for label, _ in groups if label != _other()]
    assert len(themed) == 1
    _assert_partition(groups, len(MIXED))


def test_empty_and_wordless_texts():
    assert group_by_theme([]) == []
    assert group_by_theme(["", "!!!", "1234"]) == [(_other(), [0, 1, 2])]


def test_texts_outside_the_keyphrase_sample_are_still_assigned():
    # With a sample of one text, labels come from the first text only, yet every later
    # text sharing its words joins a theme through the word index; the rest are other points.
    texts = [*WAITING, *DAY_CENTRE]
    groups = group_by_theme(texts, sample_texts=1)
    _assert_partition(groups, len(texts))
    other = dict(groups).get(_other(), [])
    assert not set(range(len(WAITING))) & set(other)
    assert set(range(len(WAITING), len(texts))) == set(other)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("abcde fgh.\n#'’é1"), max_size=60),
        max_size=25,
    ),
    st.integers(min_value=0, max_value=6),
)
def test_every_text_is_assigned_exactly_once(texts, max_themes):
    groups = group_by_theme(texts, max_themes=max_themes)
    _assert_partition(groups, len(texts))
    assert len([label for label, _ in groups if label != _other()]) <= max_themes


def test_making_it_real_tags_clear_examples():
    wellbeing, information, communities, flexible, change, workforce = making_it_real_labels()
    assert making_it_real_tags("I get lonely since the day centre closed.") == (
        wellbeing,
        communities,
    )
    assert making_it_real_tags("Nobody explained the letters; there was so much jargon.") == (
        information,
    )
    assert flexible in making_it_real_tags("My direct payment pays for a personal assistant.")
    assert change in making_it_real_tags("After I was discharged there was a long delay.")
    assert making_it_real_tags("Care workers are rushed and need more training.") == (workforce,)
    assert making_it_real_tags("The weather was nice today.") == ()


def test_making_it_real_phrases_need_all_their_words():
    _, _, communities, *_ = making_it_real_labels()
    assert communities in making_it_real_tags("A peer support group helped me.")
    assert communities not in making_it_real_tags("My peer at work was kind to me.")


def test_making_it_real_labels_come_from_the_data_file():
    labels = making_it_real_labels()
    assert len(labels) == 6
    assert labels[0] == "Wellbeing and independence"
    assert labels[-1] == "Workforce"
