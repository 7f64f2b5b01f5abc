"""Brewbot: runs "Over a Brew" co-production sessions on Discord, Slack or a terminal."""
