"""Textual's Linux driver, with the Escape key delivered after ``ESCDELAY``, not after 100 ms.

A lone Escape byte may be the Escape key or the start of a key sequence, so the parser waits
``textual.constants.ESCAPE_DELAY`` for more. But Textual's input thread only looks at that
timeout when its ``select`` wakes, every 100 ms, so Escape (the "back" key, DESIGN §8) always
took ~100 ms whatever ``ESCDELAY`` said. This loop is Textual's own (``LinuxDriver.
run_input_thread``, Textual 8.2), waking when the parser's wait ends instead.
"""

from __future__ import annotations

import functools
import os
import selectors
import sys
from codecs import getincrementaldecoder
from typing import Any

IDLE_WAKE = 0.1  # Textual's own period: how often the loop looks at exit_event when idle


def select_timeout(parser: Any, now: float) -> float:
    """How long the input thread may sleep: until the parser's Escape wait ends, at most 0.1 s.

    ``_timeout_time`` is private to Textual's parser: without it, Textual's own period.
    """
    deadline = getattr(parser, "_timeout_time", None)
    if deadline is None:
        return IDLE_WAKE
    return max(0.0, min(IDLE_WAKE, deadline - now))


@functools.cache
def input_driver_class() -> type | None:
    """The driver class for a real terminal (None on Windows: Textual's own)."""
    if sys.platform == "win32":
        return None
    from textual._loop import loop_last
    from textual._parser import ParseError
    from textual._time import get_time
    from textual._xterm_parser import XTermParser
    from textual.drivers.linux_driver import LinuxDriver

    class PromptEscapeDriver(LinuxDriver):
        """Textual's Linux driver; only the input loop's sleep differs."""

        def run_input_thread(self) -> None:
            selector = selectors.SelectSelector()
            fileno = self.fileno
            selector.register(fileno, selectors.EVENT_READ)
            parser = XTermParser(self._debug)
            decode = getincrementaldecoder("utf-8")().decode

            def process(
                events: list[tuple[selectors.SelectorKey, int]], final: bool = False
            ) -> None:
                for last, (_key, mask) in loop_last(events):
                    if mask & selectors.EVENT_READ:
                        data = decode(os.read(fileno, 1024 * 4), final=final and last)
                        if not data:
                            break  # stdin is a pipe
                        for event in parser.feed(data):
                            self.process_message(event)
                for event in parser.tick():
                    self.process_message(event)

            try:
                while not self.exit_event.is_set():
                    process(selector.select(select_timeout(parser, get_time())))
                selector.unregister(fileno)
                process(selector.select(IDLE_WAKE), final=True)
            finally:
                selector.close()
                try:
                    for _event in parser.feed(""):
                        pass
                except (EOFError, ParseError):
                    pass

    return PromptEscapeDriver
