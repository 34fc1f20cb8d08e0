"""an index for a client's last generated day

Every frame check (a wish's preview, its submission, its decision, "Min tid") projects the
signed plan over the days not generated yet, after the client's last generated day:
``max(slot_day)`` of the client's visits. Without an index that read every visit the client
ever had, a cost that grows with the years of history; on this index it is one probe.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 11:00:00
"""

from collections.abc import Sequence

from alembic import op

from backend.migrations.online import without_blocking_writes

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with without_blocking_writes():
        op.create_index(
            "ix_visit_client_id_slot_day",
            "visit",
            ["client_id", "slot_day"],
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    op.drop_index("ix_visit_client_id_slot_day", table_name="visit")
