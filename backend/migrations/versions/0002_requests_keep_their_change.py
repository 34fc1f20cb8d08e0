"""requests keep their change and what it changes from; notifications keep their message

A change request stored its change in five columns (new_start, new_duration, service,
new_service, services) and re-read the visit whenever it was shown, so an approved move
read "move 09:00 to 09:00". It now stores the contract's Change as JSON (``change``), the
visit as it was when asked (``before``) and the moment it concerns (``starts_at``, for the
expiry and escalation queries). A notification stores the contract's message (``message``,
with its kind) instead of a free-form ``payload``.

Existing rows are converted. ``before`` is read from the visit as it is now: for a request
approved before this revision the visit already carries the change, and what it was before
is not recorded anywhere, so those (already decided) requests show the visit after it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The shapes below are written out as they are at this revision (not imported from
# contract/), so that this migration means the same thing whatever the contract becomes.
FIELDS = {
    "move": ("visit_id", "new_start"),
    "resize": ("visit_id", "new_duration"),
    "swap": ("visit_id", "service", "new_service"),
    "skip_service": ("visit_id", "service"),
    "cancel": ("visit_id",),
    "extra": ("new_start", "new_duration", "services"),
}
REQUEST_KINDS = {"request_decided", "request_expired"}
PLAIN_KINDS = {
    "staff_late": ("visit_id", "visit_start", "late_minutes", "staff_first_name", "client_first_name"),
    "someone_new": ("visit_id", "visit_start", "staff_first_name", "client_first_name"),
    "relative_linked": ("relative_first_name",),
    "request_to_decide": ("request_id", "client_first_name"),
    "request_handed_over": ("request_id", "client_first_name"),
    "request_escalated": ("request_id", "client_first_name"),
    "request_withdrawn": ("request_id", "client_first_name"),
}

UTC_DATETIME = sqlmodel.sql.sqltypes.UTCDateTime

visit = sa.table(
    "visit",
    sa.column("id", sa.Integer()),
    sa.column("planned_start", UTC_DATETIME()),
    sa.column("duration_minutes", sa.Integer()),
    sa.column("services", sa.JSON()),
    sa.column("declined_services", sa.JSON()),
)
client = sa.table("client", sa.column("id", sa.Integer()), sa.column("first_name", sa.String()))
staff = sa.table("staff", sa.column("id", sa.Integer()), sa.column("first_name", sa.String()))


def request_table(*extra: sa.ColumnClause[Any]) -> sa.TableClause:
    return sa.table(
        "changerequest",
        sa.column("id", sa.Integer()),
        sa.column("client_id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("visit_id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("decided_by_staff_id", sa.Integer()),
        sa.column("reject_reason", sa.String()),
        sa.column("reject_text", sa.String()),
        *extra,
    )


def old_request_columns() -> list[sa.ColumnClause[Any]]:
    return [
        sa.column("new_start", UTC_DATETIME()),
        sa.column("new_duration", sa.Integer()),
        sa.column("service", sa.String()),
        sa.column("new_service", sa.String()),
        sa.column("services", sa.JSON()),
    ]


def new_request_columns() -> list[sa.ColumnClause[Any]]:
    return [
        sa.column("starts_at", UTC_DATETIME()),
        sa.column("change", sa.JSON()),
        sa.column("before", sa.JSON()),
    ]


def notification_table(payload_column: str) -> sa.TableClause:
    return sa.table(
        "notification",
        sa.column("id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column(payload_column, sa.JSON()),
    )


def code(value: str | None) -> str | None:
    """Enum columns hold the member's name (MOVE); JSON holds its value (move)."""
    return None if value is None else value.lower()


def iso(moment: datetime) -> str:
    return moment.isoformat()


def upgrade() -> None:
    with op.batch_alter_table('changerequest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_at', UTC_DATETIME(), nullable=True))
        batch_op.add_column(sa.Column('change', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('before', sa.JSON(), nullable=True))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.JSON(), nullable=True))

    connection = op.get_bind()
    requests = request_table(*old_request_columns(), *new_request_columns())
    converted: dict[int, dict[str, Any]] = {}
    rows = connection.execute(
        sa.select(requests, visit.c.planned_start, visit.c.duration_minutes,
                  visit.c.services.label("visit_services"), visit.c.declined_services)
        .select_from(requests.outerjoin(visit, visit.c.id == requests.c.visit_id))
    ).mappings().all()
    for row in rows:
        kind = code(row["kind"])
        assert kind is not None
        values = {
            "visit_id": row["visit_id"],
            "new_start": iso(row["new_start"]) if row["new_start"] else None,
            "new_duration": row["new_duration"],
            "service": row["service"],
            "new_service": row["new_service"],
            "services": sorted(set(row["services"] or [])),
        }
        change = {"kind": kind, **{name: values[name] for name in FIELDS[kind]}}
        before = None
        starts_at = row["new_start"]
        if row["visit_id"] is not None and row["planned_start"] is not None:
            starts_at = row["planned_start"]
            before = {
                "start": iso(row["planned_start"]),
                "duration_minutes": row["duration_minutes"],
                "services": list(row["visit_services"] or []),
                "declined_services": list(row["declined_services"] or []),
            }
        converted[row["id"]] = {"change": change, "before": before, "row": row}
        connection.execute(
            requests.update()
            .where(requests.c.id == row["id"])
            .values(change=change, before=before, starts_at=starts_at)
        )

    notifications = notification_table("payload")
    with_message = sa.table("notification", sa.column("id", sa.Integer()), sa.column("message", sa.JSON()))
    names = dict(connection.execute(sa.select(client.c.id, client.c.first_name)).all())
    deciders = dict(connection.execute(sa.select(staff.c.id, staff.c.first_name)).all())
    for nid, kind, payload in connection.execute(
        sa.select(notifications.c.id, notifications.c.kind, notifications.c.payload)
    ).all():
        payload = payload or {}
        if kind in PLAIN_KINDS:
            message = {"kind": kind, **{name: payload.get(name) for name in PLAIN_KINDS[kind]}}
        elif kind in REQUEST_KINDS and payload.get("request_id") in converted:
            request = converted[payload["request_id"]]
            row = request["row"]
            message = {
                "kind": kind,
                "request_id": row["id"],
                "client_first_name": payload.get("client_first_name") or names.get(row["client_id"], ""),
                "change": request["change"],
                "before": request["before"],
            }
            if kind == "request_decided":
                message |= {
                    "client_id": row["client_id"],
                    "status": payload.get("status") or code(row["status"]),
                    "decided_by_first_name": payload.get("decided_by_first_name")
                    or deciders.get(row["decided_by_staff_id"], ""),
                    "reject_reason": payload.get("reject_reason") or code(row["reject_reason"]),
                    "reject_text": payload.get("reject_text") or row["reject_text"],
                }
        else:
            # Nothing else was ever written; refuse to guess rather than lose a message.
            raise RuntimeError(f"notification {nid}: cannot convert a {kind!r} notification")
        connection.execute(
            with_message.update().where(with_message.c.id == nid).values(message=message)
        )

    with op.batch_alter_table('changerequest', schema=None) as batch_op:
        batch_op.alter_column('starts_at', existing_type=UTC_DATETIME(), nullable=False)
        batch_op.alter_column('change', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('services')
        batch_op.drop_column('new_service')
        batch_op.drop_column('service')
        batch_op.drop_column('new_duration')
        batch_op.drop_column('new_start')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('message', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('payload')


def downgrade() -> None:
    with op.batch_alter_table('changerequest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('new_start', UTC_DATETIME(), nullable=True))
        batch_op.add_column(sa.Column('new_duration', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('service', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('new_service', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('services', sa.JSON(), nullable=True))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload', sa.JSON(), nullable=True))

    connection = op.get_bind()
    requests = request_table(*old_request_columns(), *new_request_columns())
    for rid, change in connection.execute(sa.select(requests.c.id, requests.c.change)).all():
        new_start = change.get("new_start")
        connection.execute(
            requests.update()
            .where(requests.c.id == rid)
            .values(
                new_start=datetime.fromisoformat(new_start.replace("Z", "+00:00")) if new_start else None,
                new_duration=change.get("new_duration"),
                service=change.get("service"),
                new_service=change.get("new_service"),
                services=change.get("services") or [],
            )
        )

    notifications = notification_table("message")
    with_payload = sa.table("notification", sa.column("id", sa.Integer()), sa.column("payload", sa.JSON()))
    for nid, message in connection.execute(
        sa.select(notifications.c.id, notifications.c.message)
    ).all():
        payload = {key: value for key, value in message.items() if key != "kind"}
        if "change" in payload:
            change, before = payload.pop("change"), payload.pop("before")
            payload |= {
                "kind": change["kind"],
                "visit_start": before["start"] if before else None,
                "new_start": change.get("new_start"),
                "new_duration": change.get("new_duration"),
                "service": change.get("service"),
                "new_service": change.get("new_service"),
            }
        connection.execute(
            with_payload.update().where(with_payload.c.id == nid).values(payload=payload)
        )

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('payload', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('message')
    with op.batch_alter_table('changerequest', schema=None) as batch_op:
        batch_op.alter_column('services', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('before')
        batch_op.drop_column('change')
        batch_op.drop_column('starts_at')
