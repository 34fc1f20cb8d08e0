"""``ramtid bot`` (and ``python -m bot``) as a process: long polling against the fake Telegram,
the backend inside it, and a clean stop on SIGTERM or SIGINT that closes the database."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.support.fake_telegram import FakeTelegram

RAMTID = Path(sys.executable).with_name("ramtid")


@pytest.mark.parametrize(
    ("command", "stop"),
    [
        pytest.param([str(RAMTID), "bot"], signal.SIGTERM, id="ramtid bot, SIGTERM"),
        pytest.param([sys.executable, "-m", "bot"], signal.SIGINT, id="python -m bot, SIGINT"),
    ],
)
async def test_the_bot_answers_and_stops_cleanly(
    command: list[str], stop: signal.Signals, tmp_path: Path
) -> None:
    database = tmp_path / "ramtid.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAMTID_")}
    async with FakeTelegram() as tg:
        env |= {
            "RAMTID_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            "RAMTID_TELEGRAM_TOKEN": tg.token,
            "RAMTID_TELEGRAM_API_BASE": tg.url,
        }
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            await tg.wait_for_calls("getUpdates", timeout=60)  # migrated, polling
            tg.user_sends_text(7, "/start")
            [welcome] = await tg.wait_for_sent(lambda m: m["chat_id"] == 7, timeout=10)
            assert "kod" in welcome["text"]  # the backend in the process knows no code yet

            process.send_signal(stop)
            async with asyncio.timeout(10):
                output = (await process.communicate())[0].decode()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0, output
    assert "Traceback" not in output and "Polling stopped" in output
    # The backend's lifespan disposed of the engine: SQLite removed its write-ahead log.
    assert sqlite_files(database) == (True, False)


def sqlite_files(database: Path) -> tuple[bool, bool]:
    """Whether the database file and its write-ahead log exist."""
    return database.exists(), Path(f"{database}-wal").exists()
