"""The SQLAlchemy store: SQLite by default, PostgreSQL by URL; migrations with Alembic."""
