"""The image's last build stage runs this as the runtime user (containers cannot be run on
the build machine, so the image proves itself while it is built): a scratch database is
migrated and served, /health answers, the bot's catalogs load in every language, and the
service stops cleanly on SIGTERM. Nothing of it stays in the image."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

LANGUAGES = {"sv", "fi", "ar", "en"}


def main() -> int:
    assert os.getuid() != 0, "the probe runs as the image's own user, not root"
    from backend.config import Settings
    from bot.factory import create_i18n

    found = set(create_i18n(Settings()).available_locales)
    assert found >= LANGUAGES, f"catalogs missing: {LANGUAGES - found}"
    with tempfile.TemporaryDirectory() as scratch:
        env = os.environ | {"RAMTID_DATABASE_URL": f"sqlite+aiosqlite:///{scratch}/probe.db"}
        env.pop("RAMTID_SERVICE_TOKEN", None)
        env.pop("RAMTID_DEMO", None)
        refused = subprocess.run(
            [sys.executable, "-m", "ramtid", "serve", "--host", "127.0.0.1", "--port", "8000"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert refused.returncode != 0, "ramtid serve started with the published service token"
        assert "RAMTID_SERVICE_TOKEN" in refused.stderr + refused.stdout, refused.stderr[-500:]
        # The operator gives the container its secret (-e RAMTID_SERVICE_TOKEN=...).
        env["RAMTID_SERVICE_TOKEN"] = secrets.token_urlsafe(32)
        serve = subprocess.Popen(
            [sys.executable, "-m", "ramtid", "serve", "--host", "127.0.0.1", "--port", "8000"],
            env=env,
        )
        try:
            for _ in range(120):
                try:
                    with urllib.request.urlopen("http://127.0.0.1:8000/health", timeout=2) as r:
                        assert r.status == 200
                        break
                except OSError:
                    if serve.poll() is not None:
                        raise SystemExit(f"ramtid serve ended with {serve.returncode}") from None
                    time.sleep(0.5)
            else:
                raise SystemExit("no answer on /health within a minute")
            # The web pages come from the package data: templates, the stylesheet, htmx.
            with urllib.request.urlopen("http://127.0.0.1:8000/web/signin", timeout=5) as r:
                assert r.status == 200 and b"/web/static/htmx.min.js" in r.read()
            for asset in ("app.css", "htmx.min.js", "app.js"):
                url = f"http://127.0.0.1:8000/web/static/{asset}"
                with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - http, ours
                    assert r.status == 200 and r.read(), asset
        finally:
            serve.send_signal(signal.SIGTERM)
            code = serve.wait(timeout=30)
        # uvicorn ends on the signal it was sent once it has shut down; that the lifespan ran
        # its teardown shows in SQLite's write-ahead log being gone.
        assert code in (0, -signal.SIGTERM), f"ramtid serve stopped with {code}"
        assert (Path(scratch) / "probe.db").exists()
        assert not (Path(scratch) / "probe.db-wal").exists(), "the database was not closed"
    print(
        f"probe: uid {os.getuid()}: refused the default token; migrated, served /health, "
        "web pages and assets, stopped cleanly; "
        f"catalogs {sorted(found)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
