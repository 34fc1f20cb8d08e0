"""the notifications still waiting for each chat, for claiming them in order

A notifier claims a chat's notification only when nothing earlier still waits for that
chat, so two notifiers never hold two of one chat's messages at once and a chat reads them
in the order they were written. The index holds only the waiting rows (a handful per chat),
however long the chat's history.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.migrations.online import without_blocking_writes

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "delivered_at IS NULL AND dropped_reason IS NULL AND dead_at IS NULL"


def upgrade() -> None:
    with without_blocking_writes():
        op.create_index(
            "ix_notification_waiting_per_chat",
            "notification",
            ["chat_account_id", "id"],
            postgresql_where=sa.text(WAITING),
            sqlite_where=sa.text(WAITING),
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    op.drop_index("ix_notification_waiting_per_chat", table_name="notification")
