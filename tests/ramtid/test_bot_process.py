"""``ramtid bot`` (and ``python -m bot``) as a process: long polling against the fake Telegram,
or a webhook worker taking only Telegram's updates; the backend inside it, and a clean stop
on SIGTERM or SIGINT that closes the database."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import httpx
import pytest

from bot.webhook import SECRET_HEADER, WEBHOOK_PATH
from tests.support.fake_telegram import FakeTelegram
from tests.support.processes import RAMTID, ramtid_env, running, stop
from tests.support.recording_session import message_update
from tests.support.tcp import free_port


@pytest.mark.parametrize(
    ("command", "how"),
    [
        pytest.param([str(RAMTID), "bot"], signal.SIGTERM, id="ramtid bot, SIGTERM"),
        pytest.param([sys.executable, "-m", "bot"], signal.SIGINT, id="python -m bot, SIGINT"),
    ],
)
async def test_the_bot_answers_and_stops_cleanly(
    command: list[str], how: signal.Signals, tmp_path: Path
) -> None:
    database = tmp_path / "ramtid.db"
    async with FakeTelegram() as tg:
        env = ramtid_env(
            database_url=f"sqlite+aiosqlite:///{database}",
            telegram_token=tg.token,
            telegram_api_base=tg.url,
        )
        async with running(command, env=env, cwd=tmp_path) as process:
            await tg.wait_for_calls("getUpdates", timeout=60)  # migrated, polling
            tg.user_sends_text(7, "/start")
            [welcome] = await tg.wait_for_sent(lambda m: m["chat_id"] == 7, timeout=10)
            assert "kod" in welcome["text"]  # the backend in the process knows no code yet
            output = await stop(process, how)
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
    async with FakeTelegram() as tg:
        env = ramtid_env(
            database_url=f"sqlite+aiosqlite:///{database}",
            telegram_token=tg.token,
            telegram_api_base=tg.url,
            service_token="service-token-of-the-test-0123456789abcdef",
            webhook_url="https://bot.example.test/",
            webhook_secret=secret,
            webhook_port=str(port),
        )
        async with running([str(RAMTID), "bot"], env=env, cwd=tmp_path) as process:
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
            output = await stop(process)
    assert process.returncode == 0, output
    assert "Traceback" not in output
    assert tg.calls["getUpdates"] == 0  # a webhook worker does not poll
    assert sqlite_files(database) == (True, False)
