"""Alembic environment, driven from code (see ``engine.upgrade_to_head``).

``target_metadata`` is the models' metadata so that ``alembic check`` (run by the test suite)
can tell whether the migrations build exactly the tables the models describe.
"""

from __future__ import annotations

from alembic import context

from workflow.adapters.store import users as _users  # noqa: F401  (registers the users table)
from workflow.adapters.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
