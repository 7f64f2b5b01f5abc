"""The spark library: short activities that start people talking, one YAML file each in
prompts/sparks/, validated at start-up (a bad file stops start-up naming the file, the field
and what is wrong). Facilitators can add their own from chat; those are stored per community
as JSON and validated the same way when they are written and when they are read back."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from bot.core.commands import CommandError
from bot.core.marked import Own, mark
from bot.core.messages import Section
from bot.core.yaml_data import DataFileError, load_yaml
from bot.engine.texts import marked_ideas

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID_MAX = 64
FIELDS = frozenset(
    {
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
)
EASY_FIELDS = frozenset({"intro", "questions"})
# Character limits. Title, intro and question limits are the product's; the others keep a
# spark within one chat message and within the chat form's field sizes.
LIMITS = {
    "title": 80,
    "theme": 80,
    "intro": 1200,
    "story": 1500,
    "reflection_prompt": 300,
    "facilitator_notes": 1500,
    "accessibility_notes": 1000,
    "easy_read.intro": 1200,
}
QUESTION_LIMIT = 300
QUESTIONS_MIN, QUESTIONS_MAX = 2, 4
MINUTES_MIN, MINUTES_MAX = 5, 60
LIBRARY, COMMUNITY = "library", "community"
# What a spark added from chat gets for the fields the chat form does not ask for.
FORM_MINUTES = 20
FORM_NOTE = "-"


class SparkError(DataFileError):
    """A spark is not valid. The message names the file, the field and what is wrong."""

    def __init__(self, source: str, field: str | None, problem: str) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        where = f"field '{field}' " if field else ""
        super().__init__(f"{source}: {where}{problem}")


@dataclass(frozen=True)
class EasyIdeas:
    """A spark in Easy Read: its intro, and each of its questions, as ideas."""

    intro: tuple[Section, ...]
    questions: tuple[tuple[Section, ...], ...]  # each question's ideas

    @property
    def question_ideas(self) -> tuple[Section, ...]:
        """Every question's ideas, one after another."""
        return tuple(idea for question in self.questions for idea in question)


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
    source: str = LIBRARY

    def said(self, words: str) -> str:
        """Some of this spark's words, for a message: a community's own spark was typed by a
        facilitator, so its words are marked as typed (bot/core/marked.py) and shown as
        written; the library's are Brewbot's own, Markdown and all."""
        return Own(words) if self.source == LIBRARY else mark(words)

    def easy_ideas(self) -> EasyIdeas:
        """The Easy Read intro and each question as ideas beside their pictures, as every
        front-end shows them (the chat's Easy Read button, the session's web page)."""
        return EasyIdeas(
            self._said_ideas(self.easy_intro),
            tuple(self._said_ideas(question) for question in self.easy_questions),
        )

    def _said_ideas(self, text: str) -> tuple[Section, ...]:
        return tuple(replace(idea, body=self.said(idea.body)) for idea in marked_ideas(text))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values, one key per field (the shape stored for community sparks)."""
        data = asdict(self)
        data["questions"] = list(self.questions)
        data["easy_questions"] = list(self.easy_questions)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Spark:
        """A spark stored with `to_dict`, checked again: stored data can be old or damaged."""
        if not isinstance(data, Mapping):
            raise SparkError("stored spark", None, "must hold the spark's fields")
        fields = dict(data)
        name = f"stored spark {fields.get('id')!r}"
        source = fields.pop("source", LIBRARY)
        if source not in (LIBRARY, COMMUNITY):
            raise SparkError(name, "source", f"must be '{LIBRARY}' or '{COMMUNITY}'")
        # Back to the shape of a spark file, so one function does all the checking.
        fields["easy_read"] = {
            "intro": fields.pop("easy_intro", None),
            "questions": _as_list(fields.pop("easy_questions", None)),
        }
        fields["questions"] = _as_list(fields.get("questions"))
        return replace(validate_spark(fields, name), source=source)


def _as_list(value: object) -> object:
    # JSON has no tuples; a tuple here came from a caller that skipped JSON.
    return list(value) if isinstance(value, tuple) else value


def _text(data: Mapping[str, Any], field: str, where: str, *, name: str = "") -> str:
    name = name or field
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise SparkError(where, name, "must be some text")
    # Titles and themes are one line; longer texts keep their paragraph breaks.
    value = " ".join(value.split()) if field in ("title", "theme") else value.strip()
    limit = LIMITS.get(name)
    if limit and len(value) > limit:
        raise SparkError(where, name, f"must be at most {limit} characters (found {len(value)})")
    return value


def _questions(value: object, where: str, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(q, str) and q.strip() for q in value):
        raise SparkError(where, field, "must be a list of questions")
    if not QUESTIONS_MIN <= len(value) <= QUESTIONS_MAX:
        raise SparkError(
            where,
            field,
            f"must have {QUESTIONS_MIN} to {QUESTIONS_MAX} items (found {len(value)})",
        )
    questions = tuple(" ".join(q.split()) for q in value)
    for number, question in enumerate(questions, start=1):
        if len(question) > QUESTION_LIMIT:
            raise SparkError(
                where,
                field,
                f"item {number} must be at most {QUESTION_LIMIT} characters "
                f"(found {len(question)})",
            )
    return questions


def validate_spark(data: object, source_name: str) -> Spark:
    """Check one spark's fields; raise SparkError naming the file, field and problem."""
    where = source_name
    if not isinstance(data, Mapping):
        raise SparkError(where, None, "must hold the spark's fields (found no fields)")
    unknown = sorted(str(key) for key in set(data) - FIELDS)
    if unknown:
        raise SparkError(where, unknown[0], "is not a spark field")
    spark_id = data.get("id")
    if not isinstance(spark_id, str) or not ID_PATTERN.match(spark_id):
        raise SparkError(where, "id", "must be lowercase words joined by hyphens")
    if len(spark_id) > ID_MAX:
        raise SparkError(where, "id", f"must be at most {ID_MAX} characters")
    title = _text(data, "title", where)
    theme = _text(data, "theme", where)
    intro = _text(data, "intro", where)
    story = None if data.get("story") is None else _text(data, "story", where)
    questions = _questions(data.get("questions"), where, "questions")
    reflection_prompt = _text(data, "reflection_prompt", where)
    minutes = data.get("minutes")
    # bool is an int in Python, and "minutes: yes" is a YAML boolean.
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        raise SparkError(
            where, "minutes", f"must be a whole number from {MINUTES_MIN} to {MINUTES_MAX}"
        )
    if not MINUTES_MIN <= minutes <= MINUTES_MAX:
        raise SparkError(
            where,
            "minutes",
            f"must be a whole number from {MINUTES_MIN} to {MINUTES_MAX} (found {minutes})",
        )
    facilitator_notes = _text(data, "facilitator_notes", where)
    accessibility_notes = _text(data, "accessibility_notes", where)
    easy = data.get("easy_read")
    if not isinstance(easy, Mapping):
        raise SparkError(where, "easy_read", "must have 'intro' and 'questions'")
    extra = sorted(str(key) for key in set(easy) - EASY_FIELDS)
    if extra:
        raise SparkError(where, f"easy_read.{extra[0]}", "is not an Easy Read field")
    easy_intro = _text(easy, "intro", where, name="easy_read.intro")
    easy_questions = _questions(easy.get("questions"), where, "easy_read.questions")
    if len(easy_questions) != len(questions):
        raise SparkError(
            where,
            "easy_read.questions",
            f"must have as many items as 'questions' ({len(questions)}, "
            f"found {len(easy_questions)})",
        )
    return Spark(
        id=spark_id,
        title=title,
        theme=theme,
        intro=intro,
        story=story,
        questions=questions,
        reflection_prompt=reflection_prompt,
        minutes=minutes,
        facilitator_notes=facilitator_notes,
        accessibility_notes=accessibility_notes,
        easy_intro=easy_intro,
        easy_questions=easy_questions,
    )


def _lines(text: str | None) -> list[str]:
    # People paste lists, so list markers at the start of a line are not part of a question.
    stripped = (re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line) for line in (text or "").splitlines())
    return [line.strip() for line in stripped if line.strip()]


def spark_from_form(values: dict[str, str], spark_id: str) -> Spark:
    """A facilitator's own spark from the chat form, validated like a library file.

    The form has title, theme, intro, questions (one per line) and reflection_prompt.
    `easy_intro` and `easy_questions` are optional and default to the plain words.
    """
    questions = _lines(values.get("questions"))
    easy_questions = _lines(values.get("easy_questions")) or questions
    data = {
        "id": spark_id,
        "title": values.get("title"),
        "theme": values.get("theme"),
        "intro": values.get("intro"),
        "questions": questions,
        "reflection_prompt": values.get("reflection_prompt"),
        "minutes": FORM_MINUTES,
        "facilitator_notes": FORM_NOTE,
        "accessibility_notes": FORM_NOTE,
        "easy_read": {
            "intro": (values.get("easy_intro") or "").strip() or values.get("intro"),
            "questions": easy_questions,
        },
    }
    try:
        spark = validate_spark(data, "your spark")
    except SparkError as exc:
        # Said to the facilitator in chat: "the reflection prompt must be some text".
        field = (exc.field or "spark").replace("easy_read.", "Easy Read ").replace("_", " ")
        raise CommandError("sparks.invalid", problem=f"the {field} {exc.problem}") from None
    return replace(spark, source=COMMUNITY)


# Words that say nothing about which spark fits a theme: common small words, and words that
# nearly every spark's title or theme uses.
_STOP_WORDS = frozenset(
    "a about after all an and any are as at be been being by can do for from get has have how "
    "i in into is it its me my not of on or our out over so that the their them they this to "
    "up us was we what when where which who why with you your "
    "care people person service services support".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    # "children's" is "children"; "what's" is "what".
    words = _WORD.findall(text.lower().replace("'s", " ").replace("\u2019s", " "))
    return {word for word in words if word not in _STOP_WORDS and len(word) > 1}


def _same_word(a: str, b: str) -> bool:
    # A light stem: "carer" matches "carers", "assess" matches "assessment".
    short, long = sorted((a, b), key=len)
    return short == long or (len(short) >= 5 and long.startswith(short))


class SparkLibrary:
    """Sparks by id. Later sparks with the same id replace earlier ones (see `with_extra`)."""

    def __init__(self, sparks: Iterable[Spark]) -> None:
        self._by_id: dict[str, Spark] = {}
        for spark in sparks:
            self._by_id[spark.id] = spark

    @classmethod
    def load(cls, root: Path | Traversable | None = None) -> SparkLibrary:
        """Every `*.yaml` file in prompts/sparks/ (or `root`), validated; the first problem
        raises SparkError, so a broken library stops start-up."""
        folder = root if root is not None else resources.files("prompts").joinpath("sparks")
        shown = "prompts/sparks" if root is None else str(root)
        found: list[tuple[str, str, Spark]] = []
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".yaml"):
                continue
            where = f"{shown}/{entry.name}"
            try:
                data = load_yaml(entry.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                at = f" at line {mark.line + 1}" if mark is not None else ""
                raise SparkError(where, None, f"is not valid YAML{at}") from exc
            except (OSError, UnicodeDecodeError) as exc:
                raise SparkError(where, None, f"could not be read ({exc})") from exc
            found.append((where, entry.name.removesuffix(".yaml"), validate_spark(data, where)))
        # Repeats are looked for before names, because a copied file whose id was not changed
        # is the likely mistake: the copy is blamed, and the message names the original.
        by_id: dict[str, list[tuple[str, str]]] = {}
        for where, stem, spark in found:
            by_id.setdefault(spark.id, []).append((where, stem))
        for spark_id, files in by_id.items():
            if len(files) > 1:
                files.sort(key=lambda file: file[1] != spark_id)  # the original first
                raise SparkError(files[1][0], "id", f"repeats the id in {files[0][0]}")
        for where, stem, spark in found:
            if spark.id != stem:
                raise SparkError(where, "id", f"must match the file name ('{spark.id}' found)")
        sparks = [spark for _, _, spark in found]
        return cls(sparks)

    def all(self) -> list[Spark]:
        """Every spark, sorted by title (then id, so the order never depends on the files)."""
        return sorted(self._by_id.values(), key=lambda s: (s.title.lower(), s.id))

    def get(self, spark_id: str) -> Spark | None:
        return self._by_id.get(spark_id)

    def for_theme(self, theme: str) -> Spark | None:
        """The spark whose title and theme share most words with `theme`, or None.

        Words found in fewer sparks count for more, so "carers" beats "lives"; ties go to
        the first by title.
        """
        wanted = _words(theme)
        if not wanted:
            return None
        sparks = self.all()
        vocab = {spark.id: _words(f"{spark.title} {spark.theme}") for spark in sparks}

        def sparks_with(word: str) -> int:
            return sum(1 for have in vocab.values() if any(_same_word(word, w) for w in have))

        weight = {word: 1 / max(1, sparks_with(word)) for word in wanted}
        best, best_score = None, 0.0
        for spark in sparks:
            have = vocab[spark.id]
            score = sum(weight[w] for w in wanted if any(_same_word(w, h) for h in have))
            if score > best_score:
                best, best_score = spark, score
        return best

    def with_extra(self, sparks: Iterable[Spark]) -> SparkLibrary:
        """A copy with a community's own sparks added. One with a library spark's id
        replaces it, so a session keeps the spark its community chose."""
        return SparkLibrary([*self._by_id.values(), *sparks])
