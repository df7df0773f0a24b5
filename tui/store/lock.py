"""The ``FILE.lock`` beside a workspace: who has it open, and taking over a stale one.

Pids are checked on this host only (Linux ``/proc`` start times tell a reused pid apart;
Windows asks the kernel), so a lock left by a crash is taken over, never a live one.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import socket
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tui.store.errors import WorkspaceError, save_reason, shown


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


class LockedError(WorkspaceError):
    """Another process holds ``FILE.lock``; ``holder`` says who (pid, host, author)."""

    def __init__(self, path: Path, holder: Mapping[str, Any]) -> None:
        self.holder = dict(holder)
        who = shown(holder.get("author", "someone"))
        where = shown(holder.get("host", "?"))
        pid = shown(holder.get("pid", "?"))
        super().__init__(
            f"{path.name} is open by {who} on {where} (pid {pid}); open it read-only or close it "
            f"there (if it is not running there, delete {lock_path(path).name})"
        )


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def _process_start(pid: int) -> int | None:
    """Start time of a process (clock ticks since boot, Linux), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    try:
        return int(stat.rsplit(b")", 1)[1].split()[19])
    except (IndexError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError):
        return False
    return True


def _pid_alive_windows(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return kernel32.GetLastError() == 5  # access denied: it exists
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _my_lock_record(author: str) -> dict[str, Any]:
    me: dict[str, Any] = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "author": author,
        "since": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    start, boot = _process_start(os.getpid()), _boot_id()
    if start is not None and boot:
        me["start"], me["boot"] = start, boot
    return me


def read_lock(path: Path) -> dict[str, Any] | None:
    """Who holds the lock of workspace ``path``: a dict, ``{}`` if unreadable, None if none."""
    raw = _read_small(lock_path(path))
    if raw is None:
        return None
    return _parse_holder(raw)


def _read_small(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read(4096)
    except FileNotFoundError:
        return None
    except OSError:
        return b""


def _parse_holder(raw: bytes) -> dict[str, Any]:
    try:
        holder = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {}
    return holder if isinstance(holder, dict) else {}


def _holder_alive(holder: Mapping[str, Any]) -> bool:
    """Is the process named in a lock still running? Unknown hosts are assumed alive."""
    pid, host = holder.get("pid"), holder.get("host")
    if not isinstance(pid, int) or isinstance(pid, bool) or not isinstance(host, str):
        return False  # unreadable: a crash left it half-written, or it is not ours
    if host != socket.gethostname():
        return True  # we cannot see processes on another computer
    if not _pid_alive(pid):
        return False
    start, boot = holder.get("start"), holder.get("boot")
    if isinstance(start, int) and isinstance(boot, str):
        # The pid runs, but is it the same process? After a reboot or in a restarted
        # container pids are reused (our own pid may equal a dead holder's).
        if boot != _boot_id() or start != _process_start(pid):
            return False
    return True


def _create_exclusive(lp: Path, payload: bytes) -> None:
    """Create ``lp`` with its content in one step (hard link of a full temp file)."""
    tmp = lp.with_name(f".{lp.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, payload)
    finally:
        os.close(fd)
    try:
        os.link(tmp, lp)
    except FileExistsError:
        raise
    except OSError as exc:  # no hard links here (FAT, some network shares): O_EXCL then write
        if exc.errno not in (
            errno.EPERM,
            errno.ENOTSUP,
            errno.EOPNOTSUPP,
            errno.EXDEV,
            errno.EMLINK,
            errno.ENOSYS,
        ):
            raise
        fd = os.open(lp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, payload)
        finally:
            os.close(fd)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _take_over(lp: Path, stale: bytes) -> None:
    """Remove a stale lock, unless someone replaced it meanwhile with a live one."""
    grave = lp.with_name(f".{lp.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.stale")
    try:
        os.rename(lp, grave)  # atomic: of two processes taking over, one gets it
    except FileNotFoundError:
        return
    try:
        if _read_small(grave) != stale:
            with contextlib.suppress(OSError):
                os.link(grave, lp)  # a fresh lock moved by mistake: put it back
    finally:
        with contextlib.suppress(OSError):
            grave.unlink()


def acquire_lock(path: Path, author: str) -> Path:
    """Create ``FILE.lock`` (pid, host, author); take over a stale one (dead pid, same host)."""
    lp = lock_path(path)
    payload = json.dumps(_my_lock_record(author), sort_keys=True).encode("utf-8")
    for _attempt in range(5):
        try:
            _create_exclusive(lp, payload)
            return lp
        except FileExistsError:
            pass
        except FileNotFoundError:
            raise WorkspaceError(f"{path.parent}: no such folder") from None
        except PermissionError:
            raise WorkspaceError(
                f"cannot write in {path.parent} (read-only folder?); open the file read-only"
            ) from None
        except OSError as exc:
            raise WorkspaceError(f"cannot create {lp.name}: {save_reason(exc)}") from None
        raw = _read_small(lp)
        if raw is None:
            continue  # released meanwhile
        holder = _parse_holder(raw)
        if _holder_alive(holder):
            raise LockedError(path, holder)
        _take_over(lp, raw)
    raise WorkspaceError(f"could not take the lock {lp.name}; try again")


@contextlib.contextmanager
def holding_lock(path: Path, author: str) -> Iterator[Path]:
    """Hold ``FILE.lock`` without loading the file (``upr merge`` into A streams it instead).

    Like ``Workspace.open``, the holder then removes temp files a killed process left."""
    lp = acquire_lock(path, author)
    remove_stale_temps(path)
    try:
        yield lp
    finally:
        with contextlib.suppress(OSError):
            if lock_is_mine(path):
                lp.unlink()


def lock_is_mine(path: Path) -> bool:
    holder = read_lock(path) or {}
    if holder.get("pid") != os.getpid() or holder.get("host") != socket.gethostname():
        return False
    start = holder.get("start")
    return start is None or start == _process_start(os.getpid())


def remove_stale_temps(path: Path) -> None:
    """Temp files of saves, locks or backups (``upr merge``'s NAME.bak) killed half-way
    (``.NAME[.lock|.bak].<pid>.<hex>…`` of a dead pid)."""
    pattern = re.compile(
        r"^\." + re.escape(path.name) + r"(?:\.lock|\.bak)?\.(\d+)\.[0-9a-f]{8}(?:\.tmp|\.stale)?$"
    )
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            m = pattern.match(entry.name)
            if m and (int(m.group(1)) == os.getpid() or not _pid_alive(int(m.group(1)))):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
