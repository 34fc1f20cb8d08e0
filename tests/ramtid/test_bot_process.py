"""``ramtid bot`` (and ``python -m bot``) as a process: long polling against the fake Telegram,
the backend inside it, and a clean stop on SIGTERM or SIGINT that closes the database."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest

from bot.webhook import SECRET_HEADER, WEBHOOK_PATH
from tests.support.fake_telegram import FakeTelegram
from tests.support.recording_session import message_update
from tests.support.tcp import free_port

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


async def test_a_webhook_worker_takes_only_telegrams_updates_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    database = tmp_path / "ramtid.db"
    port = free_port()
    secret = "webhook-secret-of-the-test-0123456789abcdef"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAMTID_")}
    async with FakeTelegram() as tg:
        env |= {
            "RAMTID_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            "RAMTID_TELEGRAM_TOKEN": tg.token,
            "RAMTID_TELEGRAM_API_BASE": tg.url,
            "RAMTID_SERVICE_TOKEN": "service-token-of-the-test-0123456789abcdef",
            "RAMTID_WEBHOOK_URL": "https://bot.example.test/",
            "RAMTID_WEBHOOK_SECRET": secret,
            "RAMTID_WEBHOOK_PORT": str(port),
        }
        process = await asyncio.create_subprocess_exec(
            str(RAMTID),
            "bot",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            await tg.wait_for_calls("setWebhook", timeout=60)  # migrated, listening
            assert tg.webhook == {
                "url": f"https://bot.example.test{WEBHOOK_PATH}",
                "secret_token": secret,
            }
            url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
            start = message_update(7, "/start").model_dump_json(exclude_none=True, by_alias=True)
            async with httpx.AsyncClient() as http:
                forged = await http.post(url, content=start, headers={SECRET_HEADER: "guess"})
                assert forged.status_code == 401
                assert tg.calls["sendMessage"] == 0
                r = await http.post(url, content=start, headers={SECRET_HEADER: secret})
                assert r.status_code == 200
                [welcome] = await tg.wait_for_sent(lambda m: m["chat_id"] == 7, timeout=10)
                assert "kod" in welcome["text"]
                metrics = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
                assert "ramtid_bot_updates_total" in metrics

            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(10):
                output = (await process.communicate())[0].decode()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0, output
    assert "Traceback" not in output
    assert tg.calls["getUpdates"] == 0  # a webhook worker does not poll
    assert sqlite_files(database) == (True, False)
