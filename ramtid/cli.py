"""The ``ramtid`` command: demo, serve, bot, notifier, migrate, seed, invite, export, erase,
follow-up, speech."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from ramtid.memory import GC_THRESHOLDS

# Start-up builds a great many objects (aiogram's ~450 models, the app, the catalogs) and none
# of them is garbage: collecting as rarely as a settled server does from the first import on
# makes every command start about a sixth sooner.
gc.set_threshold(*GC_THRESHOLDS)

from backend.config import Settings  # noqa: E402 - after the collector is set

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from backend.models import Client

T = TypeVar("T")

# Each command imports what it needs when it runs: `ramtid --help` and `ramtid migrate` need
# neither aiogram nor FastAPI.

GOODBYE = "Hej då!"


def log_to_console(settings: Settings) -> None:
    """Standard error, through the filter that keeps care data out of every record."""
    from ramtid.logs import JsonFormatter, configure

    handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    configure(settings.log_level, handler)


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    from ramtid.database import migrate_database

    asyncio.run(migrate_database(settings))
    print("Database is up to date.")
    return 0


def cmd_seed(settings: Settings, _args: argparse.Namespace) -> int:
    from ramtid.database import SEEDED, migrate_database, seed_demo_if_empty

    async def run() -> bool:
        await migrate_database(settings)
        return await seed_demo_if_empty(settings, now=datetime.now(UTC))

    print(SEEDED if asyncio.run(run()) else "The database already has data; nothing seeded.")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from backend.config import require_service_token
    from backend.main import create_app
    from ramtid.database import SEEDED, migrate_database, seed_demo_if_empty

    if args.demo:  # the demo's tokens, and one-click sign-in on the web
        settings = settings.model_copy(update={"demo": True})
    require_service_token(settings)  # before anything is done: a weak secret starts nothing
    asyncio.run(migrate_database(settings))
    if args.demo and asyncio.run(seed_demo_if_empty(settings, now=datetime.now(UTC))):
        print(SEEDED)
    app = create_app(settings)
    from ramtid.memory import settle_memory

    settle_memory()
    print(f"The unit's web pages: http://{args.host}:{args.port}/web/")
    print(f"API docs: http://{args.host}:{args.port}/docs")
    # uvicorn runs the app's lifespan: housekeeping, and closing the database at the end. Its
    # loggers go through ours (log_config=None), with the filter that keeps care data out.
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", log_config=None)
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    # Ctrl-C is how one leaves the demo, at any moment, start-up included.
    with contextlib.suppress(KeyboardInterrupt):
        from ramtid import demo

        if args.who not in demo.DEMO_ACCOUNTS:
            raise SystemExit(f"--as: one of {', '.join(demo.DEMO_ACCOUNTS)}")
        demo.log_to_file(settings)  # the terminal is the chat window
        web_port = args.web_port or None
        changes: dict[str, object] = {"demo": True}  # one-click sign-in on the web
        if web_port and "public_url" not in settings.model_fields_set:
            changes["public_url"] = f"http://127.0.0.1:{web_port}"  # the bot's sign-in links
        settings = settings.model_copy(update=changes)
        asyncio.run(demo.chat(settings, who=args.who, web_port=web_port))
    print(f"\n{GOODBYE}")
    return 0


def cmd_bot(settings: Settings, _args: argparse.Namespace) -> int:
    from backend.config import require_bot_settings

    require_bot_settings(settings)  # a wrong setting is told in a second, not after start-up
    from ramtid.wiring import run_bot

    asyncio.run(run_bot(settings))
    return 0


def cmd_notifier(settings: Settings, _args: argparse.Namespace) -> int:
    from ramtid.wiring import run_notifier

    asyncio.run(run_notifier(settings))
    return 0


def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    """Print a one-time code (for a client, or for staff: the manager's job, done here)."""
    from sqlmodel import select

    from backend.db import create_engine, session_factory
    from backend.models import Client, InvitationKind, Staff, StaffRole
    from backend.services import accounts
    from backend.services.access import Actor
    from ramtid.database import migrate_database

    async def run() -> str:
        await migrate_database(settings)
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                target = await session.get(Staff, args.staff) if args.staff else None
                unit_id = target.unit_id if target else None
                if args.client:
                    client = await session.get(Client, args.client)
                    unit_id = client.unit_id if client else None
                if unit_id is None:
                    raise SystemExit("No such client or staff member.")
                manager = (
                    await session.exec(
                        select(Staff)
                        .where(Staff.unit_id == unit_id)
                        .where(Staff.role == StaffRole.MANAGER)
                    )
                ).first()
                if manager is None:
                    raise SystemExit("The unit has no manager to issue the code.")
                invitation = await accounts.create_invitation(
                    session,
                    actor=Actor(staff=manager),
                    kind=InvitationKind.STAFF if args.staff else InvitationKind.CLIENT,
                    client_id=args.client,
                    staff_id=args.staff,
                    now=datetime.now(UTC),
                )
                await session.commit()
                return invitation.code
        finally:
            await engine.dispose()

    print(asyncio.run(run()))
    return 0


async def _client_session(
    settings: Settings, client_id: int, work: Callable[[AsyncSession, Client], Awaitable[T]]
) -> T:
    """Run ``work(session, client)`` for one client in a committed transaction."""
    from backend.db import create_engine, session_factory
    from backend.models import Client
    from ramtid.database import migrate_database

    await migrate_database(settings)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            client = await session.get(Client, client_id)
            if client is None:
                raise SystemExit(f"No client {client_id}.")
            result = await work(session, client)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Everything held about a client, as JSON on standard output (GDPR art. 15 and 20)."""
    import json

    from backend.services import personal_data

    async def work(session: AsyncSession, client: Client) -> dict[str, Any]:
        return await personal_data.export_client(
            session, client=client, actor_label="cli", now=datetime.now(UTC)
        )

    data = asyncio.run(_client_session(settings, args.client, work))
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return 0


def cmd_erase(settings: Settings, args: argparse.Namespace) -> int:
    """Erase a client on request: shows what goes and what is kept for the law, then asks
    for the client's id again (or ``--yes``)."""
    from backend.errors import NotFound
    from backend.services import personal_data

    now = datetime.now(UTC)

    async def plan(session: AsyncSession, client: Client) -> personal_data.Erasure:
        if client.erased_at is not None:
            raise SystemExit(f"Client {client.id} was erased on {client.erased_at:%Y-%m-%d}.")
        return await personal_data.erasure_summary(session, client=client, now=now)

    summary = asyncio.run(_client_session(settings, args.client, plan))
    print(f"Erasing client {args.client} removes:")
    for name, count in summary.as_details().items():
        if not name.startswith("kept_"):
            print(f"  {name.replace('_', ' ')}: {count}")
    print("and keeps, as the law requires (README, 'Data subject rights'):")
    for name, count in summary.as_details().items():
        if name.startswith("kept_"):
            print(f"  {name.removeprefix('kept_').replace('_', ' ')}: {count}")
    if not args.yes:
        answer = input("Type the client's id again to erase, anything else to stop: ")
        if answer.strip() != str(args.client):
            print("Nothing was erased.")
            return 1

    async def erase(session: AsyncSession, client: Client) -> personal_data.Erasure:
        try:
            return await personal_data.erase_client(
                session, client=client, actor_label="cli", now=now
            )
        except NotFound:
            raise SystemExit(f"Client {client.id} is already erased.") from None

    asyncio.run(_client_session(settings, args.client, erase))
    print(f"Client {args.client} is erased.")
    return 0


def cmd_followup(settings: Settings, args: argparse.Namespace) -> int:
    """The assessor's monthly follow-up of a unit: a table, or the CSV for Excel."""
    from sqlmodel import select

    from backend.db import create_engine, session_factory
    from backend.domain import followup as fu
    from backend.models import Unit
    from backend.services import followup
    from backend.services.visits import TZ
    from ramtid.database import migrate_database

    today = datetime.now(UTC).astimezone(TZ).date()
    try:
        month = fu.parse_month(args.month) if args.month else fu.month_start(today)
    except ValueError:
        raise SystemExit("--month must be YYYY-MM, e.g. 2026-11.") from None

    async def run() -> str:
        await migrate_database(settings)
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                unit_id = args.unit
                if unit_id is None:
                    units = (await session.exec(select(Unit.id).limit(2))).all()
                    if len(units) != 1:
                        raise SystemExit("Pass --unit: the database has no unit or several.")
                    unit_id = units[0]
                if await session.get(Unit, unit_id) is None:
                    raise SystemExit(f"No unit {unit_id}.")
                report = await followup.monthly_report(
                    session, unit_id=unit_id, month=month, today=today
                )
                await followup.record_read(session, actor="cli", unit_id=unit_id, report=report)
                await session.commit()
                return followup.report_csv(report) if args.csv else followup.report_table(report)
        finally:
            await engine.dispose()

    sys.stdout.write(asyncio.run(run()))
    return 0


def cmd_speech(_settings: Settings, args: argparse.Namespace) -> int:
    from backend.speech.__main__ import main as speech_main

    return speech_main(args.rest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ramtid", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("seed", help="migrate and seed the demo unit").set_defaults(func=cmd_seed)
    serve = sub.add_parser("serve", help="serve the backend API (docs at /docs)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="seed the demo data first if empty")
    serve.set_defaults(func=cmd_serve)
    demo = sub.add_parser("demo", help="chat with the bot in the terminal on the demo data")
    demo.add_argument(
        "--as", dest="who", default="lisa", metavar="NAME", help="lisa, eva, anna, erik, ..."
    )
    demo.add_argument(
        "--web-port",
        type=int,
        default=8000,
        metavar="PORT",
        help="serve the web pages on 127.0.0.1:PORT meanwhile (0: not at all)",
    )
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("bot", help="run the Telegram bot (RAMTID_TELEGRAM_TOKEN)").set_defaults(
        func=cmd_bot
    )
    sub.add_parser(
        "notifier", help="deliver the outbox to Telegram, apart from the bot workers"
    ).set_defaults(func=cmd_notifier)
    invite = sub.add_parser("invite", help="print a one-time code to link a chat account")
    who = invite.add_mutually_exclusive_group(required=True)
    who.add_argument("--client", type=int, help="client id")
    who.add_argument("--staff", type=int, help="staff id")
    invite.set_defaults(func=cmd_invite)
    export = sub.add_parser("export", help="everything held about a client, as JSON")
    export.add_argument("--client", type=int, required=True, help="client id")
    export.set_defaults(func=cmd_export)
    erase = sub.add_parser("erase", help="erase a client on request (asks to confirm)")
    erase.add_argument("--client", type=int, required=True, help="client id")
    erase.add_argument("--yes", action="store_true", help="do not ask to confirm")
    erase.set_defaults(func=cmd_erase)
    followup = sub.add_parser("followup", help="performed vs ordered time per client, a month")
    followup.add_argument("--month", help="YYYY-MM (default: this month)")
    followup.add_argument("--unit", type=int, help="unit id (default: the only unit)")
    followup.add_argument("--csv", action="store_true", help="CSV for Excel instead of a table")
    followup.set_defaults(func=cmd_followup)
    speech = sub.add_parser(
        "speech",
        help="Vosk models: `ramtid speech models`, `ramtid speech download NAME --dest DIR`",
    )
    speech.add_argument("rest", nargs=argparse.REMAINDER)
    speech.set_defaults(func=cmd_speech)
    return parser


def main(argv: list[str] | None = None) -> int:
    from backend.config import InsecureSettings

    try:
        args = build_parser().parse_args(argv)
        settings = Settings()
        if args.command != "demo":
            log_to_console(settings)
        return int(args.func(settings, args))
    except InsecureSettings as refused:
        print(f"ramtid {args.command}: not started. {refused}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Ctrl-C while starting up or in a one-off command: no traceback for that.
        print(file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
