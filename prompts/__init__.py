"""Participant-facing words: sparks, Markdown templates (with Easy Read variants) and short
sentences in strings.yaml. Loaded through importlib.resources by bot.engine.texts."""
