"""Statements gathered outside the chat (on paper, by phone, by e-mail) that a facilitator adds
to a session: from a CSV file (`brewbot statements add`) or one at a time (`/brew statement
add`).

They take the reflection form's own path (`ReflectionService.screen`): risk words checked,
personal details redacted, a statement that may show someone at risk held back with an alert
to the safeguarding contact (words only). The row is a reflection row like any other: no
user id, no name, no time, no breakout number, a random id, and a withdrawal tag that no code
matches (the person was never in the chat and has no code; a facilitator holds a statement
back with `digest N hold CODE`). Nothing stored says it came from outside the chat, nor who
typed it, nor its source: a stored "by phone", or a missing tag where every reflection from
the chat has one, could point at the one person who joined by phone. (Its missing breakout
number is one a reflection shares whenever its writer was in no group big enough:
bot/reflections/sealing.py.) It is written in an isolated transaction that writes nothing
about the facilitator, as a reflection's is.

Counting (the small-number rule): each statement is one more person, unless statements share
a `person` word (P1, P2...): those count as one person. The word is kept only in the running
process's memory (the writer ledger, as a keyed hash), never stored, and is meant to be
a code, never a name. Before the session closes the statements count through the ledger, like
reflections; once it has closed (the digest is a draft) the frozen count is raised by the
new people, so the draft the facilitator reviews counts them too.

When: from the moment reflections open until the digest is sent (or being sent).
"""

from __future__ import annotations

import csv
import io
import secrets
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError
from bot.core.domain import SessionState
from bot.core.typed import readable, shown
from bot.delivery.outbox import Delivery
from bot.engine.texts import Texts
from bot.reflections.anonymity import on_commit, unclaimable_tag
from bot.reflections.service import CATEGORIES, MAX_TEXT, ReflectionService
from bot.reflections.together import rewrite_alerts
from storage.models import Community, Reflection, Session, id_of
from storage.models import Digest as DigestRow
from storage.repositories import add_reflections

SOURCES = ("paper", "phone", "email")
MAX_ROWS = 500
MAX_FILE_BYTES = 1_000_000
MAX_PERSON = 40
# Column names a file may use, each for one field (compared without case or spacing).
COLUMNS = {
    "text": ("text", "statement", "reflection", "words"),
    "category": ("category", "about"),
    "quote": ("quote", "quote consent", "quote ok", "may quote", "consent"),
    "source": ("source", "how", "gathered"),
    "person": ("person", "who"),
}
REQUIRED = ("text", "category")
YES, NO = ("yes", "y", "true", "1"), ("no", "n", "false", "0", "")
# A person word lives in the ledger under this prefix, which no platform user id has.
OUTSIDE = "\x00outside\x1f"


@dataclass(frozen=True)
class Statement:
    """One statement as the facilitator gave it, checked, before it is screened."""

    category: str
    text: str
    quote_ok: bool
    source: str | None = None
    # Statements with the same word come from one person; None: a person of their own.
    person: str | None = None


@dataclass(frozen=True)
class Added:
    """What adding did, for the answer: nothing in it is stored."""

    session_id: int
    count: int
    people: int
    quoted: int
    held: int
    sources: dict[str, int]
    alert_keys: tuple[str, ...]
    # The session has closed: its digest draft now counts them.
    draft: bool = False


def _plain(value: str) -> str:
    """A word as compared: no case, curly quotes straight, `-` and `_` as spaces."""
    value = unicodedata.normalize("NFKC", value).replace("\u2019", "'").casefold()
    return " ".join(value.replace("_", " ").replace("-", " ").split())


def category_words(texts: Texts) -> dict[str, str]:
    """Every way a category may be written: its key (`not_working`, `not working`) or the
    form's own label (`What's not working`)."""
    words: dict[str, str] = {}
    for key in CATEGORIES:
        words[_plain(key)] = key
        words[_plain(texts.t(f"reflections.category.{key}"))] = key
    return words


def check_statement(
    texts: Texts, *, category: str, text: str, quote: str = "", source: str = "", person: str = ""
) -> Statement:
    """One statement typed in chat, checked as the form checks a reflection."""
    key = category_words(texts).get(_plain(category))
    if key is None:
        raise CommandError("statements.choose_category", field="category")
    words = readable(text)
    if not words:
        raise CommandError("statements.empty", field="text")
    if len(words) > MAX_TEXT:
        raise CommandError("statements.too_long", length=len(words), limit=MAX_TEXT)
    quote_ok = _yes_no(quote)
    if quote_ok is None:
        raise CommandError("statements.bad_quote", field="quote")
    where = _source(source)
    if where is None:
        raise CommandError("statements.bad_source", field="source")
    who = readable(person)
    if len(who) > MAX_PERSON:
        raise CommandError("statements.bad_person", limit=MAX_PERSON)
    return Statement(key, words, quote_ok, where or None, who or None)


def read_csv(data: bytes, texts: Texts) -> list[Statement]:
    """The statements in a CSV file, every row checked before any is added. A problem is one
    CommandError naming the row as a spreadsheet numbers it (the column names are row 1)."""
    if len(data) > MAX_FILE_BYTES:
        raise CommandError("statements.csv.too_big", limit=MAX_FILE_BYTES // 1000)
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError("statements.csv.not_text") from None
    if "\x00" in decoded:
        raise CommandError("statements.csv.not_text")
    reader = csv.reader(io.StringIO(decoded, newline=""))
    row_number = 1
    try:
        header = next(reader, None)
        if header is None:
            raise CommandError("statements.csv.empty")
        names = {_plain(name): index for index, name in enumerate(header)}
        where = {
            field: next((names[_plain(n)] for n in aliases if _plain(n) in names), None)
            for field, aliases in COLUMNS.items()
        }
        for field in REQUIRED:
            if where[field] is None:
                raise CommandError("statements.csv.no_column", column=field)
        categories = category_words(texts)
        statements: list[Statement] = []
        for row in reader:
            row_number += 1
            if not any(cell.strip() for cell in row):
                continue  # a blank row, as spreadsheets leave at the end
            if len(statements) >= MAX_ROWS:
                raise CommandError("statements.csv.too_many", limit=MAX_ROWS)
            statements.append(_row(row, row_number, where, categories))
    except csv.Error:
        raise CommandError("statements.csv.not_csv", row=row_number) from None
    if not statements:
        raise CommandError("statements.csv.empty")
    return statements


def _row(
    row: list[str], number: int, where: dict[str, int | None], categories: dict[str, str]
) -> Statement:
    def cell(field: str) -> str:
        index = where[field]
        return row[index].strip() if index is not None and index < len(row) else ""

    text = readable(cell("text"))
    if not text:
        raise CommandError("statements.csv.row_empty", row=number)
    if len(text) > MAX_TEXT:
        raise CommandError(
            "statements.csv.row_too_long", row=number, length=len(text), limit=MAX_TEXT
        )
    category = categories.get(_plain(cell("category")))
    if category is None:
        raise CommandError("statements.csv.row_category", row=number, value=shown(cell("category")))
    quote_ok = _yes_no(cell("quote"))
    if quote_ok is None:
        raise CommandError("statements.csv.row_quote", row=number, value=shown(cell("quote")))
    source = _source(cell("source"))
    if source is None:
        raise CommandError("statements.csv.row_source", row=number, value=shown(cell("source")))
    person = readable(cell("person"))
    if len(person) > MAX_PERSON:
        raise CommandError("statements.csv.row_person", row=number, limit=MAX_PERSON)
    return Statement(category, text, quote_ok, source or None, person or None)


def _source(value: str) -> str | None:
    """paper, phone or email ("" when not given); None when it is none of them."""
    word = _plain(value).replace(" ", "")
    return word if word in ("", *SOURCES) else None


def _yes_no(value: str) -> bool | None:
    word = _plain(value)
    return True if word in YES else False if word in NO else None


async def add_statements(
    reflections: ReflectionService,
    tx: AsyncSession,
    community: Community,
    session: Session,
    statements: Sequence[Statement],
) -> Added:
    """Add checked statements to a session in this transaction, all or none. The caller
    delivers `Added.alert_keys` after the commit (the chat at once; the command line leaves
    them to the running bot, which can reach the safeguarding contact)."""
    session_id = id_of(session)
    digest = await _open_for_statements(tx, session)
    names = (await reflections.names.for_communities(tx, {id_of(community)}))[id_of(community)]
    screened = [
        reflections.screen(community, session, s.text, names, alert_key="statements.alert")
        for s in statements
    ]
    existing = set(
        (
            await tx.exec(
                select(Reflection.category, Reflection.text).where(
                    Reflection.session_id == session_id
                )
            )
        ).all()
    )
    if existing and all(
        (s.category, done.text) in existing for s, done in zip(statements, screened, strict=True)
    ):
        # Added before (the same file twice, the same line twice): nothing is added again.
        key = (
            "statements.already_added" if len(statements) == 1 else "statements.file_already_added"
        )
        raise CommandError(key, session_id=session_id)
    ledger = reflections.deps.writers
    # Each statement's person, as the ledger knows them: a word shared by statements from one
    # person, or a random stand-in for a person of their own.
    who = [OUTSIDE + (_plain(s.person) if s.person else secrets.token_hex(16)) for s in statements]
    new_people = {w for w in who if not ledger.knows_writer(session_id, w)}
    counted = digest is not None and digest.contributors is not None
    rows = [
        {
            "id": done.reflection_id,
            "session_id": session_id,
            "category": s.category,
            "text": done.text,
            "quote_ok": s.quote_ok,
            "breakout_number": None,
            "held": bool(done.risks),
            "withdraw_tag": unclaimable_tag(),
            # After the close the count is frozen: these are added to it (below).
            "in_count": counted and not done.risks,
        }
        for s, done in zip(statements, screened, strict=True)
    ]
    await add_reflections(await tx.connection(), rows)
    alerts: list[Delivery] = [done.alert for done in screened if done.alert is not None]
    for alert in alerts:
        await reflections.deps.outbox.add(tx, community, alert)
    await rewrite_alerts(tx, [session_id])
    if digest is not None and digest.contributors is not None:
        counted_who = [w for w, done in zip(who, screened, strict=True) if not done.risks]
        digest.contributors += len(set(counted_who) & new_people)
        digest.counted_reflections = (digest.counted_reflections or 0) + len(counted_who)
        tx.add(digest)

    def remember() -> None:
        for person, done in zip(who, screened, strict=True):
            tag = ledger.repeat_tag(session_id, person, done.reflection_id)
            ledger.record(session_id, done.reflection_id, person, tag)

    on_commit(tx, remember)
    return Added(
        session_id=session_id,
        count=len(statements),
        people=len(new_people),
        quoted=sum(1 for s in statements if s.quote_ok),
        held=len(alerts),
        sources=dict(Counter(s.source for s in statements if s.source)),
        alert_keys=tuple(alert.key for alert in alerts),
        draft=session.state == SessionState.CLOSED,
    )


async def _open_for_statements(tx: AsyncSession, session: Session) -> DigestRow | None:
    """The session's digest row when it has one; refuses a session that is not collecting:
    statements go in from when reflections open until the digest is sent."""
    session_id = id_of(session)
    if session.state == SessionState.CANCELLED:
        raise CommandError("statements.cancelled", session_id=session_id)
    if session.state == SessionState.SUMMARISED:
        raise CommandError("statements.already_sent", session_id=session_id)
    if session.state not in (SessionState.REFLECTING, SessionState.CLOSED):
        raise CommandError("statements.not_collecting", session_id=session_id)
    digest = (
        await tx.exec(select(DigestRow).where(col(DigestRow.session_id) == session_id))
    ).first()
    if session.state == SessionState.CLOSED and digest is not None and digest.status != "draft":
        raise CommandError("statements.already_sent", session_id=session_id)
    return digest


def summary(texts: Texts, added: Added, *, held: str = "held") -> str:
    """The answer: how many, how they count, where they came from, and any held back.
    `held` says what became of their alert: "held" (it arrived), "held_not_yet" (it did not
    arrive yet; the reason follows) or "held_queued" (the running bot will send it)."""
    t = texts.t
    many = "one" if added.count == 1 else "many"
    size = "none" if not added.people else "one" if added.people == 1 else "many"
    people = t(f"statements.people.{size}", count=added.people)
    lines = [t(f"statements.added.{many}", count=added.count, session_id=added.session_id,
               people=people)]  # fmt: skip
    if added.quoted:
        lines.append(t("statements.quoted", count=added.quoted))
    if added.sources:
        sources = ", ".join(
            f"{t(f'statements.source.{s}')} {added.sources[s]}"
            for s in SOURCES
            if s in added.sources
        )
        lines.append(t("statements.sources", sources=sources))
    if added.held:
        lines.append(t(f"statements.{held}", count=added.held))
    if added.draft:
        lines.append(t("statements.review", session_id=added.session_id))
    return " ".join(lines)
