"""`unsaved(model, ...)` makes what the model's constructor makes, without its cost: the same
values and defaults, a row in no transaction, and one that stores as a constructed one does."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect
from sqlmodel import Field, SQLModel, select

from storage.engine import Database
from storage.models import Community, Participant, Session, _defaults, unsaved

GIVEN = [
    (Participant, {"community_id": 1, "user_id": "u-1", "easy_read": True}),
    (Participant, {"community_id": 2, "user_id": "u-2", "consent": "yes", "plain_style": True}),
    (Community, {"platform": "shell", "external_id": "c-1"}),
    (Session, {"community_id": 1, "title": "Over a Brew", "starts_at": datetime.now(UTC)}),
]


@pytest.mark.parametrize(("model", "values"), GIVEN)
def test_the_same_row_as_the_constructor_makes(model, values):
    made, constructed = unsaved(model, **values), model(**values)
    ours, theirs = made.model_dump(), constructed.model_dump()
    # Times made at the moment (created_at, updated_at), each made for this row.
    for name in _defaults(model)[1]:
        assert abs(ours.pop(name) - theirs.pop(name)) < timedelta(seconds=5)
    assert ours == theirs
    assert made.model_fields_set == constructed.model_fields_set == set(values)
    assert inspect(made).transient and made.id is None


def test_each_row_has_its_own_values():
    first = unsaved(Participant, community_id=1, user_id="u-1")
    second = unsaved(Participant, community_id=1, user_id="u-2")
    first.display_name = "Kit"
    assert (first.display_name, second.display_name) == ("Kit", "")


def test_a_default_that_could_be_changed_in_place_is_refused():
    class Listed(SQLModel):
        tags: list[str] = Field(default=[])

    with pytest.raises(TypeError, match="tags"):
        _defaults(Listed)


async def test_it_stores_as_a_constructed_row_does(database_url):
    db = Database(database_url)  # migrated already (tests/conftest.py)
    try:
        async with db.transaction() as tx:
            community = unsaved(Community, platform="shell", external_id="unsaved")
            tx.add(community)
            await tx.flush()
            tx.add(unsaved(Participant, community_id=community.id, user_id="u-a", easy_read=True))
            tx.add(Participant(community_id=community.id, user_id="u-b", easy_read=True))
        async with db.read() as tx:
            people = (await tx.exec(select(Participant).order_by(Participant.user_id))).all()
        a, b = (p.model_dump(exclude={"id", "user_id"}) for p in people)
        assert a == b and a["easy_read"] is True and a["reminders"] == "private"
    finally:
        await db.dispose()
