"""an index for "has this staff member been with this client before"

A client's day says who is new to them: a staff member who has done no visit with the
client. That was one read of every done visit of the client on every "today", a cost that
grows with the years of history; it is now a probe per visit shown, on this index. Not a
partial index on DONE: the status is a bound parameter, and PostgreSQL's generic plans
(asyncpg prepares statements) cannot use a partial index whose condition a parameter might
not meet.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 15:00:00
"""

from collections.abc import Sequence

from alembic import op

from backend.migrations.online import without_blocking_writes

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with without_blocking_writes():
        op.create_index(
            "ix_visit_client_staff_status",
            "visit",
            ["client_id", "staff_id", "status"],
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    op.drop_index("ix_visit_client_staff_status", table_name="visit")
