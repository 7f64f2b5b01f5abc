"""Brewbot's Teams app: the manifest Teams reads and the zip people upload ("sideload").

Teams knows a bot only through an app package: manifest.json and two icons in one zip. The
parts that never change (names, descriptions, scopes, meeting support) are kept in
app/manifest.template.json, where they can be read and reviewed like Slack's manifest.yml;
this module adds what depends on the deployment: the bot's Microsoft App ID, the public
address, the app's version, the Entra app its Microsoft Graph permissions are for, and the
command menus, whose words come from the command table
so that Teams' menus say what `brew help` says. tests/platforms/test_teams_manifest.py
checks the result against Microsoft's published schema.
"""

from __future__ import annotations

import json
import re
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.config import Settings
from bot.core.commands import CommandTable
from bot.core.spelling import TYPED

APP = Path(__file__).resolve().parent / "app"
TEMPLATE = APP / "manifest.template.json"
COLOR_ICON = "color.png"
OUTLINE_ICON = "outline.png"

# A bot's Microsoft App ID (Azure's "Application (client) ID") is a GUID; Teams refuses a
# package whose id or botId is anything else.
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
# Teams takes only three plain numbers as an app's version, and asks for a higher one to
# replace an app already uploaded.
_VERSION = re.compile(r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)")

# The commands in Teams' command menu, by where the bot is talking. Teams shows at most 10
# per scope, and none on mobile, so the menus hold the commands people most need; the cards'
# buttons do the rest, and `brew help` lists everything. One-to-one chats get what a person
# does for themselves; channels and group and meeting chats get running a session.
PERSONAL = (
    "help",
    "join",
    "leave",
    "reflect",
    "withdraw",
    "calendar",
    "preferences",
    "needs",
    "privacy",
    "my data",
)
TOGETHER = (
    "help",
    "schedule",
    "sessions",
    "open",
    "spark",
    "breakouts",
    "gather",
    "reflect",
    "close",
    "digest",
)
MENUS: dict[str, tuple[str, ...]] = {
    "personal": PERSONAL,
    "team": TOGETHER,
    "groupChat": TOGETHER,
}


class TeamsAppError(Exception):
    """The app package cannot be made from these settings. `key` names one sentence in
    prompts/strings (cli.teams_app.*) that says what to change."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def build_manifest(
    settings: Settings,
    table: CommandTable[Any],
    *,
    version: str | None = None,
    privacy_url: str | None = None,
    terms_url: str | None = None,
) -> dict[str, Any]:
    """The manifest for this deployment. `version` defaults to Brewbot's own; the privacy
    and terms addresses, which Teams shows in the app's details, default to the public
    address's About page until the organisation gives its own."""
    app_id = _app_id(settings)
    website = _public_address(settings)
    version = version or metadata.version("brewbot")
    if not _VERSION.fullmatch(version):
        raise TeamsAppError("cli.teams_app.bad_version", version=version)
    manifest: dict[str, Any] = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    manifest["version"] = version
    manifest["id"] = app_id
    manifest["developer"].update(
        websiteUrl=website,
        privacyUrl=_https(privacy_url, "--privacy-url") if privacy_url else website,
        termsOfUseUrl=_https(terms_url, "--terms-url") if terms_url else website,
    )
    (bot,) = manifest["bots"]
    bot["botId"] = app_id
    bot["commandLists"] = [
        {"scopes": [scope], "commands": [_menu_entry(table, name) for name in names]}
        for scope, names in MENUS.items()
    ]
    # The template's resource-specific permissions (a team's tags and owners, read from
    # Microsoft Graph to know its facilitators) are granted to this Entra app; Teams wants
    # webApplicationInfo beside them, and its `resource`, used only for tabs' sign-in, which
    # Brewbot has none of, must merely be there.
    manifest["webApplicationInfo"] = {"id": app_id, "resource": website}
    # The one web address the app asks Teams to trust: Brewbot's own pages. Teams reads the
    # list for web content shown inside it; Brewbot's forms are cards, which need no other.
    manifest["validDomains"] = [urlsplit(website).hostname]
    return manifest


def write_app_package(
    settings: Settings,
    table: CommandTable[Any],
    out: Path,
    *,
    version: str | None = None,
    privacy_url: str | None = None,
    terms_url: str | None = None,
) -> Path:
    """Write the zip Teams uploads (manifest.json and the two icons, at its top level) to
    `out`. The settings are checked before anything is written."""
    manifest = build_manifest(
        settings, table, version=version, privacy_url=privacy_url, terms_url=terms_url
    )
    files = {
        "manifest.json": json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"),
        COLOR_ICON: (APP / COLOR_ICON).read_bytes(),
        OUTLINE_ICON: (APP / OUTLINE_ICON).read_bytes(),
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in files.items():
            # A fixed date, so that the same settings always make the same package.
            package.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return out


def _menu_entry(table: CommandTable[Any], name: str) -> dict[str, str]:
    """One command as Teams' menu offers it: what it puts in the message box (the command
    as people type it, without the slash: Teams keeps `/` for its own commands) and the
    command table's own description."""
    command = table.commands[name]
    typed = TYPED.commands(name)[0].removeprefix("/")
    return {"title": typed, "description": command.description}


def _app_id(settings: Settings) -> str:
    app_id = settings.teams_app_id.strip()
    if not app_id:
        raise TeamsAppError("cli.teams_app.no_app_id")
    if not _GUID.fullmatch(app_id):
        raise TeamsAppError("cli.teams_app.bad_app_id")
    return app_id


def _public_address(settings: Settings) -> str:
    """BREWBOT_WEB_BASE_URL: Teams sends messages only to an https:// address, and it is the
    one the app's details link to."""
    address = settings.web_base_url
    if not address.startswith("https://") or not urlsplit(address).hostname:
        raise TeamsAppError("cli.teams_app.no_address")
    return address


def _https(address: str, option: str) -> str:
    if not address.startswith("https://") or not urlsplit(address).hostname:
        raise TeamsAppError("cli.teams_app.bad_link", option=option)
    return address
