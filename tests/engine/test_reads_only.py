"""Routes that only read (`ComponentRoute.reads_only`) are answered with no transaction, from
what is known in memory: they write nothing, a step that tried is refused whole, a
community's first interaction still stores the community, and who may take the step follows
the community's settings as soon as they change."""

from dataclasses import replace

from sqlmodel import select

from bot.core.commands import Audience, ComponentRoute
from bot.core.marked import unmark
from bot.core.messages import OutgoingMessage, Reply
from bot.core.refs import CommunityRef, ConversationRef, Platform
from bot.platforms.memory import MemoryResponder
from storage.models import Community, Participant
from tests.conftest import Chat, snapshot


async def peek(ctx) -> Reply:
    return Reply(OutgoingMessage(f"consent={ctx.actor.consent} facilitator={ctx.is_facilitator}"))


async def test_a_route_that_only_reads_writes_nothing(app, chat):
    app.table.add_component(ComponentRoute("test", "peek", peek, reads_only=True))
    sam = Chat.person("Sam")
    await chat.press(sam, "brew:consent:yes:")
    before = await snapshot(app)
    answer = await chat.press(sam, "brew:test:peek:")
    assert answer.text == "consent=yes facilitator=False"
    newcomer = await chat.press(Chat.person("Nia"), "brew:test:peek:")
    assert newcomer.text == "consent=None facilitator=False", "a stand-in, never stored"
    assert await snapshot(app) == before, "not even the day they were last seen"


async def test_a_route_that_only_reads_yet_writes_is_refused_whole(app, chat):
    async def sneaky(ctx) -> Reply:
        ctx.tx.add(Participant(community_id=ctx.community.id, user_id="someone-else"))
        return Reply(OutgoingMessage("done"))

    app.table.add_component(ComponentRoute("test", "sneaky", sneaky, reads_only=True))
    await chat.press(Chat.person("Sam"), "brew:consent:yes:")
    before = await snapshot(app)
    answer = await chat.press(Chat.person("Sam"), "brew:test:sneaky:")
    assert answer.text == app.deps.texts.t("errors.internal")
    assert await snapshot(app) == before


async def test_a_communitys_first_interaction_stores_the_community(app):
    app.table.add_component(ComponentRoute("test", "peek", peek, reads_only=True))
    elsewhere = CommunityRef(Platform.SHELL, "brand-new", "Brand new")
    person = replace(Chat.person("Sam"), community=elsewhere)
    responder = MemoryResponder()
    where = ConversationRef(elsewhere, "general")
    await app.dispatcher.run_component("brew:test:peek:", {}, person, where, responder)
    assert responder.text == "consent=None facilitator=False"
    async with app.db.read() as tx:
        stored = (
            await tx.exec(select(Community).where(Community.external_id == "brand-new"))
        ).all()
        people = (await tx.exec(select(Participant))).all()
    assert len(stored) == 1
    assert people == [], "the person is still a stand-in"


async def test_who_may_take_a_step_follows_the_settings_at_once(app, chat, fac):
    app.table.add_component(
        ComponentRoute("test", "staff", peek, Audience.FACILITATOR, reads_only=True)
    )
    helper = replace(Chat.person("Hana"), roles=frozenset({"Helper"}))
    refused = await chat.press(helper, "brew:test:staff:")
    assert refused.text == unmark(app.deps.texts.t("errors.facilitators_only", role="Facilitator"))
    await chat.say(fac, "/brew settings facilitator_role=Helper")
    allowed = await chat.press(helper, "brew:test:staff:")
    assert allowed.text == "consent=None facilitator=True"
