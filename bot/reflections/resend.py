"""A reflection form sent again is stored once, without tying it to its writer.

The likeliest repeat is a crash: the process is killed after a reflection is stored and before
its writer is answered, so they see no thank-you and no code and send the same form again, to a
process that has lost its memory of writers (bot/reflections/anonymity.py). So each opening of
the form carries a random one-use nonce in its own id (`brew:reflection:submit:<session>:
<nonce>`), made when it is opened, written nowhere by Brewbot: only the platform and the person
hold it, and the platform already sees who sent which form. The reflection's random id is a
digest of the nonce, so the same form sent again finds its reflection (one per nonce, in the
session's key) instead of storing another, and its writer is given a new code for it. Without
the nonce the id cannot be recomputed, and it is as random as any other. A form opened before
forms carried a nonce gets a random id, as before.

The web page's forms carry their nonce in a signed token instead (bot/platforms/web/forms.py),
whose key is in the process's memory only, so after a restart a token cannot be checked. The
page then sends the form as `stored_only` (`form_arg`): its nonce may find the reflection it
already stored, and be answered as sent again, but never stores one. A nonce nobody was given
finds nothing, so an unchecked token can store nothing and learn nothing."""

from __future__ import annotations

import hashlib
import secrets

from storage.models import random_id

NONCE_BYTES = 16  # 128 bits: never guessed, and short enough for Discord's 100-character ids
# After the nonce in a form's id: only the same form sent again is taken, never a new one.
STORED_ONLY = "again"


def new_nonce() -> str:
    """The nonce of one opening of the form."""
    return secrets.token_hex(NONCE_BYTES)


def reflection_id(nonce: str) -> str:
    """The id of the reflection sent from the form opened with `nonce`; a new random id when
    the form carried none."""
    if not nonce:
        return random_id()
    return hashlib.sha256(f"reflection-form\x1f{nonce}".encode()).hexdigest()[:32]


def is_nonce(text: str) -> bool:
    """Whether `text` could be a nonce `new_nonce` made (a form's id is typed by no one, but
    a hostile client can send any)."""
    return len(text) == 2 * NONCE_BYTES and all(c in "0123456789abcdef" for c in text)


def form_arg(session_id: int, nonce: str, *, stored_only: bool = False) -> str:
    """What a reflection form's id carries after `brew:reflection:submit:`."""
    return ":".join([str(session_id), nonce, *([STORED_ONLY] if stored_only else [])])


def read_rest(rest: str) -> tuple[str, bool] | None:
    """The nonce and whether only a form already stored is taken, from what a form's id
    carries after its session id (`form_arg`); None for anything else."""
    nonce, _, mark = rest.partition(":")
    if not nonce:
        return ("", False) if not mark else None
    if not is_nonce(nonce) or mark not in ("", STORED_ONLY):
        return None
    return nonce, mark == STORED_ONLY
