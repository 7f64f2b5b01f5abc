"""The pages anyone may read, the stylesheet, and escaping in every template."""

from __future__ import annotations

import re

import pytest

from bot.platforms.web.forms import FormSlots, FormTokens
from bot.platforms.web.pages.health import HEALTH_PATH
from bot.platforms.web.render import KeptPages, templates
from tests.conftest import loaded_texts


def assert_accessible_shape(html: str) -> None:
    """What base.html promises every page: British English, a skip link to <main>, one
    <h1>, the site's own stylesheet, and nothing from another site, no script."""
    assert '<html lang="en-GB">' in html
    assert '<a class="skip-link" href="#main">Skip to the main content</a>' in html
    assert '<main id="main"' in html and html.count("<main") == 1
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert '<link rel="stylesheet" href="/static/site.css">' in html
    assert "<script" not in html and " style=" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "nothing from another site"


async def test_the_home_page_says_what_brewbot_is_and_where_links_come_from(browser):
    async with browser.get("/") as response:
        html = await response.text()
    assert response.status == 200
    assert_accessible_shape(html)
    assert "<h1>Brewbot: talking over a brew</h1>" in html
    assert "people who draw on care and support" in html
    assert "the facilitator will send you a link" in html


async def test_the_accessibility_statement(browser):
    async with browser.get("/accessibility") as response:
        html = await response.text()
    assert response.status == 200
    assert_accessible_shape(html)
    assert "<h1>Accessibility statement</h1>" in html
    assert "WCAG) version 2.2 at level AA" in html
    for heading in ("What you can do", "What does not work yet",
                    "Asking for another format or reporting a problem"):  # fmt: skip
        assert f"<h2>{heading}</h2>" in html
    assert re.search(r"written on \d{1,2} [A-Z][a-z]+ 20\d\d", html)


async def test_the_stylesheet_is_served_with_a_visible_focus_outline(browser):
    async with browser.get("/static/site.css") as response:
        css = await response.text()
    assert response.status == 200
    assert response.content_type == "text/css"
    assert ":focus-visible" in css and "outline: 3px solid" in css
    assert "@import" not in css and "url(" not in css  # no fonts or images from elsewhere


async def test_the_health_check_answers(browser):
    async with browser.get(HEALTH_PATH) as response:
        assert response.status == 200
        assert await response.json() == {"ok": True}


def test_every_value_and_word_is_escaped():
    texts = loaded_texts()
    texts.strings["web.site_name"] = "Brew <b>bot</b>"
    html = (
        templates(texts, FormSlots(FormTokens()))
        .get_template("error.html")
        .render(title='<script>alert("t")</script>', message="Tom & <img src=x onerror=alert(1)>")
    )
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in html
    assert "<p>Tom &amp; &lt;img src=x onerror=alert(1)&gt;</p>" in html
    assert "Brew &lt;b&gt;bot&lt;/b&gt;" in html


def test_a_kept_page_is_rendered_again_only_when_what_it_shows_changes():
    kept, rendered = KeptPages(), []

    def render(text: str):
        return lambda: rendered.append(text) or text

    first, second = object(), object()
    assert kept.html("page", first, render("one")) == "one"
    assert kept.html("page", first, render("ignored")) == "one"
    assert kept.html("page", second, render("two")) == "two"
    assert kept.html("other", second, render("three")) == "three"
    assert rendered == ["one", "two", "three"]


def test_each_slot_gets_a_token_of_its_own_for_its_form_and_page():
    tokens = FormTokens()
    slots = FormSlots(tokens)
    html = f"<a>{slots.slot('reflect', 'abc-_1')}</a><b>{slots.slot('reflect', 'abc-_1')}</b>"
    filled = [slots.fill(html) for _ in range(2)]
    found = [re.findall(r">([^<]+)<", page) for page in filled]
    values = [value for page in found for value in page]
    assert len(set(values)) == 4
    assert all(tokens.check(value, "reflect", "abc-_1") for value in values)
    assert not any(tokens.check(value, "withdraw", "abc-_1") for value in values)
    # A person's words cannot make a slot: the mark is this process's own, at random.
    assert FormSlots(tokens).slot("reflect", "abc") != slots.slot("reflect", "abc")
    with pytest.raises(ValueError):
        slots.slot("reflect", "a.b")
