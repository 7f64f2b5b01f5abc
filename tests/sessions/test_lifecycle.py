"""Every lifecycle step, legal and illegal, through the real command table and database."""

import pytest

from bot.core.domain import SessionState as S
from bot.sessions.lifecycle import TRANSITIONS, can_move
from tests.conftest import Chat, snapshot
from tests.helpers import make_session, state_of

# The command a facilitator types for each step, and the state it should lead to.
STEPS = {
    "open": S.OPEN,
    "spark": S.SPARK,
    "breakouts": S.BREAKOUTS,
    "reflect": S.REFLECTING,
    "close": S.CLOSED,
    "cancel": S.CANCELLED,
    "digest {id} send": S.SUMMARISED,
}


def test_every_state_has_transitions_and_ends_are_final():
    assert set(TRANSITIONS) == set(S)
    assert TRANSITIONS[S.SUMMARISED] == frozenset()
    assert TRANSITIONS[S.CANCELLED] == frozenset()
    for state in (S.SCHEDULED, S.OPEN, S.SPARK, S.BREAKOUTS, S.REFLECTING):
        assert can_move(state, S.CANCELLED), state
    assert not can_move(S.CLOSED, S.CANCELLED)


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("step", list(STEPS))
async def test_step_from_state(app, chat, fac, state, step):
    session_id = await make_session(app, state)
    target = STEPS[step]
    text = f"/brew {step.format(id=session_id)}" if "{id}" in step else f"/brew {step} {session_id}"
    if step == "reflect" and state == S.REFLECTING:
        await chat.press(fac, "brew:consent:yes:")  # reflecting needs the privacy notice agreed
    before = await snapshot(app)
    responder = await chat.say(fac, text)
    after_state = await state_of(app, session_id)
    if step == "reflect" and state == S.REFLECTING:
        # Reflecting already: the word opens the private form for the facilitator too.
        assert responder.forms and after_state == state
    elif can_move(state, target):
        assert after_state == target, responder.text
    else:
        assert after_state == state
        assert await snapshot(app) == before, "a refused step must change nothing"
        assert len(responder.replies) == 1
        sentence = responder.text
        assert f"Session {session_id}" in sentence
        assert "Traceback" not in sentence
        assert "/brew" in sentence, "a refusal says what to do instead"


async def test_gather_only_during_breakouts(app, chat, fac):
    session_id = await make_session(app, S.OPEN)
    before = await snapshot(app)
    responder = await chat.say(fac, f"/brew gather {session_id}")
    assert "nothing to gather" in responder.text
    assert await snapshot(app) == before


# What a person does about a session themselves, typed or pressed. Each fits a session still
# to come or running; once it is closed, summarised or cancelled there is nothing to change.
PEOPLE_STEPS = (
    "/brew join {id}",
    "/brew leave {id}",
    "brew:session:join:{id}",
    "brew:rsvp:yes:{id}",
    "brew:rsvp:no:{id}",
)
OVER = {S.CLOSED, S.SUMMARISED, S.CANCELLED}


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("step", PEOPLE_STEPS)
async def test_a_persons_step_from_state(app, chat, state, step):
    session_id = await make_session(app, state, people=0)
    sam = Chat.person("Sam")
    before = await snapshot(app)
    said = step.format(id=session_id)
    responder = await (chat.say(sam, said) if said.startswith("/") else chat.press(sam, said))
    if state not in OVER:
        assert await snapshot(app) != before, responder.text
        return
    assert await snapshot(app) == before, f"a step on a session that is {state} changed rows"
    assert len(responder.replies) == 1
    assert '"Being heard"' in responder.text, "the sentence names the session"
