"""Sparks from chat: list and show the library, and let facilitators add their own
(stored per community, validated exactly like the files in prompts/sparks/)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.commands import CommandError
from bot.core.messages import (
    FieldKind,
    Form,
    FormField,
    OpenForm,
    OutgoingMessage,
    Reply,
    Response,
    Section,
    custom_id,
)
from bot.engine.context import CommandContext
from bot.engine.deps import Deps
from bot.engine.known import Fact, Watch
from bot.sparks.library import Spark, SparkError, SparkLibrary, spark_from_form
from storage.models import CommunitySpark, id_of
from storage.repositories import add_in_savepoint

log = logging.getLogger(__name__)


async def library_for(deps: Deps, tx: AsyncSession, community_id: int) -> SparkLibrary:
    """The shared library plus this community's own sparks."""
    rows = (
        await tx.exec(select(CommunitySpark).where(CommunitySpark.community_id == community_id))
    ).all()
    if not rows:
        return deps.sparks
    return deps.sparks.with_extra(_readable(rows))


async def spark_for(deps: Deps, tx: AsyncSession, community_id: int, spark_id: str) -> Spark | None:
    """One spark as `library_for` would find it (the community's own replaces the library's
    of the same id), reading only that one row: for a page many people open at once."""
    rows = (
        await tx.exec(
            select(CommunitySpark).where(
                CommunitySpark.community_id == community_id, CommunitySpark.spark_id == spark_id
            )
        )
    ).all()
    own = _readable(rows)
    return own[0] if own else deps.sparks.get(spark_id)


def known_sparks(deps: Deps) -> Fact[tuple[int, str], Spark]:
    """Each spark as `spark_for` finds it, by (community id, spark id), kept in memory for the
    buttons that only read (the form's prompt, the Easy Read spark: bot/engine/known.py), and
    made old by any write to the community's own sparks. Made once per app (bot/app.py)."""

    async def read(
        tx: AsyncSession, keys: Sequence[tuple[int, str]]
    ) -> dict[tuple[int, str], Spark]:
        found: dict[tuple[int, str], Spark] = {}
        for community_id, spark_id in keys:
            spark = await spark_for(deps, tx, community_id, spark_id)
            if spark is not None:
                found[(community_id, spark_id)] = spark
        return found

    return deps.known.fact("sparks", read, Watch(CommunitySpark, ("community_id", "spark_id")))


def _readable(rows: Sequence[CommunitySpark]) -> list[Spark]:
    # One damaged row (hand-edited, or written by an older version) must not stop a
    # community from using every other spark; it is left out and logged for an admin.
    sparks = []
    for row in rows:
        try:
            sparks.append(Spark.from_dict(json.loads(row.data)))
        except (SparkError, ValueError) as err:
            log.warning("stored spark %s skipped: %s", row.spark_id, err)
    return sparks


def slug(title: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return (words or "spark")[:48].strip("-")


class SparkService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.t = deps.texts.t

    async def list(self, ctx: CommandContext) -> Reply:
        library = await library_for(self.deps, ctx.tx, id_of(ctx.community))
        lines = [
            self.t("spark_admin.line", id=s.id, title=s.title, minutes=s.minutes)
            for s in library.all()
        ]
        return Reply(OutgoingMessage(self.t("spark_admin.heading") + "\n" + "\n".join(lines)))

    async def show(self, ctx: CommandContext) -> Reply:
        library = await library_for(self.deps, ctx.tx, id_of(ctx.community))
        spark = library.get((ctx.arg("spark") or "").lower())
        if spark is None:
            raise CommandError("running.unknown_spark", spark_id=ctx.arg("spark"))
        questions = "\n".join(f"{n}. {q}" for n, q in enumerate(spark.questions, start=1))
        sections = [Section(spark.intro), Section(questions, self.t("running.questions_heading"))]
        if ctx.is_facilitator:
            sections.append(Section(spark.facilitator_notes, self.t("spark_admin.notes")))
            sections.append(Section(spark.accessibility_notes, self.t("spark_admin.access")))
        return Reply(OutgoingMessage(title=spark.title, sections=tuple(sections)))

    async def add(self, ctx: CommandContext) -> Response:
        t = self.t
        return OpenForm(
            Form(
                title=t("spark_admin.form_title"),
                custom_id=custom_id("spark", "add"),
                intro=t("spark_admin.form_intro"),
                fields=(
                    FormField("title", t("spark_admin.field_title"), max_length=80),
                    FormField("theme", t("spark_admin.field_theme"), max_length=80),
                    FormField(
                        "intro", t("spark_admin.field_intro"), FieldKind.PARAGRAPH, max_length=1200
                    ),
                    FormField(
                        "questions",
                        t("spark_admin.field_questions"),
                        FieldKind.PARAGRAPH,
                        max_length=1200,
                        hint=t("spark_admin.questions_hint"),
                    ),
                    FormField("reflection_prompt", t("spark_admin.field_prompt"), max_length=300),
                ),
            )
        )

    async def submit(self, ctx: CommandContext) -> Reply:
        values = {k: str(v) for k, v in (ctx.args.get("values") or {}).items()}
        library = await library_for(self.deps, ctx.tx, id_of(ctx.community))
        base = slug(values.get("title", ""))
        spark_id, n = base, 2
        while library.get(spark_id) is not None:
            spark_id, n = f"{base}-{n}", n + 1
        spark = spark_from_form(values, spark_id)
        row = CommunitySpark(
            community_id=id_of(ctx.community),
            spark_id=spark.id,
            data=json.dumps(spark.to_dict(), sort_keys=True),
        )
        if not await add_in_savepoint(ctx.tx, row):  # another facilitator took the id first
            raise CommandError("errors.try_again")
        return Reply(OutgoingMessage(self.t("spark_admin.added", id=spark.id, title=spark.title)))
