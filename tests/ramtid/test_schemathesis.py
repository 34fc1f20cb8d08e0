"""Schemathesis, from PyPI, fuzzes the served API (``ramtid serve``) from its own OpenAPI
schema with real credentials: as the bot acting for Lisa, and as Karin, the manager. Not one
answer may be a 5xx, and every status code must be one the schema documents. The
credentials are security schemes, not parameters: the fuzzer keeps them as given.

CI runs this in a stage of its own (``pytest --slow -m schemathesis``), on SQLite and on
PostgreSQL; each run is bounded in examples and in time."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import DEFAULT_NOW, SERVICE_TOKEN, STAFF_TOKENS, seed_demo_into
from tests.support.tcp import free_port

pytestmark = [pytest.mark.slow, pytest.mark.schemathesis]

BIN = Path(sys.executable).parent
CHECKS = ",".join(
    (
        "not_a_server_error",  # no 5xx
        "status_code_conformance",  # every status code is documented
        "content_type_conformance",
        "response_schema_conformance",
    )
)
MAX_EXAMPLES = os.environ.get("RAMTID_FUZZ_EXAMPLES", "30")
MAX_SECONDS = os.environ.get("RAMTID_FUZZ_SECONDS", "45")
AS_WHOM = {
    "the bot for Lisa": {"X-Service-Token": SERVICE_TOKEN, "X-Telegram-User-Id": "1001"},
    "Karin, the manager": {"Authorization": f"Bearer {STAFF_TOKENS['karin']}"},
}
# A call each credential is good for: the fuzzer is not fuzzing a locked door.
LETS_IN = {"the bot for Lisa": "/bot/me", "Karin, the manager": "/staff/dead-letters"}
GENERATED = re.compile(r"(\d+) generated, (\d+) passed")


async def wait_until_up(url: str, process: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient() as client, asyncio.timeout(60):
        while process.returncode is None:
            try:
                if (await client.get(f"{url}/health/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"ramtid serve ended ({process.returncode}) before it answered")


@pytest.mark.parametrize("who", list(AS_WHOM))
async def test_the_served_api_answers_fuzzing_with_no_5xx_and_only_documented_codes(
    database_url: str, tmp_path: Path, who: str
) -> None:
    await seed_demo_into(database_url, DEFAULT_NOW)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAMTID_")}
    env |= {"RAMTID_DATABASE_URL": database_url, "RAMTID_SERVICE_TOKEN": SERVICE_TOKEN}
    server = await asyncio.create_subprocess_exec(
        str(BIN / "ramtid"), "serve", "--port", str(port),
        env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL, stderr=(tmp_path / "serve.log").open("w"),
    )  # fmt: skip
    try:
        await wait_until_up(url, server)
        async with httpx.AsyncClient() as client:
            assert (await client.get(url + LETS_IN[who], headers=AS_WHOM[who])).status_code == 200
        headers = [arg for k, v in AS_WHOM[who].items() for arg in ("-H", f"{k}: {v}")]
        fuzz = await asyncio.to_thread(
            subprocess.run,
            [
                str(BIN / "st"), "run", f"{url}/openapi.json",
                "--checks", CHECKS,
                "--phases", "examples,coverage,fuzzing",
                "--max-examples", MAX_EXAMPLES,
                "--max-time", MAX_SECONDS,
                "--request-timeout", "20",
                "--workers", "1",  # 3.11's ast.parse may fail in threads (hypothesis uses it)
                "--suppress-health-check", "all",
                "--no-color",
                *headers,
            ],
            capture_output=True, text=True, check=False, cwd=tmp_path,
            timeout=int(MAX_SECONDS) + 300,
        )  # fmt: skip
    finally:
        server.terminate()
        await server.wait()
    report = fuzz.stdout[-6000:]
    (tmp_path / "schemathesis.txt").write_text(fuzz.stdout)
    assert fuzz.returncode == 0, report + fuzz.stderr[-2000:]
    assert "Server error" not in fuzz.stdout
    generated, passed = map(int, GENERATED.findall(fuzz.stdout)[-1])
    assert generated == passed >= 500, report
    print(f"schemathesis as {who}: {generated} cases, all passed")
