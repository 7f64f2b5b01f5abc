"""Who facilitates on Teams: the members of the team's tag the community's facilitator_role
names and the team's owners, as Microsoft Graph (the loopback's) says, besides the people
TEAMS_FACILITATORS lists. The bot signs in at the loopback's token endpoint and reads Graph
with that token, as `brewbot run` does."""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from bot.loopback.teams_server import TENANT_ID, TeamsConversation, TeamsLoopback, TeamsUser
from bot.platforms.teams.facilitators import LOOKUP_WAIT
from tests.fakes.teams_harness import TeamsWorld, teams_world, words

FRAN_AAD = "3f0c1b9e-5a47-4c1d-9f1e-7b2a8c4d6e01"
ONLY_FACILITATORS = "Only facilitators can do that"
NOT_CHECKED = "I could not check just now whether you are a facilitator"


def world(database_url: str, **settings: Any) -> contextlib.AbstractAsyncContextManager[TeamsWorld]:
    """Signed in as `brewbot run` is, with Fran listed in TEAMS_FACILITATORS."""
    return teams_world(database_url, sign_in=True, TEAMS_FACILITATORS=FRAN_AAD, **settings)


def person(lb: TeamsLoopback, name: str, **given: Any) -> TeamsUser:
    """Someone in the team, with the app installed for them (private answers reach them)."""
    user = lb.add_user(name, **given)
    lb.install_for(user.id)
    return user


async def answer(world: TeamsWorld, text: str, user: TeamsUser, where: TeamsConversation) -> str:
    """Every word Brewbot sent anywhere in answer to `user` typing `text` in `where`."""
    start = await world.say(text, user, where)
    return "\n".join(words(c) for c in world.lb.after(start) if c.kind in ("send", "reply"))


def changed(said: str) -> bool:
    return "group_size" in said and ONLY_FACILITATORS not in said


def graph_calls(lb: TeamsLoopback, after: int = 0) -> list[Any]:
    return [c for c in lb.after(after) if c.kind.startswith("graph_")]


async def test_tag_members_and_owners_are_facilitators_and_nobody_else(database_url):
    async with world(database_url) as w:
        lb = w.lb
        tess = person(lb, "Tess Tagged")
        olu = person(lb, "Olu Owner")
        nina = person(lb, "Nina Neither")
        lb.add_tag("Facilitator", [tess])
        lb.add_tag("Gardeners", [nina])
        lb.owners.add(olu.id)
        room = lb.general

        assert changed(await answer(w, "brew settings group_size 4", tess, room))
        assert changed(await answer(w, "brew settings group_size 5", olu, room))
        refused = await answer(w, "brew settings group_size 6", nina, room)
        assert ONLY_FACILITATORS in refused
        # Teams has tags and team owners, not roles: the sentence says what to ask for there.
        # The tag's name is typed words: a TextRun of its own in the sentence.
        assert "the Facilitator tag" in " ".join(refused.split()) and "role" not in refused

        # Graph was read with the token Microsoft's sign-in gave for Graph's scope, and its
        # answer kept: three people, one read of the team.
        calls = graph_calls(lb)
        assert calls and all(c.status == 200 and c.token in lb.graph_issued for c in calls)
        assert sorted(c.kind for c in calls) == ["graph_members", "graph_tag_members", "graph_tags"]


async def test_a_change_of_the_facilitator_role_setting_counts_at_once(database_url):
    async with world(database_url) as w:
        lb = w.lb
        fran = person(lb, "Fran Facilitator", aad_object_id=FRAN_AAD)
        tess = person(lb, "Tess Tagged")
        lee = person(lb, "Lee Lead")
        lb.add_tag("Facilitator", [tess])
        lb.add_tag("Leads", [lee])
        room = lb.general

        assert changed(await answer(w, "brew settings group_size 4", tess, room))
        assert ONLY_FACILITATORS in await answer(w, "brew settings group_size 5", lee, room)

        said = await answer(w, "brew settings facilitator_role Leads", fran, room)
        assert "facilitator_role" in said and ONLY_FACILITATORS not in said
        assert changed(await answer(w, "brew settings group_size 5", lee, room))
        refused = await answer(w, "brew settings group_size 6", tess, room)
        assert "Leads" in refused and ONLY_FACILITATORS in refused


async def test_graph_refusing_leaves_the_listed_facilitators_and_says_so_once(database_url, caplog):
    async with world(database_url) as w:
        lb = w.lb
        fran = person(lb, "Fran Facilitator", aad_object_id=FRAN_AAD)
        tess = person(lb, "Tess Tagged")
        lb.add_tag("Facilitator", [tess])
        lb.owners.add(tess.id)
        # The team's owner added the app without consenting to its permissions.
        lb.graph_consented = False
        room = lb.general
        with caplog.at_level(logging.INFO, logger="brewbot.teams"):
            assert changed(await answer(w, "brew settings group_size 4", fran, room))
            refused = await answer(w, "brew settings group_size 5", tess, room)
        # A definite "nobody there": not a facilitator, rather than "could not check".
        assert ONLY_FACILITATORS in refused
        graph_lines = [r.getMessage() for r in caplog.records if "graph" in r.getMessage()]
        assert len(graph_lines) == 1
        ids = {lb.team_group_id, tess.aad_object_id, tess.id, FRAN_AAD, TENANT_ID}
        assert not [i for i in ids if i in graph_lines[0]]


async def test_graph_slow_or_failing_still_answers_in_time(database_url, caplog):
    async with world(database_url) as w:
        lb = w.lb
        fran = person(lb, "Fran Facilitator", aad_object_id=FRAN_AAD)
        tess = person(lb, "Tess Tagged")
        lb.add_tag("Facilitator", [tess])
        room = lb.general
        # Graph holds every call for a minute.
        lb.fail("GET", r"^/v1\.0/teams/", None, delay=60, times=100)

        began = time.monotonic()
        assert changed(await answer(w, "brew settings group_size 4", fran, room))
        assert time.monotonic() - began < LOOKUP_WAIT + 3
        began = time.monotonic()
        # Graph has not answered yet: Tess is told it could not be checked, not refused.
        assert NOT_CHECKED in await answer(w, "brew settings group_size 5", tess, room)
        assert time.monotonic() - began < LOOKUP_WAIT + 3
        assert all(c.status == 0 for c in graph_calls(lb))  # still held

    async with world(database_url) as w:
        lb = w.lb
        fran = person(lb, "Fran Facilitator", aad_object_id=FRAN_AAD)
        tess = person(lb, "Tess Tagged")
        lb.add_tag("Facilitator", [tess])
        lb.fail("GET", r"^/v1\.0/teams/", 503, times=100)
        with caplog.at_level(logging.INFO, logger="brewbot.teams"):
            assert changed(await answer(w, "brew settings group_size 4", fran, lb.general))
            assert NOT_CHECKED in await answer(w, "brew settings group_size 5", tess, lb.general)
        failed = [r for r in caplog.records if "graph lookup failed" in r.getMessage()]
        # One failure, asked again no sooner than a while later: one line.
        assert len(failed) == 1 and "503" in failed[0].getMessage()
        assert len(graph_calls(lb)) == 1


async def test_a_group_chat_has_only_the_listed_facilitators(database_url):
    async with world(database_url) as w:
        lb = w.lb
        fran = person(lb, "Fran Facilitator", aad_object_id=FRAN_AAD)
        tess = person(lb, "Tess Tagged")
        olu = person(lb, "Olu Owner")
        lb.add_tag("Facilitator", [tess])
        lb.owners.add(olu.id)
        # Brewbot has heard from the team, where Tess and Olu facilitate.
        await answer(w, "brew help", tess, lb.general)
        chat = lb.add_group_chat([fran, tess, olu], topic="Planning")

        start = lb.last_seq
        assert changed(await answer(w, "brew settings group_size 4", fran, chat))
        assert ONLY_FACILITATORS in await answer(w, "brew settings group_size 5", tess, chat)
        assert ONLY_FACILITATORS in await answer(w, "brew settings group_size 6", olu, chat)
        assert graph_calls(lb, start) == []


async def test_in_a_one_to_one_chat_a_facilitator_of_the_organisations_team_is_one(
    database_url,
):
    async with world(database_url) as w:
        lb = w.lb
        tess = person(lb, "Tess Tagged")
        lb.add_tag("Facilitator", [tess])
        own_chat = lb.personal_chat(tess.id)
        # Before Brewbot has heard from any team: nothing says Tess facilitates.
        assert ONLY_FACILITATORS in await answer(w, "brew settings group_size 4", tess, own_chat)
        # Once it has, her private steps (the digest's Send button comes to this chat) work.
        await answer(w, "brew help", tess, lb.general)
        assert changed(await answer(w, "brew settings group_size 5", tess, own_chat))
