"""The people's side of the bench's front-end bursts: a process of its own (driver.py) that
runs a loopback platform and presses its buttons, one module per platform (bot/bench/frontends/
has the bot's side)."""
