"""What a form on a page carries so its answer can be trusted, without cookies or storage.

Each form a page shows holds one hidden value, made by `FormTokens.issue`: a random nonce,
when it stops working, and a keyed signature over those, the form's purpose and the page's
link. Sending the form checks it (`FormTokens.check`): a form copied onto another site, sent
to another page, or kept longer than `LIFETIME` is refused. The key lives in this process's
memory only, so nothing about a form is ever written down; after a restart a form sent from a
page opened before it is not accepted, and the page shows the person's words again, asking
them to press the button once more. One exception: a reflection form whose token cannot be
checked (`claimed`) may still find the reflection it stored before the restart, and is then
answered as sent again; it never stores one (bot/reflections/resend.py).

The nonce stands for "this one opening of the page": a reflection sent twice from one opening
is a repeat, and it is never stored (bot/reflections/anonymity.py). So a page is rendered with
a slot where each token goes (`FormSlots`), and every page sent has fresh tokens put in its
slots: a page rendered once may be sent to many (bot/platforms/web/render.py), never one
token to two people.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Mapping

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bot.reflections import resend

# People write slowly, and may leave a page open over lunch.
LIFETIME_SECONDS = 24 * 60 * 60
FIELD = "form"
# What a form's purpose and its page's link are made of (a slot is read back by them).
_PART = r"[A-Za-z0-9_-]+"


class FormTokens:
    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._key = secrets.token_bytes(32)
        self._now = now

    def issue(self, purpose: str, link: str) -> str:
        """A fresh value for one form: `purpose` names the form, `link` the page it is on."""
        # The reflection form's nonce gives its reflection's id (bot/reflections/resend.py).
        nonce = resend.new_nonce()
        expires = str(int(self._now()) + LIFETIME_SECONDS)
        return f"{nonce}.{expires}.{self._signature(purpose, link, nonce, expires)}"

    def check(self, value: str, purpose: str, link: str) -> str | None:
        """The nonce of a value this process issued for this form on this page and that has
        not run out; None for anything else."""
        nonce, _, rest = value.partition(".")
        expires, _, signature = rest.partition(".")
        if not (nonce and expires.isdigit() and signature):
            return None
        expected = self._signature(purpose, link, nonce, expires)
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return None
        if int(expires) < self._now():
            return None
        return nonce

    @staticmethod
    def claimed(value: str) -> str | None:
        """The nonce a value says it carries, unchecked (a value from before a restart, one
        run out or changed by hand); None when it carries none this process could have made.
        Only for finding what a form already stored, never for storing anything."""
        nonce = value.partition(".")[0]
        return nonce if resend.is_nonce(nonce) else None

    def keyed(self, text: str) -> str:
        """`text` (a visitor's address) as a word only this process can make from it, to
        count things per address in memory without keeping the address itself."""
        return self._signature("keyed", text)[:22]

    def _signature(self, *parts: str) -> str:
        digest = hmac.new(self._key, "\x1f".join(parts).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class FormSlots:
    """Where each form's token goes in a rendered page: the templates' `form_token(purpose,
    link)` writes a slot naming the form, and `fill` puts a fresh token in each slot of a
    page about to be sent. A slot begins with a mark made at random for this process, so no
    words a person typed onto a page can make one."""

    def __init__(self, tokens: FormTokens) -> None:
        self._tokens = tokens
        self._mark = f"brewbot-form-{secrets.token_hex(16)}"
        self._slots = re.compile(rf"{self._mark}\.({_PART})\.({_PART})\.")

    def slot(self, purpose: str, link: str) -> str:
        if not (re.fullmatch(_PART, purpose) and re.fullmatch(_PART, link)):
            raise ValueError(f"a form's purpose and link are letters, digits, - and _: {purpose}")
        return f"{self._mark}.{purpose}.{link}."

    def fill(self, html: str) -> str:
        """`html` with a token of its own in each slot."""
        return self._slots.sub(lambda slot: self._tokens.issue(slot[1], slot[2]), html)


async def sent_form(request: web.Request) -> Mapping[str, object]:
    """The fields of a form as the browser sent them. A body that cannot be read as one (not
    UTF-8, a broken multipart body) is refused with the "could not be read" page (400)
    rather than failing: nothing of it is kept or logged."""
    try:
        return await request.post()
    except (UnicodeDecodeError, ValueError, AssertionError, HttpProcessingError):
        raise web.HTTPBadRequest() from None


def text_of(fields: Mapping[str, object], name: str) -> str:
    """A field's words; a file sent in its place, or no field at all, is no words."""
    value = fields.get(name)
    return value if isinstance(value, str) else ""
