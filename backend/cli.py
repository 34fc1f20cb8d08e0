"""The ``ramtid`` command: demo, serve, bot, migrate, seed, invite, follow-up, speech."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import UTC, datetime

from backend.config import Settings
from backend.db import create_engine, migrate, session_factory

log = logging.getLogger("ramtid")


async def _migrate(settings: Settings) -> None:
    await asyncio.to_thread(migrate, settings.database_url)


async def _seed(settings: Settings, *, quiet: bool = False) -> bool:
    from backend import demo

    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            if await demo.is_seeded(session):
                return False
            await demo.seed(session, now=datetime.now(UTC))
            await session.commit()
    finally:
        await engine.dispose()
    if not quiet:
        print("Seeded the demo unit 'Hemtjänst Södermalm' (Lisa, Gösta, Aino, Samira).")
    return True


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    asyncio.run(_migrate(settings))
    print("Database is up to date.")
    return 0


def cmd_seed(settings: Settings, _args: argparse.Namespace) -> int:
    async def run() -> None:
        await _migrate(settings)
        if not await _seed(settings):
            print("The database already has data; nothing seeded.")

    asyncio.run(run())
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from backend.main import create_app

    asyncio.run(_migrate(settings))
    if args.demo:
        asyncio.run(_seed(settings))
    print(f"API docs: http://{args.host}:{args.port}/docs")
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning")
    return 0


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
    return parser


def main(argv: list[str] | None = None) -> int:
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.func(settings, args))


if __name__ == "__main__":
    sys.exit(main())
