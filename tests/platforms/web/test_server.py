"""Starting and stopping the web server, its address for links, and its settings."""

from __future__ import annotations

import socket

import aiohttp
import pytest

from bot.app import App
from bot.config import ConfigError, load_settings
from bot.platforms.web.server import WebServer, WebStartFailed


async def test_the_running_servers_address_is_given_to_the_app_for_links(app: App):
    pages = WebServer(app)
    assert app.deps.web_base_url == ""
    base = await pages.start()
    try:
        assert base.startswith("http://127.0.0.1:") and base.endswith("/")
        assert app.deps.web_base_url == base == pages.base_url
        async with aiohttp.ClientSession() as browser, browser.get(base + "healthz") as answer:
            assert answer.status == 200
    finally:
        await pages.close()
    assert app.deps.web_base_url == ""


async def test_listening_on_every_address_links_to_this_machine_not_to_0_0_0_0(app: App):
    pages = WebServer(app, host="0.0.0.0")
    base = await pages.start()
    try:
        assert base == f"http://127.0.0.1:{pages.port}/"
        async with aiohttp.ClientSession() as browser, browser.get(base + "healthz") as answer:
            assert answer.status == 200
    finally:
        await pages.close()


async def test_a_public_address_is_used_in_links_when_set(app: App):
    app.settings.web_base_url = "https://brew.example.org/"
    pages = WebServer(app)
    await pages.start()
    try:
        assert app.deps.web_base_url == "https://brew.example.org/"
    finally:
        await pages.close()


async def test_a_port_in_use_is_one_line_saying_what_to_do(app: App):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        app.settings.web_port = taken.getsockname()[1]
        with pytest.raises(WebStartFailed) as refused:
            await WebServer(app).start()
    line = str(refused.value)
    assert line == (
        f"Brewbot cannot serve its web pages on 127.0.0.1 port {app.settings.web_port} "
        "(Address already in use). Stop whatever else uses that port, or set "
        "BREWBOT_WEB_PORT to another port (or BREWBOT_WEB=off), then start Brewbot again."
    )
    assert app.deps.web_base_url == ""


@pytest.mark.parametrize(
    ("given", "kept"),
    [("https://brew.example.org", "https://brew.example.org/"),
     ("  http://10.0.0.5:8080/brew// ", "http://10.0.0.5:8080/brew/"), ("", "")],
)  # fmt: skip
def test_the_base_url_setting_always_ends_in_one_slash(monkeypatch, given, kept):
    monkeypatch.setenv("BREWBOT_WEB_BASE_URL", given)
    assert load_settings(_env_file=None).web_base_url == kept


def test_a_base_url_that_is_not_a_web_address_is_refused_in_one_line(monkeypatch):
    monkeypatch.setenv("BREWBOT_WEB_BASE_URL", "brew.example.org")
    with pytest.raises(ConfigError) as refused:
        load_settings(_env_file=None)
    assert str(refused.value).startswith(
        "Setting BREWBOT_WEB_BASE_URL is not right: it should be empty, or an address "
        "starting with https://"
    )


@pytest.mark.parametrize(("given", "on"), [("off", False), ("false", False), ("on", True)])
def test_the_web_pages_can_be_turned_off(monkeypatch, given, on):
    monkeypatch.setenv("BREWBOT_WEB", given)
    assert load_settings(_env_file=None).web is on


@pytest.mark.parametrize("port", ["-1", "65536", "eighty"])
def test_a_port_out_of_range_is_refused_in_one_line(monkeypatch, port):
    monkeypatch.setenv("BREWBOT_WEB_PORT", port)
    with pytest.raises(
        ConfigError,
        match=r"^Setting BREWBOT_WEB_PORT is not right: it should be a whole number from 0 to "
        r"65535",
    ):
        load_settings(_env_file=None)
