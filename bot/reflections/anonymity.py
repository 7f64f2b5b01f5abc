"""What keeps reflections unlinkable while Brewbot still refuses repeats, counts writers for
the small-number rule and lets people take a reflection back (docs/anonymity.md).

Nothing here is ever written to the database, its WAL or the logs:
- `WriterLedger` lives in this process's memory only. Per session it holds a random key,
  keyed hashes of (person, words) to refuse a repeat, and which keyed person wrote each
  reflection, to count different writers. A restart loses it: a repeat may then be stored
  twice, and the count of writers falls (never rises), so the digest may suppress quotes it
  could have shown. It can never link.
- A withdrawal code is random (about 74 bits) and shown only to its writer. The database
  keeps SHA-256 of (session, code, writer's user id): nobody can recompute it from a user
  id without the code, and someone else's code does not match.
- Wrong codes are limited per person, so codes cannot be guessed.
- Everyone who writes on a session's web page counts as one writer (`counted_as`), and as
  nobody new when someone in the chat wrote too: nothing ties two openings of the page to
  one person or to two, nor a visitor to a chat member, so counting them as more could let
  one person's words pass the small-number rule. For the same reason a web writer's
  code works from any opening of the page: the code alone is the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from limits import RateLimitItemPerMinute
from sqlalchemy import event
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.moving_window import MovingWindows
from bot.core.refs import VISITOR_PREFIX, is_visitor
from bot.core.typed import is_number

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L to misread
CODE_GROUPS, GROUP_LENGTH = 3, 5  # 31 ** 15 is about 2 ** 74
CODE_SPACE = len(CODE_ALPHABET) ** (CODE_GROUPS * GROUP_LENGTH)
# Wrong withdrawal codes one person may try before being asked to wait.
WRONG_CODES = RateLimitItemPerMinute(5, 15)


def new_code(session_id: int) -> tuple[str, str]:
    """A withdrawal code as shown, e.g. `12-ABCDE-FGHJK-MNPQR` (the session, then the secret
    part in groups), and its secret part as `read_code` gives it back."""
    # One draw from every possible code, written in the alphabet's digits: as uniform as a
    # draw per character, with one call to the system's random source instead of fifteen.
    number = secrets.randbelow(CODE_SPACE)
    letters = []
    for _ in range(CODE_GROUPS * GROUP_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        letters.append(CODE_ALPHABET[digit])
    secret = "".join(letters)
    groups = (secret[i : i + GROUP_LENGTH] for i in range(0, len(secret), GROUP_LENGTH))
    return "-".join((str(session_id), *groups)), secret


def read_code(typed: str) -> tuple[int, str] | None:
    """The session and secret part of a typed code, forgiving case, spaces and dashes; None
    when it cannot be a code."""
    head, _, rest = typed.strip().upper().partition("-")
    secret = "".join(ch for ch in rest if not ch.isspace() and ch != "-")
    if not is_number(head.strip()) or len(secret) != CODE_GROUPS * GROUP_LENGTH:
        return None
    if any(ch not in CODE_ALPHABET for ch in secret):
        return None
    return int(head), secret


def counted_as(user_id: str) -> str:
    """Who a writer is for counting and for their code: themselves, or for every visitor
    on a web page, one and the same writer."""
    return VISITOR_PREFIX if is_visitor(user_id) else user_id


def withdraw_tag(session_id: int, secret: str, user_id: str) -> str:
    """What the database keeps of a code: useless without the code itself."""
    message = "\x1f".join(("brewbot-withdraw", str(session_id), secret, counted_as(user_id)))
    return hashlib.sha256(message.encode()).hexdigest()


def unclaimable_tag() -> str:
    """A withdrawal tag no code matches, shaped like one that does (`withdraw_tag`): for a
    statement gathered outside the chat, whose person has no code, so that its row looks
    like every other until the seal clears them all."""
    return secrets.token_hex(hashlib.sha256().digest_size)


def on_commit(tx: AsyncSession, callback: Callable[[], None]) -> None:
    """Run `callback` once this transaction commits, and never if it rolls back: the ledger
    must not remember a reflection that was not stored."""
    event.listen(tx.sync_session, "after_commit", lambda _session: callback(), once=True)


@dataclass
class _SessionWriters:
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    repeats: set[bytes] = field(default_factory=set)
    writer_of: dict[str, bytes] = field(default_factory=dict)

    def tag(self, *parts: str) -> bytes:
        return hmac.new(self.key, "\x1f".join(parts).encode(), hashlib.sha256).digest()


class WriterLedger:
    """Per session, in memory only: who wrote which reflection, as keyed hashes."""

    def __init__(self) -> None:
        self._sessions: dict[int, _SessionWriters] = {}

    def repeat_tag(self, session_id: int, user_id: str, words: str) -> bytes:
        """What identifies (this person, these words) in this session, for repeats."""
        return self._session(session_id).tag("repeat", user_id, _same(words))

    def is_repeat(self, session_id: int, tag: bytes) -> bool:
        known = self._sessions.get(session_id)
        return known is not None and tag in known.repeats

    def record(self, session_id: int, reflection_id: str, user_id: str, tag: bytes) -> None:
        known = self._session(session_id)
        known.repeats.add(tag)
        known.writer_of[reflection_id] = known.tag("person", counted_as(user_id))

    def knows_writer(self, session_id: int, user_id: str) -> bool:
        """Whether this person wrote anything this process still remembers in the session."""
        known = self._sessions.get(session_id)
        if known is None:
            return False
        return known.tag("person", counted_as(user_id)) in known.writer_of.values()

    def withdrawn(self, session_id: int, reflection_id: str) -> None:
        known = self._sessions.get(session_id)
        if known is not None:
            known.writer_of.pop(reflection_id, None)

    def forget(self, session_id: int) -> None:
        self._sessions.pop(session_id, None)

    def writers_at_least(self, session_id: int, reflection_ids: Iterable[str]) -> int:
        """How many different people at least wrote these reflections, from what this
        process saw. Reflections it did not see (stored before a restart, or by another
        process) might all be by people it did see, so they add nothing, except that any
        reflection at all has at least one writer. The web page's visitors (one writer,
        `counted_as`) may be people who also wrote in the chat, so they add someone only
        when nobody in the chat wrote."""
        ids = list(reflection_ids)
        known = self._sessions.get(session_id)
        if known is None:
            return 1 if ids else 0
        seen = {known.writer_of[i] for i in ids if i in known.writer_of}
        in_chat = seen - {known.tag("person", VISITOR_PREFIX)}
        return max(len(in_chat) or len(seen), 1 if ids else 0)

    def _session(self, session_id: int) -> _SessionWriters:
        return self._sessions.setdefault(session_id, _SessionWriters())


def writers_at_least(
    ledger_count: int, frozen: tuple[int, int] | None, shown_counted: int, shown: int
) -> int:
    """The number of different people whose reflections are shown, never more than is true.

    `ledger_count` is the in-memory lower bound; `frozen` is (writers, reflections) counted
    when reflections closed; `shown_counted` is how many shown reflections were among those.
    Taking one reflection away takes away at most one writer, so the frozen figure less the
    counted reflections no longer shown is also a lower bound. Never more than the number of
    reflections shown."""
    bound = ledger_count
    if frozen is not None:
        writers, counted = frozen
        bound = max(bound, writers - (counted - shown_counted))
    return min(bound, shown)


class WrongCodeLimiter:
    """Wrong withdrawal codes per person (5 in 15 minutes), in memory."""

    def __init__(self) -> None:
        self._windows = MovingWindows()

    def may_try(self, who: str) -> bool:
        return self._windows.test(WRONG_CODES, who)

    def wrong(self, who: str) -> None:
        self._windows.hit(WRONG_CODES, who)


def _same(words: str) -> str:
    """Words as compared for repeats: case and spacing do not count."""
    return " ".join(words.lower().split())
