"""The ssh link drops, the terminal closes, the system asks the app to stop (issue 15.1).

SIGHUP (a dropped ssh session, a closed terminal window or pty) and SIGTERM used to kill the
app at once: an edit made 0.1 s before was lost (the autosave waits 1 s), the lock stayed
behind, and after SIGTERM the terminal was left in the alternate screen with mouse reporting
on. Now the event loop hears them (never in the middle of an edit): what is pending is saved
through the normal save (same atomic write, same checks), the lock is released, and the app
exits the normal way, which restores the terminal if it is still there. If the exit cannot
finish (a terminal gone mid-write), the process ends after ``GRACE`` seconds anyway: the work
is on disk by then.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from typing import Any

GRACE = 5.0  # seconds the normal exit may take after the save; then the process ends
SIGNALS = tuple(getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name))


def install(app: Any) -> None:
    """Hear SIGHUP and SIGTERM on the app's event loop (call from a running app)."""
    loop = asyncio.get_running_loop()
    for signum in SIGNALS:
        with contextlib.suppress(ValueError, NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, end_on_signal, app, signum)


def end_on_signal(app: Any, signum: int) -> None:
    """Save what is pending, release the lock, then exit (128 + signal number)."""
    if getattr(app, "ending_on_signal", None) is not None:
        return
    app.ending_on_signal = signum
    code = 128 + signum
    watchdog = threading.Timer(GRACE, os._exit, (code,))
    watchdog.daemon = True
    watchdog.start()
    from tui.store import WorkspaceError

    workspace = getattr(app, "_workspace", None)
    if workspace is not None:
        try:
            workspace.close(save=not workspace.read_only)  # saves, then releases the lock
        except WorkspaceError as exc:
            with contextlib.suppress(OSError, ValueError):
                print(f"upr: {exc}", file=sys.__stderr__)
    app.exit(code)
