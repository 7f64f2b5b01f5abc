"""Persistence: the SQLModel models, the async engine, repositories and Alembic migrations."""
