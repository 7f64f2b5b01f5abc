"""Thin Discord front-ends, one per feature, each with `async def setup(bot)` (issue 4)."""
