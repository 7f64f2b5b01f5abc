"""Form (modal) submissions: reflections, new sparks.

Slack wants the answer to a submission within 3 seconds, and only that answer can keep the
form open. So the submission is handled at once, and the acknowledgement waits until the
submission has passed the checks that could turn it down (a reflection's are made from
memory, ComponentRoute.check), or its answer is known, for up to SUBMIT_WAIT seconds. An
answer that turns it down (an empty or too long reflection, reflections already closed) is
shown in the form with `response_action: errors`, under the field it is about (else under
the main text box), and the person's words stay where they typed them. Anything else
closes the form and is answered as a message only the person can see; a refusal that comes
later ("please try again in a moment") comes as such a message too, with the person's own
words.

Reflections are anonymous: nothing here logs the submitted values or who sent them.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.messages import OutgoingMessage
from bot.platforms.slack.blocks import view_values
from bot.platforms.slack.listeners.interaction import read_interaction
from bot.platforms.slack.payloads import form_place
from bot.platforms.slack.responder import Answer, HeldResponder
from bot.platforms.slack.shared import SlackServices

BREW_VIEW = re.compile(r"^brew:")
# Slack gives up on an answer after 3 seconds. A reflection's checks come from memory
# (ComponentRoute.check) within milliseconds, even in a crowd, and storing it is not waited
# for; this bounds the wait for a form without such checks, or the checks of a session this
# process has not seen yet. What is not known by then comes as a message.
SUBMIT_WAIT = 0.4
# A sentence short enough to read under a field.
ERROR_LIMIT = 300
_MARKUP = re.compile(r"\*\*|__|`")


def register(app: AsyncApp, services: SlackServices) -> None:
    async def on_form(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        async with services.work.track():
            view = body.get("view") or {}
            # Nothing on the way to the acknowledgement waits for Slack.
            asked = await read_interaction(
                services, client, body, form_place, wait=False, answer_urls=False
            )
            responder = HeldResponder(asked.responder, words=typed_words(view))
            run = asyncio.ensure_future(
                services.brew.dispatcher.run_component(
                    str(view.get("callback_id") or ""),
                    view_values(view.get("state") or {}),
                    asked.user,
                    asked.where,
                    responder,
                )
            )
            # Until the answer is known or the submission has passed its checks: a refusal
            # must come with the acknowledgement to be shown in the form.
            checked = asyncio.ensure_future(responder.acknowledged.wait())
            await asyncio.wait(
                {run, checked}, timeout=SUBMIT_WAIT, return_when=asyncio.FIRST_COMPLETED
            )
            checked.cancel()
            answer = responder.answer
            errors = form_errors(view, answer.message) if answer is not None else None
            if errors:
                await ack(response_action="errors", errors=errors)
                answer = None  # shown in the form
            else:
                responder.late = answer is None
                await ack()
            # Bolt answers Slack when this returns: the rest runs after that.
            services.work.start(_after_ack(run, responder, answer))

    app.view(BREW_VIEW)(on_form)


async def _after_ack(
    run: asyncio.Future[None], responder: HeldResponder, answer: Answer | None
) -> None:
    """Send the answer held for the form, unless it was shown in it, then let the
    submission's own work end (an answer that comes later the responder sends itself)."""
    if answer is not None:
        await responder.send(answer)
    await run


def form_errors(view: dict[str, Any], message: OutgoingMessage) -> dict[str, str] | None:
    """`response_action: errors` for an answer that turns the submission down: its sentence
    under the field it is about, else under the main text box. None when the answer is not
    a refusal or the form has no input to show it under."""
    if not message.refused:
        return None
    inputs = [
        block
        for block in view.get("blocks") or []
        if block.get("type") == "input" and block.get("block_id")
    ]
    if not inputs:
        return None
    ids = [str(block["block_id"]) for block in inputs]
    target = message.field if message.field in ids else _main_input(inputs)
    sentence = " ".join(_MARKUP.sub("", message.text).split())
    if len(sentence) > ERROR_LIMIT:
        sentence = sentence[: ERROR_LIMIT - 3].rstrip() + "..."
    return {target: sentence}


def _main_input(inputs: list[dict[str, Any]]) -> str:
    """The form's main text box: its first multi-line text input, else its first input."""
    for block in inputs:
        element = block.get("element") or {}
        if element.get("type") == "plain_text_input" and element.get("multiline"):
            return str(block["block_id"])
    return str(inputs[0]["block_id"])


def typed_words(view: dict[str, Any]) -> str:
    """What the person typed in the form's text boxes (not their choices or ticks)."""
    words = []
    for actions in ((view.get("state") or {}).get("values") or {}).values():
        for action in actions.values():
            if action.get("type") == "plain_text_input" and action.get("value"):
                words.append(str(action["value"]))
    return "\n\n".join(words)
