"""``ramtid`` as a process, for the tests that start one: its environment (the test's own
``RAMTID_*`` settings only, none of the caller's), its output, and no process left behind."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

RAMTID = Path(sys.executable).with_name("ramtid")


def ramtid_env(**settings: str) -> dict[str, str]:
    """This environment without any ``RAMTID_*``, then ``settings`` (``RAMTID_`` added)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAMTID_")}
    return env | {f"RAMTID_{name.upper()}": value for name, value in settings.items()}


@contextlib.asynccontextmanager
async def running(
    command: list[str], *, env: dict[str, str], cwd: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``command`` running for the block, its output collected (``stop`` returns it); killed
    if the block leaves it running."""
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def stop(process: asyncio.subprocess.Process, how: signal.Signals = signal.SIGTERM) -> str:
    """Send ``how`` and wait (10 s at most) for the process to end; returns all it printed."""
    process.send_signal(how)
    async with asyncio.timeout(10):
        return (await process.communicate())[0].decode()
