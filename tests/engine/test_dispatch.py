"""The dispatcher acknowledges in time: before database work, or, when a form might have
been the answer, before effects that could outlast the platform's deadline."""

from bot.core.commands import ComponentRoute
from bot.core.domain import SessionState
from bot.core.messages import Form, OpenForm, OutgoingMessage, Reply
from bot.core.ports import DeliveryError
from bot.platforms.memory import MemoryResponder
from tests.conftest import CHANNEL, Chat
from tests.helpers import make_session


async def test_a_form_route_that_replies_acknowledges_before_its_effects(app):
    responder = MemoryResponder()
    seen_by_effect: list[bool] = []

    async def effect() -> None:
        seen_by_effect.append(responder.deferred)

    async def maybe_form(ctx) -> Reply:
        ctx.after_commit(effect)
        return Reply(OutgoingMessage("done"))

    app.table.add_component(ComponentRoute("test", "maybe", maybe_form, may_open_form=True))
    await app.dispatcher.run_component("brew:test:maybe:", {}, Chat.person("Sam"), CHANNEL,
                                       responder)
    assert seen_by_effect == [True]
    assert responder.text == "done"


async def test_a_form_is_the_first_answer(app):
    responder = MemoryResponder()

    async def form(_ctx) -> OpenForm:
        return OpenForm(Form("A form", "brew:test:sent:", ()))

    app.table.add_component(ComponentRoute("test", "form", form, may_open_form=True))
    await app.dispatcher.run_component("brew:test:form:", {}, Chat.person("Sam"), CHANNEL,
                                       responder)
    assert responder.first == "form" and not responder.deferred


async def test_a_form_that_could_not_be_shown_is_logged_so_not_as_ok(app, caplog):
    class Expired(MemoryResponder):
        async def open_form(self, form: Form) -> None:
            raise DeliveryError("expired", "the form's trigger")

    async def form(_ctx) -> OpenForm:
        return OpenForm(Form("A form", "brew:test:sent:", ()))

    app.table.add_component(ComponentRoute("test", "late", form, may_open_form=True))
    caplog.set_level("INFO", logger="brewbot.dispatch")
    await app.dispatcher.run_component("brew:test:late:", {}, Chat.person("Sam"), CHANNEL,
                                       Expired())
    lines = [r.getMessage() for r in caplog.records if r.name == "brewbot.dispatch"]
    assert any("outcome=form_not_shown reason=expired" in line for line in lines), lines
    assert any("command=test:late outcome=form_not_shown" in line for line in lines), lines
    assert not any("outcome=ok" in line for line in lines), lines


async def test_plain_style_survives_a_delivery_note_and_the_undelivered_answer(app, chat, fac):
    # Someone who chose plain style (no emoji or decoration) keeps it when the answer is
    # replaced because a delivery did not arrive, and when a note about it is added.
    await chat.say(fac, "/brew preferences plain=on")
    session_id = await make_session(app, SessionState.OPEN)
    app.deps.adapter.failures["send:brew-room"] = DeliveryError("not_in_channel", "#brew-room")
    answer = await chat.say(fac, f"/brew spark {session_id}")
    assert "not in the channel yet" in answer.text
    assert [message.plain for message, _ in answer.replies] == [True]
    app.deps.adapter.failures["send:brew-room"] = DeliveryError("failed", "503")
    answer = await chat.say(fac, "/brew post The tea is ready.")
    assert "has not gone through yet" in answer.text
    assert [message.plain for message, _ in answer.replies] == [True]
