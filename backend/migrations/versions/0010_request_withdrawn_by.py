"""a request remembers who withdrew it

A request can be taken back by the client, by a relative with the requests scope, or by staff
responsible for the client. The client's list said "You withdrew it" whoever had; now the
chat account that withdrew it is kept (``changerequest.withdrawn_by_chat_account_id``), and
the list names them. Requests withdrawn before this have none, and read "Withdrawn".

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column without a default: no rewrite of the table on PostgreSQL.
    op.add_column(
        "changerequest", sa.Column("withdrawn_by_chat_account_id", sa.Integer(), nullable=True)
    )
    # SQLite's ALTER TABLE cannot add a foreign key (as in 0004 and 0005): only PostgreSQL has it.
    if op.get_bind().dialect.name != "sqlite":
        op.create_foreign_key(
            "fk_changerequest_withdrawn_by_chat_account_id",
            "changerequest",
            "chataccount",
            ["withdrawn_by_chat_account_id"],
            ["id"],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(
            "fk_changerequest_withdrawn_by_chat_account_id", "changerequest", type_="foreignkey"
        )
    op.execute("ALTER TABLE changerequest DROP COLUMN withdrawn_by_chat_account_id")
