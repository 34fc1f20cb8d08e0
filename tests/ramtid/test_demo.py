"""``ramtid demo`` as a person runs it: in a terminal (a pseudo-terminal here), on a fresh
SQLite database, quitting with Ctrl-C or Ctrl-D; its log goes to a file, never into the chat."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import socket
import subprocess
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ramtid.demo import Keyboard
from tests.support.processes import RAMTID

START_SECONDS = 60.0  # imports, migrations and the demo data on a slow machine
QUIT_SECONDS = 5.0
CTRL_C, CTRL_D = b"\x03", b"\x04"


def _at_a_keyboard() -> None:
    """In the child, before ``ramtid demo`` starts: the pseudo-terminal is its controlling
    terminal, and Ctrl-C's SIGINT is not ignored. A test run started in the background (a CI
    job under ``nohup ... &``) ignores SIGINT, and a child inherits that: the demo would
    never see the Ctrl-C a person at a keyboard types."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """``ramtid demo`` with a pseudo-terminal as its controlling terminal, so that Ctrl-C
    typed into it is a SIGINT from the terminal, as for a person at a keyboard."""

    def __init__(self, cwd: Path, **env: str) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("RAMTID_")}
        environment |= {"RAMTID_DATABASE_URL": f"sqlite+aiosqlite:///{cwd / 'ramtid.db'}"}
        environment |= env
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [str(RAMTID), "demo"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=environment,
            start_new_session=True,
            preexec_fn=_at_a_keyboard,
        )
        os.close(slave)
        self.output = b""

    def read_until(self, marker: str, timeout: float) -> str:
        """Everything shown so far, once ``marker`` has appeared after what was read before."""
        start = len(self.output)
        deadline = time.monotonic() + timeout
        while marker.encode() not in self.output[start:]:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {marker!r} within {timeout}s:\n{self.text}"
            if not self._read(remaining):
                raise AssertionError(f"the demo ended before {marker!r}:\n{self.text}")
        return self.text

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def exit_code(self, timeout: float) -> int:
        """Wait (reading what it shows) until the demo has exited."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"still running {timeout}s later:\n{self.text}"
            self._read(min(remaining, 0.1))
        while self._read(0.1):  # what it wrote last
            pass
        return self.process.returncode

    @property
    def text(self) -> str:
        return self.output.decode(errors="replace").replace("\r\n", "\n")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: the demo has exited and the terminal is closed
            return False
        self.output += data
        return bool(data)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        os.close(self.master)


OpenTerminal = Callable[..., Terminal]


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[OpenTerminal]:
    opened: list[Terminal] = []

    def open_terminal(**env: str) -> Terminal:
        opened.append(Terminal(tmp_path, **env))
        return opened[-1]

    yield open_terminal
    for each in opened:
        each.close()


def test_ctrl_c_at_the_prompt_quits_at_once_without_a_traceback(
    terminal: OpenTerminal, tmp_path: Path
) -> None:
    demo = terminal()
    greeting = demo.read_until("Lisa> ", START_SECONDS)
    assert "Seeded the demo unit" in greeting and "Hej Lisa!" in greeting
    demo.type(b"a\r")  # the menu's first button: today
    assert "Idag," in demo.read_until("Lisa> ", 10)

    demo.type(CTRL_C)
    assert demo.exit_code(QUIT_SECONDS) == 0
    assert demo.text.rstrip().endswith("Hej då!")
    assert "Traceback" not in demo.text and "KeyboardInterrupt" not in demo.text

    log = (tmp_path / "ramtid-demo.log").read_text()
    assert "aiogram.event" in log and "alembic" in log  # it logged, and only there
    assert "INFO" not in demo.text and "aiogram" not in demo.text


def test_ctrl_d_quits_like_the_end_of_a_piped_script(terminal: OpenTerminal) -> None:
    demo = terminal()
    demo.read_until("Lisa> ", START_SECONDS)
    demo.type(CTRL_D)
    assert demo.exit_code(QUIT_SECONDS) == 0
    assert demo.text.rstrip().endswith("Hej då!") and "Traceback" not in demo.text


def test_an_error_is_logged_to_the_file_and_the_chat_only_says_sorry(
    terminal: OpenTerminal, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port where no Redis answers
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    demo = terminal(RAMTID_REDIS_URL=f"redis://127.0.0.1:{port}/0")
    chat = demo.read_until("Lisa> ", START_SECONDS)
    assert "Förlåt, något gick fel" in chat
    demo.type(CTRL_C)
    assert demo.exit_code(QUIT_SECONDS) == 0

    log = (tmp_path / "ramtid-demo.log").read_text()
    assert "ERROR bot.handlers.errors" in log and "Traceback" in log
    for logged in ("Traceback", "ERROR", "ConnectionError", "Redis", "redis"):
        assert logged not in demo.text


async def test_the_keyboard_reads_one_line_at_a_time_until_the_end_of_input() -> None:
    reading, writing = os.pipe()
    try:
        keyboard = Keyboard(reading)
        os.write(writing, "idag\nmin tid\nå".encode())
        assert await keyboard.read_line() == "idag"
        assert await keyboard.read_line() == "min tid"
        os.write(writing, "\xe4".encode()[:1])  # half a character: waits for the rest
        os.write(writing, "\xe4".encode()[1:] + b"\n")
        assert await keyboard.read_line() == "åä"
        os.close(writing)
        writing = -1
        assert await keyboard.read_line() is None  # Ctrl-D, or the end of a piped script
    finally:
        os.close(reading)
        if writing != -1:
            os.close(writing)


def test_lines_typed_within_one_second_each_get_their_answer(terminal: OpenTerminal) -> None:
    """Two menu letters typed at once (or a clock frozen by faketime): both are answered,
    none is taken for a repeat of the other."""
    demo = terminal()
    demo.read_until("Lisa> ", START_SECONDS)
    demo.type(b"a\nc\n")
    demo.read_until("Idag, ", START_SECONDS)
    shown = demo.read_until("Utfört", START_SECONDS)
    assert shown.index("Idag, ") < shown.index("Utfört")
    demo.type(CTRL_D)
    assert demo.exit_code(QUIT_SECONDS) == 0
