"""The loopback's Bot Framework connector against the Teams SDK's own ApiClient: it answers
each call the client makes the way Teams does (the client parses every answer with its own
models) and records it; 1:1 chats exist only where the app is installed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from microsoft_teams.api import ApiClient, MessageActivityInput
from microsoft_teams.api.clients.conversation.params import CreateConversationParams
from microsoft_teams.api.models import Account
from microsoft_teams.apps.utils.thread import to_threaded_conversation_id
from microsoft_teams.common import ClientOptions

from bot.loopback.teams_server import CARD, TENANT_ID, TeamsLoopback, actions, cards


def one_to_one(user_id: str) -> CreateConversationParams:
    return CreateConversationParams(members=[Account(id=user_id)], tenant_id=TENANT_ID)


def refusal(exc: pytest.ExceptionInfo[httpx.HTTPStatusError]) -> tuple[int, str]:
    response = exc.value.response
    return response.status_code, response.json()["error"]["code"]


async def test_a_1to1_chat_exists_only_for_someone_who_installed_the_app(
    lb: TeamsLoopback, api: ApiClient
) -> None:
    jo = lb.add_user("Jo Bloggs")
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await api.conversations.create(one_to_one(jo.id))
    assert refusal(refused) == (403, "BotNotInConversationRoster")

    lb.install_for(jo.id)
    first = await api.conversations.create(one_to_one(jo.id))
    again = await api.conversations.create(one_to_one(jo.aad_object_id))
    assert first.id == again.id == lb.personal_id(jo.id)
    assert first.id.startswith("a:")
    assert [c.status for c in lb.of("create_conversation")] == [403, 200, 200]
    assert lb.of("create_conversation")[1].body["members"] == [{"id": jo.id}]

    lb.uninstall_for(jo.id)
    with pytest.raises(httpx.HTTPStatusError) as gone:
        await api.conversations.create_activity(first.id, MessageActivityInput(text="hello"))
    assert refusal(gone) == (403, "BotNotInConversationRoster")


async def test_an_anonymous_meeting_guest_cannot_have_a_1to1_chat(lb: TeamsLoopback) -> None:
    guest = lb.add_user("Guest", role="anonymous")
    with pytest.raises(ValueError):
        lb.install_for(guest.id)


async def test_send_update_and_delete_are_recorded_and_kept(
    lb: TeamsLoopback, api: ApiClient
) -> None:
    jo = lb.add_user("Jo Bloggs")
    chat = lb.install_for(jo.id)
    card = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": "Brew on Tuesday"},
            {"type": "ActionSet", "actions": [{"type": "Action.Submit", "title": "Yes"}]},
        ],
        "actions": [{"type": "Action.Submit", "title": "No", "data": {"rsvp": "no"}}],
    }
    message = MessageActivityInput(text="hi").add_card(card)
    sent = await api.conversations.create_activity(chat.id, message)

    call = lb.of("send")[0]
    assert (call.method, call.conversation_id, call.status) == ("POST", chat.id, 200)
    assert call.created_id == sent.id
    assert call.token == "connector-token"
    [posted] = lb.posts(chat.id)
    assert posted.id == sent.id
    assert [a["title"] for a in actions(cards(posted.activity)[0])] == ["Yes", "No"]

    await api.conversations.update_activity(chat.id, sent.id, MessageActivityInput(text="bye"))
    assert lb.posts(chat.id)[0].activity["text"] == "bye"
    assert lb.of("update")[0].activity_id == sent.id

    await api.conversations.delete_activity(chat.id, sent.id)
    assert lb.posts(chat.id) == []
    with pytest.raises(httpx.HTTPStatusError) as missing:
        await api.conversations.update_activity(chat.id, sent.id, MessageActivityInput(text="x"))
    assert refusal(missing) == (404, "ActivityNotFoundInConversation")


async def test_channel_threads_come_from_the_conversation_id(
    lb: TeamsLoopback, api: ApiClient
) -> None:
    room = lb.add_channel("Brew room")
    top = await api.conversations.create_activity(room.id, MessageActivityInput(text="groups"))
    thread = to_threaded_conversation_id(room.id, top.id)
    reply = await api.conversations.create_activity(thread, MessageActivityInput(text="group 1"))
    # A replyToId alone quotes, it does not thread (as in Teams).
    quoted = await api.conversations.reply_to_activity(
        room.id, top.id, MessageActivityInput(text="quoted")
    )

    assert [p.id for p in lb.posts(room.id)] == [top.id, quoted.id]
    assert [p.id for p in lb.posts(room.id, thread=top.id)] == [reply.id]
    assert lb.of("reply")[0].activity_id == top.id
    with pytest.raises(httpx.HTTPStatusError) as nowhere:
        await api.conversations.create_activity(
            to_threaded_conversation_id(room.id, "1234"), MessageActivityInput(text="lost")
        )
    assert refusal(nowhere) == (404, "ActivityNotFoundInConversation")


async def test_a_new_channel_post_through_create_conversation(
    lb: TeamsLoopback, api: ApiClient
) -> None:
    room = lb.add_channel("Brew room")
    params = CreateConversationParams(
        tenant_id=TENANT_ID,
        channel_data={"channel": {"id": room.id}},
        activity=MessageActivityInput(text="A new brew"),
    )
    created = await api.conversations.create(params)
    [post] = lb.posts(room.id)
    assert created.id == f"{room.id};messageid={post.id}"
    assert created.activity_id == post.id


async def test_rosters(lb: TeamsLoopback, api: ApiClient) -> None:
    jo = lb.add_user("Jo Bloggs")
    sam = lb.add_user("Sam Smith")
    outsider = lb.add_user("Pat Jones", in_team=False)
    chat = lb.add_group_chat([jo, outsider], topic="Brew", meeting=True)

    members = await api.conversations.get_members(lb.general.id)
    assert [(m.id, m.name, m.aad_object_id) for m in members] == [
        (jo.id, "Jo Bloggs", jo.aad_object_id),
        (sam.id, "Sam Smith", sam.aad_object_id),
    ]
    by_aad = await api.conversations.get_member_by_id(lb.general.id, sam.aad_object_id)
    assert by_aad.id == sam.id and by_aad.email == "sam.smith@brewcouncil.example"
    with pytest.raises(httpx.HTTPStatusError) as absent:
        await api.conversations.get_member_by_id(lb.general.id, outsider.id)
    assert refusal(absent) == (404, "MemberNotFoundInConversation")

    page = await api.conversations.get_paged_members(lb.general.id, page_size=1)
    rest = await api.conversations.get_paged_members(
        lb.general.id, page_size=1, continuation_token=page.continuation_token
    )
    assert [m.id for m in page.members + rest.members] == [jo.id, sam.id]
    assert rest.continuation_token is None

    assert [m.id for m in await api.conversations.get_members(chat.id)] == [jo.id, outsider.id]
    assert chat.meeting_id is not None
    lb.meeting_roles[chat.meeting_id][jo.id] = "Organizer"
    organiser = await api.meetings.get_participant(chat.meeting_id, jo.id, TENANT_ID)
    assert organiser.meeting is not None and organiser.meeting.role == "Organizer"


async def test_team_and_channels(lb: TeamsLoopback, api: ApiClient) -> None:
    room = lb.add_channel("Brew room")
    team = await api.teams.get_by_id(lb.team_id)
    assert team.channel_count == 2
    channels = await api.teams.get_conversations(lb.team_id)
    assert [(c.id, c.name) for c in channels] == [(lb.team_id, None), (room.id, "Brew room")]


async def test_a_call_without_a_token_is_refused(lb: TeamsLoopback) -> None:
    anonymous = ApiClient(lb.url, ClientOptions(timeout=5.0))
    try:
        with pytest.raises(httpx.HTTPStatusError) as refused:
            await anonymous.conversations.create_activity(
                lb.general.id, MessageActivityInput(text="hi")
            )
    finally:
        await anonymous.http.http.aclose()
    assert refusal(refused)[0] == 401
    assert lb.posts(lb.general.id) == []


async def test_an_activity_over_the_size_limit_is_refused(
    lb: TeamsLoopback, api: ApiClient
) -> None:
    with pytest.raises(httpx.HTTPStatusError) as big:
        await api.conversations.create_activity(
            lb.general.id, MessageActivityInput(text="x" * 30_000)
        )
    assert refusal(big) == (413, "MessageSizeTooBig")
    sent = await api.conversations.create_activity(
        lb.general.id, MessageActivityInput(text="x" * 20_000)
    )
    assert [p.id for p in lb.posts(lb.general.id)] == [sent.id]


@pytest.mark.parametrize(
    "activity",
    [
        pytest.param({"type": "message"}, id="empty"),
        pytest.param(
            {"type": "message", "attachments": [{"contentType": CARD, "content": "x"}]},
            id="not-a-card",
        ),
        pytest.param({"text": "no type"}, id="no-type"),
    ],
)
async def test_a_malformed_activity_is_refused(
    lb: TeamsLoopback, api: ApiClient, activity: dict[str, Any]
) -> None:
    url = f"{lb.url}v3/conversations/{lb.general.id}/activities"
    with pytest.raises(httpx.HTTPStatusError) as bad:
        await api.http.post(url, json=activity)
    assert refusal(bad) == (400, "BadArgument")


async def test_a_conversation_is_throttled_past_its_rate(lb: TeamsLoopback, api: ApiClient) -> None:
    lb.rate_limits = ((60.0, 3),)
    room = lb.add_channel("Brew room")
    for n in range(3):
        await api.conversations.create_activity(room.id, MessageActivityInput(text=str(n)))
    with pytest.raises(httpx.HTTPStatusError) as throttled:
        await api.conversations.create_activity(room.id, MessageActivityInput(text="4"))
    assert refusal(throttled) == (429, "Throttled")
    assert throttled.value.response.headers["Retry-After"] == "1"
    # Another conversation has its own allowance.
    await api.conversations.create_activity(lb.general.id, MessageActivityInput(text="ok"))
    assert len(lb.posts(room.id)) == 3


async def test_an_unknown_path_is_recorded_and_refused(lb: TeamsLoopback, api: ApiClient) -> None:
    with pytest.raises(httpx.HTTPStatusError) as unknown:
        await api.http.get(f"{lb.url}v3/botsignin/GetSignInUrl")
    assert refusal(unknown)[0] == 404
    assert lb.calls[-1].kind == "unknown"


async def test_a_watcher_hears_each_call_as_it_is_answered(
    lb: TeamsLoopback, api: ApiClient
) -> None:
    heard: list[tuple[str, int]] = []
    lb.watch(lambda call: heard.append((call.kind, call.status)))
    sent = await api.conversations.create_activity(lb.general.id, MessageActivityInput(text="a"))
    with pytest.raises(httpx.HTTPStatusError):
        await api.conversations.update_activity(
            lb.general.id, "404", MessageActivityInput(text="b")
        )
    await api.conversations.delete_activity(lb.general.id, sent.id)
    assert heard == [("send", 200), ("update", 404), ("delete", 200)]
