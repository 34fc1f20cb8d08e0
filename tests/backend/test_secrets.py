"""Secrets: outside the demo nothing starts with a missing, published or short secret, webhook
mode needs Telegram's secret token, and the demo's staff tokens exist only in demo mode."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from backend.config import DEV_SERVICE_TOKEN, InsecureSettings, Settings
from backend.main import create_app
from backend.models import StaffSession
from ramtid.database import seed_demo_if_empty
from tests.conftest import DEFAULT_NOW, SERVICE_TOKEN, Clock
from tests.support.processes import RAMTID


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("", "is empty"),
        (DEV_SERVICE_TOKEN, "is the published default"),
        ("short-but-not-empty", "is too short (19 characters; at least 32)"),
    ],
)
def test_the_backend_is_not_made_with_a_weak_service_token(
    database_url: str, token: str, why: str
) -> None:
    settings = Settings(database_url=database_url, service_token=token)
    with pytest.raises(InsecureSettings) as refused:
        create_app(settings)
    assert f"RAMTID_SERVICE_TOKEN {why}" in str(refused.value)
    assert token not in str(refused.value) or not token  # the message never repeats it


def test_the_demo_may_use_the_published_token(database_url: str) -> None:
    create_app(Settings(database_url=database_url, demo=True))  # no exception


async def test_demo_staff_tokens_exist_only_in_demo_mode(database_url: str, clock: Clock) -> None:
    served = Settings(database_url=database_url, service_token=SERVICE_TOKEN)
    # ``ramtid seed`` outside demo mode: the demo's people, and no staff tokens at all.
    assert await seed_demo_if_empty(served, now=DEFAULT_NOW)
    app = create_app(served, clock=clock, run_housekeeping=False)
    async with app.router.lifespan_context(app):
        async with app.state.sessions() as session:
            tokens = (await session.exec(select(StaffSession))).all()
        assert tokens == []
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://backend"
        ) as api:
            r = await api.get("/staff/day", headers={"Authorization": "Bearer demo-anna"})
            assert (r.status_code, r.json()["code"]) == (401, "invalid_token")

    # ``ramtid serve --demo``: the README's tokens work, and only in an app in demo mode.
    demo = served.model_copy(update={"demo": True})
    assert not await seed_demo_if_empty(demo, now=DEFAULT_NOW)  # already seeded: tokens only
    for settings, status in ((demo, 200), (served, 401)):
        app = create_app(settings, clock=clock, run_housekeeping=False)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://backend"
            ) as api,
        ):
            r = await api.get("/staff/day", headers={"Authorization": "Bearer demo-anna"})
            assert r.status_code == status, (settings.demo, r.text)


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RAMTID_")}
    return subprocess.run(
        [str(RAMTID), *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_ramtid_serve_refuses_to_start_with_the_default_token(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'ramtid.db'}"
    refused = run("serve", "--port", "1", RAMTID_DATABASE_URL=database)
    assert refused.returncode == 2
    assert "not started" in refused.stderr and "RAMTID_SERVICE_TOKEN" in refused.stderr
    assert not (tmp_path / "ramtid.db").exists()  # refused before anything was done


@pytest.mark.parametrize(
    ("secret", "why"),
    [(None, "is empty"), ("tiny", "is too short"), ("x" * 31 + "!", "may hold only")],
)
def test_webhook_mode_needs_a_real_secret(tmp_path: Path, secret: str | None, why: str) -> None:
    env = {
        "RAMTID_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'ramtid.db'}",
        "RAMTID_TELEGRAM_TOKEN": "42:TEST-TOKEN",
        "RAMTID_WEBHOOK_URL": "https://bot.example.org",
    }
    if secret is not None:
        env["RAMTID_WEBHOOK_SECRET"] = secret
    refused = run("bot", **env)
    assert refused.returncode == 2, refused.stderr
    assert "Webhook mode" in refused.stderr and "RAMTID_WEBHOOK_SECRET" in refused.stderr
    assert why in refused.stderr


def test_a_bot_calling_a_backend_over_the_network_needs_a_real_token(tmp_path: Path) -> None:
    refused = run(
        "bot",
        RAMTID_TELEGRAM_TOKEN="42:TEST-TOKEN",
        RAMTID_BACKEND_URL="http://127.0.0.1:1",
        RAMTID_SERVICE_TOKEN="short",
    )
    assert refused.returncode == 2 and "RAMTID_SERVICE_TOKEN is too short" in refused.stderr
