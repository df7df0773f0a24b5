"""The workspace store: one JSON file of tables, held in memory, saved atomically (DESIGN §1, §5).

One room per concern, each importing only the ones before it:

- ``errors``: the exceptions (one-line messages) and how a failed save is explained;
- ``codec``: the file format, encoding a record and parsing a file (and gzip share copies);
- ``checks``: the schema checks of loaded records, one compiled check object per table;
- ``storage``: the TinyDB ``Storage`` that writes the tables atomically, one record per line;
- ``lock``: the ``FILE.lock`` beside a workspace (who has it open, stale locks);
- ``workspace``: :class:`Workspace`, the open file: edits, undo/redo, history, saving.

``from tui.store import Workspace`` (and the names below) is the way in for the rest of the app.
"""

from tui.model import SCHEMA_VERSION, TABLES
from tui.store.checks import MAX_DEPTH, MAX_ID_LENGTH, MAX_SAFE_NUMBER, validate_tables
from tui.store.codec import (
    FREEZE_ROWS,
    MAX_WORKSPACE_BYTES,
    WARN_WORKSPACE_BYTES,
    decode_file_bytes,
    encode_record,
    keep_long_lived,
    parse_workspace,
    reusable_line,
)
from tui.store.errors import (
    FileReplacedError,
    ReadOnlyError,
    SaveError,
    TooLargeError,
    WorkspaceError,
)
from tui.store.lock import LockedError, acquire_lock, holding_lock, lock_path, read_lock
from tui.store.storage import SAVE_STEPS, FileStamp, StrTable, WorkspaceDB, WorkspaceStorage
from tui.store.workspace import (
    META_ID,
    MIGRATIONS,
    Change,
    Listener,
    Migration,
    UndoStep,
    Workspace,
    check_file,
    field_clock,
)

__all__ = [
    "FREEZE_ROWS",
    "MAX_DEPTH",
    "MAX_ID_LENGTH",
    "MAX_SAFE_NUMBER",
    "MAX_WORKSPACE_BYTES",
    "META_ID",
    "MIGRATIONS",
    "SAVE_STEPS",
    "SCHEMA_VERSION",
    "TABLES",
    "WARN_WORKSPACE_BYTES",
    "Change",
    "FileReplacedError",
    "FileStamp",
    "Listener",
    "LockedError",
    "Migration",
    "ReadOnlyError",
    "SaveError",
    "StrTable",
    "TooLargeError",
    "UndoStep",
    "Workspace",
    "WorkspaceDB",
    "WorkspaceError",
    "WorkspaceStorage",
    "acquire_lock",
    "check_file",
    "decode_file_bytes",
    "encode_record",
    "field_clock",
    "holding_lock",
    "keep_long_lived",
    "lock_path",
    "parse_workspace",
    "read_lock",
    "reusable_line",
    "validate_tables",
]
