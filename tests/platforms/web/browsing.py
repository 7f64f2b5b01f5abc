"""A real browser for the web page tests: Debian's headless chromium through its own
chromedriver, axe-core injected into the page as served, a keyboard that only presses keys
(and checks that every focus it moves is drawn), and full-page screenshots at a phone's and a
desktop's width, kept as test artefacts.

Selenium rather than Playwright: Selenium talks plain WebDriver to Debian's own chromedriver,
which comes with Debian's chromium (same version, both from apt), while Playwright's Python
package ships a driver of its own and expects browser builds it downloads itself, which this
machine cannot fetch.

WebDriver's execute_script runs through the DevTools protocol, which the pages'
Content-Security-Policy (no script at all) does not govern in Chromium: axe-core is injected
into the real page as served. Scripts here only read the page (and inject axe-core); they
never fill a field, press a button or move focus: the keyboard does."""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from tests.conftest import loaded_texts

ROOT = Path(__file__).resolve().parents[3]
AXE_PACKAGE = ROOT / ".venv" / "axe" / "node_modules" / "axe-core"
# Git-ignored; CI keeps the folder as the run's artefacts.
SCREENSHOTS = ROOT / "test-artefacts" / "screenshots"
# Every WCAG A and AA rule axe has (it has no rule, so no tag, for WCAG 2.2 level A alone).
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# A small phone, and 400% zoom of a 1280 pixel wide window: the width WCAG 1.4.10 (Reflow)
# asks pages to fit without scrolling sideways.
PHONE = 320
DESKTOP = 1280
# How long a page may take to arrive after a key sends a form or follows a link.
LOAD_SECONDS = 10


def start_chromium() -> Iterator[WebDriver]:
    """Headless chromium in British English, or a skip saying what is missing."""
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
    options.add_argument(f"--window-size={DESKTOP},900")
    # British English asked for (date fields still follow the system's locale, so the tests
    # type dates that read the same either way round).
    options.add_argument("--lang=en-GB")
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-GB"})
    # An explicit chromedriver: Selenium Manager (which would download one) is never asked.
    session = webdriver.Chrome(service=Service(driver), options=options)
    try:
        yield session
    finally:
        session.quit()


# --------------------------------------------------------------------------- axe-core


def run_axe(driver: WebDriver) -> list[dict[str, Any]]:
    """Inject axe-core into the page the browser shows and run every WCAG A and AA rule.
    Asserts axe really ran there (its version, and rules that passed), so a blocked
    injection fails rather than passing in silence."""
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


def readable(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['html']}\n      {node['failureSummary']}"
                     for node in violation["nodes"])  # fmt: skip
    return "\n".join(lines)


# --------------------------------------------------------------------------- looking


def screenshot(driver: WebDriver, name: str, width: int) -> Path:
    """The whole page as it is now (not reloaded), `width` CSS pixels wide, as a PNG in
    SCREENSHOTS. Returns the file."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    file = SCREENSHOTS / f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}-{width}.png"
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
    )
    file.write_bytes(base64.b64decode(shot["data"]))
    return file


def at_width(driver: WebDriver, width: int) -> None:
    """Show the page as a window `width` CSS pixels wide and as tall as the whole page
    (headless chromium's own window cannot be made that narrow)."""
    metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    tall = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": tall})


def look(driver: WebDriver, name: str) -> None:
    """What an independent checker does with the page the browser shows now: axe-core finds
    no WCAG A or AA failure; at 320 pixels wide it does not scroll sideways; screenshots at
    the phone's and the desktop's width are kept."""
    violations = run_axe(driver)
    assert not violations, f"axe-core on the {name} ({driver.current_url}):\n{readable(violations)}"
    try:
        for width in (PHONE, DESKTOP):
            at_width(driver, width)
            shot = screenshot(driver, name, width)
            if width == PHONE:
                inner, scroll, client = driver.execute_script(
                    "const page = document.documentElement;"
                    "return [innerWidth, page.scrollWidth, page.clientWidth];"
                )
                assert inner == PHONE
                assert scroll <= client, (
                    f"the {name} scrolls sideways at {PHONE} px ({scroll} > {client}): see {shot}"
                )
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def text(driver: WebDriver) -> str:
    """The words the page shows, as a person reads them."""
    return str(driver.find_element(By.TAG_NAME, "main").text)


def heading(driver: WebDriver) -> str:
    return str(driver.find_element(By.TAG_NAME, "h1").text)


# --------------------------------------------------------------------------- keyboard

# What has focus, and how the browser draws that focus.
FOCUSED = """
const el = document.activeElement;
const style = getComputedStyle(el);
const box = el.getBoundingClientRect();
return {tag: el.tagName.toLowerCase(), id: el.id, type: el.type || '',
        name: el.name || '', value: el.value || '', checked: !!el.checked,
        href: el.getAttribute('href'), label: (el.labels && el.labels[0]
          ? el.labels[0].innerText : el.getAttribute('aria-label') || el.innerText || '').trim(),
        matches: arguments[0] ? el.matches(arguments[0]) : false,
        outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
        seen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
              && box.left < innerWidth && box.top < innerHeight};
"""
# Every element Tab should stop at, in the page's order: one stop per radio group (its
# ticked button, or its first), nothing hidden or disabled.
TABBABLE = """
const stops = [], groups = new Set();
const all = document.querySelectorAll(
  'a[href], button, input:not([type=hidden]), textarea, select, [tabindex]');
for (const el of all) {
  if (el.tabIndex < 0 || el.disabled || !el.getClientRects().length) continue;
  if (el.type === 'radio') {
    if (groups.has(el.name)) continue;
    groups.add(el.name);
    const group = Array.from(document.getElementsByName(el.name));
    const on = group.find(r => r.checked) || group[0];
    stops.push(on.id || on.name);
    continue;
  }
  stops.push(el.id || el.getAttribute('href') || el.name
             || (el.getAttribute('aria-label') || el.innerText).trim());
}
return stops;
"""


def _replaced(old: WebElement) -> bool:
    """Whether the page that held `old` has been replaced. While Chromium swaps one
    document for the next, chromedriver can answer "Node with given id does not belong to
    the document" instead of a stale element; that means "not yet decided", so the wait asks
    again rather than failing the journey (CI saw it once in a few thousand page loads)."""
    try:
        old.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error.msg):
            return False
        raise
    return False


class RefusedAsFromElsewhere(AssertionError):
    """The server took a form sent from its own page for one from another site."""


class Keyboard:
    """A person at the keyboard: keys pressed, never a click and never a script that fills
    a field. Every Tab checks the focus lands on something drawn with a visible outline."""

    def __init__(self, driver: WebDriver, *, outline: int = 2) -> None:
        self.driver = driver
        self.outline = outline  # the thinnest focus outline that counts as visible

    def press(self, *keys: str) -> None:
        ActionChains(self.driver).send_keys(*keys).perform()

    def type(self, words: str) -> None:
        """Type into whatever has focus."""
        self.press(words)

    def focused(self, selector: str = "") -> dict[str, Any]:
        return dict(self.driver.execute_script(FOCUSED, selector))

    def tab(self, *, back: bool = False) -> dict[str, Any]:
        if back:
            ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(
                Keys.SHIFT
            ).perform()
        else:
            self.press(Keys.TAB)
        focused = self.focused()
        self.assert_focus_shows(focused)
        return focused

    def assert_focus_shows(self, focused: dict[str, Any]) -> None:
        where = focused["id"] or focused["href"] or focused["label"] or focused["tag"]
        assert focused["tag"] != "body", "Tab left the page"
        assert focused["seen"], f"{where} has focus off the screen"
        if focused["type"] == "date":
            # Chromium draws a date field's focus on its day, month or year inside it, and
            # gives the field itself no outline style to read here: not checked (see the
            # screenshots of the report).
            return
        assert focused["outline"] != "none" and focused["outlineWidth"] >= self.outline, (
            f"{where} shows no focus outline: {focused}"
        )

    def tab_to(self, selector: str, *, back: bool = False, most: int = 60) -> dict[str, Any]:
        """Press Tab (or Shift+Tab) until the element matching `selector` has focus."""
        for _ in range(most):
            self.tab(back=back)
            focused = self.focused(selector)
            if focused["matches"]:
                return focused
        raise AssertionError(f"{most} presses of Tab never reached {selector}")

    def tab_to_text(self, words: str, *, most: int = 60) -> dict[str, Any]:
        """Press Tab until a link or button whose words are `words` has focus."""
        for _ in range(most):
            focused = self.tab()
            if focused["label"] == words:
                return focused
        raise AssertionError(f"{most} presses of Tab never reached {words!r}")

    def go(self, *keys: str) -> None:
        """Press keys that load another page (follow a link, send a form), and wait for it."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.press(*keys)
        WebDriverWait(self.driver, LOAD_SECONDS).until(lambda _: _replaced(old))
        WebDriverWait(self.driver, LOAD_SECONDS).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )

    def send(self, key: str = Keys.ENTER) -> None:
        """Press a key that sends one of the site's own forms from its own page, and wait
        for the answer, which must not be the refusal of a form from another site."""
        self.go(key)
        if heading(self.driver) == loaded_texts().t("web.error.elsewhere_title"):
            raise RefusedAsFromElsewhere(
                "the site's own form was refused as sent from another site "
                f"({self.driver.current_url})"
            )

    def date_fields(self) -> list[str]:
        return list(
            self.driver.execute_script(
                "return Array.from(document.querySelectorAll('input[type=date]'), e => e.id)"
            )
        )

    def walk(self) -> list[str]:
        """From the top of a freshly loaded page, Tab through everything: the skip link
        comes first, every stop shows its focus, and Tab reaches every stop in the page's
        order. Returns the stops."""
        stops: list[str] = self.driver.execute_script(TABBABLE)
        reached: list[str] = []
        while len(reached) < len(stops):
            stop = self.tab()
            stop = stop["id"] or stop["href"] or stop["name"] or stop["label"]
            if reached and stop == reached[-1] and stop in self.date_fields():
                continue  # a date field's day, month, year and calendar are Tab stops each
            reached.append(stop)
        assert reached == stops, f"Tab reaches every link and field in order: {reached} != {stops}"
        return stops
