"""Typed-ahead keys act as if typed slowly (issue 14.1, DESIGN §8).

Over ssh the keys a person types ahead of the screen arrive in one packet. Textual hands each key
to the widget focused *when the app reads it*, and the app reads the whole burst before any of the
screens, pickers or focus changes the first keys cause exist: `sloveni` Enter `r` lands "r" in the
country filter instead of opening the recommendations.

``TypeaheadApp`` holds every key that arrives while the effects of the previous one are still
settling (any message pump with a message posted and not yet handled, a callback waiting for the
next refresh, a worker a screen marked as part of a key's effect), and hands the held keys on one
at a time, each once everything the previous one started is done. A key that arrives while the app
is idle goes straight through: typed slowly, nothing changes.

It reads a few private attributes of Textual 8 (each message pump's queue counters, the app's
registry of nodes, a screen's after-refresh callbacks). Should a Textual version lack them, keys go
through as Textual delivers them (stock behaviour), never held.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from textual import events
from textual.app import App
from textual.message import Message
from textual.message_pump import MessagePump
from textual.worker import WorkerState

# How often held keys are looked at while something settles (seconds): a poll, and only while
# keys are held; a slowly typed key never waits for it.
POLL = 0.002
# A key is never held longer than this behind work that does not end (a safety net: every
# screen's own work ends well within it, even at 100,000 recommendations).
MAX_HOLD = 5.0
# Worker groups whose work is part of what a key does: keys typed after it wait for it (the
# import screen's reading of a file: `enter` then `y` imports what was read).
HOLD_FOR_WORKER_GROUPS = frozenset({"import-read", "merge"})
# ...except these, pressed when no key is held: they cancel or quit what is running.
KEYS_NOT_HELD_BY_WORKERS = frozenset({"escape", "ctrl+q", "ctrl+c"})


def _is_typed(message: Message | None) -> bool:
    """A key from the terminal, not yet handed to a widget."""
    return isinstance(message, events.Key) and not message.is_forwarded


def _at_rest(pump: MessagePump) -> bool:
    """True if ``pump`` has nothing to handle and its task waits for the next message.

    Textual's queue keeps no count of messages being handled, so "waiting" is read from the
    queue's ready event: the pump's task waits on it only when it has finished everything.
    """
    if pump._pending_message is not None or pump._next_callbacks:
        return False
    task = pump._task
    running = task is not None and not task.done() and not (pump._closing or pump._closed)
    queue = pump.__dict__.get("_message_queue")  # created on the first message
    if queue is None:
        if not running:
            return True
        queue = pump._message_queue  # a new widget composing and mounting: not waiting yet
    if queue.values:
        return False
    if not running:
        return True
    return any(not waiter.done() for waiter in queue.ready_event._waiters)


class TypeaheadApp(App[Any]):
    """Mixin for the app: keys wait until the screen or widget they belong to has focus."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held_keys: deque[events.Key] = deque()
        self._released_key: events.Key | None = None
        self._releaser: asyncio.Task[None] | None = None
        self._typeahead_works = all(
            hasattr(self, name) for name in ("_registry", "_next_callbacks", "_message_queue")
        )

    async def on_event(self, event: events.Event) -> None:
        if not (_is_typed(event) and self._typeahead_works):
            await super().on_event(event)
            return
        assert isinstance(event, events.Key)
        if event is self._released_key:
            self._released_key = None
            await super().on_event(event)
            return
        # Escape on its own cancels a long read at once (the import screen's progress).
        waits_for_workers = event.key not in KEYS_NOT_HELD_BY_WORKERS
        if (
            self._held_keys
            or self._released_key is not None
            or self.settling(reading_key=True, workers=waits_for_workers)
        ):
            self._held_keys.append(event)
            if self._releaser is None or self._releaser.done():
                self._releaser = asyncio.create_task(self._release_held_keys())
            return
        await super().on_event(event)

    def settling(self, *, reading_key: bool = False, workers: bool = True) -> bool:
        """True while what the keys handled so far started is not done yet.

        ``reading_key``: called while the app reads a key (then the app itself is busy with
        that key only; keys behind it in its queue are what waits, not work to wait for).
        ``workers``: count the workers of HOLD_FOR_WORKER_GROUPS.
        """
        try:
            values = self._message_queue.values
            if reading_key:
                if self._next_callbacks or not all(_is_typed(m) for m in values):
                    return True
                if self._pending_message is not None and not _is_typed(self._pending_message):
                    return True
            elif not _at_rest(self):
                return True
            for node in list(self._registry):
                if node is self:
                    continue
                if not _at_rest(node) or getattr(node, "_callbacks", None):
                    return True
            for worker in self.workers if workers else ():
                if worker.group in HOLD_FOR_WORKER_GROUPS and worker.state in (
                    WorkerState.PENDING,
                    WorkerState.RUNNING,
                ):
                    return True
        except AttributeError:  # another Textual: keys go through as it delivers them
            self._typeahead_works = False
            return False
        return False

    async def _release_held_keys(self) -> None:
        """Hand the held keys on, one at a time, each once the app has settled."""
        since = time.monotonic()
        while self._held_keys and self.is_running:
            await asyncio.sleep(POLL)
            if self._released_key is not None:
                since = time.monotonic()
                continue  # handed on, not read yet
            if self.settling() and time.monotonic() - since < MAX_HOLD:
                continue
            key = self._held_keys.popleft()
            self._released_key = key
            since = time.monotonic()
            self.post_message(key)
