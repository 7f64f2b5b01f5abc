"""Discord cogs, one per feature package with Discord-facing parts, each with
`async def setup(bot)`; the bot loads every module here not starting with `_`."""
