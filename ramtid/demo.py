"""``ramtid demo``: chat with the real bot and backend in the terminal, on the demo data.

No Telegram is needed: ``bot.terminal.TerminalSession`` prints what the bot sends. ``/as eva``
switches who you are (any seeded client, relative or staff member); notifications for
everyone are delivered after each step, so approving as Anna shows Lisa's answer arriving.

The terminal is the chat window, so the process logs to ``ramtid-demo.log`` and nowhere
else. Ctrl-C or Ctrl-D quits at once, also while waiting for a line: the line is read in a
daemon thread, which never keeps the process alive.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import logging
import os
import queue
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from backend.config import Settings
from backend.demo import DEMO_ACCOUNTS
from bot.delivery import Sender
from bot.factory import create_bot, create_dispatcher, create_i18n
from bot.notifier import Notifier
from bot.terminal import TerminalSession, make_update
from ramtid.database import SEEDED, migrate_database, seed_demo_if_empty
from ramtid.logs import configure
from ramtid.wiring import in_process_backend, web_pages

LOG_FILE = Path("ramtid-demo.log")
WEB_PORT = 8000
NAMES = {telegram_id: name.capitalize() for name, telegram_id in DEMO_ACCOUNTS.items()}

log = logging.getLogger("ramtid.demo")


def log_to_file(settings: Settings, path: Path = LOG_FILE) -> None:
    """Send everything this process would print as a log (records, warnings, a thread's or
    an unraisable exception's traceback) to ``path`` instead of the chat."""
    configure(settings.log_level, logging.FileHandler(path, encoding="utf-8"))
    logging.captureWarnings(True)

    def thread_exception(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is not SystemExit:
            name = args.thread.name if args.thread is not None else "?"
            exc_info = (args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)
            log.error("exception in thread %s", name, exc_info=exc_info)

    def unraisable(args: Any) -> None:
        exc = args.exc_value
        exc_info = (args.exc_type, exc, args.exc_traceback) if exc is not None else None
        log.error("%s: %r", args.err_msg or "Exception ignored in", args.object, exc_info=exc_info)

    threading.excepthook = thread_exception
    sys.unraisablehook = unraisable


class Keyboard:
    """Lines typed in the terminal (or piped in), read from the file descriptor in a daemon
    thread. ``os.read`` holds no lock of Python's ``sys.stdin``, so the thread, blocked
    waiting for a line, neither keeps the process alive nor trips up its exit. On a terminal
    the line is edited as with ``input()`` (the terminal's own line editing)."""

    def __init__(self, fd: int | None = None) -> None:
        self._fd = sys.stdin.fileno() if fd is None else fd
        self._wanted: queue.SimpleQueue[
            tuple[asyncio.AbstractEventLoop, asyncio.Future[str | None]]
        ] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    async def read_line(self) -> str | None:
        """The next line, or None at the end of input (Ctrl-D)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str | None] = loop.create_future()
        if self._thread is None:
            self._thread = threading.Thread(target=self._read, name="keyboard", daemon=True)
            self._thread.start()
        self._wanted.put((loop, future))
        return await future

    def _read(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        typed, ended = "", False
        while True:
            loop, future = self._wanted.get()  # one line at a time, when the chat asks
            while "\n" not in typed and not ended:
                try:
                    chunk = os.read(self._fd, 4096)
                except OSError:  # the terminal went away
                    chunk = b""
                ended = not chunk
                typed += decoder.decode(chunk, final=ended)
            line: str | None
            if "\n" in typed:
                line, typed = typed.split("\n", 1)
            else:
                line, typed = typed or None, ""
            with contextlib.suppress(RuntimeError):  # the loop has closed: we are quitting
                loop.call_soon_threadsafe(_resolve, future, line)


def _resolve(future: asyncio.Future[str | None], line: str | None) -> None:
    if not future.done():  # else the reader was cancelled (Ctrl-C)
        future.set_result(line)


async def chat(
    settings: Settings,
    *,
    who: str = "lisa",
    keyboard: Keyboard | None = None,
    out: TextIO = sys.stdout,
    web_port: int | None = WEB_PORT,
) -> None:
    """The demo until /quit or the end of input (cancelled by Ctrl-C); the web pages are
    served meanwhile on 127.0.0.1:``web_port`` (None: not served)."""
    keyboard = keyboard or Keyboard()
    await migrate_database(settings)
    if await seed_demo_if_empty(settings, now=datetime.now(UTC)):
        print(SEEDED, file=out)
    async with contextlib.AsyncExitStack() as stack:
        backend = await stack.enter_async_context(in_process_backend(settings))
        address = None
        if web_port is not None and backend.app is not None:
            address = await stack.enter_async_context(
                web_pages(backend.app, host="127.0.0.1", port=web_port)
            )
        user = DEMO_ACCOUNTS[who]
        session = TerminalSession(viewer=user, names=NAMES, out=out)
        bot = create_bot(settings, session=session)
        i18n = create_i18n(settings)
        dispatcher = create_dispatcher(settings, backend=backend.client, i18n=i18n)
        notifier = Notifier(
            backend.client, Sender(bot, per_chat_interval=0, global_rate=1000), i18n
        )
        print(
            "Ramtid demo: you are chatting with the home-care bot as "
            f"{NAMES[user]}. Type a number to press a button, a letter for the menu, or text.\n"
            f"Switch person with /as NAME ({', '.join(DEMO_ACCOUNTS)}); "
            "quit with /quit or Ctrl-C.\n"
            "Staff can also be reached by their API: `ramtid serve` then /docs.",
            file=out,
        )
        if address:
            print(f"The unit's web pages: {address} (staff sign in with one click).", file=out)
        elif web_port is not None:
            print(f"The web pages are not served: port {web_port} is taken.", file=out)
        try:
            await dispatcher.feed_update(bot, make_update(user, NAMES[user], "/start"))
            while True:
                session.print_menu()
                print(f"{NAMES[user]}> ", end="", file=out, flush=True)
                line = await keyboard.read_line()
                if line is None:
                    break
                line = line.strip()
                if line in ("/quit", "/exit"):
                    break
                if line.startswith("/as "):
                    name = line[4:].strip().lower()
                    if name not in DEMO_ACCOUNTS:
                        print(
                            f"Unknown person. Choose one of: {', '.join(DEMO_ACCOUNTS)}", file=out
                        )
                        continue
                    user = DEMO_ACCOUNTS[name]
                    session.switch_to(user)
                    await dispatcher.feed_update(bot, make_update(user, NAMES[user], "/start"))
                    continue
                update = session.typed(user, line)
                if update is None:
                    continue
                await dispatcher.feed_update(bot, update)
                await notifier.deliver_once()
        finally:
            await dispatcher.storage.close()
            await bot.session.close()
