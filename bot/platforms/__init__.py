"""Platform front-ends: the shell (embedded default), Discord and Slack, plus an in-memory one."""
