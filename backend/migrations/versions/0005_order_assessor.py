"""an order names its assessor; assessors are a staff role (read-only, their orders' clients)

The assessor (biståndshandläggare) who granted an order reads, on the web, what that order's
client sent on as a changed need and what the follow-up flags. ``order.assessor_staff_id``
says who; ``staffrole`` gains ``ASSESSOR``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        # ADD VALUE may run in a transaction (PostgreSQL 12+) as long as nothing here uses it.
        op.execute("ALTER TYPE staffrole ADD VALUE IF NOT EXISTS 'ASSESSOR'")
    op.add_column('order', sa.Column('assessor_staff_id', sa.Integer(), nullable=True))
    op.create_index('ix_order_assessor_staff_id', 'order', ['assessor_staff_id'])
    # SQLite's ALTER TABLE cannot add a foreign key (as in 0004): only PostgreSQL has it.
    if bind.dialect.name != 'sqlite':
        op.create_foreign_key(
            'fk_order_assessor_staff_id', 'order', 'staff', ['assessor_staff_id'], ['id']
        )


def downgrade() -> None:
    bind = op.get_bind()
    op.drop_index('ix_order_assessor_staff_id', table_name='order')
    if bind.dialect.name != 'sqlite':
        op.drop_constraint('fk_order_assessor_staff_id', 'order', type_='foreignkey')
    op.execute('ALTER TABLE "order" DROP COLUMN assessor_staff_id')
    # PostgreSQL cannot drop an enum value: ASSESSOR stays in the type, unused once the
    # assessors are carers again.
    if bind.dialect.name == 'postgresql':
        op.execute("UPDATE staff SET role = 'CARER' WHERE role = 'ASSESSOR'")
