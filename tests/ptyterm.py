"""Run a real command in a pseudo-terminal and read its screen with pyte, as a person would."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
from collections.abc import Sequence

import pyte


class PtyApp:
    """A child process on a pty of ``cols`` x ``rows``; counts every byte it writes."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cols: int = 80,
        rows: int = 24,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.bytes_read = 0
        pid, fd = pty.fork()
        if pid == 0:  # child
            try:
                if cwd:
                    os.chdir(cwd)
                os.execvpe(
                    argv[0], list(argv), {**os.environ, **(env or {}), "TERM": "xterm-256color"}
                )
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.exit_status: int | None = None

    def read(self, timeout: float = 0.1) -> int:
        """Read whatever is available within ``timeout``; returns the number of bytes."""
        got = 0
        end = time.monotonic() + timeout
        while True:
            remaining = end - time.monotonic()
            if remaining <= 0:
                break
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                break
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                break
            if not data:
                break
            got += len(data)
            self.stream.feed(data)
            # Answer terminal queries Textual sends, so it does not wait for them.
        self.bytes_read += got
        return got

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, needle: str, timeout: float = 15.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if needle in self.text():
                return True
            self.read(0.05)
        return needle in self.text()

    def settle(self, quiet: float = 0.3, timeout: float = 5.0) -> None:
        """Read until nothing arrives for ``quiet`` seconds."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.read(quiet) == 0:
                return

    def send(self, data: str | bytes) -> None:
        os.write(self.fd, data.encode() if isinstance(data, str) else data)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            pass

    def wait(self, timeout: float = 10.0) -> int | None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.read(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.exit_status = os.waitstatus_to_exitcode(status)
                return self.exit_status
        return None

    def close(self) -> None:
        if self.exit_status is None:
            self.kill()
            self.wait(5)
        try:
            os.close(self.fd)
        except OSError:
            pass


def open_slovenia(app: PtyApp, first_wait: float = 15.0) -> None:
    """From the country list to Slovenia's recommendations, as a person types it."""
    assert app.wait_for("of 193 States", first_wait), app.text()
    app.settle()
    app.send("sloven")
    assert app.wait_for("1 of 193 States"), app.text()
    app.send("\r")
    assert app.wait_for("c checklist · r recommendations"), app.text()
    app.send("r")
    assert app.wait_for("254 recommendations"), app.text()
    app.settle()
