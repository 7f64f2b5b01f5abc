"""Easy Read with pictures (issue 18): every idea of the Easy Read words that carry pictures
has one, every picture has words for people who cannot see it and a file, and no mark is
ever shown as words."""

from __future__ import annotations

import re
import struct
from datetime import timedelta
from html.parser import HTMLParser
from importlib import resources

import pytest

from bot.core.domain import SessionState
from bot.core.easy_read import MARK, ideas, marks, words_only
from bot.core.messages import OutgoingMessage, Section, custom_id
from bot.engine.pictures import Pictures, picture_png, shared_pictures
from bot.engine.texts import Texts, marked_ideas
from bot.scheduling.planner import JobKind, PlannedJob
from bot.sparks.library import SparkLibrary
from tests.conftest import START, Chat
from tests.helpers import make_session

# The Easy Read words that are shown with pictures (issue 18): each idea names one.
WITH_PICTURES = (
    "welcome",
    "ground_rules",
    "consent",
    "reflection_form",
    "reminder",
    "privacy_web",
)
VALUES = {
    "title": "Being heard",
    "theme": "being heard",
    "retention": "12 months",
    "when": "Tuesday 1 December at 2pm",
    "minutes_text": "That is in 2 hours.",
    "prompt": "What would help?",
    "help": "In an emergency, call 999.",
    "days": 14,
}
FOLDER = resources.files("prompts").joinpath("pictures")


@pytest.fixture(scope="module")
def texts() -> Texts:
    return Texts.load()


def test_every_picture_has_alt_words_a_file_and_its_attribution() -> None:
    pictures = Pictures.load()
    attribution = FOLDER.joinpath("ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in attribution and "OpenMoji" in attribution
    assert "Attribution-ShareAlike 4.0" in FOLDER.joinpath("LICENSE.txt").read_text("utf-8")
    assert len(pictures.alts) >= 40
    for name, alt in pictures.alts.items():
        assert alt.endswith(".") and len(alt.split()) <= 12, name
        png = picture_png(name)
        assert png.startswith(b"\x89PNG\r\n\x1a\n"), name
        width, height = struct.unpack(">II", png[16:24])
        assert (width, height) == (72, 72), name
        assert f"| {name}.png |" in attribution, name
    # Only the pictures named are shipped: no stray files.
    shipped = {e.name for e in FOLDER.iterdir() if e.name.endswith(".png")}
    assert shipped == {f"{name}.png" for name in pictures.alts}


@pytest.mark.parametrize("name", WITH_PICTURES)
def test_every_easy_read_idea_has_a_picture(texts: Texts, name: str) -> None:
    sections = texts.ideas(name, **VALUES)
    assert len(sections) >= 2
    for section in sections:
        assert section.picture is not None, f"{name}.easy.md: {section.body!r} has no picture"
        assert section.picture.alt == shared_pictures().alts[section.picture.name]
        assert not MARK.search(section.body) and "[" not in section.body


@pytest.mark.parametrize("spark", SparkLibrary.load().all(), ids=lambda spark: spark.id)
def test_every_idea_of_a_sparks_easy_read_has_a_picture(spark) -> None:
    for text in (spark.easy_intro, *spark.easy_questions):
        found = marked_ideas(text)
        assert found and all(s.picture is not None for s in found), f"{spark.id}: {text!r}"


def test_the_short_strings_shown_as_ideas_name_strings_that_exist(texts: Texts) -> None:
    for key in shared_pictures().for_strings:
        assert key in texts.strings, key
        assert (
            texts.idea(
                key,
                date="1 December",
                theme="x",
                label="x",
                times="2 times",
                count=2,
                min_count=5,
                said="x",
                did="x",
                reason="x",
                due="1 May",
            ).picture
            is not None
        )


@pytest.mark.parametrize("name", WITH_PICTURES)
def test_the_words_alone_show_no_mark(texts: Texts, name: str) -> None:
    words = texts.template(name, easy=True, **VALUES)
    assert not MARK.search(words)
    for picture in marks(texts.templates[f"{name}.easy"]):
        assert f"[{picture}]" not in words
    # The same words as the ideas, one after another.
    assert words == "\n\n".join(s.body for s in texts.ideas(name, **VALUES))


def test_a_value_filled_in_never_becomes_a_picture(texts: Texts) -> None:
    sections = texts.ideas("welcome", title="x", theme="tea\n\n[bin] gone")
    assert "[bin] gone" in "".join(s.body for s in sections)
    assert [s.picture.name for s in sections if s.picture].count("bin") == 0


def test_marks_are_parsed_only_for_known_pictures() -> None:
    known = {"tea"}
    assert ideas("[tea] Hello.\n\n[Note] Mine.\n\n[cake] Not ours.", known) == (
        ideas("[tea] Hello.", known)[0],
        *ideas("[Note] Mine.\n\n[cake] Not ours.", set()),
    )
    assert words_only("[tea] Hello [tea] there.", known) == "Hello [tea] there."
    assert [i.picture for i in ideas("[tea] A.\n\nB.", known)] == ["tea", None]


def test_plain_text_of_a_message_with_pictures_is_the_words_only(texts: Texts) -> None:
    message = OutgoingMessage(title="Being heard", sections=texts.ideas("ground_rules"))
    text = message.plain_text()
    assert "Listen to each other." in text and not MARK.search(text)
    assert "[ear]" not in text and ".png" not in text


# -------------------------------------------------------------- the messages sent in Easy Read


def pictured(sections: tuple[Section, ...]) -> None:
    """Every idea has a picture, with its words for people who cannot see it, and no mark is
    left in the words."""
    assert sections
    for section in sections:
        assert section.picture is not None, f"{section.body!r} has no picture"
        assert section.picture.alt == shared_pictures().alts[section.picture.name]
        assert not MARK.search(section.body), section.body


async def test_the_easy_read_privacy_notice_is_its_ideas_with_pictures(app, chat):
    session_id = await make_session(app, SessionState.OPEN, people=0)
    sam = Chat.person("Sam")
    [(notice, _)] = (await chat.say(sam, f"/brew join {session_id}")).replies
    assert notice.sections[0].picture is None, "the standard notice is words only"
    [(easy, _)] = (await chat.press(sam, notice.actions[2].custom_id)).replies
    pictured(easy.sections)
    title = app.deps.texts.t("privacy.title")
    assert easy.title == title and not easy.text
    assert "We keep your name." in easy.plain_text()
    assert [a.label for a in easy.actions] == ["I agree", "No thanks, I will just listen"]

    # Someone who reads Easy Read meets it so when they first join...
    ann = Chat.person("Ann")
    await chat.say(ann, "/brew preferences easy_read=on")
    [(joined, _)] = (await chat.say(ann, f"/brew join {session_id}")).replies
    pictured(joined.sections)
    assert joined.sections[0].heading == title and joined.actions == easy.actions
    # ... and again, after saying no, when they open the reflection form.
    await chat.press(ann, "brew:consent:no:")
    reflecting = await make_session(app, SessionState.REFLECTING, people=0)
    opened = await chat.press(ann, custom_id("reflection", "open", str(reflecting)))
    [(again, _)] = opened.replies
    assert opened.forms == [] and again.text == app.deps.texts.t("privacy.consent_needed")
    assert again.sections == easy.sections


async def test_an_easy_read_reminder_is_its_ideas_with_pictures(app, chat):
    session_id = await make_session(app, SessionState.SCHEDULED, people=0)
    easy, standard = Chat.person("Easy"), Chat.person("Standard")
    for user in (easy, standard):
        await chat.say(user, f"/brew join {session_id}")
    await chat.say(easy, "/brew preferences easy_read=on")
    await app.jobs.run(PlannedJob(JobKind.REMIND, session_id, START + timedelta(days=1)))
    [reminder] = app.deps.adapter.private_to(easy.id)
    pictured(reminder.sections)
    assert not reminder.text and "Over a Brew is soon." in reminder.plain_text()
    [words] = app.deps.adapter.private_to(standard.id)
    assert not words.sections and "A gentle reminder" in words.text


@pytest.mark.parametrize("on_web", [False, True])
async def test_the_easy_read_reflection_form_has_its_ideas_with_pictures(app, on_web):
    form = app.reflections.form(1, easy=True, ask_agreement=True, on_web=on_web)
    pictured(form.ideas)
    # The same words as the intro, which the front-ends that show no picture use.
    assert "\n\n".join(idea.body for idea in form.ideas) == form.intro
    assert "Your name is not kept." in form.intro and "Call Samaritans" in form.intro
    assert app.reflections.form(1, ask_agreement=True, on_web=on_web).ideas == ()


async def test_the_form_has_no_pictures_for_someone_who_asked_for_plain_style(app, chat):
    session_id = await make_session(app, SessionState.REFLECTING, people=0)
    sam, pat = Chat.person("Sam"), Chat.person("Pat")
    await chat.say(sam, "/brew preferences easy_read=on")
    await chat.say(pat, "/brew preferences easy_read=on plain=on")
    opened = custom_id("reflection", "open", str(session_id))
    [easy] = (await chat.press(sam, opened)).forms
    [plain] = (await chat.press(pat, opened)).forms
    pictured(easy.ideas)
    assert plain.ideas == () and plain.intro == easy.intro


class _Ideas(HTMLParser):
    """A page's Easy Read ideas (prompts/templates/web/ideas.html): for each, its pictures'
    addresses and words."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[list[tuple[str, str]]] = []
        self.depth = 0  # how deep in an idea's <div>s

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "div" and found.get("class") == "idea":
            self.found.append([])
            self.depth = 1
        elif tag == "div" and self.depth:
            self.depth += 1
        elif tag == "img" and self.depth:
            self.found[-1].append((found.get("src") or "", found.get("alt") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.depth:
            self.depth -= 1


def pictured_page(html: str) -> int:
    """Every Easy Read idea of a web page has one picture that is served, with its words for
    people who cannot see it, and no mark is shown as words; how many ideas there are."""
    parser = _Ideas()
    parser.feed(html)
    for pictures in parser.found:
        [(src, alt)] = pictures
        name = src.removeprefix("/pictures/").removesuffix(".png")
        assert src == f"/pictures/{name}.png" and alt == shared_pictures().alts[name], src
    assert not re.search(r"\[[a-z][a-z0-9-]*\] ", html), "a mark is shown as words"
    return len(parser.found)
