"""What the migrations that add indexes to large tables share."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from alembic import op


def without_blocking_writes() -> AbstractContextManager[object]:
    """On PostgreSQL, build an index CONCURRENTLY, outside the migration's transaction: a
    city's tables (millions of visits) stay open to writes while it is built. SQLite has no
    such thing and builds it in the transaction."""
    context = op.get_context()
    if context.dialect.name == "postgresql":
        return context.autocommit_block()
    return nullcontext()
