"""Slack front-end: Bolt app factory, adapter, Block Kit renderers and text escaping."""
