"""The spark library: short activities that start people talking, one YAML file each in
prompts/sparks/, validated at start-up (a bad file stops start-up naming the file, the field
and what is wrong). Facilitators can add their own from chat; those are stored per community
and validated the same way."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.core.commands import CommandError

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FIELDS = {
    "id",
    "title",
    "theme",
    "intro",
    "story",
    "questions",
    "reflection_prompt",
    "minutes",
    "facilitator_notes",
    "accessibility_notes",
    "easy_read",
}
LIMITS = {
    "title": 80,
    "theme": 80,
    "intro": 1200,
    "story": 1500,
    "reflection_prompt": 300,
    "facilitator_notes": 1500,
    "accessibility_notes": 1000,
}
QUESTION_LIMIT = 300


class SparkError(Exception):
    """A spark is not valid. The message names the file, the field and what is wrong."""


@dataclass(frozen=True)
class Spark:
    id: str
    title: str
    theme: str
    intro: str
    story: str | None
    questions: tuple[str, ...]
    reflection_prompt: str
    minutes: int
    facilitator_notes: str
    accessibility_notes: str
    easy_intro: str
    easy_questions: tuple[str, ...]
    source: str = "library"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["questions"] = list(self.questions)
        data["easy_questions"] = list(self.easy_questions)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Spark:
        return cls(
            **{
                **data,
                "questions": tuple(data["questions"]),
                "easy_questions": tuple(data["easy_questions"]),
            }
        )


def _text(data: dict[str, Any], field: str, where: str, *, required: bool = True) -> str | None:
    value = data.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SparkError(f"{where}: field '{field}' must be some text")
    value = " ".join(value.split()) if field in ("title", "theme") else value.strip()
    limit = LIMITS.get(field)
    if limit and len(value) > limit:
        raise SparkError(
            f"{where}: field '{field}' must be at most {limit} characters (found {len(value)})"
        )
    return value


def _questions(value: object, where: str, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(q, str) and q.strip() for q in value):
        raise SparkError(f"{where}: field '{field}' must be a list of questions")
    if not 2 <= len(value) <= 4:
        raise SparkError(f"{where}: field '{field}' must have 2 to 4 items (found {len(value)})")
    for question in value:
        if len(question) > QUESTION_LIMIT:
            raise SparkError(
                f"{where}: field '{field}' has a question over {QUESTION_LIMIT} characters"
            )
    return tuple(q.strip() for q in value)


def validate_spark(data: object, source_name: str) -> Spark:
    """Check one spark's fields; raise SparkError naming the file, field and problem."""
    where = source_name
    if not isinstance(data, dict):
        raise SparkError(f"{where}: the file must hold the spark's fields (found no fields)")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise SparkError(f"{where}: field '{unknown[0]}' is not a spark field")
    spark_id = data.get("id")
    if not isinstance(spark_id, str) or not ID_PATTERN.match(spark_id) or len(spark_id) > 64:
        raise SparkError(f"{where}: field 'id' must be lowercase words joined by hyphens")
    minutes = data.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 5 <= minutes <= 60:
        raise SparkError(f"{where}: field 'minutes' must be a whole number from 5 to 60")
    questions = _questions(data.get("questions"), where, "questions")
    easy = data.get("easy_read")
    if not isinstance(easy, dict) or set(easy) - {"intro", "questions"}:
        raise SparkError(f"{where}: field 'easy_read' must have 'intro' and 'questions'")
    easy_intro = _text(easy, "intro", where)
    easy_questions = _questions(easy.get("questions"), where, "easy_read.questions")
    if len(easy_questions) != len(questions):
        raise SparkError(
            f"{where}: field 'easy_read.questions' must have as many items as "
            f"'questions' ({len(questions)})"
        )
    return Spark(
        id=spark_id,
        title=_text(data, "title", where),
        theme=_text(data, "theme", where),
        intro=_text(data, "intro", where),
        story=_text(data, "story", where, required=False),
        questions=questions,
        reflection_prompt=_text(data, "reflection_prompt", where),
        minutes=minutes,
        facilitator_notes=_text(data, "facilitator_notes", where),
        accessibility_notes=_text(data, "accessibility_notes", where),
        easy_intro=easy_intro,
        easy_questions=easy_questions,
    )


def spark_from_form(values: dict[str, str], spark_id: str) -> Spark:
    """A facilitator's own spark from the chat form, validated like a library file."""
    questions = [q.strip(" -•\t") for q in (values.get("questions") or "").splitlines()]
    questions = [q for q in questions if q]
    data = {
        "id": spark_id,
        "title": values.get("title"),
        "theme": values.get("theme"),
        "intro": values.get("intro"),
        "questions": questions,
        "reflection_prompt": values.get("reflection_prompt"),
        "minutes": 20,
        "facilitator_notes": "-",
        "accessibility_notes": "-",
        "easy_read": {"intro": values.get("intro"), "questions": questions},
    }
    try:
        spark = validate_spark(data, "your spark")
    except SparkError as exc:
        problem = str(exc).removeprefix("your spark: ")
        raise CommandError("sparks.invalid", problem=problem) from None
    return replace(spark, source="community")


class SparkLibrary:
    def __init__(self, sparks: Iterable[Spark]) -> None:
        self._by_id: dict[str, Spark] = {}
        for spark in sparks:
            self._by_id[spark.id] = spark

    @classmethod
    def load(cls, root: Path | None = None) -> SparkLibrary:
        """Every spark file, validated; duplicate ids refused."""
        folder = root or resources.files("prompts").joinpath("sparks")
        sparks: list[Spark] = []
        seen: dict[str, str] = {}
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".yaml"):
                continue
            where = f"prompts/sparks/{entry.name}"
            try:
                data = yaml.safe_load(entry.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise SparkError(f"{where}: not valid YAML ({exc.__class__.__name__})") from exc
            spark = validate_spark(data, where)
            # Repeats first: a copied file's id is then reported as the copy it is.
            if spark.id in seen:
                raise SparkError(f"{where}: field 'id' repeats {seen[spark.id]}")
            if spark.id != entry.name.removesuffix(".yaml"):
                raise SparkError(f"{where}: field 'id' must match the file name")
            seen[spark.id] = where
            sparks.append(spark)
        return cls(sparks)

    def all(self) -> list[Spark]:
        return sorted(self._by_id.values(), key=lambda s: s.title.lower())

    def get(self, spark_id: str) -> Spark | None:
        return self._by_id.get(spark_id)

    def for_theme(self, theme: str) -> Spark | None:
        """The spark whose title and theme share most words with `theme`, if any."""
        wanted = set(re.findall(r"[a-z]{3,}", theme.lower()))
        best, score = None, 0
        for spark in self.all():
            have = set(re.findall(r"[a-z]{3,}", f"{spark.title} {spark.theme}".lower()))
            if len(wanted & have) > score:
                best, score = spark, len(wanted & have)
        return best

    def with_extra(self, sparks: Iterable[Spark]) -> SparkLibrary:
        return SparkLibrary([*self._by_id.values(), *sparks])
