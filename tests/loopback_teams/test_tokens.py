"""The loopback's sign-in side against the Teams SDK's real inbound token check: what it signs
passes, what a stranger, a wrong audience, an old token or a wrong issuer signs does not, and
a slow key endpoint is slow for the SDK's (blocking) key fetch without holding the loop."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from microsoft_teams.api import ApiClient
from microsoft_teams.api.auth.cloud_environment import PUBLIC
from microsoft_teams.apps.auth.token_validator import InboundActivityTokenValidator

from bot.loopback.teams_server import ISSUER, TeamsLoopback
from tests.loopback_teams.conftest import APP_ID


async def validate(lb: TeamsLoopback, token: str, service_url: str | None = None) -> Any:
    """The SDK's validator, as the bot must run it: its key fetch blocks (urllib), so it runs
    in a thread with a loop of its own while the loopback answers on this one."""
    validator = InboundActivityTokenValidator(APP_ID, cloud=lb.cloud)
    check = validator.validate_token(token, service_url or lb.url)
    return await asyncio.to_thread(asyncio.run, check)


def test_its_issuer_is_the_sdks_public_clouds() -> None:
    # Written out in the loopback, so that its process need not import the SDK for it.
    assert ISSUER == PUBLIC.token_issuer


async def test_a_token_it_signs_passes_the_sdk_check(lb: TeamsLoopback) -> None:
    claims = await validate(lb, lb.sign())
    assert claims["aud"] == APP_ID
    assert claims["iss"] == "https://api.botframework.com"
    assert claims["serviceurl"] == lb.url
    # The SDK found the keys beside the metadata URL it was given, on the loopback.
    assert [c.kind for c in lb.calls] == ["keys"]
    assert lb.calls[0].status == 200


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param({"audience": "someone-elses-app"}, id="audience"),
        pytest.param({"expires_in": -3600}, id="expired"),
        pytest.param({"issuer": "https://api.botframework.example"}, id="issuer"),
        pytest.param({"service_url": "https://elsewhere.example/"}, id="service-url"),
        pytest.param({"key_id": "a-key-nobody-published"}, id="unknown-key"),
    ],
)
async def test_a_spoiled_token_is_refused(lb: TeamsLoopback, spoil: dict[str, Any]) -> None:
    with pytest.raises(jwt.PyJWTError):
        await validate(lb, lb.sign(**spoil))


async def test_a_token_signed_with_another_key_is_refused(lb: TeamsLoopback) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(jwt.InvalidSignatureError):
        await validate(lb, lb.sign(key=stranger))


async def test_the_token_must_name_the_activitys_service_url(lb: TeamsLoopback) -> None:
    with pytest.raises(jwt.InvalidTokenError, match="Service URL mismatch"):
        await validate(lb, lb.sign(), service_url="https://smba.trafficmanager.net/emea/")


async def test_the_metadata_names_the_key_set(lb: TeamsLoopback) -> None:
    client = ApiClient(lb.url)
    try:
        metadata = (await client.http.get(lb.openid_url)).json()
        keys = (await client.http.get(metadata["jwks_uri"])).json()["keys"]
    finally:
        await client.http.http.aclose()
    assert metadata["issuer"] == "https://api.botframework.com"
    assert [k["kid"] for k in keys] == ["brewbot-loopback-key"]
    assert keys[0]["kty"] == "RSA" and keys[0]["use"] == "sig"
    assert "d" not in keys[0]  # the public half only


async def test_a_slow_key_endpoint_delays_the_check_not_the_loop(
    lb: TeamsLoopback, api: ApiClient
) -> None:
    lb.key_delay = 0.6
    started = time.monotonic()
    checking = asyncio.create_task(validate(lb, lb.sign()))
    # The key fetch is under way and held: the loopback still answers other calls at once.
    await lb.wait_for(lambda c: c.kind == "keys")
    members = await api.conversations.get_members(lb.general.id)
    assert not checking.done()
    assert members == []
    claims = await checking
    assert claims["aud"] == APP_ID
    assert time.monotonic() - started >= 0.6
    assert lb.of("keys")[0].status == 200
