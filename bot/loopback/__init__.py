"""Loopback stand-ins for Discord, Slack and Microsoft Teams: servers on 127.0.0.1 that the
real discord.py client, Bolt app and Teams SDK talk to instead of the internet, recording
every call. The tests drive the bot through them, and `brewbot bench` measures it through
them (bot/bench/frontends/), so they ship with the package; nothing in a running bot imports
them."""
