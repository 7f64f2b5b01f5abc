"""The web pages as an independent checker sees them, in a real browser (tests/platforms/web/
browsing.py: headless chromium, axe-core for WCAG 2.0, 2.1 and 2.2 A and AA):

- keyboard-only journeys through answering "I'm coming", sharing a reflection and taking it
  back, a refused reflection, and the working group's pages, each checking what the person
  sees and that every focus they move is drawn;
- on every page and state met on the way (and the fixed and error pages), axe-core finds
  nothing, the page fits 320 CSS pixels wide (400% zoom) without scrolling sideways, and
  screenshots at 320 and 1280 pixels wide are kept in test-artefacts/screenshots/;
- on every page, Tab reaches every link and field in order, the skip link first, with the
  stylesheet on and off.

The pages are the same whichever database is behind them (the other web tests run on both),
so these run on SQLite alone, with one browser per module, to stay quick."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote

import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from bot.core.domain import SessionState
from bot.platforms.web.server import WebServer
from tests.helpers import make_session
from tests.platforms.web.browsing import (
    SCREENSHOTS,
    Keyboard,
    heading,
    look,
    run_axe,
    start_chromium,
    text,
)
from tests.platforms.web.test_group_pages import group_path, sent_session
from tests.platforms.web.test_group_report import A_WEEK_ON
from tests.platforms.web.test_session_page import link_path
from tests.platforms.web.test_web_reflections import CODE, WORDS

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

T = TypeVar("T")


@pytest.fixture(scope="module")
def chromium() -> Iterator[WebDriver]:
    """One headless chromium for the whole module (starting one takes about a second)."""
    yield from start_chromium()


async def in_browser(work: Callable[[], T]) -> T:
    """Run blocking WebDriver calls off the event loop, which serves the pages they load."""
    return await asyncio.to_thread(work)


def opened(driver: WebDriver, url: str) -> Keyboard:
    """Load a page afresh (as following a link someone was sent), focus at its top."""
    driver.get(url)
    return Keyboard(driver)


# --------------------------------------------------------------------------- journeys

async def test_answering_im_coming_changing_it_and_removing_it_by_keyboard(
    chromium, server, app, chat, fac
):
    page = server.base_url.rstrip("/") + await link_path(chat, fac, await make_session(app))

    def journey() -> None:
        look(opened(chromium, f"{page}/easy-read").driver, "session page, to come, Easy Read")
        keys = opened(chromium, page)
        look(chromium, "session page, to come")
        keys.tab_to("#rsvp-name")
        keys.type("Ann")
        keys.tab_to("#rsvp-consent")
        keys.press(Keys.SPACE)
        assert keys.focused()["checked"], "Space ticks the box"
        # Back to the name, which kept what was typed, and on again.
        assert keys.tab(back=True)["value"] == "Ann"
        keys.tab_to_text("I'm coming")
        keys.send(Keys.ENTER)
        assert re.search(r"/r/[A-Za-z0-9_-]{32}$", chromium.current_url)
        mine = chromium.current_url
        assert heading(chromium) == "Your answer"
        assert 'You said you are coming to "Being heard"' in text(chromium)
        look(chromium, "your answer")

        keys.tab_to_text("I can't come")
        keys.send(Keys.ENTER)
        said = text(chromium)
        assert "Done. We have changed your answer." in said
        assert "You said you cannot come" in said
        look(chromium, "your answer, changed")

        keys = Keyboard(chromium)
        keys.tab_to("button[value=forget]")
        keys.send(Keys.SPACE)
        assert "We keep nothing about you." in text(chromium)
        look(chromium, "your answer, removed")
        opened(chromium, mine)
        assert heading(chromium) == "Link not known"

    await in_browser(journey)


async def test_sharing_a_reflection_and_taking_it_back_by_keyboard(
    chromium, server, app, chat, fac
):
    session_id = await make_session(app, SessionState.REFLECTING)
    page = server.base_url.rstrip("/") + await link_path(chat, fac, session_id)

    def journey() -> str:
        look(opened(chromium, f"{page}/easy-read").driver, "session page, reflecting, Easy Read")
        keys = opened(chromium, page)
        look(chromium, "session page, reflecting")
        # Tab into the group of categories: the first has focus, none is chosen yet.
        first = keys.tab_to("input[name=category]")
        assert first["id"] == "field-category" and not first["checked"]
        keys.press(Keys.ARROW_DOWN)  # moves to "What's not working" and chooses it
        chosen = keys.focused()
        assert (chosen["value"], chosen["checked"]) == ("not_working", True)
        keys.tab_to("#field-text")
        keys.type(WORDS)
        keys.tab_to("input[name=quote]")
        keys.press(Keys.SPACE)
        keys.tab_to("input[name=agree]")
        keys.press(Keys.SPACE)
        assert keys.focused()["checked"]
        keys.tab_to_text("Send")
        keys.send(Keys.ENTER)
        said = text(chromium)
        assert "Thank you for sharing" in said, said
        [code] = CODE.findall(chromium.page_source)
        assert code in said
        look(chromium, "session page, reflection thanks")

        # Another day, another opening of the page: the code takes it back.
        keys = opened(chromium, page)
        keys.tab_to("#field-code")
        keys.type(code)
        keys.tab_to_text("Take it back")
        keys.send(Keys.ENTER)
        assert "Your reflection has been taken back and deleted." in text(chromium)
        look(chromium, "session page, reflection taken back")
        return code

    code = await in_browser(journey)
    assert code.startswith(f"{session_id}-")


async def test_a_refused_reflection_leads_the_keyboard_to_its_field(
    chromium, server, app, chat, fac
):
    session_id = await make_session(app, SessionState.REFLECTING)
    page = server.base_url.rstrip("/") + await link_path(chat, fac, session_id)

    def journey() -> None:
        keys = opened(chromium, page)
        keys.tab_to("#field-text")
        keys.type(WORDS)
        keys.tab_to("input[name=agree]")
        keys.press(Keys.SPACE)
        keys.tab_to_text("Send")
        keys.send(Keys.ENTER)  # no category chosen
        said = text(chromium)
        assert "There is a problem" in said, said
        assert "Please choose what your reflection is about" in said
        look(chromium, "session page, reflection refused")
        keys = Keyboard(chromium)
        keys.tab_to('.error-summary a[href="#field-category"]')
        keys.press(Keys.ENTER)
        focused = keys.focused()
        assert focused["id"] == "field-category", f"the summary's link focused {focused}"
        keys.press(Keys.SPACE)
        assert keys.focused()["checked"], "Space chooses the category the link led to"
        keys.tab_to("#field-text")
        assert keys.focused()["value"] == WORDS, "the words are kept"

    await in_browser(journey)


async def test_the_working_groups_pages_by_keyboard(chromium, server, app, chat, fac, clock):
    sent = await sent_session(app, chat, fac)
    await chat.say(fac, f"/brew action add Ramps at the day centre session={sent} status=doing")
    clock.advance(A_WEEK_ON)
    group = server.base_url.rstrip("/") + await group_path(chat, fac)

    def journey() -> None:
        keys = opened(chromium, group)
        look(chromium, "working group's pages")
        keys.tab_to(f'a[href$="/digest/{sent}"]')
        keys.go(Keys.ENTER)
        assert heading(chromium) == "Key findings: Being heard"
        look(chromium, "sent digest")

        keys.tab_to_text("Back to all the digests")
        keys.go(Keys.ENTER)
        keys = Keyboard(chromium)
        keys.tab_to('a[href$="/actions"]')
        keys.go(Keys.ENTER)
        assert "Ramps at the day centre" in text(chromium)
        look(chromium, "we said, we did")

        keys.tab_to_text("Back to all the digests")
        keys.go(Keys.ENTER)
        keys = Keyboard(chromium)
        keys.tab_to(f'a[href$="/heard/{sent}"]')
        keys.go(Keys.ENTER)
        look(chromium, "what we heard")
        keys.tab_to('a[href$="/easy-read"]')
        keys.go(Keys.ENTER)
        assert chromium.current_url.endswith(f"/heard/{sent}/easy-read")
        look(chromium, "what we heard, Easy Read")

        keys.tab_to_text("Back to all the digests")
        keys.go(Keys.ENTER)
        keys = Keyboard(chromium)
        keys.tab_to('a[href$="/report"]')
        keys.go(Keys.ENTER)
        assert "1 December 2025 to 30 November 2026" in heading(chromium)
        look(chromium, "report")
        # From the first of January (typed the same in any order of day and month).
        keys.tab_to("#from")
        keys.type("01012026")
        keys.tab_to_text("Show the report")
        keys.go(Keys.ENTER)
        assert "from=2026-01-01&to=2026-11-30" in chromium.current_url
        assert "1 January 2026 to 30 November 2026" in heading(chromium)
        look(chromium, "report, chosen days")

    await in_browser(journey)


async def test_the_fixed_pages_and_the_refusals(chromium, server, app, chat, fac):
    base = server.base_url.rstrip("/")
    page = base + await link_path(chat, fac, await make_session(app))
    # A form on another site that sends itself to the session page.
    elsewhere = "data:text/html," + quote(
        f'<!doctype html><html lang="en"><title>Elsewhere</title><form method="post" '
        f'action="{page}/rsvp"><input name="first_name" value="Ann">'
        '<button name="answer" value="yes">Send</button></form></html>'
    )

    def journey() -> None:
        for name, url in (("home", base), ("accessibility statement", f"{base}/accessibility")):
            opened(chromium, url)
            look(chromium, name)
        opened(chromium, f"{base}/s/no-such-link")
        assert heading(chromium) == "Link not known"
        look(chromium, "page not found")
        opened(chromium, elsewhere)
        keys = Keyboard(chromium, outline=1)  # a page with no stylesheet of ours
        keys.tab_to("button")
        keys.go(Keys.ENTER)
        assert heading(chromium) == "Please use the page itself"
        look(chromium, "form from another site")

    await in_browser(journey)


# --------------------------------------------------------------------------- every page


async def page_urls(server: WebServer, app, chat, fac, clock) -> dict[str, str]:
    """Every page there is to load, by name: both fixed pages, a session's page to come and
    one open for reflections (each plain and Easy Read), the working group's pages with a
    sent digest and its report, and the page for an unknown address."""
    to_come = await link_path(chat, fac, await make_session(app))
    reflecting = await link_path(
        chat, fac, await make_session(app, SessionState.REFLECTING, people=0)
    )
    sent = await sent_session(app, chat, fac, people=0)
    clock.advance(A_WEEK_ON)
    group = await group_path(chat, fac)
    base = server.base_url.rstrip("/")
    return {
        "home": f"{base}/",
        "accessibility statement": f"{base}/accessibility",
        "session page": f"{base}{to_come}",
        "session page, Easy Read": f"{base}{to_come}/easy-read",
        "session page, reflecting": f"{base}{reflecting}",
        "session page, reflecting, Easy Read": f"{base}{reflecting}/easy-read",
        "working group's pages": f"{base}{group}",
        "sent digest": f"{base}{group}/digest/{sent}",
        "we said, we did": f"{base}{group}/actions",
        "what we heard": f"{base}{group}/heard/{sent}",
        "what we heard, Easy Read": f"{base}{group}/heard/{sent}/easy-read",
        "report": f"{base}{group}/report",
        "page not found": f"{base}/s/no-such-link",
    }


# Each Easy Read idea as the browser shows it: its picture's words, whether the picture
# loaded, and whether it stands wholly on the left of the words.
SHOWN_IDEAS = """
return [...document.querySelectorAll('.idea')].map(idea => {
  const picture = idea.querySelector('img'), words = idea.querySelector('.idea-words');
  return {
    words: words.innerText,
    alt: picture ? picture.alt : '',
    loaded: !!picture && picture.complete && picture.naturalWidth === 72,
    left: !!picture && picture.getBoundingClientRect().right
      <= words.getBoundingClientRect().left,
  };
});
"""


async def test_every_easy_read_idea_shows_its_picture_on_its_left(
    chromium, server, app, chat, fac, clock
):
    """On every Easy Read page (the session's, to come and reflecting, and what we heard),
    each idea's picture loads, has its words for people who cannot see it, and stands on
    the left of the idea's words; axe-core finds nothing and the page fits a phone."""
    urls = await page_urls(server, app, chat, fac, clock)
    easy = {name: url for name, url in urls.items() if name.endswith("Easy Read")}
    assert len(easy) == 3

    def journey() -> None:
        for name, url in easy.items():
            opened(chromium, url)
            look(chromium, name)
            ideas = chromium.execute_script(SHOWN_IDEAS)
            assert len(ideas) >= 6, f"the {name} shows {len(ideas)} ideas"
            for idea in ideas:
                assert idea["alt"].strip() and idea["loaded"] and idea["left"], (name, idea)

    await in_browser(journey)


STYLES_OFF = "for (const sheet of document.styleSheets) sheet.disabled = true;"


def keyboard_walk(driver: WebDriver, url: str, *, styles: bool) -> list[str]:
    """Tab from the top of the page: the skip link comes first and shows, Enter on it puts
    focus on <main>; then Tab reaches every link and field in order, each drawn with a
    focus outline (the browser's own, with the stylesheet off)."""
    keys = opened(driver, url)
    if not styles:
        driver.execute_script(STYLES_OFF)
        assert driver.execute_script(
            "return getComputedStyle(document.querySelector('.skip-link')).position"
        ) == "static", "the stylesheet is still on"  # fmt: skip
        keys = Keyboard(driver, outline=1)
    first = keys.tab()
    assert first["href"] == "#main", f"the first Tab focused {first}, not the skip link"
    keys.press(Keys.ENTER)
    assert keys.focused()["id"] == "main", "Enter on the skip link"

    keys = opened(driver, url)
    if not styles:
        driver.execute_script(STYLES_OFF)
        keys = Keyboard(driver, outline=1)
    return keys.walk()


@pytest.mark.parametrize("styles", [True, False], ids=["styled", "stylesheet-off"])
async def test_the_keyboard_reaches_everything_with_focus_shown(
    chromium, server, app, chat, fac, clock, styles
):
    urls = await page_urls(server, app, chat, fac, clock)
    for name, url in urls.items():
        stops = await in_browser(lambda url=url: keyboard_walk(chromium, url, styles=styles))
        assert len(stops) >= 3, f"the {name} has hardly anything to reach: {stops}"


async def test_the_page_runs_no_script_of_its_own_while_webdriver_can(chromium, server):
    """The policy is in force in the browser (an inline script added to the page does not
    run), and axe-core is still injected, so it checks the pages as people get them."""

    def inline_script_ran() -> bool:
        chromium.get(server.base_url)
        return bool(
            chromium.execute_script(
                "const script = document.createElement('script');"
                "script.textContent = 'window.inlineRan = true;';"
                "document.body.append(script);"
                "return window.inlineRan === true;"
            )
        )

    assert not await in_browser(inline_script_ran)
    assert await in_browser(lambda: run_axe(chromium)) == []


async def test_the_checks_can_fail(chromium, server):
    """axe-core reports the home page with its language taken away; the reflow check sees a
    page made wider than the phone; a focus outline thinner than the stylesheet's is caught."""

    def broken() -> dict[str, Any]:
        chromium.get(server.base_url)
        chromium.execute_script("document.documentElement.removeAttribute('lang')")
        found: dict[str, Any] = {"axe": [v["id"] for v in run_axe(chromium)]}
        chromium.get(server.base_url)
        chromium.execute_script("document.querySelector('main').style.minWidth = '400px'")
        with pytest.raises(AssertionError, match="scrolls sideways at 320 px") as wide:
            look(chromium, "check that fails, too wide")
        found["wide"] = str(wide.value)
        chromium.get(server.base_url)
        # The browser's own focus ring (1 pixel) is too thin for the site's own rule of 2.
        chromium.execute_script(STYLES_OFF)
        with pytest.raises(AssertionError, match="shows no focus outline"):
            Keyboard(chromium).tab()
        return found

    found = await in_browser(broken)
    assert found["axe"] == ["html-has-lang"]
    assert str(SCREENSHOTS) in found["wide"]
