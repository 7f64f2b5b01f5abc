"""Brewbot's inbound token check (bot/platforms/teams/http.py, `OffLoopKeys`) remembers a
token that passed, with the serviceUrl it passed for, until the token expires: the same
token is then taken without PyJWT's work, and everything else is checked in full against
the loopback's real keys."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest

from bot.loopback.teams_server import TeamsLoopback
from bot.platforms.teams.http import OffLoopKeys
from tests.loopback_teams.conftest import APP_ID


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token PyJWT decoded and checked (the library spied on, not ours): the SDK's
    validator calls `jwt.decode` once for each token it checks."""
    decoded: list[str] = []
    decode = jwt.decode

    def counted(token: str, *args: Any, **kwargs: Any) -> Any:
        decoded.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counted)
    return decoded


@pytest.fixture
def clock() -> list[float]:
    """The cache's clock, as a list to move it: real time until a test changes it."""
    return []


@pytest.fixture
def keys(lb: TeamsLoopback, clock: list[float]) -> Iterator[OffLoopKeys]:
    def now() -> float:
        return clock[-1] if clock else time.time()

    checker = OffLoopKeys(APP_ID, lb.cloud, remembered=2, now=now)
    yield checker
    checker.close()


async def test_a_token_that_passed_is_taken_again_without_the_check(
    lb: TeamsLoopback, keys: OffLoopKeys, checks: list[str]
) -> None:
    token = lb.sign()
    first = await keys.validate_token(token, lb.url)
    again = await keys.validate_token(token, lb.url)
    assert again == first and first["serviceurl"] == lb.url
    assert checks == [token]


async def test_what_is_given_back_is_a_copy(lb: TeamsLoopback, keys: OffLoopKeys) -> None:
    token = lb.sign()
    (await keys.validate_token(token, lb.url))["aud"] = "someone-else"
    assert (await keys.validate_token(token, lb.url))["aud"] == APP_ID


async def test_the_same_token_for_another_service_url_is_checked_and_refused(
    lb: TeamsLoopback, keys: OffLoopKeys, checks: list[str]
) -> None:
    token = lb.sign()
    await keys.validate_token(token, lb.url)
    with pytest.raises(jwt.InvalidTokenError, match="Service URL mismatch"):
        await keys.validate_token(token, "https://smba.trafficmanager.net/emea/")
    assert checks == [token, token]


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda lb: lb.sign(audience="someone-elses-app"), id="audience"),
        pytest.param(lambda lb: lb.sign(expires_in=-3600), id="expired"),
        pytest.param(lambda lb: lb.sign(issuer="https://api.botframework.example"), id="issuer"),
    ],
)
async def test_a_refused_token_is_refused_every_time(
    lb: TeamsLoopback,
    keys: OffLoopKeys,
    checks: list[str],
    spoil: Callable[[TeamsLoopback], str],
) -> None:
    token = spoil(lb)
    for _ in range(2):
        with pytest.raises(jwt.PyJWTError):
            await keys.validate_token(token, lb.url)
    assert checks == [token, token]


async def test_a_token_is_checked_in_full_again_once_it_expires(
    lb: TeamsLoopback, keys: OffLoopKeys, checks: list[str], clock: list[float]
) -> None:
    token = lb.sign(expires_in=600)
    claims = await keys.validate_token(token, lb.url)
    clock.append(claims["exp"] - 1)
    await keys.validate_token(token, lb.url)
    assert checks == [token]
    # At its expiry it is no longer remembered (PyJWT, on the real clock, still takes it).
    clock.append(claims["exp"])
    await keys.validate_token(token, lb.url)
    assert checks == [token, token]


async def test_only_the_latest_tokens_are_remembered(
    lb: TeamsLoopback, keys: OffLoopKeys, checks: list[str]
) -> None:
    first, second, third = (lb.sign(claims={"n": n}) for n in range(3))
    for token in (first, second, third, third, first):
        await keys.validate_token(token, lb.url)
    # Two are remembered (`remembered=2`): the first had been let go for the third.
    assert checks == [first, second, third, first]
