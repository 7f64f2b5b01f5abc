"""Every participant-facing text reads easily: the templates, the sparks and the short strings
of prompts/strings. Flesch reading ease of at least 60 for plain English, and at least 70 for
Easy Read with at most 15 words a sentence. Markdown symbols, links, `/brew` commands and
`{placeholders}` are stripped first, because they are not words a person reads; a short
string's placeholders are filled with sample values first, so it is scored as people read it."""

from __future__ import annotations

import re
import string
from importlib import resources
from typing import Any

import pytest
import textstat

from bot.core.easy_read import MARK
from bot.engine.pictures import shared_pictures
from bot.engine.texts import Texts
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
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their words
    text = re.sub(r"https?://\S+", " ", text)  # a bare link is followed, not read
    text = text.replace("/brew", " ")  # the command prefix is typed, not read as a word
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


# --- short strings (prompts/strings) ---------------------------------------------------------

# Every *.yaml file in prompts/strings, as the bot loads them, so a new file is checked at once.
STRINGS = Texts.load().strings

# Operator-only text, never shown in a chat or on a page; keep this list short.
NOT_PARTICIPANT_FACING = {
    "cli.": "printed by the `brewbot` command line for whoever runs it",
    "startup.": "printed on the console while `brewbot run` starts, for whoever runs it",
    "web_startup.": "printed on the console while `brewbot run` starts, for whoever runs it",
}

# A string is Easy Read when its key says so (a part named `easy` or ending in `_easy`), when it
# is shown as an Easy Read idea with a picture (prompts/pictures/strings.yaml), or when its
# section is an Easy Read message as a whole:
EASY_SECTIONS = {
    "feedback.": "what we heard and what is happening, sent in Easy Read (bot/digest/feedback.py)",
}


def _is_easy(key: str) -> bool:
    return (
        key.startswith(tuple(EASY_SECTIONS))
        or key in shared_pictures().for_strings
        or any(part == "easy" or part.endswith("_easy") for part in key.split("."))
    )


PARTICIPANT_STRINGS = sorted(
    key for key in STRINGS if not key.startswith(tuple(NOT_PARTICIPANT_FACING))
)
PLAIN_STRINGS = [key for key in PARTICIPANT_STRINGS if not _is_easy(key)]
EASY_STRINGS = [key for key in PARTICIPANT_STRINGS if _is_easy(key)]

# Flesch is an average over words: in a text of n words, one word of three syllables in place of
# one of one syllable moves the score by 2 x 84.6 / n points, 17 at 10 words and 34 at 5. Below
# 10 words a single word that cannot be avoided ("facilitator", "Universal Credit") decides the
# score, not the writing, so shorter strings (labels, headings, buttons) have only their
# sentence length checked.
MIN_SCORED_WORDS = 10
# GOV.UK's style guide: break up any sentence longer than 25 words.
PLAIN_SENTENCE_WORDS = 25

# Realistic values for the strings' placeholders, so they are scored as people read them.
# A sentence filled into another ({advice}, {hint}) is one the bot really sends there.
STRING_SAMPLE: dict[str, Any] = {
    "earliest": "1 December 2025",
    "latest": "1 December 2028",
    "today": "1 December 2026",
    "zone": "Europe/London",
    "action": "open",
    "advice": "Please invite Brewbot to that channel, then press Retry.",
    "amount": "12.50",
    "cant_do": 1,
    "category": "What's working",
    "channel": "over-a-brew",
    "charity": "Mind",
    "choice": "Full payment",
    "choices": "large_print, audio, bsl, extra_time",
    "claims": "session 12 on 1 December",
    "clock": "1:30am",
    "column": "text",
    "coming": 4,
    "command": "/brew schedule",
    "communities": "Riverside carers",
    "community": "Riverside carers group",
    "count": 8,
    "current": "0011",
    "date": "1 December 2026",
    "day": "Sunday 28 March",
    "days": 7,
    "description": "when the session starts",
    "detail": "the channel #over-a-brew",
    "did": "we asked the council to add more seats",
    "done": 3,
    "due": "15 March",
    "earned": "60",
    "easy_read": "on",
    "end": "7 December",
    "error": "invalid_auth",
    "example": "/brew schedule next Tuesday 2pm",
    "expected": "a number of minutes",
    "first": "buses, parking",
    "folder": "/data",
    "groups": 3,
    "high": 100,
    "hint": "Open it first with /brew open 12.",
    "host": "0.0.0.0",
    "id": "tea-and-talk",
    "into": "Getting there",
    "item": "a1b2c3d4",
    "items": "a1b2c3d4, e5f6a7b8",
    "kind": "a phone number",
    "kinds": "harm to themselves",
    "label": "Getting there",
    "length": 2400,
    "limit": 2000,
    "low": 1,
    "marks": " (check: may hold a name)",
    "member": "Sam",
    "members": "Sam, Priya and Joe",
    "min_count": 3,
    "minutes": 20,
    "months": 12,
    "most": 8,
    "name": "Sam",
    "names": "Sam, Priya and Joe",
    "need": "a BSL interpreter",
    "needs": "large print and extra time",
    "new": "Parking",
    "newest": "0012",
    "not_coming": 1,
    "number": 3,
    "old": "Buses",
    "open": 4,
    "option": "title",
    "options": "title, theme, minutes",
    "owner": "Sam",
    "path": "digest.md",
    "people": "people",
    "per": "week",
    "plain": "off",
    "platform": "Discord",
    "port": 8080,
    "problem": "the title is missing",
    "reason": "the bus company will not change its times",
    "receipt": "You have a receipt. Please keep it and send it with your claim.",
    "reminders": "by private message",
    "role": "Facilitator",
    "row": 4,
    "said": "the bus does not come on time",
    "seconds": 30,
    "session": 12,
    "session_id": 12,
    "sessions": "12, 14",
    "setting": "BREWBOT_DATA",
    "sources": "paper and phone",
    "spark_id": "tea-and-talk",
    "start": "1 December",
    "state": "planned",
    "state_words": "scheduled and not open yet",
    "status": "being done",
    "suggestion": "theme",
    "summary": "2 people asked for Easy Read",
    "tags": "Living the life I want",
    "text": "The bus does not come on time.",
    "theme": "getting there",
    "themes": "getting there, being heard",
    "times": "8 times",
    "title": "Being heard",
    "unit": "hours",
    "url": "https://brew.example.org/s/Kq3x7",
    "user": "brewbot",
    "value": "Europe/London",
    "variable": "BREWBOT_WEB_PORT",
    "weekday": "Tuesday",
    "what": "DISCORD_TOKEN",
    "when": "Tuesday 1 December at 2pm",
    "where": "db.example.org",
    "written": "Wednesday",
    "years": 2,
}


# Where a placeholder's value is of another kind in one string than in the rest.
STRING_SAMPLE_FOR: dict[str, dict[str, Any]] = {
    "report.scope": {"sessions": 4},  # a count here, a list of sessions elsewhere
}


def _filled(key: str) -> str:
    return STRINGS[key].format_map(_Filled(STRING_SAMPLE | STRING_SAMPLE_FOR.get(key, {})))


def _as_read(text: str) -> str:
    # A line of a list is read as a sentence of its own (no string is wrapped in its YAML).
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line if line[-1:] in ".?!:" else f"{line}." for line in lines if line)


def _string_text(key: str) -> str:
    return _as_read(_filled(key))


def _words(text: str) -> int:
    return len(_clean(text).split())


def test_there_are_strings_to_check() -> None:
    assert len(PLAIN_STRINGS) > 500 and len(EASY_STRINGS) > 30


@pytest.mark.parametrize("prefix", [*NOT_PARTICIPANT_FACING, *EASY_SECTIONS])
def test_each_listed_section_exists(prefix: str) -> None:
    assert any(key.startswith(prefix) for key in STRINGS), f"no string starts with {prefix!r}"


@pytest.mark.parametrize(
    ("key", "easy"),
    [
        ("rsvp.easy.intro", True),
        ("links.page.privacy_easy", True),
        ("feedback.you_said", True),
        ("buttons.easy_read", False),  # the label of a button, not Easy Read words
        ("rsvp.form.intro", False),
    ],
)
def test_easy_read_strings_are_recognised(key: str, easy: bool) -> None:
    assert key in STRINGS and _is_easy(key) is easy


def test_a_line_of_a_list_is_a_sentence() -> None:
    text = _as_read(
        "- Reminders: on\n- Plain style, with no emoji or decoration: off\nTo change one, ask."
    )
    assert _sentences(text) == [
        "Reminders:",
        "on.",
        "Plain style, with no emoji or decoration:",
        "off.",
        "To change one, ask.",
    ]


def test_a_sample_fills_every_placeholder_and_command() -> None:
    filled = _filled("errors.unknown_command")
    assert filled == 'I do not know the command "Sam". Type /brew help to see what you can do.'


@pytest.mark.parametrize("key", PARTICIPANT_STRINGS)
def test_string_placeholders_have_sample_values(key: str) -> None:
    missing = sorted(_placeholders(STRINGS[key]) - set(STRING_SAMPLE))
    assert not missing, f"{key}: add a realistic sample value for {missing} to STRING_SAMPLE"


@pytest.mark.parametrize("key", PLAIN_STRINGS)
def test_string_reads_easily(key: str) -> None:
    text = _string_text(key)
    if _words(text) >= MIN_SCORED_WORDS:
        score = _score(text)
        assert score >= PLAIN_MIN, f"{key} scores {score:.1f}, needs {PLAIN_MIN}: {text!r}"
    for sentence in _sentences(text):
        words = len(sentence.split())
        assert words <= PLAIN_SENTENCE_WORDS, f"{key}: {words} words in {sentence!r}"


@pytest.mark.parametrize("key", EASY_STRINGS)
def test_easy_read_string_reads_very_easily(key: str) -> None:
    text = _string_text(key)
    if _words(text) >= MIN_SCORED_WORDS:
        score = _score(text)
        assert score >= EASY_MIN, f"{key} scores {score:.1f}, needs {EASY_MIN}: {text!r}"
    for sentence in _sentences(text):
        words = len(sentence.split())
        assert words <= EASY_SENTENCE_WORDS, f"{key}: {words} words in {sentence!r}"
