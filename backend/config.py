"""Settings for the backend and the bot, read from the environment (prefix ``RAMTID_``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = PROJECT_ROOT / "locales"

# The README's default: fine for the demo on one machine, refused anywhere else.
DEV_SERVICE_TOKEN = "dev-service-token"  # noqa: S105 - the published default, refused outside the demo
MIN_SECRET_CHARS = 32
# What Telegram accepts as a webhook's secret_token.
WEBHOOK_SECRET_CHARS = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# SQLite's driver: on the event loop's thread (backend.sqlite_inline) or aiosqlite's own.
SqliteDriver = Literal["inline", "aiosqlite"]
MAKE_ONE = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAMTID_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./ramtid.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    service_token: SecretStr = Field(
        default=SecretStr(DEV_SERVICE_TOKEN),
        description="Shared secret the bot uses to call the backend's /bot API "
        f"(at least {MIN_SECRET_CHARS} characters outside the demo).",
    )
    backend_url: str | None = Field(
        default=None,
        description="Backend base URL for the bot; unset runs the backend in the bot's process.",
    )
    telegram_token: str | None = Field(default=None, description="Bot token from @BotFather.")
    telegram_api_base: str | None = Field(
        default=None, description="Alternative Bot API server base URL (local Bot API server)."
    )
    webhook_url: str | None = Field(
        default=None, description="Public HTTPS URL for webhook mode; unset uses long polling."
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Telegram's secret_token for the webhook: required in webhook mode, "
        f"at least {MIN_SECRET_CHARS} characters of A-Z, a-z, 0-9, _ and -.",
    )
    webhook_port: int = Field(
        default=8080,
        ge=1,
        le=65535,
        description="Port on which a bot worker takes the webhook (behind the balancer).",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL for FSM storage, throttling and outbox wake-ups; unset = memory.",
    )
    default_locale: str = Field(default="sv", description="Language for new chat accounts.")
    locales_dir: Path = Field(
        default=LOCALES_DIR,
        description="Compiled gettext catalogs: <dir>/<lang>/LC_MESSAGES/messages.mo.",
    )
    speech_models: dict[str, Path] = Field(
        default_factory=dict,
        description='Vosk model directories per language, JSON: {"sv": "/models/vosk-sv"}.',
    )
    speech_workers: int = Field(default=2, description="Parallel transcriptions per process.")
    notifier_interval: float = Field(
        default=2.0, description="Seconds between outbox polls when idle."
    )
    notifier_lease: int = Field(
        default=120,
        ge=5,
        le=3600,
        description="Seconds a notifier holds what it claimed; after a crash, what it had not "
        "acknowledged is sent again once the lease has run out.",
    )
    notifier_metrics_port: int = Field(
        default=9100,
        ge=1,
        le=65535,
        description="Port on which `ramtid notifier` serves its /metrics (also its liveness "
        "probe); the bot workers serve theirs beside the webhook.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="Log lines as text, or as one JSON object a line (for a log collector); "
        "either way ids and codes only.",
    )
    demo: bool = Field(
        default=False,
        description="Demo mode (`ramtid demo`, `ramtid serve --demo`): the demo's staff tokens "
        "and the default service token are accepted, and the demo's staff sign in on the web "
        "with one click. Never in production.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where staff reach the web pages (sign-in links point here).",
    )
    bot_username: str = Field(
        default="RamtidDemoBot",
        description="The bot's Telegram username, for invitation letters' QR codes.",
    )
    oidc_metadata_url: str | None = Field(
        default=None,
        description="The identity provider's /.well-known/openid-configuration URL.",
    )
    oidc_client_id: str | None = Field(default=None, description="OIDC client id.")
    oidc_client_secret: SecretStr | None = Field(default=None, description="OIDC secret.")
    oidc_email_claim: str = Field(
        default="email", description="The ID token's claim that holds the staff e-mail."
    )
    web_idle_minutes: int = Field(
        default=30, description="A web session ends after this long without use."
    )
    web_session_hours: int = Field(default=10, description="A web session ends after this.")
    api_token_days: int = Field(default=90, description="Staff API tokens last this long.")
    database_connect_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to wait for a database connection."
    )
    database_statement_timeout: float = Field(
        default=15.0, gt=0, description="Seconds a database statement may take (PostgreSQL)."
    )
    sqlite_driver: SqliteDriver = Field(
        default="inline",
        description="SQLite: 'inline' runs statements on the event loop's thread (reads take "
        "no lock in WAL; lock waits and commits go to a thread); 'aiosqlite' runs every call "
        "on aiosqlite's thread, for a unit whose reads are long.",
    )


class InsecureSettings(ValueError):
    """A secret is missing, the published default, or too short: the process does not start.
    The message names the variable and how to make a good value."""


def _secret_problem(variable: str, value: SecretStr | None) -> str | None:
    text = value.get_secret_value() if value is not None else ""
    if not text:
        return f"{variable} is empty. Set it to a random value, e.g. from: {MAKE_ONE}"
    if text == DEV_SERVICE_TOKEN:
        return (
            f"{variable} is the published default (allowed only in the demo). "
            f"Set it to a random value, e.g. from: {MAKE_ONE}"
        )
    if len(text) < MIN_SECRET_CHARS:
        return (
            f"{variable} is too short ({len(text)} characters; at least {MIN_SECRET_CHARS}). "
            f"Set it to a random value, e.g. from: {MAKE_ONE}"
        )
    return None


def require_service_token(settings: Settings) -> None:
    """Outside demo mode the service token must be a real secret: it lets its holder act as
    any chat account."""
    if settings.demo:
        return
    problem = _secret_problem("RAMTID_SERVICE_TOKEN", settings.service_token)
    if problem:
        raise InsecureSettings(problem)


def service_token_is_strong(settings: Settings) -> bool:
    return _secret_problem("RAMTID_SERVICE_TOKEN", settings.service_token) is None


def require_bot_settings(settings: Settings) -> None:
    """What a bot worker needs before it does anything: a Telegram token, a webhook secret in
    webhook mode, and a real service token when its backend is across the network. Checked
    before aiogram is even imported, so a wrong setting is told at once."""
    if not settings.telegram_token:
        raise SystemExit("Set RAMTID_TELEGRAM_TOKEN (or run `ramtid demo` for the terminal demo).")
    require_webhook_secret(settings)
    if settings.backend_url:
        require_service_token(settings)  # it crosses the network: a real secret, or no start


def require_webhook_secret(settings: Settings) -> None:
    """Webhook mode needs Telegram's secret token, or anyone could post forged updates."""
    if not settings.webhook_url:
        return
    problem = _secret_problem("RAMTID_WEBHOOK_SECRET", settings.webhook_secret)
    secret = settings.webhook_secret
    if problem is None and secret and not WEBHOOK_SECRET_CHARS.match(secret.get_secret_value()):
        problem = (
            "RAMTID_WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and - (Telegram's rule). "
            f"Make one with: {MAKE_ONE}"
        )
    if problem:
        raise InsecureSettings(f"Webhook mode (RAMTID_WEBHOOK_URL) needs a secret: {problem}")
