"""consent scopes, hashed invitation codes, who acted in the audit, dead letters, erasure

- A relative's consent was one of two scopes (``view``, ``view_request``); it is now a set of
  three granted and revoked one by one (``visits``, ``requests``, ``notes``): ``view`` becomes
  {visits} and ``view_request`` {visits, requests}, on links and on invitations alike. Nobody
  is given the notes by this migration: that needs the client's own word.
- Invitation codes are stored as their SHA-256 (``code_hash``), never in the clear; codes
  issued before keep working until they expire.
- An audit event names the staff member who acted (``staff_id``), read from ``staff:N``.
- A notification keeps the client it is about and the unit whose manager sees it if it cannot
  be delivered (``client_id``, ``unit_id``), and a dead letter's time and reason.
- A client erased on request keeps what the law requires, marked ``erased_at``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:00:00
"""

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sqlmodel.sql.sqltypes.UTCDateTime
# As stored at 0002 (enum names), and as stored from here on (the contract's values, in JSON).
OLD_TO_NEW = {"VIEW": ["visits"], "VIEW_REQUEST": ["visits", "requests"]}
DELIVERY_FAILURE = sa.Enum(
    'RATE_LIMITED', 'TELEGRAM_ERROR', 'NETWORK', 'BAD_REQUEST', name='deliveryfailure'
)
OLD_SCOPE = sa.Enum('VIEW', 'VIEW_REQUEST', name='scope')


def old_scope(scopes: list[str] | None) -> str | None:
    """0002's scope for a set of scopes; None where 0002 could only give more than was
    granted (it has no access without the visits)."""
    if not scopes or "visits" not in scopes:
        return None
    return "VIEW_REQUEST" if "requests" in scopes else "VIEW"


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def upgrade() -> None:
    connection = op.get_bind()

    with op.batch_alter_table('relativelink', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.JSON(), nullable=True))
    links = sa.table(
        'relativelink', sa.column('id', sa.Integer()), sa.column('scope', sa.String()),
        sa.column('scopes', sa.JSON()),
    )
    for link_id, scope in connection.execute(sa.select(links.c.id, links.c.scope)).all():
        connection.execute(
            links.update().where(links.c.id == link_id).values(scopes=OLD_TO_NEW[scope])
        )
    with op.batch_alter_table('relativelink', schema=None) as batch_op:
        batch_op.alter_column('scopes', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('scope')

    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('scopes', sa.JSON(), nullable=True))
    invitations = sa.table(
        'invitation', sa.column('id', sa.Integer()), sa.column('code', sa.String()),
        sa.column('scope', sa.String()), sa.column('code_hash', sa.String()),
        sa.column('scopes', sa.JSON()),
    )
    rows = connection.execute(
        sa.select(invitations.c.id, invitations.c.code, invitations.c.scope)
    ).all()
    for invitation_id, code, scope in rows:
        connection.execute(
            invitations.update()
            .where(invitations.c.id == invitation_id)
            .values(code_hash=hash_code(code), scopes=OLD_TO_NEW[scope] if scope else None)
        )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.alter_column('code_hash', existing_type=sa.String(), nullable=False)
        batch_op.drop_index(batch_op.f('ix_invitation_code'))
        batch_op.create_index(batch_op.f('ix_invitation_code_hash'), ['code_hash'], unique=True)
        batch_op.drop_column('code')
        batch_op.drop_column('scope')
    if connection.dialect.name == 'postgresql':
        OLD_SCOPE.drop(connection, checkfirst=True)

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', UTC_DATETIME(), nullable=True))

    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_auditevent_staff_id'), ['staff_id'], unique=False)
    events = sa.table(
        'auditevent', sa.column('id', sa.Integer()), sa.column('actor', sa.String()),
        sa.column('staff_id', sa.Integer()),
    )
    staff_actors = connection.execute(
        sa.select(events.c.actor).where(events.c.actor.like('staff:%')).distinct()
    ).scalars().all()
    for actor in staff_actors:
        number = actor.removeprefix('staff:')
        if number.isdigit():
            connection.execute(
                events.update().where(events.c.actor == actor).values(staff_id=int(number))
            )

    if connection.dialect.name == 'postgresql':
        DELIVERY_FAILURE.create(connection, checkfirst=True)
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('failure', DELIVERY_FAILURE, nullable=True))
        batch_op.add_column(sa.Column('dead_at', UTC_DATETIME(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notification_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_dead_at'), ['dead_at'], unique=False)
    # Whose unit: the client's for a client's account, the staff member's for staff. (Which
    # client a relative's notification was about is not recorded before this revision.)
    op.execute(
        "UPDATE notification SET unit_id = (SELECT client.unit_id FROM chataccount"
        " JOIN client ON client.id = chataccount.client_id"
        " WHERE chataccount.id = notification.chat_account_id),"
        " client_id = (SELECT chataccount.client_id FROM chataccount"
        " WHERE chataccount.id = notification.chat_account_id)"
    )
    op.execute(
        "UPDATE notification SET unit_id = (SELECT staff.unit_id FROM chataccount"
        " JOIN staff ON staff.id = chataccount.staff_id"
        " WHERE chataccount.id = notification.chat_account_id)"
        " WHERE unit_id IS NULL"
    )


def downgrade() -> None:
    connection = op.get_bind()
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_dead_at'))
        batch_op.drop_index(batch_op.f('ix_notification_unit_id'))
        batch_op.drop_index(batch_op.f('ix_notification_client_id'))
        batch_op.drop_column('dead_at')
        batch_op.drop_column('failure')
        batch_op.drop_column('unit_id')
        batch_op.drop_column('client_id')
    if connection.dialect.name == 'postgresql':
        DELIVERY_FAILURE.drop(connection, checkfirst=True)

    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditevent_staff_id'))
        batch_op.drop_column('staff_id')

    # Not by copying the table (SQLite's batch way): every other table refers to it.
    with op.batch_alter_table('client', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('erased_at')

    if connection.dialect.name == 'postgresql':
        OLD_SCOPE.create(connection, checkfirst=True)
    # The way back loses the notes scope (0002 has no word for it); a code cannot be un-hashed,
    # so an invitation keeps its hash where the code was and no typed code matches it any more.
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('scope', OLD_SCOPE, nullable=True))
    invitations = sa.table(
        'invitation', sa.column('id', sa.Integer()), sa.column('code', sa.String()),
        sa.column('scope', OLD_SCOPE), sa.column('code_hash', sa.String()),
        sa.column('scopes', sa.JSON()),
    )
    rows = connection.execute(
        sa.select(invitations.c.id, invitations.c.code_hash, invitations.c.scopes)
    ).all()
    for invitation_id, code_hash, scopes in rows:
        connection.execute(
            invitations.update()
            .where(invitations.c.id == invitation_id)
            .values(code=code_hash, scope=old_scope(scopes))
        )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sa.String(), nullable=False)
        batch_op.drop_index(batch_op.f('ix_invitation_code_hash'))
        batch_op.create_index(batch_op.f('ix_invitation_code'), ['code'], unique=True)
        batch_op.drop_column('scopes')
        batch_op.drop_column('code_hash')

    with op.batch_alter_table('relativelink', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', OLD_SCOPE, nullable=True))
    links = sa.table(
        'relativelink', sa.column('id', sa.Integer()), sa.column('scope', OLD_SCOPE),
        sa.column('scopes', sa.JSON()), sa.column('revoked_at', UTC_DATETIME()),
    )
    rows = connection.execute(sa.select(links.c.id, links.c.scopes, links.c.revoked_at)).all()
    for link_id, scopes, revoked_at in rows:
        scope = old_scope(scopes)
        # A consent 0002 cannot express without giving more (the notes alone, say) ends.
        ended = revoked_at or (datetime.now(UTC) if scope is None else None)
        connection.execute(
            links.update()
            .where(links.c.id == link_id)
            .values(scope=scope or "VIEW", revoked_at=ended)
        )
    with op.batch_alter_table('relativelink', schema=None) as batch_op:
        batch_op.alter_column('scope', existing_type=OLD_SCOPE, nullable=False)
        batch_op.drop_column('scopes')
