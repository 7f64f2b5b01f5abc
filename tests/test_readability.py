"""Every participant-facing text reads easily: Flesch reading ease of at least 60 for plain
English, and at least 70 for Easy Read. Markdown symbols, `/brew` commands and `{placeholders}`
are stripped first, because they are not words a person reads."""

from __future__ import annotations

import re
import string
from importlib import resources
from typing import Any

import pytest
import textstat

from bot.services.sparks import SparkLibrary

PLAIN_MIN, EASY_MIN = 60, 70
TEMPLATE_FOLDER = resources.files("prompts").joinpath("templates")
TEMPLATES = {
    entry.name: entry.read_text(encoding="utf-8")
    for entry in TEMPLATE_FOLDER.iterdir()
    if entry.name.endswith(".md")
}
PLAIN_TEMPLATES = sorted(name for name in TEMPLATES if not name.endswith(".easy.md"))
EASY_TEMPLATES = sorted(name for name in TEMPLATES if name.endswith(".easy.md"))
SPARKS = SparkLibrary.load().all()


def _clean(text: str) -> str:
    text = re.sub(r"\{[^{}]*\}", " ", text)  # placeholders
    text = text.replace("/brew", " ")  # the command prefix is typed, not read as a word
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their words
    text = re.sub(r"^\s*(?:[-*+]|\d+\.)\s+", "", text, flags=re.MULTILINE)  # list markers
    text = re.sub(r"[#*_>`|~]", " ", text)
    return " ".join(text.split())


def _score(text: str) -> float:
    return textstat.flesch_reading_ease(_clean(text))


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# --- the scorer itself ----------------------------------------------------------------------


def test_cleaning_removes_markdown_commands_and_placeholders() -> None:
    cleaned = _clean(
        "# Hello {name}\n\n- Type **/brew forget me** now.\n- See [the page](http://x)"
    )
    assert cleaned == "Hello Type forget me now. See the page"


def test_the_scorer_can_fail() -> None:
    hard = (
        "Notwithstanding the aforementioned considerations, commissioning organisations "
        "must operationalise multidisciplinary interventions expeditiously."
    )
    assert _score(hard) < PLAIN_MIN
    assert _score("We talk. You listen. We have tea.") >= EASY_MIN


# --- templates -------------------------------------------------------------------------------


def test_there_are_templates_to_check() -> None:
    assert PLAIN_TEMPLATES and EASY_TEMPLATES


@pytest.mark.parametrize("name", PLAIN_TEMPLATES)
def test_template_reads_easily(name: str) -> None:
    score = _score(TEMPLATES[name])
    assert score >= PLAIN_MIN, f"prompts/templates/{name} scores {score:.0f}"


@pytest.mark.parametrize("name", EASY_TEMPLATES)
def test_easy_read_template_reads_very_easily(name: str) -> None:
    score = _score(TEMPLATES[name])
    assert score >= EASY_MIN, f"prompts/templates/{name} scores {score:.0f}"


@pytest.mark.parametrize("name", PLAIN_TEMPLATES)
def test_template_has_an_easy_read_version(name: str) -> None:
    easy = name.removesuffix(".md") + ".easy.md"
    assert easy in TEMPLATES, f"prompts/templates/{easy} is missing"


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_formats_with_its_placeholders(name: str) -> None:
    text = TEMPLATES[name]
    sample = {field: f"<{field}>" for field in _placeholders(text)}
    filled = text.format(**sample)  # a KeyError or stray brace fails here, naming the file
    for field in sample:
        assert f"<{field}>" in filled, f"prompts/templates/{name}: {{{field}}}"


@pytest.mark.parametrize("name", EASY_TEMPLATES)
def test_easy_read_template_asks_for_nothing_the_plain_one_lacks(name: str) -> None:
    # Code fills both versions from the same values, so Easy Read may use fewer, never more.
    plain = TEMPLATES.get(name.removesuffix(".easy.md") + ".md", "")
    extra = _placeholders(TEMPLATES[name]) - _placeholders(plain)
    assert not extra, f"prompts/templates/{name} needs {sorted(extra)}"


# --- sparks ----------------------------------------------------------------------------------


def _spark_texts() -> list[Any]:
    cases = []
    for spark in SPARKS:
        where = f"prompts/sparks/{spark.id}.yaml"
        plain = {
            "intro": spark.intro,
            "story": spark.story,
            # Short questions score oddly alone, so a spark's questions are scored as one text.
            "questions": " ".join(spark.questions),
            "reflection_prompt": spark.reflection_prompt,
        }
        easy = {
            "easy_read.intro": spark.easy_intro,
            "easy_read.questions": " ".join(spark.easy_questions),
        }
        for field, text in plain.items():
            if text:
                cases.append(pytest.param(where, field, text, PLAIN_MIN, id=f"{spark.id}:{field}"))
        for field, text in easy.items():
            cases.append(pytest.param(where, field, text, EASY_MIN, id=f"{spark.id}:{field}"))
    return cases


def test_there_are_sparks_to_check() -> None:
    assert len(SPARKS) >= 12


@pytest.mark.parametrize(("where", "field", "text", "minimum"), _spark_texts())
def test_spark_text_reads_easily(where: str, field: str, text: str, minimum: int) -> None:
    score = _score(text)
    assert score >= minimum, f"{where}: {field} scores {score:.0f}, needs {minimum}"
