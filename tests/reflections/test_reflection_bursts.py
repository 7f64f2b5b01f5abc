"""Reflections sent all at once are written together (group commit), yet each person still
gets their own answer, a refused one writes nothing, and one bad row spoils no one else's."""

import asyncio
import logging
import re

from sqlalchemy import event, text
from sqlmodel import select

from bot.core.domain import SessionState
from storage.models import Reflection
from tests.conftest import Chat
from tests.helpers import make_session

SUBMIT = "brew:reflection:submit:{id}"


def form(words: str, category: str = "working") -> dict[str, str]:
    return {"category": category, "text": words, "quote": "yes"}


async def agree(chat: Chat, people: list) -> None:
    for person in people:
        await chat.press(person, "brew:consent:yes:")


async def counts(app, session_id: int) -> tuple[int, int]:
    """(reflections stored, different writers counted in memory)."""
    async with app.db.read() as tx:
        ids = (
            await tx.exec(select(Reflection.id).where(Reflection.session_id == session_id))
        ).all()
    return len(ids), app.deps.writers.writers_at_least(session_id, ids)


def count_commits(app) -> list[int]:
    """A list that grows by one with every committed transaction from now on."""
    commits: list[int] = []
    event.listen(app.db.engine.sync_engine, "commit", lambda _conn: commits.append(1))
    return commits


async def test_a_burst_is_written_together_and_everyone_is_thanked(app, chat):
    # 50 people writing at the same moment: none lost, none counted twice.
    session_id = await make_session(app, SessionState.REFLECTING)
    people = [Chat.person(f"Writer {n}") for n in range(50)]
    await agree(chat, people)
    commits = count_commits(app)
    answers = await asyncio.gather(
        *(
            chat.press(p, SUBMIT.format(id=session_id), form(f"Thought number {n} from me."))
            for n, p in enumerate(people)
        )
    )
    assert all("Thank you" in a.text for a in answers)
    # Every withdrawal code is different.
    codes = {re.search(rf"\b{session_id}(-\w{{5}}){{3}}\b", a.text).group() for a in answers}
    assert len(codes) == len(people)
    # All written in one transaction.
    assert len(commits) == 1
    assert await counts(app, session_id) == (50, 50)


async def test_refusals_in_a_burst_write_nothing_and_the_rest_are_stored(app, chat):
    session_id = await make_session(app, SessionState.REFLECTING)
    people = [Chat.person(f"Writer {n}") for n in range(4)]
    await agree(chat, people[:3])  # the fourth never agreed to the privacy notice
    submit = SUBMIT.format(id=session_id)
    answers = await asyncio.gather(
        chat.press(people[0], submit, form("The day centre is lovely.")),
        chat.press(people[1], submit, form("")),  # empty
        chat.press(people[2], submit, form("Transport is hard.", category="nonsense")),
        chat.press(people[3], submit, form("No consent given yet.")),
        # The same person saying the same thing twice in one burst: once only.
        chat.press(people[0], submit, form("The day centre is  LOVELY.")),
    )
    texts = [a.text for a in answers]
    assert "Thank you" in texts[0]
    assert texts[1] == app.deps.texts.t("reflections.empty")
    assert texts[2] == app.deps.texts.t("reflections.choose_category")
    assert texts[3] == app.deps.texts.t("privacy.consent_needed")
    assert texts[4] == app.deps.texts.t("reflections.duplicate")
    assert await counts(app, session_id) == (1, 1)


async def test_a_row_the_database_rejects_spoils_no_one_elses(app, chat, database_url, caplog):
    session_id = await make_session(app, SessionState.REFLECTING)
    people = [Chat.person(f"Writer {n}") for n in range(5)]
    await agree(chat, people)
    # Stands in for anything the database may refuse part-way through a batch.
    async with app.db.transaction() as tx:
        if database_url.startswith("sqlite"):
            await tx.exec(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON reflection WHEN NEW.text LIKE '%boom%'"
                    " BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            await tx.exec(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN"
                    " IF NEW.text LIKE '%boom%' THEN RAISE EXCEPTION 'refused'; END IF;"
                    " RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            await tx.exec(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON reflection"
                    " FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )
    words = ["Good tea.", "More buses please.", "boom now", "Kind staff.", "Clear letters."]
    caplog.set_level(logging.DEBUG)
    submit = SUBMIT.format(id=session_id)
    answers = await asyncio.gather(
        *(chat.press(p, submit, form(w)) for p, w in zip(people, words, strict=True))
    )
    texts = [a.text for a in answers]
    assert texts[2] == app.deps.texts.t("errors.internal")
    assert all("Thank you" in t for i, t in enumerate(texts) if i != 2)
    # Four stored and counted; nothing of the refused one, not even its contributor row.
    assert await counts(app, session_id) == (4, 4)
    # The failure is logged, but never with the words (database errors quote parameters).
    logged = caplog.text
    assert "batch failed, running one by one command=reflection:submit size=5" in logged
    assert "command failed command=reflection:submit" in logged
    assert "boom now" not in logged and "More buses" not in logged


async def test_someone_leaving_mid_burst_spoils_no_one_elses_answer(app, chat):
    session_id = await make_session(app, SessionState.REFLECTING)
    people = [Chat.person(f"Writer {n}") for n in range(4)]
    await agree(chat, people)
    submit = SUBMIT.format(id=session_id)
    pressing = [
        asyncio.create_task(chat.press(p, submit, form(f"Thought {n}.")))
        for n, p in enumerate(people)
    ]
    # Each press has queued for the batch writer, which has not run yet (tasks run in turn).
    await asyncio.sleep(0)
    pressing[2].cancel()  # e.g. the front-end stopped waiting for this one
    answers = await asyncio.gather(*pressing, return_exceptions=True)
    assert isinstance(answers[2], asyncio.CancelledError)
    assert all("Thank you" in a.text for i, a in enumerate(answers) if i != 2)
    assert app.dispatcher.in_flight == 0
