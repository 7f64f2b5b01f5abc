"""Each front-end shows an Easy Read idea's picture where it can, with its words for people
who cannot see it; plain style, the shell and Slack with no public address show the words
alone, and no mark or file name is ever shown as words."""

from __future__ import annotations

import json

import aiohttp

from bot.app import App
from bot.config import Settings
from bot.core.easy_read import MARK
from bot.core.messages import FieldKind, Form, FormField, OutgoingMessage, Section
from bot.delivery.outbox import decode, encode
from bot.engine.pictures import picture_png
from bot.engine.texts import Texts
from bot.platforms.discord.components import build_modal
from bot.platforms.discord.escape import own_words
from bot.platforms.discord.render import EMBEDS_PER_MESSAGE
from bot.platforms.discord.render import render as discord_render
from bot.platforms.slack.blocks import render as slack_render
from bot.platforms.slack.blocks import render_view
from bot.platforms.web.pages.pictures import address
from bot.platforms.web.server import WebServer

PICTURES = "https://brew.example.org/pictures/"


def _welcome(texts: Texts, **changes: object) -> OutgoingMessage:
    sections = texts.ideas("welcome", title="Being heard", theme="being heard")
    return OutgoingMessage(
        title="Being heard", sections=sections + texts.ideas("ground_rules"), **changes
    )


def test_discord_shows_each_idea_beside_its_picture_with_alt_text():
    texts = Texts.load()
    message = _welcome(texts)
    parts = discord_render(message)
    embeds = [embed for part in parts for embed in part.embeds]
    ideas = [s for s in message.sections if s.picture]
    assert len(embeds) == len(message.sections) == len(ideas) == 13
    assert embeds[0].title == "Being heard"
    for part in parts:
        assert len(part.embeds) <= EMBEDS_PER_MESSAGE and len(part.files) <= 10
        files = {f.filename: f for f in part.files}
        for embed in part.embeds:
            # Every picture an embed shows is sent with the same message, described.
            name = embed.thumbnail.url.removeprefix("attachment://")
            assert name in files and files[name].description
    for embed, section in zip(embeds, message.sections, strict=True):
        assert embed.description == own_words(section.body)
        assert embed.thumbnail.url == f"attachment://{section.picture.name}.png"
    sent = {f.filename: f for part in parts for f in part.files}
    assert sent["tea.png"].description == "A hot cup of tea."
    assert sent["tea.png"].fp.read() == picture_png("tea")
    for embed in embeds:
        assert not MARK.search(embed.description or "")


def test_discord_plain_style_is_words_only():
    parts = discord_render(_welcome(Texts.load(), plain=True))
    assert all(not part.files and not part.embeds for part in parts)
    text = "\n".join(part.content or "" for part in parts)
    assert "Listen to each other." in text and "[ear]" not in text and ".png" not in text


def test_slack_shows_each_idea_with_its_image_and_alt_text():
    message = _welcome(Texts.load())
    [part] = slack_render(message, pictures=PICTURES)
    ideas = [b for b in part.blocks if "accessory" in b]
    assert len(ideas) == 13
    tea = next(b for b in ideas if b["accessory"]["image_url"] == f"{PICTURES}tea.png")
    assert tea["accessory"] == {
        "type": "image",
        "image_url": f"{PICTURES}tea.png",
        "alt_text": "A hot cup of tea.",
    }
    assert tea["text"]["text"] == "Get a cup of tea if you like."
    assert "[tea]" not in json.dumps(part.blocks) and "[tea]" not in part.text


def test_slack_without_a_public_address_or_in_plain_style_shows_the_words_alone():
    for message, pictures in (
        (_welcome(Texts.load()), ""),
        (_welcome(Texts.load(), plain=True), PICTURES),
    ):
        blocks = json.dumps(
            [b for part in slack_render(message, pictures=pictures) for b in part.blocks]
        )
        assert "Listen to each other." in blocks
        assert '"image"' not in blocks and ".png" not in blocks and "[ear]" not in blocks


def test_the_pictures_address_needs_a_public_address_and_the_web_server():
    public = Settings(_env_file=None, BREWBOT_WEB_BASE_URL="https://brew.example.org")
    assert address(public) == PICTURES
    assert address(Settings(_env_file=None)) == ""
    assert (
        address(Settings(_env_file=None, BREWBOT_WEB_BASE_URL="https://x.org/", BREWBOT_WEB="off"))
        == ""
    )


def test_the_outbox_keeps_a_pictures_idea():
    message = OutgoingMessage(sections=Texts.load().ideas("reminder", when="Tuesday"))
    kept = decode("post", encode(message))
    assert kept.sections == message.sections and kept.sections[0].picture is not None
    # A row written before pictures came still reads.
    old = json.loads(encode(OutgoingMessage(sections=(Section("Hello"),))))
    old["sections"] = [section[:3] for section in old["sections"]]
    assert decode("post", json.dumps(old)).sections == (Section("Hello"),)


async def test_the_web_server_serves_the_pictures_and_nothing_else(app: App):
    pages = WebServer(app)
    base = await pages.start()
    try:
        async with aiohttp.ClientSession() as browser:
            async with browser.get(base + "pictures/tea.png") as answer:
                assert answer.status == 200
                assert answer.content_type == "image/png"
                assert await answer.read() == picture_png("tea")
            for missing in ("pictures/cake.png", "pictures/..%2Fpictures.yaml", "pictures/tea.svg"):
                async with browser.get(base + missing) as answer:
                    assert answer.status == 404, missing
    finally:
        await pages.close()


def test_a_slack_modal_shows_the_easy_read_forms_ideas_with_their_pictures():
    form = _easy_form()
    view = render_view(form, {"channel": "C1"}, close="Cancel", placeholder="Choose",
                       pictures=PICTURES)  # fmt: skip
    images = [b["accessory"] for b in view["blocks"] if "accessory" in b]
    assert len(images) == len(form.ideas) >= 6
    for image, idea in zip(images, form.ideas, strict=True):
        assert image == {
            "type": "image",
            "image_url": f"{PICTURES}{idea.picture.name}.png",
            "alt_text": idea.picture.alt,
        }
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [
        f.id for f in form.fields
    ]
    # With no public address: the words alone, as before.
    words = render_view(form, {"channel": "C1"}, close="Cancel", placeholder="Choose")
    assert "accessory" not in json.dumps(words) and "Your name is not kept." in json.dumps(words)


def test_a_discord_modal_shows_the_words_alone():
    """A Discord modal can hold text but no picture: the Easy Read form is its words."""
    form = _easy_form()
    shown = json.dumps(build_modal(form).to_dict())
    assert "Your name is not kept." in shown
    assert ".png" not in shown and "[anonymous]" not in shown


def _easy_form() -> Form:
    ideas = Texts.load().ideas("reflection_form", prompt="What would help?", help="Call 999.")
    return Form(
        "Share a reflection",
        "brew:reflection:submit:1",
        (FormField("text", "Your words", FieldKind.PARAGRAPH),),
        intro="\n\n".join(idea.body for idea in ideas),
        ideas=ideas,
    )
