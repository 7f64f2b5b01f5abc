"""The spark library: the real files cover every topic, and a bad file stops loading with a
message naming the file, the field and what is wrong."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.commands import CommandError
from bot.core.marked import unmark
from bot.engine.texts import Texts
from bot.sparks.library import Spark, SparkError, SparkLibrary, spark_from_form, validate_spark

# Each topic the library must cover, and the spark that covers it.
TOPICS = {
    "going through an assessment or review": "going-through-an-assessment",
    "skills people want from those who support them": "skills-that-matter",
    "building the right relationships": "building-the-right-relationships",
    "moments that matter": "moments-that-matter",
    "finding information and advice": "finding-information-and-advice",
    "what's working and not working": "whats-working-whats-not",
    "moving from children's to adult services": "moving-to-adult-services",
    "being heard": "being-heard",
    "language and labels": "language-and-labels",
    "carers' lives": "carers-lives",
    "money and direct payments": "money-and-direct-payments",
    "getting out and about": "getting-out-and-about",
}
SPARK_FOLDER = resources.files("prompts").joinpath("sparks")
LIBRARY = SparkLibrary.load()

GOOD: dict[str, Any] = {
    "id": "tea-and-talk",
    "title": "Tea and talk",
    "theme": "Talking over tea",
    "intro": "Let us talk about the week.",
    "story": "I had a good week. I saw my friend.",
    "questions": ["What went well?", "What was hard?"],
    "reflection_prompt": "What matters most to you?",
    "minutes": 20,
    "facilitator_notes": "Listen more than you talk.",
    "accessibility_notes": "Go slowly.",
    "easy_read": {
        "intro": "We talk about the week.",
        "questions": ["What was good?", "What was hard?"],
    },
}


def _write(folder: Path, name: str, data: object) -> None:
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _load_error(folder: Path) -> SparkError:
    with pytest.raises(SparkError) as caught:
        SparkLibrary.load(folder)
    return caught.value


# --- the real library ---------------------------------------------------------------------


def test_the_library_has_at_least_twelve_sparks_with_unique_ids() -> None:
    ids = [spark.id for spark in LIBRARY.all()]
    assert len(ids) >= 12
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(("topic", "spark_id"), TOPICS.items(), ids=list(TOPICS))
def test_the_library_covers_the_topic(topic: str, spark_id: str) -> None:
    spark = LIBRARY.get(spark_id)
    assert spark is not None, f"no spark for {topic!r}: prompts/sparks/{spark_id}.yaml"
    assert spark.source == "library"


def test_each_id_is_its_file_name() -> None:
    files = sorted(e.name for e in SPARK_FOLDER.iterdir() if e.name.endswith(".yaml"))
    for name in files:
        data = yaml.safe_load(SPARK_FOLDER.joinpath(name).read_text(encoding="utf-8"))
        assert data["id"] == name.removesuffix(".yaml"), name
    assert sorted(f"{spark.id}.yaml" for spark in LIBRARY.all()) == files


def test_all_is_sorted_by_title() -> None:
    titles = [spark.title.lower() for spark in LIBRARY.all()]
    assert titles == sorted(titles)


@pytest.mark.parametrize("spark", LIBRARY.all(), ids=lambda spark: spark.id)
def test_each_spark_fits_a_session(spark: Spark) -> None:
    where = f"prompts/sparks/{spark.id}.yaml"
    if spark.story is not None:
        words = len(spark.story.split())
        assert 80 <= words <= 160, f"{where}: story is {words} words"
    assert 10 <= spark.minutes <= 30, where
    assert 2 <= len(spark.questions) <= 4, where
    assert len(spark.easy_questions) == len(spark.questions), where


def test_the_library_tells_stories() -> None:
    # Stories are optional per spark, but every topic in the library has one.
    assert [s.id for s in LIBRARY.all() if s.story is None] == []


@pytest.mark.parametrize("spark", LIBRARY.all(), ids=lambda spark: spark.id)
def test_no_spark_uses_words_people_object_to(spark: Spark) -> None:
    words = " ".join(str(value) for value in spark.to_dict().values())
    for pattern in (r"service[\s-]+users?", r"\bunskilled\b"):
        assert not re.search(pattern, words, re.IGNORECASE), (spark.id, pattern)


# --- validation: each rule names the file, the field and the problem -----------------------

BAD_CASES = [
    ("unknown-field", {"colour": "blue"}, "colour", "is not a spark field"),
    ("capitals-in-id", {"id": "Tea And Talk"}, "id", "lowercase words joined by hyphens"),
    ("double-hyphen-id", {"id": "tea--and-talk"}, "id", "lowercase words joined by hyphens"),
    ("id-not-text", {"id": 12}, "id", "lowercase words joined by hyphens"),
    ("id-too-long", {"id": "-".join(["tea"] * 20)}, "id", "at most 64 characters"),
    ("minutes-too-few", {"minutes": 4}, "minutes", "from 5 to 60 (found 4)"),
    ("minutes-too-many", {"minutes": 61}, "minutes", "from 5 to 60 (found 61)"),
    ("minutes-not-a-number", {"minutes": "twenty"}, "minutes", "whole number"),
    ("minutes-a-fraction", {"minutes": 20.5}, "minutes", "whole number"),
    ("minutes-yes", {"minutes": True}, "minutes", "whole number"),
    ("one-question", {"questions": ["Only one?"]}, "questions", "2 to 4 items (found 1)"),
    (
        "five-questions",
        {"questions": ["a?", "b?", "c?", "d?", "e?"]},
        "questions",
        "2 to 4 items (found 5)",
    ),
    ("questions-not-a-list", {"questions": "What went well?"}, "questions", "a list of questions"),
    ("blank-question", {"questions": ["What went well?", " "]}, "questions", "a list"),
    (
        "question-too-long",
        {"questions": ["What went well?", "w" * 301]},
        "questions",
        "item 2 must be at most 300 characters (found 301)",
    ),
    ("blank-intro", {"intro": "   "}, "intro", "must be some text"),
    ("intro-too-long", {"intro": "a " * 601}, "intro", "at most 1200 characters"),
    ("title-too-long", {"title": "x" * 81}, "title", "at most 80 characters (found 81)"),
    ("title-not-text", {"title": ["Tea"]}, "title", "must be some text"),
    ("theme-blank", {"theme": ""}, "theme", "must be some text"),
    ("story-not-text", {"story": 7}, "story", "must be some text"),
    ("story-too-long", {"story": "word " * 400}, "story", "at most 1500 characters"),
    ("prompt-too-long", {"reflection_prompt": "p" * 301}, "reflection_prompt", "at most 300"),
    ("notes-missing", {"facilitator_notes": None}, "facilitator_notes", "must be some text"),
    ("access-blank", {"accessibility_notes": " "}, "accessibility_notes", "must be some text"),
    ("easy-read-missing", {"easy_read": None}, "easy_read", "must have 'intro' and 'questions'"),
    ("easy-read-a-list", {"easy_read": ["We talk."]}, "easy_read", "must have 'intro'"),
    (
        "easy-read-extra-field",
        {"easy_read": {**GOOD["easy_read"], "story": "x"}},
        "easy_read.story",
        "is not an Easy Read field",
    ),
    (
        "easy-read-intro-blank",
        {"easy_read": {**GOOD["easy_read"], "intro": ""}},
        "easy_read.intro",
        "must be some text",
    ),
    (
        "easy-read-count-mismatch",
        {"easy_read": {"intro": "We talk.", "questions": ["a?", "b?", "c?"]}},
        "easy_read.questions",
        "as many items as 'questions' (2, found 3)",
    ),
]


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [case[1:] for case in BAD_CASES],
    ids=[case[0] for case in BAD_CASES],
)
def test_a_bad_spark_file_names_file_field_and_problem(
    tmp_path: Path, change: dict[str, Any], field: str, problem: str
) -> None:
    data = {**GOOD, **change}
    # A bad id cannot also be the file name, so the file keeps the good name.
    _write(tmp_path, "tea-and-talk", data)
    error = _load_error(tmp_path)
    message = str(error)
    assert message.startswith(f"{tmp_path}/tea-and-talk.yaml: field '{field}' ")
    assert problem in message
    assert (error.field, problem in error.problem) == (field, True)


@pytest.mark.parametrize("field", sorted(set(GOOD) - {"story"}))
def test_every_field_but_the_story_is_required(tmp_path: Path, field: str) -> None:
    _write(tmp_path, "tea-and-talk", {k: v for k, v in GOOD.items() if k != field})
    error = _load_error(tmp_path)
    assert "tea-and-talk.yaml" in str(error) and f"field '{field}'" in str(error)


def test_validate_spark_names_the_source_it_is_given() -> None:
    with pytest.raises(SparkError) as caught:
        validate_spark({**GOOD, "minutes": 90}, "prompts/sparks/being-heard.yaml")
    assert str(caught.value) == (
        "prompts/sparks/being-heard.yaml: field 'minutes' must be a whole number "
        "from 5 to 60 (found 90)"
    )


def test_validate_spark_tidies_text() -> None:
    spark = validate_spark(
        {**GOOD, "title": "  Tea\n and   talk ", "questions": ["  What went\n well? ", "Why?"]},
        "x",
    )
    assert spark.title == "Tea and talk"
    assert spark.questions == ("What went well?", "Why?")
    assert spark.story == GOOD["story"] and spark.source == "library"


def test_the_story_may_be_left_out(tmp_path: Path) -> None:
    _write(tmp_path, "tea-and-talk", {k: v for k, v in GOOD.items() if k != "story"})
    spark = SparkLibrary.load(tmp_path).get("tea-and-talk")
    assert spark is not None and spark.story is None


def test_a_file_that_is_not_a_mapping_is_named(tmp_path: Path) -> None:
    (tmp_path / "tea-and-talk.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    message = str(_load_error(tmp_path))
    assert "tea-and-talk.yaml" in message
    assert "must hold the spark's fields" in message


def test_a_file_that_is_not_yaml_is_named_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "tea-and-talk.yaml").write_text("id: tea\ntitle: [unclosed\n", encoding="utf-8")
    message = str(_load_error(tmp_path))
    assert message.startswith(f"{tmp_path}/tea-and-talk.yaml: is not valid YAML at line ")


def test_an_id_that_is_not_the_file_name_is_named(tmp_path: Path) -> None:
    _write(tmp_path, "other-name", GOOD)
    message = str(_load_error(tmp_path))
    assert message == (
        f"{tmp_path}/other-name.yaml: field 'id' must match the file name ('tea-and-talk' found)"
    )


@pytest.mark.parametrize("copy", ["tea-and-talk-again", "a-copy"])
def test_a_duplicate_id_blames_the_copy(tmp_path: Path, copy: str) -> None:
    # Someone copied a spark to start a new one and forgot to change the id. The copy is
    # named whether it sorts before or after the original.
    _write(tmp_path, "tea-and-talk", GOOD)
    _write(tmp_path, copy, GOOD)
    message = str(_load_error(tmp_path))
    assert message == (
        f"{tmp_path}/{copy}.yaml: field 'id' repeats the id in {tmp_path}/tea-and-talk.yaml"
    )


def test_the_first_bad_file_stops_loading(tmp_path: Path) -> None:
    _write(tmp_path, "a-good-one", {**GOOD, "id": "a-good-one"})
    _write(tmp_path, "b-bad-one", {**GOOD, "id": "b-bad-one", "minutes": 0})
    _write(tmp_path, "c-bad-too", {**GOOD, "id": "c-bad-too", "title": ""})
    message = str(_load_error(tmp_path))
    assert "b-bad-one.yaml" in message and "c-bad-too" not in message


def test_a_good_folder_loads_and_ignores_other_files(tmp_path: Path) -> None:
    _write(tmp_path, "tea-and-talk", GOOD)
    (tmp_path / "README.md").write_text("Not a spark.", encoding="utf-8")
    library = SparkLibrary.load(tmp_path)
    assert [spark.id for spark in library.all()] == ["tea-and-talk"]
    spark = library.get("tea-and-talk")
    assert spark is not None and spark.source == "library"
    assert spark.easy_intro == "We talk about the week."
    assert spark.easy_questions == ("What was good?", "What was hard?")
    assert library.get("nothing-here") is None


# --- storing a spark as JSON --------------------------------------------------------------


@pytest.mark.parametrize(
    "spark",
    [
        *LIBRARY.all()[:2],
        spark_from_form(
            {
                "title": "Our day centre",
                "theme": "Day centres",
                "intro": "Let us talk about the day centre.",
                "questions": "What is good?\nWhat would you change?",
                "reflection_prompt": "What one thing would help?",
            },
            "our-day-centre",
        ),
    ],
    ids=lambda spark: spark.id,
)
def test_a_spark_survives_json(spark: Spark) -> None:
    stored = json.dumps(spark.to_dict(), sort_keys=True)
    assert Spark.from_dict(json.loads(stored)) == spark


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"questions": ["Only one?"]}, "questions"),
        ({"easy_questions": None}, "easy_read.questions"),
        ({"source": "somewhere"}, "source"),
        ({"colour": "blue"}, "colour"),
        ({"minutes": "20"}, "minutes"),
    ],
)
def test_damaged_stored_data_is_refused(change: dict[str, Any], field: str) -> None:
    data = {**LIBRARY.all()[0].to_dict(), **change}
    with pytest.raises(SparkError) as caught:
        Spark.from_dict(data)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"stored spark {data['id']!r}: field '{field}'")


# --- finding sparks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("theme", "spark_id"),
    [
        ("Carers' lives", "carers-lives"),
        ("Being a carer", "carers-lives"),
        ("Being heard", "being-heard"),
        ("direct payments and money", "money-and-direct-payments"),
        ("moving from children's services", "moving-to-adult-services"),
        ("Transition to adulthood", "moving-to-adult-services"),
        ("getting out and about in town", "getting-out-and-about"),
        ("the words and labels we use", "language-and-labels"),
        ("my assessment", "going-through-an-assessment"),
        ("Annual reviews", "going-through-an-assessment"),
        ("Where to find information", "finding-information-and-advice"),
        ("What's working?", "whats-working-whats-not"),
    ],
)
def test_for_theme_finds_the_obvious_spark(theme: str, spark_id: str) -> None:
    found = LIBRARY.for_theme(theme)
    assert found is not None and found.id == spark_id, (theme, found and found.id)


@pytest.mark.parametrize("theme", ["zzz qqq", "", "Care and support for people", "the"])
def test_for_theme_finds_nothing_without_a_telling_word(theme: str) -> None:
    assert LIBRARY.for_theme(theme) is None


def test_for_theme_prefers_the_rarer_word(tmp_path: Path) -> None:
    common = {"theme": "Tea together", "intro": "x"}
    _write(tmp_path, "tea-one", {**GOOD, **common, "id": "tea-one", "title": "Tea one"})
    _write(tmp_path, "tea-two", {**GOOD, **common, "id": "tea-two", "title": "Tea garden"})
    library = SparkLibrary.load(tmp_path)
    found = library.for_theme("tea in the garden")
    assert found is not None and found.id == "tea-two"


# --- sparks from the chat form ------------------------------------------------------------

FORM = {
    "title": "Our day centre",
    "theme": "Day centres",
    "intro": "Let us talk about the day centre.",
    "questions": "1. What is good about it?\n- What would you change?\n\n",
    "reflection_prompt": "What one thing would make the day centre better?",
}


def test_a_spark_from_the_chat_form() -> None:
    spark = spark_from_form(FORM, "our-day-centre")
    assert spark.id == "our-day-centre" and spark.source == "community"
    assert spark.title == "Our day centre" and spark.theme == "Day centres"
    assert spark.questions == ("What is good about it?", "What would you change?")
    assert spark.intro == "Let us talk about the day centre."
    assert spark.reflection_prompt == FORM["reflection_prompt"]
    assert spark.story is None
    # Easy Read falls back to the plain words when the form gives none.
    assert spark.easy_intro == spark.intro
    assert spark.easy_questions == spark.questions


def test_a_form_may_give_its_own_easy_read() -> None:
    spark = spark_from_form(
        {**FORM, "easy_intro": "We talk about the day centre.", "easy_questions": "Good?\nBad?"},
        "our-day-centre",
    )
    assert spark.easy_intro == "We talk about the day centre."
    assert spark.easy_questions == ("Good?", "Bad?")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"questions": "Only one?"}, "the questions must have 2 to 4 items (found 1)"),
        ({"questions": ""}, "the questions must have 2 to 4 items (found 0)"),
        ({"questions": "a?\nb?\nc?\nd?\ne?"}, "the questions must have 2 to 4 items (found 5)"),
        ({"title": "t" * 81}, "the title must be at most 80 characters (found 81)"),
        ({"title": "  "}, "the title must be some text"),
        ({"reflection_prompt": ""}, "the reflection prompt must be some text"),
        (
            {"easy_questions": "Just one?"},
            "the Easy Read questions must have 2 to 4 items (found 1)",
        ),
    ],
)
def test_a_bad_form_raises_a_command_error_saying_what_is_wrong(
    change: dict[str, str], problem: str
) -> None:
    with pytest.raises(CommandError) as caught:
        spark_from_form({**FORM, **change}, "our-day-centre")
    assert caught.value.key == "sparks.invalid"
    assert caught.value.values == {"problem": problem}


def test_a_bad_id_from_the_caller_is_refused() -> None:
    with pytest.raises(CommandError) as caught:
        spark_from_form(FORM, "Our Day Centre")
    assert "the id must be lowercase words" in caught.value.values["problem"]


def test_the_form_problem_reads_as_a_sentence() -> None:
    with pytest.raises(CommandError) as caught:
        spark_from_form({**FORM, "questions": "Only one?"}, "our-day-centre")
    said = unmark(Texts.load().t(caught.value.key, **caught.value.values))
    assert said == (
        "Your spark could not be added: the questions must have 2 to 4 items (found 1). "
        "Please change it and try again."
    )


# --- a community's own sparks -------------------------------------------------------------


def test_with_extra_adds_a_community_spark_and_leaves_the_library_alone() -> None:
    spark = spark_from_form(FORM, "our-day-centre")
    bigger = LIBRARY.with_extra([spark])
    assert bigger.get("our-day-centre") == spark
    assert len(bigger.all()) == len(LIBRARY.all()) + 1
    assert spark in bigger.all()
    assert LIBRARY.get("our-day-centre") is None
    assert bigger.get("carers-lives") == LIBRARY.get("carers-lives")


def test_a_community_spark_with_a_library_id_wins_in_that_community() -> None:
    own = replace(spark_from_form(FORM, "carers-lives"), title="Carers here")
    bigger = LIBRARY.with_extra([own])
    assert bigger.get("carers-lives") == own
    assert len(bigger.all()) == len(LIBRARY.all())
    library_one = LIBRARY.get("carers-lives")
    assert library_one is not None and library_one.source == "library"
