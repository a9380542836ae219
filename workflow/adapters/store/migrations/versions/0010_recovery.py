"""Recovery: an act's current problem, the replacement link, and the poll lease.

* ``acts.problem_*``: why an act is not moving, since when, and the next attempt's time (or the
  action a person must take, from the problem's code);
* ``acts.replaces_id`` / ``acts.replaced_by_id``: a corrected act sent again replaces the old
  one, which stays in the history (rejected or failed);
* ``leases``: one named lease (``poll``) so that one poll runs at a time across workers and beat.

Revision ID: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("acts") as batch:
        batch.add_column(sa.Column("problem_code", sa.String(40), nullable=True))
        batch.add_column(sa.Column("problem_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("problem_next_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("problem_detail", sa.Text, nullable=True))
        batch.add_column(sa.Column("replaces_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("replaced_by_id", sa.Integer, nullable=True))
        batch.create_unique_constraint("uq_acts_replaced_by", ["replaced_by_id"])
        batch.create_index("ix_acts_problem_code", ["problem_code"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("holder", sa.String(100), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
    with op.batch_alter_table("acts") as batch:
        batch.drop_index("ix_acts_problem_code")
        batch.drop_constraint("uq_acts_replaced_by", type_="unique")
        for column in (
            "replaced_by_id",
            "replaces_id",
            "problem_detail",
            "problem_next_at",
            "problem_since",
            "problem_code",
        ):
            batch.drop_column(column)
