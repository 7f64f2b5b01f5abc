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

from bot.core.easy_read import MARK
from bot.sparks.library import SparkLibrary

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
    text = MARK.sub("", text)  # an Easy Read idea's picture, named at its start
    text = re.sub(r"\{[^{}]*\}", " ", text)  # placeholders
    text = text.replace("/brew", " ")  # the command prefix is typed, not read as a word
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their words
    text = re.sub(r"^\s*(?:[-*+]|\d+\.)\s+", "", text, flags=re.MULTILINE)  # list markers
    text = re.sub(r"[#*_>`|~]", " ", text)
    return " ".join(text.split())


def _score(text: str) -> float:
    return textstat.flesch_reading_ease(_clean(text))


def _placeholders(text: str) -> set[str]:
    # {/forget me} names a command (see bot/engine/texts.py), not a value to fill in.
    found = (name for _, name, _, _ in string.Formatter().parse(text) if name)
    return {name for name in found if not name.startswith("/")}


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


# The placeholders each template is filled with. The code passes exactly these, so a plain
# template must use all of them and nothing else; its Easy Read version may leave some out.
PLACEHOLDERS: dict[str, set[str]] = {
    "welcome": {"title", "theme"},
    "ground_rules": set(),
    "consent": {"retention"},
    "reminder": {"title", "when", "minutes_text"},
    "breakout_instructions": {"number", "minutes", "questions"},
    "time_warning": {"minutes_left"},
    "gather": set(),
    "reflection_form": {"prompt", "help"},
    "thank_you": {"withdraw_code", "days"},
    "thank_you_web": {"withdraw_code", "days"},
    "privacy_web": {"days"},
    "digest_intro": {"title", "date", "theme"},
    "help_now": set(),
    "closing": set(),
    "benefits_note": set(),
}
SAMPLE = {
    "title": "Being heard",
    "theme": "being heard and taken seriously",
    "retention": "12 months",
    "when": "Tuesday 1 December at 2pm",
    "minutes_text": "That is in 2 hours.",
    "number": 3,
    "minutes": 20,
    "questions": "1. What helps?\n2. What gets in the way?",
    "minutes_left": 5,
    "prompt": "What would help people feel heard?",
    "help": "In an emergency, call 999.",
    "withdraw_code": "12-K7Q2M-9XDAB-CDEFG",
    "days": 7,
    "date": "1 December 2026",
}


def _base(name: str) -> str:
    return name.removesuffix(".md").removesuffix(".easy")


@pytest.mark.parametrize("base", sorted(PLACEHOLDERS))
def test_each_listed_template_exists_in_both_versions(base: str) -> None:
    for name in (f"{base}.md", f"{base}.easy.md"):
        assert name in TEMPLATES, f"prompts/templates/{name} is missing"


class _Filled(dict[str, Any]):
    """Sample values; a command named as {/NAME} becomes what people type."""

    def __missing__(self, key: str) -> str:
        if key.startswith("/"):
            return f"/brew {key[1:]}"
        raise KeyError(key)


def _template_problem(name: str, text: str) -> str | None:
    """What is wrong with a template's placeholders, or None."""
    try:
        used = _placeholders(text)
    except ValueError as exc:  # a single brace that is not a placeholder
        return f"prompts/templates/{name}: {exc}"
    wanted = PLACEHOLDERS.get(_base(name), used)
    if used - wanted:
        return f"prompts/templates/{name} uses {sorted(used - wanted)}"
    if not name.endswith(".easy.md") and wanted - used:
        return f"prompts/templates/{name} leaves out {sorted(wanted - used)}"
    try:
        filled = text.format_map(_Filled({key: SAMPLE[key] for key in wanted}))
    except (KeyError, IndexError, ValueError) as exc:
        return f"prompts/templates/{name} does not format: {exc!r}"
    missing = [key for key in used if str(SAMPLE[key]) not in filled]
    return f"prompts/templates/{name} drops {missing}" if missing else None


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_formats_with_the_listed_placeholders(name: str) -> None:
    assert _template_problem(name, TEMPLATES[name]) is None


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("welcome.md", "Hello {title}, {theme} and {nmae}", "uses ['nmae']"),
        ("consent.md", "We keep nothing.", "leaves out ['retention']"),
        ("gather.md", "A stray { brace", "expected '}'"),
        ("gather.md", "A stray } brace", "Single '}'"),
        ("reminder.md", "{title} {when} {minutes_text} {0}", "uses ['0']"),
    ],
)
def test_the_placeholder_check_can_fail(name: str, text: str, problem: str) -> None:
    found = _template_problem(name, text)
    assert found is not None and name in found and problem in found


def test_easy_read_may_leave_placeholders_out() -> None:
    assert _template_problem("reminder.easy.md", "Over a Brew is on {when}.") is None


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!:])\s+", _clean(text)) if s]


EASY_SENTENCE_WORDS = 15


@pytest.mark.parametrize("name", EASY_TEMPLATES)
def test_easy_read_template_sentences_are_short(name: str) -> None:
    longest = max(_sentences(TEMPLATES[name]), key=lambda s: len(s.split()))
    assert len(longest.split()) <= EASY_SENTENCE_WORDS, f"prompts/templates/{name}: {longest!r}"


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
            # One to a line, so each question's picture mark is at a line's start.
            "easy_read.questions": "\n".join(spark.easy_questions),
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


@pytest.mark.parametrize("spark", SPARKS, ids=lambda spark: spark.id)
def test_easy_read_spark_sentences_are_short(spark: Any) -> None:
    for text in (spark.easy_intro, *spark.easy_questions):
        for sentence in _sentences(text):
            assert len(sentence.split()) <= EASY_SENTENCE_WORDS, (
                f"prompts/sparks/{spark.id}.yaml: easy_read {sentence!r}"
            )
