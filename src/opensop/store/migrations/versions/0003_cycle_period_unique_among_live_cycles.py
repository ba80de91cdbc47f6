"""a cycle's month is unique among the cycles that count: a cancelled cycle frees its month

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 01:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LIVE = sa.text("status != 'cancelled'")


def upgrade() -> None:
    with op.batch_alter_table("planning_cycle") as batch_op:
        batch_op.drop_constraint("uq_planning_cycle_period", type_="unique")
    op.create_index(
        "uq_planning_cycle_live_period",
        "planning_cycle",
        ["period"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index("uq_planning_cycle_live_period", table_name="planning_cycle")
    with op.batch_alter_table("planning_cycle") as batch_op:
        batch_op.create_unique_constraint("uq_planning_cycle_period", ["period"])
