"""Each form's hidden token, and the refusal of forms sent from another site."""

from __future__ import annotations

from bot.platforms.web.forms import LIFETIME_SECONDS, FormTokens


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_works_for_its_own_form_and_page_only():
    tokens = FormTokens()
    value = tokens.issue("reflect", "page-a")
    nonce = tokens.check(value, "reflect", "page-a")
    assert nonce and nonce == value.split(".")[0]
    assert tokens.check(value, "withdraw", "page-a") is None
    assert tokens.check(value, "reflect", "page-b") is None
    # Each opening of a page is its own.
    assert tokens.issue("reflect", "page-a").split(".")[0] != nonce


def test_a_token_from_another_process_or_changed_by_hand_does_not_work():
    value = FormTokens().issue("reflect", "page-a")
    assert FormTokens().check(value, "reflect", "page-a") is None
    tokens = FormTokens()
    value = tokens.issue("reflect", "page-a")
    nonce, expires, signature = value.split(".")
    later = str(int(expires) + 3600)
    for forged in (
        f"{nonce}.{later}.{signature}",
        f"x{nonce}.{expires}.{signature}",
        f"{nonce}.{expires}.",
        "",
        "...",
        "a.b.c",
    ):
        assert tokens.check(forged, "reflect", "page-a") is None


def test_a_token_runs_out_after_a_day():
    clock = Clock()
    tokens = FormTokens(now=clock)
    value = tokens.issue("reflect", "page-a")
    clock.now += LIFETIME_SECONDS
    assert tokens.check(value, "reflect", "page-a") is not None
    clock.now += 1
    assert tokens.check(value, "reflect", "page-a") is None


async def test_a_form_sent_from_another_site_is_refused_with_one_sentence(browser):
    for headers in (
        {"Origin": "https://elsewhere.example"},
        {"Origin": "https://elsewhere.example", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        async with browser.post("/", data={"a": "b"}, headers=headers) as response:
            assert response.status == 403
            page = await response.text()
            assert "can only be sent from its own page" in page


async def test_a_form_from_the_page_itself_is_not_refused_for_where_it_came_from(browser, server):
    origin = server.base_url.rstrip("/")
    for headers in (
        {"Origin": origin, "Sec-Fetch-Site": "same-origin"},
        # What Chromium sends from our pages, which ask for no referrer.
        {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
        {},
    ):
        async with browser.post("/", data={"a": "b"}, headers=headers) as response:
            # The home page takes no form: refused for that, not for where it came from.
            assert response.status == 405
