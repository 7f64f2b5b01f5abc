"""Slack's HTTP bodies, parsed by Brewbot instead of Bolt (bot/platforms/slack/http.py): the
same dictionary Bolt's own parser makes, for any body, and Bolt still checks each request's
signature against the body Slack signed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.internals import parse_body

from bot.loopback.slack_sender import form_body, signature
from bot.platforms.slack.http import parsed_body, parsed_request

FORM = "application/x-www-form-urlencoded"
SECRET = "the-signing-secret"

# Pieces a form body is made of, with every escape that can go wrong: broken and partial
# escapes, bytes that are not UTF-8, separators Python once took ("; "), a fragment mark.
PIECES = st.sampled_from(
    [
        *"ab=&;+#?/ \n\x00é",
        *("payload", "%", "%2", "%zz", "%20", "%26", "%3D", "%2B", "%e9"),
        *("%C3%A9", "%ff", "%F0%9F%AB%96", "=&", "&&"),
    ]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def _outcome(parse: Callable[[str, str | None], Any], raw: str, content_type: str | None) -> object:
    """What a parser makes of a body: its dictionary, or the kind of error it raised."""
    try:
        return parse(raw, content_type)
    except ValueError as exc:
        return type(exc)


def _bolt(raw: str, content_type: str | None) -> object:
    return _outcome(parse_body, raw, content_type)


def _ours(raw: str, content_type: str | None) -> object:
    return _outcome(parsed_body, raw, content_type)


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=40).map("".join))
def test_any_form_body_parses_as_bolt_parses_it(raw):
    assert _ours(raw, FORM) == _bolt(raw, FORM)


@settings(max_examples=400)
@given(st.dictionaries(st.text(), JSON_VALUES, max_size=5), st.text(), st.text())
def test_a_payload_and_other_fields_parse_as_bolt_parses_them(payload, name, value):
    raw = urlencode({"payload": json.dumps(payload), name: value})
    assert _ours(raw, FORM) == _bolt(raw, FORM)
    if name != "payload":  # a second "payload" field is the one both take
        assert _ours(raw, FORM) == payload


@settings(max_examples=400)
@given(st.dictionaries(st.text(), st.text(), max_size=6))
def test_a_slash_commands_fields_parse_as_bolt_parses_them(fields):
    raw = "&".join(f"{quote(k)}={quote(v)}" for k, v in fields.items())
    assert _ours(raw, FORM) == _bolt(raw, FORM)


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        ('{"type": "event_callback", "event": {"text": "hi"}}', "application/json"),
        ('{"type": "url_verification"}', None),
        ("{not json", "application/json"),
        ("payload=%7Bnot+json", FORM),
        ("payload=", FORM),
        ("", FORM),
    ],
)
def test_json_and_broken_bodies_parse_as_bolt_parses_them(raw, content_type):
    assert _ours(raw, content_type) == _bolt(raw, content_type)


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        ("payload=1", FORM),
        ("payload=%5B%5D", FORM),
        ('payload="words"', FORM),
        ("[1]", "application/json"),
        ('"words"', "application/json"),
    ],
)
def test_a_body_that_is_not_an_object_is_not_a_request(raw, content_type):
    with pytest.raises(TypeError):
        parsed_request(raw, content_type, "", {})


async def test_bolt_still_checks_the_signature_of_the_body_slack_signed():
    async def authorize(**_: object) -> AuthorizeResult:
        # Bolt's authorisation, answered here: nothing reaches for Slack.
        return AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-test")

    bolt = AsyncApp(signing_secret=SECRET, authorize=authorize)
    raw = form_body(
        {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": "U1"},
            "actions": [{"action_id": "a"}],
        }
    )
    stamp = int(time.time())

    async def status(signed_body: str) -> int:
        headers = {
            "Content-Type": FORM,
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": signature(SECRET, stamp, signed_body),
        }
        response = await bolt.async_dispatch(parsed_request(raw, FORM, "", headers))
        return response.status

    # Signed as sent: Bolt takes it (no listener answers it: 404). Signed otherwise: 401.
    assert await status(raw) == 404
    assert await status(raw.replace("U1", "U2")) == 401
