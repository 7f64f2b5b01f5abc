"""The web pages as an independent checker sees them: in a real browser (Debian's headless
chromium), with axe-core for WCAG 2.0, 2.1 and 2.2 A and AA, and with the keyboard alone: the
skip link first and visible, every link reachable with a focus outline that shows, and the
pages usable with the stylesheet off and at 320 CSS pixels wide (400% zoom) without
scrolling sideways.

Selenium rather than Playwright: Selenium talks plain WebDriver to Debian's own chromedriver,
which comes with Debian's chromium (same version, both from apt), while Playwright's Python
package ships a driver of its own and expects browser builds it downloads itself, which this
machine cannot fetch. With no chromium, chromedriver or axe-core installed (`.ci/run` and
`make test` install them), these tests are skipped, saying which is missing.

WebDriver's execute_script runs through the DevTools protocol, which the pages'
Content-Security-Policy (no script at all) does not govern in Chromium: axe-core is injected
into the real page as served. Each check asserts axe really ran there (its version, and
rules that passed), so a blocked injection would fail rather than pass in silence."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from bot.platforms.web.server import WebServer
from tests.helpers import make_session
from tests.platforms.web.test_group_pages import group_path, sent_session
from tests.platforms.web.test_session_page import link_path

AXE_PACKAGE = Path(__file__).resolve().parents[3] / ".venv" / "axe" / "node_modules" / "axe-core"
# Every WCAG A and AA rule axe has (it has no rule, so no tag, for WCAG 2.2 level A alone).
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# 400% zoom of a 1280 pixel wide window: the width WCAG 1.4.10 (Reflow) asks pages to fit.
REFLOW_WIDTH = 320

T = TypeVar("T")


@pytest.fixture(scope="module")
def chromium() -> Iterator[WebDriver]:
    """One headless chromium for the whole module (starting one takes about a second)."""
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not browser or not driver:
        pytest.skip(
            "chromium and chromedriver are not installed (apt-get install chromium "
            "chromium-driver, as .ci/run does), so the browser tests are skipped"
        )
    if not (AXE_PACKAGE / "axe.min.js").is_file():
        pytest.skip(f"axe-core is not installed in {AXE_PACKAGE} (make test installs it), so "
                    "the browser tests are skipped")  # fmt: skip
    options = Options()
    options.binary_location = browser
    options.add_argument("--headless=new")
    # Chromium's sandbox refuses to start as root, which CI runs as; the pages are our own.
    options.add_argument("--no-sandbox")
    options.add_argument("--disable-dev-shm-usage")
    options.add_argument("--window-size=1280,900")
    # An explicit chromedriver: Selenium Manager (which would download one) is never asked.
    session = webdriver.Chrome(service=Service(driver), options=options)
    try:
        yield session
    finally:
        session.quit()


async def page_urls(server: WebServer, app, chat, fac) -> dict[str, str]:
    """Every kind of page there is, by name: both fixed pages, a real session page reached
    through `/brew link N`, its Easy Read version, the working group's pages reached through
    `/brew link group` (with a sent digest), and the page for an unknown address."""
    path = await link_path(chat, fac, await make_session(app))
    sent = await sent_session(app, chat, fac, people=0)
    group = await group_path(chat, fac)
    base = server.base_url.rstrip("/")
    return {
        "home": f"{base}/",
        "accessibility statement": f"{base}/accessibility",
        "session page": f"{base}{path}",
        "session page, Easy Read": f"{base}{path}/easy-read",
        "working group's pages": f"{base}{group}",
        "sent digest": f"{base}{group}/digest/{sent}",
        "we said, we did": f"{base}{group}/actions",
        "what we heard": f"{base}{group}/heard/{sent}",
        "what we heard, Easy Read": f"{base}{group}/heard/{sent}/easy-read",
        "page not found": f"{base}/s/no-such-link",
    }


async def in_browser(work: Callable[[], T]) -> T:
    """Run blocking WebDriver calls off the event loop, which serves the pages they load."""
    return await asyncio.to_thread(work)


# --------------------------------------------------------------------------- axe-core


def run_axe(driver: WebDriver) -> list[dict[str, Any]]:
    """Inject axe-core into the page the browser shows and run every WCAG A and AA rule."""
    driver.execute_script((AXE_PACKAGE / "axe.min.js").read_text(encoding="utf-8"))
    results: dict[str, Any] = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        "  .then(r => done({version: axe.version, passes: r.passes.length,"
        "                   violations: r.violations}))"
        "  .catch(e => done({error: String(e)}));",
        WCAG_AA_TAGS,
    )
    assert "error" not in results, results.get("error")
    installed = json.loads((AXE_PACKAGE / "package.json").read_text(encoding="utf-8"))
    assert results["version"] == installed["version"], "axe-core did not run in the page"
    assert results["passes"] > 0, "axe-core checked nothing"
    return list(results["violations"])


def axe_violations(driver: WebDriver, url: str) -> list[dict[str, Any]]:
    driver.get(url)
    return run_axe(driver)


def readable(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['html']}\n      {node['failureSummary']}"
                     for node in violation["nodes"])  # fmt: skip
    return "\n".join(lines)


async def test_axe_finds_no_wcag_a_or_aa_failure_on_any_page(chromium, server, app, chat, fac):
    urls = await page_urls(server, app, chat, fac)
    for name, url in urls.items():
        violations = await in_browser(lambda url=url: axe_violations(chromium, url))
        assert not violations, f"axe-core on the {name} ({url}):\n{readable(violations)}"


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


async def test_axe_would_see_a_failure(chromium, server):
    """The check can fail: the home page with its language taken away is reported."""

    def without_language() -> list[dict[str, Any]]:
        chromium.get(server.base_url)
        chromium.execute_script("document.documentElement.removeAttribute('lang')")
        return run_axe(chromium)

    violations = await in_browser(without_language)
    assert [violation["id"] for violation in violations] == ["html-has-lang"]


# --------------------------------------------------------------------------- keyboard

# What the keyboard has focused, and how the browser draws that focus.
FOCUSED = """
const el = document.activeElement;
const style = getComputedStyle(el);
const box = el.getBoundingClientRect();
return {tag: el.tagName.toLowerCase(), id: el.id, href: el.getAttribute('href'),
        skip: el.classList.contains('skip-link'),
        outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
        seen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
              && box.left < innerWidth && box.top < innerHeight};
"""
LINKS = "return Array.from(document.links, a => a.getAttribute('href'));"
STYLES_OFF = "for (const sheet of document.styleSheets) sheet.disabled = true;"


def keyboard_walk(driver: WebDriver, url: str, *, styles: bool) -> None:
    """Tab from the top of the page: the skip link comes first and shows, Enter on it puts
    focus on <main>; then Tab reaches every link, each with a focus outline that shows."""
    driver.get(url)
    if not styles:
        driver.execute_script(STYLES_OFF)
        assert driver.execute_script(
            "return getComputedStyle(document.querySelector('.skip-link')).position"
        ) == "static", "the stylesheet is still on"  # fmt: skip
    keys = ActionChains(driver)
    keys.send_keys(Keys.TAB).perform()
    first = driver.execute_script(FOCUSED)
    assert first["skip"], f"the first Tab focused {first}, not the skip link"
    assert first["seen"], "the focused skip link is off the screen"
    assert first["outline"] != "none", "the focused skip link has no outline"
    keys.send_keys(Keys.ENTER).perform()
    assert driver.execute_script(FOCUSED)["id"] == "main", "Enter on the skip link"

    driver.get(url)
    if not styles:
        driver.execute_script(STYLES_OFF)
    links: list[str] = driver.execute_script(LINKS)
    reached = []
    for _ in range(len(links) + 2):
        keys.send_keys(Keys.TAB).perform()
        focused = driver.execute_script(FOCUSED)
        if focused["tag"] != "a":
            break
        assert focused["seen"], f"{focused['href']} is focused off the screen"
        assert focused["outline"] != "none" and focused["outlineWidth"] >= (2 if styles else 1), (
            f"{focused['href']} shows no focus outline: {focused}"
        )
        reached.append(focused["href"])
    assert reached == links, "Tab reaches every link, in the order of the page"


async def test_the_keyboard_reaches_every_link_with_focus_shown(chromium, server, app, chat, fac):
    urls = await page_urls(server, app, chat, fac)
    for url in urls.values():
        await in_browser(lambda url=url: keyboard_walk(chromium, url, styles=True))


async def test_every_page_works_with_the_stylesheet_off(chromium, server, app, chat, fac):
    urls = await page_urls(server, app, chat, fac)
    for url in urls.values():
        await in_browser(lambda url=url: keyboard_walk(chromium, url, styles=False))


# --------------------------------------------------------------------------- reflow


def sideways_overflow(driver: WebDriver, url: str) -> tuple[int, int, int]:
    """The viewport's width, and the page's scrolling width and visible width, at 320 CSS
    pixels wide (the browser's own window cannot be made that narrow headless)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": REFLOW_WIDTH, "height": 640, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        driver.get(url)
        width, scroll, client = driver.execute_script(
            "const page = document.scrollingElement;"
            "return [innerWidth, page.scrollWidth, page.clientWidth];"
        )
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return width, scroll, client


async def test_every_page_reflows_at_320_pixels_wide(chromium, server, app, chat, fac):
    urls = await page_urls(server, app, chat, fac)
    for name, url in urls.items():
        width, scroll, client = await in_browser(lambda url=url: sideways_overflow(chromium, url))
        assert width == REFLOW_WIDTH
        assert scroll <= client, f"the {name} scrolls sideways at 320 px: {scroll} > {client}"
