"""Every participant-facing text reads easily: Flesch reading ease >= 60, Easy Read >= 70."""

import re
import string
from importlib import resources

import pytest
import textstat

from bot.services.sparks import SparkLibrary
from bot.services.texts import Texts

PLAIN_MIN, EASY_MIN = 60, 70
TEXTS = Texts.load()
SPARKS = SparkLibrary.load().all()


def _clean(text: str) -> str:
    text = re.sub(r"\{[a-z_]+\}", "it", text)
    text = text.replace("/brew", "")
    return re.sub(r"[#*_>`|]", " ", text)


def _score(text: str) -> float:
    return textstat.flesch_reading_ease(_clean(text))


PLAIN_TEMPLATES = [n for n in TEXTS.template_names() if not n.endswith(".easy")]
EASY_TEMPLATES = [n for n in TEXTS.template_names() if n.endswith(".easy")]


@pytest.mark.parametrize("name", PLAIN_TEMPLATES)
def test_templates_read_easily(name):
    assert _score(TEXTS.templates[name]) >= PLAIN_MIN, f"prompts/templates/{name}.md"


@pytest.mark.parametrize("name", EASY_TEMPLATES)
def test_easy_read_templates_read_very_easily(name):
    assert _score(TEXTS.templates[name]) >= EASY_MIN, f"prompts/templates/{name}.md"


@pytest.mark.parametrize("name", PLAIN_TEMPLATES)
def test_every_template_has_an_easy_read_version_with_the_same_placeholders(name):
    assert f"{name}.easy" in TEXTS.templates, f"prompts/templates/{name}.easy.md is missing"

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    plain, easy = TEXTS.templates[name], TEXTS.templates[f"{name}.easy"]
    assert fields(easy) <= fields(plain), name
    sample = dict.fromkeys(fields(plain), "x")
    TEXTS.template(name, **sample)
    TEXTS.template(name, easy=True, **sample)


@pytest.mark.parametrize("spark", SPARKS, ids=lambda s: s.id)
def test_spark_texts_read_easily(spark):
    parts = {"intro": spark.intro, "questions": " ".join(spark.questions),
             "reflection_prompt": spark.reflection_prompt}
    if spark.story:
        parts["story"] = spark.story
    for field, text in parts.items():
        assert _score(text) >= PLAIN_MIN, f"prompts/sparks/{spark.id}.yaml: {field}"
    easy = {"easy_read.intro": spark.easy_intro,
            "easy_read.questions": " ".join(spark.easy_questions)}
    for field, text in easy.items():
        assert _score(text) >= EASY_MIN, f"prompts/sparks/{spark.id}.yaml: {field}"


def test_the_scorer_can_fail():
    hard = ("Notwithstanding the aforementioned considerations, commissioning organisations "
            "must operationalise multidisciplinary interventions expeditiously.")
    assert _score(hard) < PLAIN_MIN
    assert resources.files("prompts").joinpath("templates").is_dir()
