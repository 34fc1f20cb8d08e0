"""indexes for the hot path: a client's visits by time, a carer's day, the queue

"Today", the week and the frame check read one client's visits in a time range; with only
single-column indexes PostgreSQL's generic plan (asyncpg prepares statements) scanned
millions of index entries for them at city size. A carer's day reads by staff and day; a
contact person's queue by who it is assigned to, its status, oldest first.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 08:00:00
"""

from collections.abc import Sequence

from alembic import op

from backend.migrations.online import without_blocking_writes

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with without_blocking_writes():
        op.create_index(
            "ix_visit_client_id_planned_start",
            "visit",
            ["client_id", "planned_start"],
            postgresql_concurrently=True,
        )
        op.create_index(
            "ix_visit_staff_id_day", "visit", ["staff_id", "day"], postgresql_concurrently=True
        )
        op.create_index(
            "ix_changerequest_queue",
            "changerequest",
            ["assigned_staff_id", "status", "created_at"],
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    op.drop_index("ix_changerequest_queue", table_name="changerequest")
    op.drop_index("ix_visit_staff_id_day", table_name="visit")
    op.drop_index("ix_visit_client_id_planned_start", table_name="visit")
