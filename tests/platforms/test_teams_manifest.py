"""The Teams app package: its manifest passes Microsoft's published schema (kept in
teams_schema/, see SOURCE.md there), the zip holds what Teams uploads, and the manifest says
what a reviewer checks: the bot's id from the settings, its scopes, meeting support with
anonymous guests, and command menus within Teams' limits that name real commands."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, Draft7Validator, FormatChecker, validators

from bot.app import build_app
from bot.config import Settings
from bot.core.commands import Audience, CommandTable
from bot.engine.texts import Texts
from bot.platforms.memory import MemoryAdapter
from bot.platforms.teams.manifest import (
    APP,
    MENUS,
    TEMPLATE,
    TeamsAppError,
    build_manifest,
    write_app_package,
)

SCHEMA = json.loads(
    (Path(__file__).parent / "teams_schema" / "MicrosoftTeams.schema.json").read_text()
)
APP_ID = "3f2b6c1e-8a4d-4e7b-9c0f-5d6e7f8a9b0c"
ADDRESS = "https://brew.example.org/"
# Teams' own limits for a bot's command menus (its documentation; the v1.30 schema allows
# longer): at most 10 commands a scope, titles of 32 characters, descriptions of 128.
MENU_COMMANDS = 10
TITLE_LENGTH = 32
DESCRIPTION_LENGTH = 128

# The schema says it is draft-04 but uses `const` (the manifest version) and `if`/`then`,
# which came later; a plain draft-04 check would pass any manifestVersion. So: draft-04's
# rules, with those keywords as draft-07 defines them.
ManifestValidator = validators.extend(
    Draft4Validator,
    {keyword: Draft7Validator.VALIDATORS[keyword] for keyword in ("const", "if")},
)


def _settings(**values: object) -> Settings:
    return Settings(
        _env_file=None,
        **{"TEAMS_APP_ID": APP_ID, "BREWBOT_WEB_BASE_URL": ADDRESS, **values},
    )


def _problems(manifest: dict[str, Any]) -> list[str]:
    validator = ManifestValidator(SCHEMA, format_checker=FormatChecker())
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(manifest)
    ]


@pytest.fixture
async def table() -> AsyncIterator[CommandTable[Any]]:
    """The real command table, as `brewbot run` builds it, on a database never opened (as
    `brewbot teams-app` builds it)."""
    settings = Settings(_env_file=None, DATABASE_URL="sqlite:///:memory:")
    app = await build_app(settings, MemoryAdapter(), migrate=False)
    yield app.table
    await app.close()


def test_the_vendored_schema_is_the_one_the_manifest_names():
    template = json.loads(TEMPLATE.read_text())
    version = template["manifestVersion"]
    assert SCHEMA["properties"]["manifestVersion"]["const"] == version
    assert template["$schema"] == (
        f"https://developer.microsoft.com/json-schemas/teams/v{version}/MicrosoftTeams.schema.json"
    )
    # Everything the schema refers to is inside it, so the check needs no network.
    assert '"$ref": "#' in json.dumps(SCHEMA)
    assert not [ref for ref in _refs(SCHEMA) if not ref.startswith("#")]


def test_the_manifest_passes_microsofts_schema(table):
    assert _problems(build_manifest(_settings(), table)) == []


def test_the_schema_check_finds_mistakes(table):
    """The check can fail, on the kinds of mistake that would stop Teams taking the app."""
    good = build_manifest(_settings(), table)

    wrong_version = {**good, "manifestVersion": "1.29"}
    assert any(p.startswith("manifestVersion:") for p in _problems(wrong_version))

    bot = good["bots"][0]
    too_many = {"scopes": ["personal"], "commands": [{"title": f"c{i}"} for i in range(13)]}
    unknown_scope = {**bot, "scopes": ["personal", "meeting"], "commandLists": [too_many]}
    problems = _problems({**good, "bots": [unknown_scope], "id": "brewbot"})
    assert any(p.startswith("bots/0/scopes/1:") for p in problems)
    assert any(p.startswith("bots/0/commandLists/0/commands:") for p in problems)
    assert any(p.startswith("id:") for p in problems)

    assert any(p.startswith(":") for p in _problems({**good, "supportsAnonymous": True}))


def test_the_manifest_names_the_bot_from_the_settings(table):
    manifest = build_manifest(_settings(TEAMS_APP_ID=f"  {APP_ID}\n"), table)
    (bot,) = manifest["bots"]
    assert manifest["id"] == bot["botId"] == APP_ID
    assert manifest["name"]["short"] == "Brewbot"
    assert manifest["developer"]["websiteUrl"] == ADDRESS
    assert manifest["validDomains"] == ["brew.example.org"]
    # Until the organisation gives its own notices, Teams links to the About page.
    assert manifest["developer"]["privacyUrl"] == manifest["developer"]["termsOfUseUrl"] == ADDRESS
    # Brewbot's own version unless a higher one is asked for (Teams needs one to update).
    assert manifest["version"] == "0.1.0"
    given = build_manifest(
        _settings(),
        table,
        version="2.3.4",
        privacy_url="https://www.example.gov.uk/privacy",
        terms_url="https://www.example.gov.uk/terms",
    )
    assert given["version"] == "2.3.4"
    assert given["developer"]["privacyUrl"] == "https://www.example.gov.uk/privacy"
    assert given["developer"]["termsOfUseUrl"] == "https://www.example.gov.uk/terms"
    assert _problems(given) == []


def test_the_bot_works_in_chats_channels_and_meetings_with_anonymous_guests(table):
    manifest = build_manifest(_settings(), table)
    (bot,) = manifest["bots"]
    # One-to-one chats, team channels, and group chats (a meeting's chat is a group chat).
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    assert bot["supportsFiles"] is False
    assert bot["isNotificationOnly"] is False
    # Anonymous meeting guests may use the cards and dialogs (Teams admins allow it per tenant).
    assert manifest["meetingExtensionDefinition"]["supportsAnonymousGuestUsers"] is True
    assert manifest["defaultGroupCapability"] == {
        "team": "bot",
        "groupchat": "bot",
        "meetings": "bot",
    }
    # No sign-in for people, and no organisation-wide permissions.
    assert "permissions" not in manifest


def test_the_app_asks_each_team_only_to_read_its_tags_and_owners(table):
    manifest = build_manifest(_settings(), table)
    # Resource-specific consent: a team's owner grants these for that team alone, when adding
    # the app; they let Brewbot read who the facilitator tag names and who owns the team.
    granted = manifest["authorization"]["permissions"]["resourceSpecific"]
    assert sorted((p["name"], p["type"]) for p in granted) == [
        ("TeamMember.Read.Group", "Application"),
        ("TeamworkTag.Read.Group", "Application"),
    ]
    # For the bot's own Entra app, which signs in for Graph as it does for the Bot Framework.
    assert manifest["webApplicationInfo"]["id"] == APP_ID
    assert manifest["webApplicationInfo"]["resource"]
    assert _problems(manifest) == []
    # The schema holds the permission's type to the two Microsoft knows.
    wrong = {"name": "TeamworkTag.Read.Group", "type": "Tenant"}
    spoiled = {**manifest, "authorization": {"permissions": {"resourceSpecific": [wrong]}}}
    assert any(p.startswith("authorization/") for p in _problems(spoiled))


def test_the_command_menus_are_real_commands_within_teams_limits(table):
    manifest = build_manifest(_settings(), table)
    (bot,) = manifest["bots"]
    lists = {scope: entry for entry in bot["commandLists"] for scope in entry["scopes"]}
    # A menu for every scope the bot is in, one scope per menu.
    assert sorted(lists) == sorted(bot["scopes"])
    assert all(len(entry["scopes"]) == 1 for entry in bot["commandLists"])
    texts = Texts.load()
    for scope, entry in lists.items():
        commands = entry["commands"]
        assert 1 <= len(commands) <= MENU_COMMANDS, scope
        titles = [command["title"] for command in commands]
        assert len(set(titles)) == len(titles), scope
        assert titles[0] == "brew help", scope
        for command in commands:
            title, description = command["title"], command["description"]
            assert len(title) <= TITLE_LENGTH and 0 < len(description) <= DESCRIPTION_LENGTH
            # What the menu puts in the message box is a command as people type it, and the
            # menu describes it as `brew help` does.
            words = title.split()
            assert words[0] == "brew", title
            found = texts.spelling.find(table, words[1:])
            assert found is not None, title
            assert description == found[0].description
    # One-to-one chats offer what a person does for themselves, not running a session.
    personal = [command["title"].removeprefix("brew ") for command in lists["personal"]["commands"]]
    assert not [name for name in personal if table.commands[name].audience is Audience.FACILITATOR]
    assert "brew schedule" in [command["title"] for command in lists["team"]["commands"]]


def test_the_menus_name_only_commands_of_the_table(table):
    assert {name for names in MENUS.values() for name in names} <= set(table.commands)


def test_the_package_holds_the_manifest_and_two_icons(table, tmp_path):
    out = tmp_path / "brewbot-teams.zip"
    assert write_app_package(_settings(), table, out) == out
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        color, outline = package.read("color.png"), package.read("outline.png")
    assert manifest == build_manifest(_settings(), table)
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert color == (APP / "color.png").read_bytes()

    width, height, pixels = _rgba(color)
    assert (width, height) == (192, 192)
    # A full colour icon: no see-through pixels.
    assert min(alpha for *_, alpha in pixels) == 255
    assert len({pixel[:3] for pixel in pixels}) > 2

    width, height, pixels = _rgba(outline)
    assert (width, height) == (32, 32)
    # Teams' outline icon: white on a transparent background, and nothing else.
    assert {tuple(rgb) for *rgb, alpha in pixels if alpha} == {(255, 255, 255)}
    alphas = [alpha for *_, alpha in pixels]
    corners = [alphas[0], alphas[31], alphas[-32], alphas[-1]]
    assert corners == [0, 0, 0, 0] and alphas.count(0) > len(pixels) / 3 and 255 in alphas

    # The same settings make the same package, byte for byte.
    again = tmp_path / "again.zip"
    write_app_package(_settings(), table, again)
    assert again.read_bytes() == out.read_bytes()


@pytest.mark.parametrize(
    ("values", "key", "names"),
    [
        ({"TEAMS_APP_ID": ""}, "cli.teams_app.no_app_id", "TEAMS_APP_ID"),
        ({"TEAMS_APP_ID": "   "}, "cli.teams_app.no_app_id", "TEAMS_APP_ID"),
        ({"TEAMS_APP_ID": "brewbot"}, "cli.teams_app.bad_app_id", "TEAMS_APP_ID"),
        # A client secret pasted into the wrong setting is not repeated back.
        ({"TEAMS_APP_ID": "Xy8Q~abcdefghijklmnop"}, "cli.teams_app.bad_app_id", "TEAMS_APP_ID"),
        ({"TEAMS_APP_ID": APP_ID + "0"}, "cli.teams_app.bad_app_id", "TEAMS_APP_ID"),
        ({"BREWBOT_WEB_BASE_URL": ""}, "cli.teams_app.no_address", "BREWBOT_WEB_BASE_URL"),
        (
            {"BREWBOT_WEB_BASE_URL": "http://brew.example.org/"},
            "cli.teams_app.no_address",
            "BREWBOT_WEB_BASE_URL",
        ),
    ],
)
def test_settings_that_cannot_make_a_package_get_one_sentence(table, tmp_path, values, key, names):
    out = tmp_path / "brewbot-teams.zip"
    with pytest.raises(TeamsAppError) as caught:
        write_app_package(_settings(**values), table, out)
    assert caught.value.key == key
    line = Texts.load().t(caught.value.key, **caught.value.values)
    _one_sentence(line)
    assert names in line
    assert "Xy8Q" not in line
    assert not out.exists()


@pytest.mark.parametrize(
    ("given", "key", "names"),
    [
        ({"version": "1.0"}, "cli.teams_app.bad_version", "1.0"),
        ({"version": "0.1.0.dev1"}, "cli.teams_app.bad_version", "0.1.0.dev1"),
        ({"privacy_url": "www.example.gov.uk/privacy"}, "cli.teams_app.bad_link", "--privacy-url"),
        ({"terms_url": "http://example.gov.uk/terms"}, "cli.teams_app.bad_link", "--terms-url"),
    ],
)
def test_options_that_cannot_make_a_package_get_one_sentence(table, given, key, names):
    with pytest.raises(TeamsAppError) as caught:
        build_manifest(_settings(), table, **given)
    assert caught.value.key == key
    line = Texts.load().t(caught.value.key, **caught.value.values)
    _one_sentence(line)
    assert names in line


def _one_sentence(line: str) -> None:
    assert "\n" not in line and line.endswith(".")
    # No full stop ends a sentence inside it (the dots of addresses and versions are not).
    assert ". " not in line[:-1]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _rgba(png: bytes) -> tuple[int, int, list[tuple[int, int, int, int]]]:
    """Width, height and pixels of an 8-bit RGBA PNG (what the icons are saved as), read
    with the PNG specification's filters so that the test sees what Teams will see."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    chunks: dict[bytes, bytes] = {}
    at = 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        chunks[kind] = chunks.get(kind, b"") + png[at + 8 : at + 8 + length]
        at += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour, interlace) == (8, 6, 0), "icons are 8-bit RGBA, not interlaced"
    raw = zlib.decompress(chunks[b"IDAT"])
    stride, previous, pixels = width * 4, bytearray(width * 4), []
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        assert kind <= 4, "a PNG row filter is 0 to 4"
        for x in range(stride):
            left = line[x - 4] if x >= 4 else 0
            up, corner = previous[x], previous[x - 4] if x >= 4 else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                nearest = min(
                    (abs(guess - left), 0, left),
                    (abs(guess - up), 1, up),
                    (abs(guess - corner), 2, corner),
                )
                line[x] = (line[x] + nearest[2]) & 0xFF
        pixels += [tuple(line[x : x + 4]) for x in range(0, stride, 4)]
        previous = line
    return width, height, pixels  # type: ignore[return-value]
