"""Settings for the backend and the bot, read from the environment (prefix ``RAMTID_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = PROJECT_ROOT / "locales"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAMTID_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./ramtid.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    service_token: str = Field(
        default="dev-service-token",
        description="Shared secret the bot uses to call the backend's /bot API.",
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
    webhook_secret: str | None = Field(default=None, description="Telegram webhook secret.")
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
    log_level: str = Field(default="INFO", description="Python logging level.")
    demo: bool = Field(
        default=False,
        description="Demo mode: the demo's staff sign in on the web with one click.",
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
