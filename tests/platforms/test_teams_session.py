"""A whole Over a Brew session on Microsoft Teams: the SDK's own /api/messages endpoint and
token check, activities signed by the loopback's test key, the SDK's Bot Framework client
posting to the loopback connector (which keeps every call), and a real database underneath,
SQLite and PostgreSQL. People type `brew ...`, press card buttons and fill in dialogs as
Teams sends them; what they wrote shows exactly as typed in every card the loopback kept."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from sqlmodel import select

from bot.loopback.teams_sender import TeamsConversation, TeamsUser, dialog_card
from bot.loopback.teams_server import Call, Posted, cards, inputs
from bot.scheduling.planner import JobKind, PlannedJob
from storage.models import Reflection, Session
from tests.conftest import loaded_texts
from tests.fakes.teams_harness import TeamsWorld, teams_world, texts, words
from tests.platforms.test_teams_escape import run_reads, typed

FRAN_AAD = "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
WEB = "https://brew.example/"
# Everything a TextRun or Teams' HTML could read as something else.
HOSTILE = (
    "Being heard **matters** _so_ <at>Carl</at> [click](https://evil.example) "
    "{{DATE(2017-02-14T06:00:00Z, SHORT)}} <b>loud</b> &amp; www.x.example sam@example.org"
)
# A name is the person's to choose: it is shown, mentioned and escaped like their words.
ODD_NAME = "Faye <i>x</i> & **y** {{DATE(2017-02-14T06:00:00Z)}}"
NAMES = ("Amir Khan", "Beth Jones", "Carl Obi", "Dina Roy", "Evan Lee", ODD_NAME)
# Evan never added Brewbot to his own chats; Dina has not agreed to the privacy notice.
NO_APP, NO_CONSENT = "Evan Lee", "Dina Roy"


def route_of(action: dict[str, Any]) -> str:
    return str((action.get("data") or {}).get("brew") or "")


def routes(call: Call) -> list[str]:
    return [route_of(a) for card in cards(call.body or {}) for a in card.get("actions") or []]


def runs(activity: dict[str, Any]) -> list[str]:
    """Each RichTextBlock's TextRuns, read as Teams shows them (failing on any markup)."""
    found: list[str] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            if not isinstance(item, dict):
                continue
            if item.get("type") == "RichTextBlock":
                found.append(run_reads("".join(r["text"] for r in item["inlines"])))
            for key in ("items", "columns"):
                walk(item.get(key) or [])

    for card in cards(activity):
        walk(card.get("body") or [])
    return found


def markdown_blocks(activity: dict[str, Any]) -> list[str]:
    """What Teams reads as Markdown: the TextBlocks' texts."""
    return [t for t in texts(activity)[1:] if t]


class Team:
    def __init__(self, world: TeamsWorld) -> None:
        lb = world.lb
        self.world = world
        self.fran = lb.add_user("Fran Facilitator", aad_object_id=FRAN_AAD)
        self.fran_chat = lb.install_for(self.fran.id)
        self.room = lb.add_channel("Over a Brew")
        self.people = {name: lb.add_user(name) for name in NAMES}
        self.chats = {
            name: lb.install_for(person.id)
            for name, person in self.people.items()
            if name != NO_APP
        }

    def chat(self, name: str) -> TeamsConversation:
        return self.chats.get(name, self.room)

    async def session(self) -> Session:
        async with self.world.brew.db.read() as tx:
            return (await tx.exec(select(Session))).one()


async def test_a_whole_session_from_schedule_to_digest(database_url):
    async with teams_world(
        database_url, TEAMS_FACILITATORS=FRAN_AAD, BREWBOT_WEB_BASE_URL=WEB
    ) as world:
        team = Team(world)
        lb, sender, room, fran = world.lb, world.sender, team.room, team.fran

        # Added to the channel: one welcome, though Teams says so twice.
        start = lb.last_seq
        await sender.installed(room, user=fran)
        await world.settle()
        (welcome,) = world.sends(room.id, after=start)
        assert "Hello, I am Brewbot" in words(welcome)

        # Help, in a 1:1 chat; a setting only a facilitator may change.
        amir = team.people["Amir Khan"]
        start = await world.say("brew help", amir, team.chat("Amir Khan"))
        assert "schedule" in words(world.sends(team.chat("Amir Khan").id, after=start)[0])
        start = await world.say("brew settings group_size 3", amir, team.chat("Amir Khan"))
        (refused,) = world.sends(team.chat("Amir Khan").id, after=start)
        assert "facilitator" in words(refused).lower()
        start = await world.say("brew settings group_size 3", fran, team.fran_chat)
        (changed,) = world.sends(team.fran_chat.id, after=start)
        assert "group_size" in words(changed)

        # Bad input: one sentence, in private.
        start = await world.say('brew schedule "next', fran, room)
        (bad,) = world.sends(team.fran_chat.id, after=start)
        assert words(bad).strip() == loaded_texts().t("errors.unbalanced_quotes")

        # Fran plans a session in the channel: a card with RSVP buttons there; her answer
        # comes to her 1:1 chat.
        start = await world.say('brew schedule next Tuesday 2pm theme="Being heard"', fran, room)
        session = await team.session()
        yes = f"brew:rsvp:yes:{session.id}"
        (announcement,) = world.sends(room.id, after=start)
        assert routes(announcement) == [yes, f"brew:rsvp:no:{session.id}"]
        assert "planned this session" in words(world.sends(team.fran_chat.id, after=start)[0])

        # Everyone presses Yes; their answer (with the privacy notice) is private. Evan has
        # no 1:1 chat with Brewbot: the channel gets a card, with nothing of the answer, whose
        # button shows it to him alone.
        card = world.with_button(room.id, yes)
        for name, person in team.people.items():
            start = await pressed(world, card, yes, person, room)
            if name == NO_APP:
                (note,) = world.sends(room.id, after=start)
                assert words(note).strip() == loaded_texts().t("teams.answer_here")
                shown = await sender.press(
                    lb.posted[note.created_id], loaded_texts().t("teams.show_answer"), person, room
                )
                answer = dialog_card(shown.body)
                assert answer is not None and "brew:consent:yes:" in [
                    route_of(a) for a in answer.get("actions") or []
                ]
                await sender.submit_card({"brew": "brew:consent:yes:"}, person, room)
            else:
                (answer,) = world.sends(team.chats[name].id, after=start)
                assert "brew:consent:yes:" in routes(answer)
                if name != NO_CONSENT:
                    notice = world.with_button(team.chats[name].id, "brew:consent:yes:")
                    await world.press(notice, "brew:consent:yes:", person, team.chats[name])
        await world.settle()

        # Reminders through the outbox: privately where Brewbot is installed; Teams refuses
        # Evan's 1:1 chat, so the channel gets one quiet reminder instead.
        due = session.starts_at - timedelta(minutes=15)
        world.clock.set(due)
        start = lb.last_seq
        await world.brew.jobs.run(PlannedJob(JobKind.REMIND, session.id, due))
        await world.settle()
        reminded = {
            c.conversation_id for c in lb.after(start) if c.kind == "send" and c.status == 200
        }
        assert reminded == {c.id for c in team.chats.values()} | {room.id}
        refusals = [c for c in lb.after(start) if c.kind == "create_conversation"]
        assert [c.status for c in refusals] == [403]
        assert refusals[0].body["members"][0]["id"] == team.people[NO_APP].id
        assert "gentle reminder" in words(world.sends(room.id, after=start)[0])

        # Open; everyone joins with the welcome's button.
        world.clock.set(session.starts_at)
        await world.say("brew open", fran, room)
        join = f"brew:session:join:{session.id}"
        card = world.with_button(room.id, join)
        for person in team.people.values():
            await world.press(card, join, person, room)

        # The spark, with an Easy Read button: Amir's Easy Read version comes to him alone,
        # with its pictures from the web server's /pictures/ and their words.
        await world.say("brew spark", fran, room)
        easy = f"brew:spark:easy:{session.id}"
        card = world.with_button(room.id, easy)
        start = await pressed(world, card, easy, amir, room)
        assert world.sends(room.id, after=start) == []
        (easy_read,) = world.sends(team.chats["Amir Khan"].id, after=start)
        pictures = re.findall(r'"url": "([^"]+)", "altText": "[^"]+"', json.dumps(easy_read.body))
        assert pictures and all(p.startswith(f"{WEB}pictures/") for p in pictures)

        # Breakouts: a post in the channel for each group, mentioning its members (each
        # person once, the mention's text the very same string as in the message); the
        # group's words go in that post's replies.
        start = await world.say("brew breakouts size=3", fran, room)
        openers = [p for p in lb.posts(room.id) if p.activity.get("entities")]
        assert len(openers) == 2
        mentioned = []
        for opener in openers:
            activity = opener.activity
            assert activity["textFormat"] == "xml"
            for entity in activity["entities"]:
                assert activity["text"].count(entity["text"]) == 1
                mentioned.append(entity["mentioned"]["id"])
            assert lb.posts(room.id, thread=opener.id), "the group's first words, in its replies"
        assert sorted(mentioned) == sorted(p.id for p in team.people.values())
        odd = next(o for o in openers if "Faye" in o.activity["text"])
        assert "<at>Faye &lt;i&gt;x&lt;/i&gt; &amp; **y** {{DATE(" in odd.activity["text"]

        start = await world.say("brew gather", fran, room)
        told = {p.thread for p in lb.posts(room.id, thread=None)} | {
            c.conversation_id for c in world.sends(room.id, after=start)
        }
        assert all(f"{room.id};messageid={o.id}" in told for o in openers)

        # Reflections through the dialog: the invite's button asks Teams for it (task/fetch),
        # then it is sent (task/submit). Dina has not agreed to the privacy notice: her first
        # try is turned down in the same dialog, her words still in it; then she agrees.
        await world.say("brew reflect", fran, room)
        opens = f"brew:reflection:open:{session.id}"
        invite = world.with_button(room.id, opens)
        for number, (name, person) in enumerate(team.people.items(), start=1):
            said = f"{HOSTILE} number {number}"
            card = await open_dialog(world, invite, opens, person, room)
            answers = {"category": "working", "text": said, "quote": "yes"}
            if name == NO_CONSENT:
                status, body = await sender.submit_dialog(card, person, room, answers=answers)
                again = dialog_card(body)
                assert status == 200 and again is not None, body
                by_id = {i["id"]: i for i in inputs(again)}
                assert by_id["text"]["value"] == said
                assert any("agree" in t.lower() or "privacy" in t.lower() for t in texts_of(again))
                card = again
                answers["agree"] = by_id["agree"]["valueOn"]
            resend = "f:77" if number == 1 else None
            status, body = await sender.submit_dialog(
                card, person, room, answers=answers, activity_id=resend
            )
            assert status == 200 and re.search(r"withdraw \d+-[A-Z0-9-]+", json.dumps(body)), body
            if resend:
                # Teams sends a slow one again: it is answered, and stored once.
                await sender.submit_dialog(card, person, room, answers=answers, activity_id=resend)
            await world.settle()
        async with world.brew.db.read() as tx:
            stored = (await tx.exec(select(Reflection))).all()
        assert len(stored) == len(NAMES)
        # Names, links and e-mail addresses are taken out before anything is stored (the
        # anonymity rules); the markup is the person's and stays.
        kept = {r.text for r in stored}
        assert all(
            "**matters** _so_ <at>" in t and "{{" in t and "<b>loud</b> &amp;" in t for t in kept
        )

        # Close: the draft comes to Fran privately, with a Send button first.
        start = await world.say("brew close", fran, room)
        send = f"brew:digest:send:{session.id}"
        drafts = [c for c in world.sends(team.fran_chat.id, after=start) if send in routes(c)]
        assert routes(drafts[-1])[0] == send

        # Sent: the digest, in the channel (no working group channel is set), with the words
        # it quotes exactly as they were typed.
        card = world.with_button(team.fran_chat.id, send)
        start = await pressed(world, card, send, fran, team.fran_chat)
        digest = world.sends(room.id, after=start)
        assert digest
        shown = [r for call in digest for r in runs(call.body)]
        quoted = [r for r in shown if r.startswith("Being heard")]
        assert quoted and set(quoted) <= {typed(t) for t in kept}, quoted

        # Actions, preferences, claims, privacy (their own data, shown as words: Teams takes
        # no file from a bot), all answered in the person's 1:1 chat.
        start = await world.say('brew action add "Ring the council"', fran, team.fran_chat)
        assert "Action 1" in words(world.sends(team.fran_chat.id, after=start)[0])
        beth_chat = team.chats["Beth Jones"]
        beth = team.people["Beth Jones"]
        for command, expected in (
            ("brew preferences easy_read=on", "Easy Read is on"),
            ("brew claim", "claim"),
            ("brew privacy", "Your privacy"),
        ):
            start = await world.say(command, beth, beth_chat)
            (answer,) = world.sends(beth_chat.id, after=start)
            assert expected in words(answer), words(answer)
        start = await world.say("brew my data", beth, beth_chat)
        data = world.sends(beth_chat.id, after=start)
        assert any("my-brewbot-data.txt" in words(c) for c in data)
        assert any("Beth Jones" in r for c in data for r in runs(c.body))

        # Nothing anyone typed became Markdown, a mention or a date anywhere Brewbot posted;
        # only the group posts mention anyone.
        for call in lb.of("send", "reply", "update"):
            body = call.body if isinstance(call.body, dict) else {}
            for block in markdown_blocks(body):
                assert "<at>" not in block and "{{" not in block and "evil.example" not in block
            if body.get("entities"):
                assert call.conversation_id == room.id
        assert all(c.token for c in lb.of("send", "reply", "create_conversation"))


async def test_breakouts_in_a_meeting_chat_are_posts_of_their_own(database_url):
    async with teams_world(database_url, TEAMS_FACILITATORS=FRAN_AAD) as world:
        lb = world.lb
        fran = lb.add_user("Fran Facilitator", aad_object_id=FRAN_AAD)
        lb.install_for(fran.id)
        people = [lb.add_user(name) for name in NAMES]
        meeting = lb.add_group_chat([fran, *people], topic="Over a Brew", meeting=True)
        await world.say("brew schedule tomorrow 2pm", fran, meeting)
        await world.say("brew open", fran, meeting)
        for person in people:
            await world.say("brew join", person, meeting)
        start = await world.say("brew breakouts size=3", fran, meeting)
        openers = [p for p in lb.posts(meeting.id) if p.activity.get("entities")]
        assert len(openers) == 2
        assert all("This chat has no replies" in o.activity["text"] for o in openers)
        mentioned = sorted(e["mentioned"]["id"] for o in openers for e in o.activity["entities"])
        assert mentioned == sorted(p.id for p in people)
        # Each group's first words are posts in the chat itself: a chat has no threads.
        assert all(p.thread is None for p in lb.posts(meeting.id))
        assert all(c.kind == "send" for c in world.sends(meeting.id, after=start))


async def open_dialog(
    world: TeamsWorld, posted: Posted, route: str, person: TeamsUser, where: TeamsConversation
) -> dict[str, Any]:
    answer = await world.press(posted, route, person, where)
    card = dialog_card(answer.body)
    assert card is not None, answer.body
    return card


async def pressed(
    world: TeamsWorld, posted: Posted, route: str, person: TeamsUser, where: TeamsConversation
) -> int:
    """Press the button and wait for its work; the last call before it."""
    start = world.lb.last_seq
    await world.press(posted, route, person, where)
    return start


def texts_of(card: dict[str, Any]) -> list[str]:
    return texts({"attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                   "content": card}]})[1:]  # fmt: skip
