"""The embedded default platform: a terminal chat where you act as several people."""
