"""Browser tests: the real pages in Debian's chromium (Playwright), served by uvicorn on a
free loopback port from the test's app (its database, its clock), with axe-core checking
every page against WCAG 2.1 AA. The bot side runs the real dispatcher in process."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from aiogram.fsm.storage.base import BaseStorage

from backend.config import Settings
from bot.backend_client import BackendClient
from bot.factory import create_bot, create_dispatcher, create_i18n
from bot.middlewares.throttling import MemoryCounter
from tests.bot.conftest import Chat
from tests.conftest import SERVICE_TOKEN, Clock
from tests.support.recording_session import RecordingSession

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = ROOT / "docs" / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything here is marked ``browser`` (CI's own stage; ``make test`` leaves it out)."""
    missing = [str(p) for p in (CHROMIUM, AXE) if not p.exists()]
    for item in items:
        if "tests/browser" not in str(item.fspath):
            continue
        item.add_marker(pytest.mark.browser)
        if missing:
            if os.environ.get("RAMTID_REQUIRE_BROWSER"):
                raise pytest.UsageError(f"browser tests need {missing} (CI installs them)")
            item.add_marker(pytest.mark.skip(reason=f"needs {', '.join(missing)}"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def settings(database_url: str, port: int) -> Settings:
    return Settings(
        database_url=database_url,
        service_token=SERVICE_TOKEN,
        public_url=f"http://127.0.0.1:{port}",
        bot_username="RamtidTestBot",
        demo=True,
    )


@pytest.fixture
async def base_url(app: Any, port: int) -> AsyncIterator[str]:
    """The test's app (lifespan already running) served over HTTP on loopback."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event for it
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        chromium = await p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser: Any, base_url: str) -> AsyncIterator[Any]:
    context = await browser.new_context(
        base_url=base_url, locale="sv-SE", viewport={"width": 1280, "height": 900}
    )
    page = await context.new_page()
    yield page
    await context.close()


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 AA violations on the page as it is now."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["html"][:200] for n in v["nodes"]]}
        for v in result["violations"]
    ]


async def accessible(page: Any) -> None:
    violations = await axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


@pytest.fixture
async def chat(
    settings: Settings,
    backend_client: BackendClient,
    clock: Clock,
    storage: BaseStorage,
    demo: None,
) -> AsyncIterator[Chat]:
    session = RecordingSession()
    bot = create_bot(settings, session=session)
    dispatcher = create_dispatcher(
        settings,
        backend=backend_client,
        i18n=create_i18n(settings),
        storage=storage,
        counter=MemoryCounter(),
        clock=clock,
    )
    yield Chat(dispatcher, bot, session)
    await bot.session.close()
