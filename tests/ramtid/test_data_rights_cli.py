"""``ramtid export`` and ``ramtid erase`` on a database, as an operator runs them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

from tests.support.processes import RAMTID

LISA = 1


def ramtid(database: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAMTID_")}
    env["RAMTID_DATABASE_URL"] = f"sqlite+aiosqlite:///{database}"
    return subprocess.run(
        [str(RAMTID), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=database.parent,
        timeout=120,
        check=False,
    )


def test_export_prints_everything_and_erase_asks_first(tmp_path: Path) -> None:
    database = tmp_path / "ramtid.db"
    assert ramtid(database, "seed").returncode == 0

    exported = ramtid(database, "export", "--client", str(LISA))
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    assert data["client"]["first_name"] == "Lisa"
    with sqlite3.connect(database) as db:
        visits = db.execute("SELECT count(*) FROM visit WHERE client_id = ?", (LISA,)).fetchone()
    assert len(data["visits"]) == visits[0]
    assert [a["telegram_user_id"] for a in data["chat_accounts"]] == [1001]

    # The wrong id (or nothing) at the question: nothing is erased.
    refused = ramtid(database, "erase", "--client", str(LISA), stdin="2\n")
    assert refused.returncode == 1
    assert "chat accounts: 1" in refused.stdout and "Nothing was erased." in refused.stdout
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT erased_at FROM client WHERE id = ?", (LISA,)).fetchone() == (
            None,
        )

    erased = ramtid(database, "erase", "--client", str(LISA), stdin=f"{LISA}\n")
    assert erased.returncode == 0, erased.stderr
    assert f"Client {LISA} is erased." in erased.stdout
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT erased_at FROM client WHERE id = ?", (LISA,)).fetchone()[0]
        assert db.execute(
            "SELECT count(*) FROM chataccount WHERE client_id = ?", (LISA,)
        ).fetchone() == (0,)
        actions = [
            row[0]
            for row in db.execute(
                "SELECT action FROM auditevent WHERE client_id = ? ORDER BY id", (LISA,)
            )
        ]
    assert actions == ["client.export", "client.erase"]
    again = ramtid(database, "erase", "--client", str(LISA), "--yes")
    assert again.returncode != 0 and "was erased on" in again.stderr
