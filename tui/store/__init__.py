"""The workspace store: one JSON file of tables, read whole, saved atomically (DESIGN §1, §5).

A package so that each concern has its own room; ``from tui.store import Workspace`` and the
other names below stay the public way in.
"""

from tui.store.workspace import *  # noqa: F403  (the split into modules follows in the next commit)
from tui.store.workspace import (  # noqa: F401
    FREEZE_ROWS,
    SAVE_STEPS,
    TABLES,
    FileReplacedError,
    LockedError,
    ReadOnlyError,
    StrTable,
    Workspace,
    WorkspaceDB,
    WorkspaceError,
    WorkspaceStorage,
    check_file,
    field_clock,
    keep_long_lived,
    lock_path,
    read_lock,
)
