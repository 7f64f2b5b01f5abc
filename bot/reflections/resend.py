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
forms carried a nonce (or the web page's, which has its own: bot/platforms/web/forms.py) gets
a random id, as before."""

from __future__ import annotations

import hashlib
import secrets

from storage.models import random_id

NONCE_BYTES = 16  # 128 bits: never guessed, and short enough for Discord's 100-character ids


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
