"""Join, "I'm coming" and "I can't come" pressed by many at once are written together (the
dispatcher's group commit), yet everyone gets the answer, and leaves the rows, that the same
presses one at a time would: refused ones write nothing, not even the person."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import event
from sqlmodel import col, select

from bot.app import App
from bot.bench import burst as bursts
from bot.bench import joins, seed
from bot.core.domain import SessionState
from bot.core.marked import unmark
from bot.core.messages import OutgoingMessage
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from bot.platforms.memory import MemoryResponder
from storage.models import (
    Attendance,
    Breakout,
    BreakoutMember,
    Community,
    Participant,
    Session,
    id_of,
)
from storage.types import utc_day
from tests.conftest import START, Chat, snapshot
from tests.helpers import make_session

JOIN = "brew:session:join:{id}"
COMING = "brew:rsvp:yes:{id}"
NOT_COMING = "brew:rsvp:no:{id}"
LONG_AGO = utc_day(START - timedelta(days=40))


def count_commits(app: App) -> list[int]:
    """A list that grows by one with every committed transaction from now on."""
    commits: list[int] = []
    event.listen(app.db.engine.sync_engine, "commit", lambda _conn: commits.append(1))
    return commits


async def test_a_burst_of_joins_is_written_together_and_everyone_is_answered(app, chat):
    session_id = await make_session(app, SessionState.OPEN, people=20)
    known = [Chat.person(f"P{n}") for n in range(20)]  # make_session's people (user-p<n>)
    newcomers = [Chat.person(f"New {n}") for n in range(30)]
    commits = count_commits(app)
    answers = await asyncio.gather(
        *(chat.press(person, JOIN.format(id=session_id)) for person in [*known, *newcomers])
    )
    joined = unmark(app.deps.texts.t("sessions.joined", title="Being heard"))
    notice = unmark(app.deps.texts.t("privacy.title"))
    for answer in answers:
        [(message, private)] = answer.replies
        assert private and message.text == joined
        # Nobody here has answered the privacy notice yet: everyone is shown it.
        assert [section.heading for section in message.sections] == [notice]
    assert len(commits) == 1
    async with app.db.read() as tx:
        rows = (await tx.exec(select(Attendance).where(Attendance.session_id == session_id))).all()
        people = (await tx.exec(select(Participant))).all()
    assert len(rows) == 50 and all(r.rsvp == "yes" and r.joined_at for r in rows)
    # Everyone new is stored, and everyone known has the name the platform gave now.
    names = {p.user_id: p.display_name for p in people}
    assert all(names[p.id] == p.display_name for p in [*known, *newcomers])


async def test_refused_presses_in_a_burst_write_nothing(app, chat):
    cancelled = await make_session(app, SessionState.CANCELLED, people=0)
    await chat.say(Chat.person("Sam"), "/brew help")  # Sam is stored, seen today
    before = await snapshot(app)
    strangers = [Chat.person(f"Stranger {n}") for n in range(5)]
    answers = await asyncio.gather(
        *(
            chat.press(person, JOIN.format(id=cancelled))
            for person in [*strangers, Chat.person("Sam")]
        ),
        chat.press(Chat.person("Sam"), NOT_COMING.format(id=cancelled + 1000)),
        chat.press(Chat.person("Stranger 9"), NOT_COMING.format(id="not-a-number")),
    )
    too_late = unmark(app.deps.texts.t("sessions.join_too_late", title="Being heard"))
    assert [a.text for a in answers[:6]] == [too_late] * 6
    assert answers[6].text == unmark(
        app.deps.texts.t("sessions.unknown", session_id=cancelled + 1000)
    )
    assert answers[7].text == unmark(app.deps.texts.t("errors.unknown_button"))
    assert await snapshot(app) == before


# -- the same presses one at a time and all at once -------------------------------------------


@dataclass
class Place:
    """One community with its sessions, for running the same presses in two places."""

    app: App
    name: str
    sessions: dict[str, int] = field(default_factory=dict)

    @property
    def community(self) -> CommunityRef:
        return CommunityRef(Platform.SHELL, self.name, self.name)

    def person(self, who: str, name: str = "") -> UserRef:
        return UserRef(self.community, who, name or who.title())

    async def press(self, who: str, button: str, session: str, name: str = "") -> MemoryResponder:
        responder = MemoryResponder()
        custom = button.format(id=self.sessions.get(session, session))
        where = ConversationRef(self.community, "brew-room")
        await self.app.dispatcher.run_component(
            custom, {}, self.person(who, name), where, responder
        )
        return responder


async def furnish(place: Place) -> None:
    """Sessions in every state a press can meet, and people in every situation: agreed to the
    privacy notice or not, Easy Read, plain style, already in, last seen long ago."""
    now = place.app.deps.clock.now()
    async with place.app.db.transaction() as tx:
        community = Community(platform="shell", external_id=place.name, name=place.name)
        tx.add(community)
        await tx.flush()
        cid = id_of(community)
        for label, state in (
            ("open", SessionState.OPEN),
            ("planned", SessionState.SCHEDULED),
            ("cancelled", SessionState.CANCELLED),
            ("closed", SessionState.CLOSED),
            ("breakouts", SessionState.BREAKOUTS),
        ):
            session = Session(
                community_id=cid,
                title=f"Brew {label}",
                starts_at=START + timedelta(days=2),
                state=state.value,
                channel_id="brew-room",
                created_by="fran",
                seed=7,
            )
            tx.add(session)
            await tx.flush()
            place.sessions[label] = id_of(session)
        people = {
            "agreed": Participant(community_id=cid, user_id="agreed", consent="yes", role="carer"),
            "undecided": Participant(community_id=cid, user_id="undecided", role="provider"),
            "easy": Participant(community_id=cid, user_id="easy", easy_read=True),
            "plain": Participant(community_id=cid, user_id="plain", consent="no", plain_style=True),
            "away": Participant(
                community_id=cid, user_id="away", consent="yes", last_seen_at=LONG_AGO
            ),
            "inside": Participant(community_id=cid, user_id="inside", consent="yes"),
            "renamed": Participant(community_id=cid, user_id="renamed", display_name="Old name"),
        }
        for n in range(6):
            people[f"member{n}"] = Participant(
                community_id=cid,
                user_id=f"member{n}",
                consent="yes",
                role=("carer", "provider")[n % 2],
            )
        tx.add_all(people.values())
        await tx.flush()
        tx.add(
            Attendance(
                session_id=place.sessions["open"],
                participant_id=id_of(people["inside"]),
                rsvp="yes",
                joined_at=now - timedelta(minutes=5),
            )
        )
        for number in (1, 2):
            breakout = Breakout(
                session_id=place.sessions["breakouts"], number=number, thread_id=f"t{number}"
            )
            tx.add(breakout)
            await tx.flush()
            for n in range(3):
                member = people[f"member{(number - 1) * 3 + n}"]
                tx.add(BreakoutMember(breakout_id=id_of(breakout), participant_id=id_of(member)))
                tx.add(
                    Attendance(
                        session_id=place.sessions["breakouts"],
                        participant_id=id_of(member),
                        rsvp="yes",
                        joined_at=now - timedelta(minutes=5),
                    )
                )


# (person, button, session) in the order pressed; each list is one burst (one route).
JOINS = [
    ("agreed", JOIN, "open"),
    ("agreed", JOIN, "open"),  # twice in one burst
    ("newcomer", JOIN, "open"),
    ("undecided", JOIN, "open"),
    ("easy", JOIN, "open"),
    ("plain", JOIN, "open"),
    ("inside", JOIN, "open"),  # already in
    ("renamed", JOIN, "open"),
    ("away", JOIN, "closed"),  # refused: too late, and still seen long ago
    ("late-stranger", JOIN, "cancelled"),  # refused: too late, and not stored
    ("both-ways", JOIN, "cancelled"),  # refused here, but joins below: stored
    ("both-ways", JOIN, "open"),
    ("agreed", JOIN, "999999"),  # refused: no such session
    ("undecided", JOIN, "elsewhere"),  # refused: another community's session
    ("newcomer", JOIN, "x1"),  # refused: a broken button
    ("late1", JOIN, "breakouts"),  # late joiners, given groups in turn
    ("late2", JOIN, "breakouts"),
    ("late1", JOIN, "breakouts"),
    ("renamed", JOIN, "breakouts"),  # added to the group's thread under the new name
    ("plain", JOIN, "planned"),  # Join on a session still to come: "I'm coming"
]
COMINGS = [
    ("agreed", COMING, "planned"),
    ("easy", COMING, "planned"),
    ("coming-new", COMING, "planned"),
    ("coming-new", COMING, "planned"),
    ("away", COMING, "cancelled"),
    ("inside", COMING, "open"),
]
NOT_COMINGS = [
    ("agreed", NOT_COMING, "planned"),
    ("easy", NOT_COMING, "planned"),
    ("not-coming-new", NOT_COMING, "planned"),
    ("inside", NOT_COMING, "open"),  # leaves the running session
    ("away", NOT_COMING, "999999"),
]


async def press_all(
    place: Place, presses: Sequence[tuple[str, str, str]], *, together: bool
) -> list[list[tuple[OutgoingMessage, bool]]]:
    names = {"renamed": "New name"}
    calls = [place.press(who, button, where, names.get(who, "")) for who, button, where in presses]
    if together:
        answers = await asyncio.gather(*calls)
    else:
        answers = [await call for call in calls]
    return [answer.replies for answer in answers]


async def rows(place: Place) -> dict[str, object]:
    """What the presses left, named as people and sessions, not ids."""
    labels = {session_id: label for label, session_id in place.sessions.items()}
    async with place.app.db.read() as tx:
        community = (
            await tx.exec(select(Community).where(Community.external_id == place.name))
        ).one()
        people = {
            id_of(p): p
            for p in (
                await tx.exec(select(Participant).where(Participant.community_id == community.id))
            ).all()
        }
        attendance = (
            await tx.exec(select(Attendance).where(col(Attendance.session_id).in_(list(labels))))
        ).all()
        members = (
            await tx.exec(
                select(Breakout.number, BreakoutMember.participant_id)
                .join(BreakoutMember, col(BreakoutMember.breakout_id) == col(Breakout.id))
                .where(Breakout.session_id == place.sessions["breakouts"])
            )
        ).all()
    return {
        "people": sorted(
            (p.user_id, p.display_name, p.last_seen_at, p.consent) for p in people.values()
        ),
        "attendance": sorted(
            (labels[a.session_id], people[a.participant_id].user_id, a.rsvp, a.joined_at, a.left_at)
            for a in attendance
        ),
        "groups": sorted((number, people[pid].user_id) for number, pid in members),
    }


def added_to_threads(app: App, place: Place) -> list[tuple[str | None, str, str]]:
    return [
        (sent.to.thread_id, member.id, member.display_name)
        for sent in app.deps.adapter.ops("add_member")
        if sent.to.community.id == place.name
        for member in sent.members
    ]


async def test_presses_together_answer_and_write_as_one_at_a_time(app):
    alone, together = Place(app, "one-at-a-time"), Place(app, "all-at-once")
    for place in (alone, together):
        await furnish(place)
    # A session of a third community, which the presses may not name.
    elsewhere = await make_session(app, SessionState.OPEN, people=0)
    for place in (alone, together):
        place.sessions["elsewhere"] = elsewhere
    commits = count_commits(app)
    for burst in (JOINS, COMINGS, NOT_COMINGS):
        one_by_one = await press_all(alone, burst, together=False)
        before = len(commits)
        at_once = await press_all(together, burst, together=True)
        assert at_once == one_by_one
        assert len(commits) - before == 1  # written together, in one transaction
    assert await rows(together) == await rows(alone)
    assert added_to_threads(app, together) == added_to_threads(app, alone) != []


async def test_the_benchs_join_presses_are_all_answered_and_stored(app):
    # bot/bench/joins.py, as brewbot bench bursts them: known people and newcomers.
    now = app.deps.clock.now()
    async with app.db.transaction() as tx:
        rooms = await seed.make_rooms(tx, 2, 10, now)  # five people in each
        opened = await joins.sessions_to_join(tx, rooms, now, state=SessionState.OPEN)
        planned = await joins.sessions_to_join(tx, rooms, now, state=SessionState.SCHEDULED)
    presses = [
        *joins.join_presses(rooms, opened),
        *joins.join_presses(joins.newcomers(rooms, 5), opened),
        *joins.join_presses(rooms, planned, button=joins.COMING),
    ]
    _, answers = await bursts.flood(app.dispatcher, presses)
    joined = unmark(app.deps.texts.t("sessions.joined", title="Being heard"))
    assert [a.startswith(joined) for a in answers].count(True) == 20
    coming = unmark(app.deps.texts.t("sessions.rsvp_yes", title="Being heard", when=""))[:40]
    assert [a.startswith(coming) for a in answers].count(True) == 10
    async with app.db.read() as tx:
        stored = (
            await tx.exec(
                select(Attendance).where(col(Attendance.session_id).in_([*opened, *planned]))
            )
        ).all()
    assert len(stored) == 30 and all(row.rsvp == "yes" for row in stored)
