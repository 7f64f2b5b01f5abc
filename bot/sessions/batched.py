"""The people of a batch of presses, left as the same presses one at a time would leave them.

The dispatcher's group commit (`Dispatcher._write_batch`) was made for anonymous steps,
which write nothing about a person. For presses that do, it differs from a press on its own
in two ways, which the batch's handler puts right with these two steps:

- a person already stored is taken as found, where a press on its own also keeps the name
  the platform gives them now: `renamed`, before the presses are handled (a late joiner
  is added to their group's thread under that name);
- everyone new is stored, and everyone noted as seen today, before the handler can refuse
  anyone, where a refused press on its own is rolled back whole: nobody stored, no day
  noted, no name changed. `undo_refused`, once the presses are answered, puts the people
  whose every press in the batch was refused back as the database had them before it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select

from bot.core.commands import CommandError, clean
from bot.core.messages import Response
from bot.engine.context import CommandContext
from storage.engine import Database
from storage.models import Participant, id_of

# The longest display name stored (Participant.display_name).
NAME_LIMIT = 100


def renamed(contexts: Sequence[CommandContext]) -> None:
    """Each person with the name their platform gives them with this press."""
    for ctx in contexts:
        name = clean(ctx.user.display_name)
        if name and ctx.actor.display_name != name:
            ctx.actor.display_name = name[:NAME_LIMIT]
            ctx.tx.add(ctx.actor)


async def undo_refused(
    db: Database,
    contexts: Sequence[CommandContext],
    answers: Sequence[Response | CommandError],
) -> None:
    """The people only refused in this batch as stored before it: their name and the day
    they were last seen as they were, and anyone the batch stored removed again."""
    pairs = list(zip(contexts, answers, strict=True))
    kept = {id_of(ctx.actor) for ctx, answer in pairs if not isinstance(answer, CommandError)}
    refused = {id_of(ctx.actor): ctx.actor for ctx, _ in pairs if id_of(ctx.actor) not in kept}
    if not refused:
        return
    # Outside the batch's transaction, only what was stored before it can be seen.
    async with db.read() as before:
        stored = await before.exec(
            select(Participant.id, Participant.display_name, Participant.last_seen_at).where(
                col(Participant.id).in_(refused)
            )
        )
        was = {person_id: (name, seen) for person_id, name, seen in stored}
    tx = contexts[0].tx
    for person_id, person in refused.items():
        if person_id in was:
            person.display_name, person.last_seen_at = was[person_id]
            tx.add(person)
        else:
            await tx.delete(person)
