"""Hybrid logical clocks (DESIGN §4): ``%013d|%06d|author``, compared as (ms, counter, author)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tui.model import AUTHOR_RE, parse_clock

DAY_MS = 86_400_000


def format_clock(ms: int, counter: int, author: str) -> str:
    return f"{ms:013d}|{counter:06d}|{author}"


def clock_key(clock: str) -> tuple[int, int, str]:
    parsed = parse_clock(clock)
    if parsed is None:
        raise ValueError(f"malformed clock {clock!r}")
    return parsed


class HybridClock:
    """Monotonic across the wall clock going backwards and across clocks seen in loaded files."""

    def __init__(self, author: str, now_ms: Callable[[], int] | None = None) -> None:
        if not AUTHOR_RE.match(author):
            raise ValueError(f"author id {author!r} must match [A-Za-z0-9._@-]{{1,64}}")
        self.author = author
        self._now = now_ms or (lambda: time.time_ns() // 1_000_000)
        self._ms = 0
        self._counter = 0
        self._lock = threading.Lock()

    def observe(self, clock: str) -> None:
        """Move past a clock seen elsewhere, so our next edit orders after it.

        Not past one more than a day ahead of our wall clock (a colleague's wrong date): that
        would stamp every later edit of ours in the future too. A field holding such a clock
        still loses to a local edit, which gets a clock just above it (``above``)."""
        parsed = parse_clock(clock)
        if parsed is None:
            return
        ms, counter, _ = parsed
        if ms > self._now() + DAY_MS:
            return
        with self._lock:
            if (ms, counter) > (self._ms, self._counter):
                self._ms, self._counter = ms, counter

    def tick(self) -> str:
        with self._lock:
            wall = self._now()
            if wall > self._ms:
                self._ms, self._counter = wall, 0
            else:
                self._counter += 1
                if self._counter > 999_999:
                    self._ms, self._counter = self._ms + 1, 0
            return format_clock(self._ms, self._counter, self.author)

    def above(self, clock: str) -> str:
        """A clock of ours just above ``clock`` (same millisecond, next counter), for a local
        edit of a field whose clock is ahead of ours (DESIGN §4)."""
        ms, counter, _ = clock_key(clock)
        if counter >= 999_999:
            ms, counter = ms + 1, -1
        return format_clock(ms, counter + 1, self.author)
