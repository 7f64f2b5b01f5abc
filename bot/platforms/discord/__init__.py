"""Discord front-end: bot, adapter, renderers (embeds, views, modals) and text escaping."""
