"""staff sessions that expire and can be revoked; what the unit's records on the web need

Staff signed in with a bearer token whose hash lived on the staff row and never expired.
Ways in are now rows of their own (``staffsession``: web sessions and API tokens, hashed,
expiring, revocable), with one-time sign-in tickets (``signinticket``: a link the bot sent,
or a sign-in at the identity provider under way). An existing token hash becomes an API
token valid for 90 days from this migration.

Staff get an e-mail (for OpenID Connect), a flag for having left and a web language; units
a phone number; clients the day their care ended; care plans a version, what they were
copied from, who signed them and whether the client took part.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKEN_DAYS = 90
# The column's own type, so PostgreSQL compares and inserts an enum, not a varchar.
SESSION_KIND = sa.Enum('WEB', 'API', name='sessionkind', create_type=False)


def upgrade() -> None:
    op.create_table(
        'staffsession',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('WEB', 'API', name='sessionkind'), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('csrf_token', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('idle_minutes', sa.Integer(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_staffsession_staff_id', 'staffsession', ['staff_id'])
    op.create_index('ix_staffsession_token_hash', 'staffsession', ['token_hash'], unique=True)
    op.create_table(
        'signinticket',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('code_verifier', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_signinticket_token_hash', 'signinticket', ['token_hash'], unique=True)

    staff = sa.table(
        'staff',
        sa.column('id', sa.Integer()),
        sa.column('api_token_hash', sa.String()),
    )
    sessions = sa.table(
        'staffsession',
        sa.column('staff_id', sa.Integer()),
        sa.column('kind', SESSION_KIND),
        sa.column('token_hash', sa.String()),
        sa.column('csrf_token', sa.String()),
        sa.column('label', sa.String()),
        sa.column('created_at', sa.DateTime(timezone=True)),
        sa.column('last_used_at', sa.DateTime(timezone=True)),
        sa.column('expires_at', sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    now = datetime.now(UTC)
    rows = bind.execute(
        sa.select(staff.c.id, staff.c.api_token_hash).where(staff.c.api_token_hash.isnot(None))
    ).all()
    if rows:
        op.bulk_insert(
            sessions,
            [
                {
                    'staff_id': staff_id,
                    'kind': 'API',
                    'token_hash': token_hash,
                    'csrf_token': '',
                    'label': 'token from before revision 0004',
                    'created_at': now,
                    'last_used_at': now,
                    'expires_at': now + timedelta(days=TOKEN_DAYS),
                }
                for staff_id, token_hash in rows
            ],
        )

    # Plain ALTER TABLE, not a batch copy: copying `staff` on SQLite would drop a table that
    # other rows point at. Hence also no foreign keys on SQLite for the two new plan columns
    # (ALTER TABLE cannot add them there); PostgreSQL gets them.
    op.drop_index('ix_staff_api_token_hash', table_name='staff')
    op.execute('ALTER TABLE staff DROP COLUMN api_token_hash')
    op.add_column('staff', sa.Column('email', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column(
        'staff', sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.add_column('staff', sa.Column('left_on', sa.Date(), nullable=True))
    op.add_column(
        'staff', sa.Column('web_locale', sqlmodel.sql.sqltypes.AutoString(), nullable=True)
    )
    op.create_index('ix_staff_email', 'staff', ['email'], unique=True)
    op.add_column(
        'unit',
        sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''),
    )
    op.add_column('client', sa.Column('care_ended_on', sa.Date(), nullable=True))
    op.add_column(
        'careplan', sa.Column('version', sa.Integer(), nullable=False, server_default='1')
    )
    op.add_column('careplan', sa.Column('based_on_plan_id', sa.Integer(), nullable=True))
    op.add_column('careplan', sa.Column('signed_by_staff_id', sa.Integer(), nullable=True))
    op.add_column(
        'careplan',
        sa.Column('client_took_part', sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    if bind.dialect.name != 'sqlite':
        op.create_foreign_key(
            'fk_careplan_based_on_plan_id', 'careplan', 'careplan', ['based_on_plan_id'], ['id']
        )
        op.create_foreign_key(
            'fk_careplan_signed_by_staff_id', 'careplan', 'staff', ['signed_by_staff_id'], ['id']
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        op.drop_constraint('fk_careplan_signed_by_staff_id', 'careplan', type_='foreignkey')
        op.drop_constraint('fk_careplan_based_on_plan_id', 'careplan', type_='foreignkey')
    for table, column in (
        ('careplan', 'client_took_part'),
        ('careplan', 'signed_by_staff_id'),
        ('careplan', 'based_on_plan_id'),
        ('careplan', 'version'),
        ('client', 'care_ended_on'),
        ('unit', 'phone'),
        ('staff', 'web_locale'),
        ('staff', 'left_on'),
        ('staff', 'active'),
    ):
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
    op.drop_index('ix_staff_email', table_name='staff')
    op.execute('ALTER TABLE staff DROP COLUMN email')
    op.add_column(
        'staff', sa.Column('api_token_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=True)
    )
    op.create_index('ix_staff_api_token_hash', 'staff', ['api_token_hash'], unique=True)
    # The API tokens go back onto the staff rows (the newest live one each); web sessions and
    # sign-in tickets have no place before this revision.
    staff = sa.table(
        'staff', sa.column('id', sa.Integer()), sa.column('api_token_hash', sa.String())
    )
    sessions = sa.table(
        'staffsession',
        sa.column('staff_id', sa.Integer()),
        sa.column('kind', SESSION_KIND),
        sa.column('token_hash', sa.String()),
        sa.column('revoked_at', sa.DateTime(timezone=True)),
        sa.column('id', sa.Integer()),
    )
    rows = bind.execute(
        sa.select(sessions.c.staff_id, sessions.c.token_hash)
        .where(sessions.c.kind == 'API')
        .where(sessions.c.revoked_at.is_(None))
        .order_by(sessions.c.id)
    ).all()
    for staff_id, token_hash in dict(rows).items():
        bind.execute(
            staff.update().where(staff.c.id == staff_id).values(api_token_hash=token_hash)
        )
    op.drop_index('ix_signinticket_token_hash', table_name='signinticket')
    op.drop_table('signinticket')
    op.drop_index('ix_staffsession_token_hash', table_name='staffsession')
    op.drop_index('ix_staffsession_staff_id', table_name='staffsession')
    op.drop_table('staffsession')
    sa.Enum(name='sessionkind').drop(bind, checkfirst=True)
