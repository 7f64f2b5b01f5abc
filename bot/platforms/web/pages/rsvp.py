"""Saying "I'm coming" or "I can't come" on a session's page (the form is session_rsvp.html),
and each person's own page (`/r/TOKEN`) to change the answer, stop e-mail reminders or
remove everything about them. The rules are the sessions feature's (bot/sessions/rsvp.py);
this module only reads the form and shows the outcome.

A refusal (a form too old, a name missing, an address that does not look right) shows the
form again with one sentence and the person's words, and stores nothing. A form sent twice
from one opening of the page (a double click) is one answer: the second waits for the
first and opens the same page, by the form's nonce, kept in this process's memory only.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from aiohttp import web

from bot.core.commands import CommandError
from bot.engine.dispatch import MAX_BATCH
from bot.engine.group_commit import GroupCommit
from bot.people.claims import benefits_note
from bot.platforms.web.errors import known
from bot.platforms.web.forms import FIELD, sent_form, text_of
from bot.platforms.web.keys import BREWBOT, FORM_TOKENS
from bot.platforms.web.render import page
from bot.sessions.links import SessionPage
from bot.sessions.rsvp import PERSONAL_PATH, Answer, Answered, personal_url

ANSWER = "rsvp"  # the session page's form, as its token names it
MINE = "rsvp-mine"  # the forms on a person's own page
# Openings of a page whose answer is remembered, so a second press finds the first.
REMEMBERED = 1000


class SentOnce:
    """Each form opening's answer while it is being stored and a while after: its nonce to
    the person's own token (None when it was refused). In memory only, the oldest dropped
    first."""

    def __init__(self) -> None:
        self._answers: OrderedDict[str, asyncio.Future[str | None]] = OrderedDict()

    def first(self, nonce: str) -> asyncio.Future[str | None] | None:
        """The earlier press's answer to wait for, or None (this is the first, now taken)."""
        earlier = self._answers.get(nonce)
        if earlier is not None:
            return earlier
        self._answers[nonce] = asyncio.get_running_loop().create_future()
        while len(self._answers) > REMEMBERED:
            self._answers.popitem(last=False)
        return None

    def done(self, nonce: str, token: str | None) -> None:
        answer = self._answers.get(nonce)
        if answer is not None and not answer.done():
            answer.set_result(token)
        if token is None:
            self._answers.pop(nonce, None)  # refused: the next press is tried afresh


SENT = web.AppKey("brewbot.rsvp_sent", SentOnce)
# A crowd answering at once is kept in one transaction (bot/engine/group_commit.py).
WRITES = web.AppKey("brewbot.rsvp_writes", GroupCommit[Answer, "str | CommandError"])


def routes(app: web.Application) -> list[web.RouteDef]:
    app[SENT] = SentOnce()

    async def write(answers: Sequence[Answer]) -> list[str | CommandError]:
        brew = app[BREWBOT]
        async with brew.db.transaction() as tx:
            return await brew.rsvps.answer_many(tx, answers)

    app[WRITES] = GroupCommit(write, most=MAX_BATCH)
    return [
        web.post("/s/{token}/rsvp", answer),
        web.get(f"/{PERSONAL_PATH}{{token}}", mine),
        web.post(f"/{PERSONAL_PATH}{{token}}", change),
    ]


@dataclass(frozen=True)
class Kept:
    """What the person wrote, shown again beside the sentence saying what to change."""

    first_name: str
    email: str
    consent: bool
    problem: str = ""  # the sentence saying what to change
    field: str = ""  # the part of the form it is about, if one is


async def answer(request: web.Request) -> web.StreamResponse:
    brew = request.app[BREWBOT]
    token = request.match_info["token"]
    form = await sent_form(request)
    shown = known(await brew.links.page(token))
    easy = form.get("easy") == "yes"
    words = Kept(text_of(form, "first_name"), text_of(form, "email"), form.get("consent") == "yes")
    coming = form.get("answer")
    nonce = request.app[FORM_TOKENS].check(text_of(form, FIELD), ANSWER, token)
    if nonce is None:
        return _again(request, shown, token, easy, "rsvp.refused.form_old", words)
    if coming not in ("yes", "no"):
        return _again(request, shown, token, easy, "rsvp.refused.no_answer", words)
    sent = request.app[SENT]
    earlier = sent.first(nonce)
    if earlier is not None:
        personal = await asyncio.shield(earlier)
        if personal is not None:
            raise web.HTTPSeeOther(f"/{PERSONAL_PATH}{personal}")
        sent.first(nonce)
    personal = None
    try:
        wrote = Answer(
            shown.session_id, words.first_name, words.email, words.consent, coming == "yes", easy
        )
        kept = await request.app[WRITES].add(wrote)
        if isinstance(kept, CommandError):
            return _again(request, shown, token, easy, kept.key, words, kept.field)
        personal = kept
    finally:
        sent.done(nonce, personal)
    raise web.HTTPSeeOther(f"/{PERSONAL_PATH}{personal}")


def _again(
    request: web.Request,
    shown: SessionPage,
    token: str,
    easy: bool,
    key: str,
    words: Kept,
    field: str = "",
) -> web.Response:
    """The form again, with one sentence and the person's words: nothing was stored."""
    kept = replace(words, problem=request.app[BREWBOT].deps.texts.t(key), field=field)
    return page(
        request,
        "rsvp_again.html",
        title=shown.title,
        status=422,
        session=shown,
        easy=easy,
        token=token,
        rsvp=kept,
    )


async def mine(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    return _mine(request, await _answered(request, token))


async def change(request: web.Request) -> web.Response:
    brew = request.app[BREWBOT]
    token = request.match_info["token"]
    form = await sent_form(request)
    answered = await _answered(request, token)
    if request.app[FORM_TOKENS].check(text_of(form, FIELD), MINE, token) is None:
        return _mine(request, answered, problem="rsvp.refused.form_old")
    what = form.get("do")
    try:
        async with brew.db.transaction() as tx:
            if what in ("yes", "no"):
                done, note = await brew.rsvps.change(tx, token, coming=what == "yes"), "changed"
            elif what == "stop":
                done, note = await brew.rsvps.stop_reminders(tx, token), "stopped"
            elif what == "forget":
                done, note = await brew.rsvps.forget(tx, token), "forgotten"
            else:
                return _mine(request, answered, problem="rsvp.refused.no_answer")
    except CommandError as refused:
        return _mine(request, answered, problem=refused.key)
    if not done:  # removed in the meantime
        raise web.HTTPNotFound()
    if note == "forgotten":
        t = brew.deps.texts.t
        return page(request, "rsvp_forgotten.html", title=t("rsvp.page.forgotten_title"))
    return _mine(request, await _answered(request, token), note=f"rsvp.page.{note}")


async def _answered(request: web.Request, token: str) -> Answered:
    return known(await request.app[BREWBOT].rsvps.answered(token))


def _mine(
    request: web.Request, answered: Answered, *, note: str = "", problem: str = ""
) -> web.Response:
    """A person's own page: their answer, and what they can do with it."""
    brew = request.app[BREWBOT]
    t = brew.deps.texts.t
    return page(
        request,
        "rsvp_mine.html",
        title=t("rsvp.page.title"),
        status=422 if problem else 200,
        answered=answered,
        url=personal_url(brew.deps.web_base_url or "/", answered.token),
        path=f"/{PERSONAL_PATH}{answered.token}",
        note=t(note) if note else "",
        problem=t(problem) if problem else "",
        # Someone coming reads how payment works and where to choose: a web answer is not a
        # person who can claim (no chat account, no attendance), so no choice is taken here.
        paying=benefits_note(brew.deps.texts, answered.benefits_note, easy=answered.easy)
        if answered.coming
        else "",
    )
