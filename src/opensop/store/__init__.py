"""Persistence: SQLAlchemy 2 tables, bulk repositories, session factory, Alembic migrations."""
