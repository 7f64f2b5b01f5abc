"""Key messages: every form of the digest opens with three to five plain sentences, the
largest theme in each Working Together for Change category with its count (the small-number
rule applied) and, where the writer agreed, one quote. Built from templates and the theme
vocabulary only; the same reflections give the same sentences."""

from __future__ import annotations

import dataclasses
import json
import random
import re

from bot.core.marked import unmark
from bot.digest.key_messages import MAX_MESSAGES, MIN_MESSAGES, key_messages
from bot.digest.model import DigestInput, DigestReflection, build_digest
from bot.digest.render import to_html, to_json, to_markdown, to_sections
from bot.digest.themes import vocabulary
from bot.engine.texts import Texts

_TEXTS = Texts.load()


def T(key: str, /, **values: object) -> str:
    """A text as a reader sees it: without the marks around typed words."""
    return unmark(_TEXTS.t(key, **values))

LONELY = [
    "I can go a whole week without speaking to anyone.",
    "Nobody visits me any more.",
    "I feel so lonely in the evenings.",
    "The days are long on my own.",
    "My friends drifted away after I got ill.",
    "I miss having someone to talk to over a cup of tea.",
]
WAITING = [
    "I waited eight months for an assessment.",
    "The waiting list for a care package is far too long.",
]
STORY = ["I had to tell my story again to every new worker."]
BUS = ["The bus to the day centre never comes on time."]


def reflections(*, quote_ok: bool = True) -> list[DigestReflection]:
    found: list[DigestReflection] = []
    for n, text in enumerate(LONELY):
        found.append(DigestReflection(f"a{n}", "not_working", text, quote_ok))
    for n, text in enumerate(WAITING):
        found.append(DigestReflection(f"b{n}", "not_working", text, quote_ok))
    found.append(DigestReflection("c0", "future", STORY[0], quote_ok))
    found.append(DigestReflection("d0", "idea", BUS[0], quote_ok))
    return found


def make_input(**changes: object) -> DigestInput:
    base = DigestInput(
        title="Being heard",
        theme="Being heard",
        spark_title=None,
        date_text="Monday 23 November 2026, 10:00",
        session_id=4,
        attendance={"draws_on_care": 6, "carer": 5},
        total_attended=11,
        reflections=reflections(),
        contributors=8,
        actions=[],
        intro="Thank you to everyone who came.",
    )
    return dataclasses.replace(base, **changes)


def sentences(digest) -> list[str]:
    return [message.sentence for message in digest.key_messages]


def test_three_to_five_sentences_the_first_saying_how_many():
    digest = build_digest(make_input())
    said = sentences(digest)
    assert MIN_MESSAGES <= len(said) <= MAX_MESSAGES
    assert said[0] == T(
        "digest.key_messages.overview", count=T("digest.key_messages.count_many", count=10)
    )


def test_each_category_leads_with_its_largest_theme_and_a_kind_count():
    digest = build_digest(make_input())
    labels = {theme.label for theme in vocabulary().themes}
    by_category = {m.category: m for m in digest.key_messages if m.category}
    assert set(by_category) == {"not_working", "future", "idea"}
    lonely = by_category["not_working"]
    assert lonely.label == "Connection and loneliness" and lonely.label in labels
    # Six is shown as it is; a small count follows the digest's rule.
    assert T("digest.key_messages.count_many", count=6) in lonely.sentence
    few = T("digest.key_messages.count_few", min_count=5)
    assert few in by_category["future"].sentence and few in by_category["idea"].sentence
    assert "1 reflection" not in " ".join(sentences(digest))
    # Categories in the framework's order.
    order = [m.category for m in digest.key_messages if m.category]
    assert order == ["not_working", "future", "idea"]


def test_the_quote_is_the_consented_one_closest_to_the_theme():
    digest = build_digest(make_input())
    [theme] = [
        t for s in digest.categories for t in s.themes if t.label == "Connection and loneliness"
    ]
    [lonely] = [m for m in digest.key_messages if m.label == "Connection and loneliness"]
    assert lonely.quote == theme.quotes[0]
    assert lonely.quote in LONELY


def test_no_quote_without_consent_or_with_too_few_people():
    for changes in ({"reflections": reflections(quote_ok=False)}, {"contributors": 4}):
        digest = build_digest(make_input(**changes))
        assert digest.key_messages and all(m.quote is None for m in digest.key_messages)
        for form in (to_markdown(digest), to_html(digest), to_json(digest)):
            for text in LONELY:
                assert text not in form


def test_a_name_or_placeholder_never_reaches_a_sentence():
    redacted = DigestReflection("z0", "not_working", "My social worker [name] never rings.", False)
    sneaky = DigestReflection("z1", "working", "Jane Smith at 12 Acacia Avenue helps.", False)
    digest = build_digest(make_input(reflections=[*reflections(), redacted, sneaky]))
    joined = " ".join(sentences(digest))
    for word in ("[name]", "Jane", "Smith", "Acacia"):
        assert word not in joined


def test_same_reflections_in_any_order_give_the_same_key_messages():
    first = build_digest(make_input()).key_messages
    shuffled = reflections()
    random.Random(3).shuffle(shuffled)
    assert build_digest(make_input(reflections=shuffled)).key_messages == first


def test_one_category_still_gives_at_least_three_sentences():
    only = [r for r in reflections() if r.category == "not_working"]
    digest = build_digest(make_input(reflections=only))
    said = sentences(digest)
    assert len(said) == 3
    assert "Connection and loneliness".lower() in said[1].lower()
    assert "Waiting" in said[2] or "waiting" in said[2]


def test_without_reflections_one_honest_sentence():
    digest = build_digest(make_input(reflections=[], contributors=0))
    assert sentences(digest) == [T("digest.no_reflections")]


def test_every_form_opens_with_the_key_messages():
    digest = build_digest(make_input())
    first, *_ = sentences(digest)
    heading = T("digest.key_messages.heading")
    markdown = to_markdown(digest)
    assert markdown.index(f"## {heading}") < markdown.index(T("digest.glance.heading"))
    assert markdown.index(f"## {heading}") < markdown.index("Thank you to everyone who came.")
    for message in digest.key_messages:
        assert unmark(message.sentence) in markdown
        if message.quote:
            assert f"> {message.quote}" in markdown
    chat = to_sections(digest)
    joined = "\n".join(section.body for section in chat)
    assert joined.index(first) < joined.index(T("digest.glance.heading"))
    # The quote travels in its own untrusted section, escaped by each platform.
    quotes = [m.quote for m in digest.key_messages if m.quote]
    assert quotes and all(any(s.untrusted and s.body == quote for s in chat) for quote in quotes)
    page = to_html(digest)
    key = re.search(r'<section aria-labelledby="key-messages">(.*?)</section>', page, re.S)
    assert key is not None and page.index("key-messages") < page.index('id="glance"')
    assert "<blockquote>" in key.group(1)
    data = json.loads(to_json(digest))
    assert [m["sentence"] for m in data["key_messages"]] == [unmark(s) for s in sentences(digest)]


def test_the_largest_theme_leads_whatever_order_the_themes_are_in():
    digest = build_digest(make_input())
    section = next(s for s in digest.categories if s.key == "not_working")
    turned = dataclasses.replace(section, themes=tuple(reversed(section.themes)))
    categories = tuple(turned if s.key == "not_working" else s for s in digest.categories)
    messages = key_messages(categories, digest.reflection_count, digest.min_count)
    assert messages == digest.key_messages
