"""The spark library: twelve or more sparks covering the themes, and validation that names
the file, the field and what is wrong."""

from pathlib import Path

import pytest
import yaml

from bot.core.commands import CommandError
from bot.services.sparks import SparkError, SparkLibrary, spark_from_form

TOPICS = [
    "going-through-an-assessment", "skills-that-matter", "building-the-right-relationships",
    "moments-that-matter", "finding-information-and-advice", "whats-working-whats-not",
    "moving-to-adult-services", "being-heard", "language-and-labels", "carers-lives",
    "money-and-direct-payments", "getting-out-and-about",
]
GOOD = {
    "id": "tea-and-talk", "title": "Tea and talk", "theme": "Talking", "intro": "Let us talk.",
    "questions": ["What is good?", "What is hard?"], "reflection_prompt": "What matters?",
    "minutes": 20, "facilitator_notes": "Listen.", "accessibility_notes": "Go slowly.",
    "easy_read": {"intro": "We talk.", "questions": ["Good?", "Hard?"]},
}


def test_the_library_covers_every_topic():
    library = SparkLibrary.load()
    ids = [s.id for s in library.all()]
    assert len(ids) >= 12 and len(set(ids)) == len(ids)
    assert set(TOPICS) <= set(ids)
    for spark in library.all():
        assert 2 <= len(spark.questions) <= 4
        assert len(spark.easy_questions) == len(spark.questions)


def _write(folder: Path, name: str, data: object) -> None:
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")


@pytest.mark.parametrize(("change", "field", "problem"), [
    ({"colour": "blue"}, "colour", "not a spark field"),
    ({"id": "Tea And Talk"}, "id", "lowercase"),
    ({"minutes": 90}, "minutes", "5 to 60"),
    ({"questions": ["Only one?"]}, "questions", "2 to 4 items (found 1)"),
    ({"questions": ["a?", "b?", "c?", "d?", "e?"]}, "questions", "2 to 4 items (found 5)"),
    ({"easy_read": {"intro": "x", "questions": ["a?"]}}, "easy_read.questions", "2 to 4"),
    ({"easy_read": {"intro": "x", "questions": ["a?", "b?", "c?"]}}, "easy_read.questions",
     "as many items"),
    ({"intro": None}, "intro", "some text"),
    ({"title": "x" * 81}, "title", "at most 80"),
])
def test_a_bad_spark_names_file_field_and_problem(tmp_path, change, field, problem):
    _write(tmp_path, "tea-and-talk", {**GOOD, **change})
    with pytest.raises(SparkError) as caught:
        SparkLibrary.load(tmp_path)
    message = str(caught.value)
    assert "tea-and-talk.yaml" in message and f"'{field}'" in message and problem in message


def test_not_a_mapping_and_wrong_file_name_and_duplicates(tmp_path):
    (tmp_path / "tea-and-talk.yaml").write_text("- just\n- a list\n")
    with pytest.raises(SparkError, match=r"tea-and-talk\.yaml"):
        SparkLibrary.load(tmp_path)
    (tmp_path / "tea-and-talk.yaml").unlink()
    _write(tmp_path, "other-name", GOOD)
    with pytest.raises(SparkError, match="match the file name"):
        SparkLibrary.load(tmp_path)


def test_a_good_folder_loads(tmp_path):
    _write(tmp_path, "tea-and-talk", GOOD)
    assert [s.id for s in SparkLibrary.load(tmp_path).all()] == ["tea-and-talk"]


def test_for_theme_finds_the_obvious_spark():
    library = SparkLibrary.load()
    assert library.for_theme("carers").id == "carers-lives"
    assert library.for_theme("direct payments and money").id == "money-and-direct-payments"
    assert library.for_theme("zzz") is None


def test_sparks_from_the_chat_form():
    spark = spark_from_form({"title": "Our day", "theme": "Days", "intro": "Talk about days.",
                             "questions": "What is good?\n- What is hard?",
                             "reflection_prompt": "What matters?"}, "our-day")
    assert spark.source == "community" and spark.questions == ("What is good?", "What is hard?")
    assert SparkLibrary([]).with_extra([spark]).get("our-day") == spark
    with pytest.raises(CommandError) as caught:
        spark_from_form({"title": "x", "theme": "y", "intro": "z", "questions": "one?",
                         "reflection_prompt": "p"}, "x")
    assert caught.value.key == "sparks.invalid"
