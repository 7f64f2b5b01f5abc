"""Trouble on demand, as the Teams SDK's client sees it: each status with Teams' error body
(429 with Retry-After), only for the calls asked and only as many times as asked; held and
slowed answers (the client's timeout fires); answers lost after the work was done."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from microsoft_teams.api import ApiClient, MessageActivityInput
from microsoft_teams.common import ClientOptions

from bot.loopback.teams_server import TeamsLoopback

SEND = r"/v3/conversations/[^/]+/activities$"


def hello() -> MessageActivityInput:
    return MessageActivityInput(text="hello")


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (403, "BotNotInConversationRoster"),
        (404, "ConversationNotFound"),
        (412, "PreconditionFailed"),
        (413, "MessageSizeTooBig"),
        (429, "Throttled"),
        (500, "ServiceError"),
    ],
)
async def test_each_fault_answers_as_configured(
    lb: TeamsLoopback, api: ApiClient, status: int, code: str
) -> None:
    lb.fail("POST", SEND, status, times=2)
    for _ in range(2):
        with pytest.raises(httpx.HTTPStatusError) as failed:
            await api.conversations.create_activity(lb.general.id, hello())
        assert failed.value.response.status_code == status
        assert failed.value.response.json()["error"]["code"] == code
    # Then it is over, and nothing was posted while it lasted.
    sent = await api.conversations.create_activity(lb.general.id, hello())
    assert [p.id for p in lb.posts(lb.general.id)] == [sent.id]
    assert [c.status for c in lb.of("send")] == [status, status, 200]


async def test_429_carries_retry_after(lb: TeamsLoopback, api: ApiClient) -> None:
    lb.fail("POST", SEND, 429, retry_after=2)
    with pytest.raises(httpx.HTTPStatusError) as throttled:
        await api.conversations.create_activity(lb.general.id, hello())
    assert throttled.value.response.status_code == 429
    assert throttled.value.response.headers["Retry-After"] == "2"


async def test_a_fault_touches_only_the_calls_it_names(lb: TeamsLoopback, api: ApiClient) -> None:
    sent = await api.conversations.create_activity(lb.general.id, hello())
    lb.fail("PUT", r"/activities/", 412)
    # A send is not an update: it goes through.
    await api.conversations.create_activity(lb.general.id, hello())
    with pytest.raises(httpx.HTTPStatusError) as conflict:
        await api.conversations.update_activity(lb.general.id, sent.id, hello())
    assert conflict.value.response.status_code == 412
    await api.conversations.update_activity(lb.general.id, sent.id, hello())
    assert [c.status for c in lb.of("update")] == [412, 200]


async def test_a_delayed_answer_times_the_client_out(lb: TeamsLoopback) -> None:
    impatient = ApiClient(lb.url, ClientOptions(token="t", timeout=0.2))
    lb.fail("POST", SEND, None, delay=30)
    try:
        with pytest.raises(httpx.TimeoutException):
            await impatient.conversations.create_activity(lb.general.id, hello())
    finally:
        await impatient.http.http.aclose()
    # The call reached the loopback and waits there, unanswered.
    assert [c.status for c in lb.of("send")] == [0]


async def test_a_delayed_error_comes_late(lb: TeamsLoopback, api: ApiClient) -> None:
    lb.fail("POST", SEND, 500, delay=0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(httpx.HTTPStatusError):
        await api.conversations.create_activity(lb.general.id, hello())
    assert loop.time() - started >= 0.3


async def test_a_held_call_waits_until_released(lb: TeamsLoopback, api: ApiClient) -> None:
    gate = lb.hold("POST", SEND, times=1)
    sending = asyncio.create_task(api.conversations.create_activity(lb.general.id, hello()))
    held = await lb.wait_for(lambda c: c.kind == "send")
    assert held.status == 0 and not sending.done()
    assert lb.posts(lb.general.id) == []
    gate.set()
    sent = await sending
    assert held.status == 200 and held.created_id == sent.id


async def test_a_lost_answer_was_still_carried_out(lb: TeamsLoopback, api: ApiClient) -> None:
    lb.lose_answer("POST", SEND)
    with pytest.raises(httpx.HTTPStatusError) as lost:
        await api.conversations.create_activity(lb.general.id, hello())
    assert lost.value.response.status_code == 500
    # Teams posted it: the caller cannot know, which is why a send is never retried on 500.
    [posted] = lb.posts(lb.general.id)
    assert lb.of("send")[0].created_id == posted.id


async def test_close_ends_held_answers(lb: TeamsLoopback, api: ApiClient) -> None:
    lb.hold("POST", SEND)
    sending = asyncio.create_task(api.conversations.create_activity(lb.general.id, hello()))
    await lb.wait_for(lambda c: c.kind == "send")
    await lb.close()
    with pytest.raises(httpx.HTTPError):
        await sending
