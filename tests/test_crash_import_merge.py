"""Crashes beyond the store's own saves (issue 9.3, DESIGN §5): the real ``upr import`` and
``upr merge`` killed with SIGKILL at many moments while they write a 10 MB+ workspace, and a
full disk or a read-only folder under the running app.

tests/test_crash.py kills 30 saves of the store and checks each save step; here 85 kills land
in ``upr import`` and 85 in ``upr merge`` (together with those 30: 200 kill points), most of
them aimed at the write itself (while the command's temp file exists, or just after it was
renamed over the workspace).
After every kill the workspace loads with full validation, holds everything it held before the
command (nothing older is lost) and is either the state before or the state after the whole
command — never a part of an import or a merge. The next command takes the dead one's lock over.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hostile_files import big_real_file, build_demo

from tui.store import Workspace, lock_path

REPO = Path(__file__).resolve().parent.parent
UPR = shutil.which("upr", path=str(Path(sys.executable).parent)) or "upr"
REC = "recommendations"
KILLS = 85  # per command


def tables_of(path: Path) -> dict[str, dict[str, Any]]:
    """Load with the store's full validation (a broken file raises) and return every table."""
    ws = Workspace.open(path, author="checker", read_only=True)
    return {name: dict(records) for name, records in ws.snapshot_tables().items()}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".stale")))


@dataclass
class Window:
    """When, in seconds after the start, a command's temp file existed, and when it ended."""

    write_start: float
    write_end: float
    end: float


def watch(argv: list[str], path: Path, env: dict[str, str]) -> Window:
    """Run a command to the end, polling for the temp file of its atomic write of ``path``."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=path.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    seen: list[float] = []
    while proc.poll() is None:
        if writing(path, proc.pid):
            seen.append(time.perf_counter() - started)
        time.sleep(0.002)
    end = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    assert seen, "the write was too quick to see: the workspace is too small"
    return Window(seen[0], seen[-1], end)


def writing(path: Path, pid: int) -> bool:
    """True while process ``pid`` has the temp file of an atomic write of ``path`` (not of its
    backup, which ``upr merge`` writes first)."""
    head = f".{path.name}.{pid}."
    return any(p.name.startswith(head) and p.name.endswith(".tmp") for p in path.parent.iterdir())


def kill_rounds(
    argv: list[str],
    path: Path,
    env: dict[str, str],
    window: Window,
    restore: Callable[[], None],
    verify: Callable[[str], None],
    rounds: int,
    seed: int,
) -> dict[str, int]:
    """Start the command ``rounds`` times and SIGKILL it: a third of the time at a random instant
    of its life, a third at a random instant while its temp file is written, a third just after
    the temp file was renamed over the workspace; ``verify(where)`` after each kill."""
    rnd = random.Random(seed)
    tally = {"before the write": 0, "inside the write": 0, "after the write": 0, "finished": 0}
    write_time = window.write_end - window.write_start
    for i in range(rounds):
        restore()
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=path.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if i % 3:  # once the temp file is there: inside the write, or right after the rename
            while proc.poll() is None and not writing(path, proc.pid):
                time.sleep(0.001)
            if i % 3 == 1:
                time.sleep(rnd.uniform(0, write_time))
            else:
                while proc.poll() is None and writing(path, proc.pid):
                    time.sleep(0.001)
                time.sleep(rnd.uniform(0, 0.01))
        else:
            time.sleep(rnd.uniform(0, window.end))
        delay = time.perf_counter() - started
        inside = writing(path, proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        if proc.returncode == 0:
            tally["finished"] += 1
        elif inside:
            tally["inside the write"] += 1
        else:
            tally["before the write" if delay < window.write_start else "after the write"] += 1
        verify(f"round {i}, killed after {delay:.3f} s")
    return tally


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 10 MB+ workspace of real records (the demo's, copied under new ids)."""
    folder = tmp_path_factory.mktemp("big")
    demo = build_demo(folder / "demo.json")
    path = big_real_file(demo, folder / "big.json")
    demo.unlink()
    return path


@pytest.fixture
def env(isolated_user_dirs: Path) -> dict[str, str]:
    return {**os.environ, "UPR_AUTHOR": "ana"}


def unclocked(tables: dict[str, dict[str, Any]], rids: set[str]) -> dict[str, Any]:
    """The imported records without their clocks, and their history rows without clocks."""
    records = {rid: {k: v for k, v in tables[REC][rid].items() if k != "_clock"} for rid in rids}
    history = sorted(
        (h["record"], h["field"], json.dumps(h["new"], sort_keys=True))
        for h in tables["history"].values()
        if h["record"] in rids
    )
    return {"records": records, "history": history}


# -- SIGKILL during upr import ----------------------------------------------------------------------


@pytest.mark.slow
def test_sigkill_during_upr_import_of_a_report_into_a_10_mb_workspace(
    big: Path, tmp_path: Path, shared_dir: Path, env: dict[str, str]
) -> None:
    folder = tmp_path / "team"
    folder.mkdir()
    path = folder / "team.json"
    original = big.read_bytes()
    assert len(original) >= 10_000_000
    source = shared_dir / "corpus" / "wg-reports" / "A_HRC_43_15_Slovenia_2019.txt"
    argv = [UPR, "import", str(source), "-w", str(path), "--country", "SVN"]
    old = tables_of(big)

    def restore() -> None:
        path.write_bytes(original)

    restore()
    window = watch(argv, path, env)
    done = tables_of(path)
    imported = {rid for rid in done[REC] if rid.startswith("UPR:A/HRC/43/15:")}
    assert len(imported) == 215 and not any(rid.startswith("UPR:A/HRC/43/15:") for rid in old[REC])
    outcomes = {"old": 0, "new": 0}

    def verify(where: str) -> None:
        now = tables_of(path)  # loads, fully validated
        for table, records in old.items():  # everything older is there, unchanged
            kept = now[table]
            assert all(kept.get(rid) == record for rid, record in records.items()), (where, table)
        got = {rid for rid in now[REC] if rid.startswith("UPR:A/HRC/43/15:")}
        assert got in (set(), imported), (where, len(got))  # all of the import or none of it
        if got:  # the whole import (each run has its own clocks: compare without them)
            assert unclocked(now, got) == unclocked(done, imported), where
            assert sum(len(t) for t in now.values()) == sum(len(t) for t in done.values()), where
        else:
            assert now == old, where
        outcomes["new" if got else "old"] += 1

    tally = kill_rounds(argv, path, env, window, restore, verify, KILLS, seed=43)
    print(f"upr import: {KILLS} kills {tally}; outcomes {outcomes}")
    assert tally["inside the write"] >= 5, tally  # typically 15-40 of the 85
    assert outcomes["old"] >= 10 and outcomes["new"] >= 5, outcomes
    # The last kill left a lock and maybe a temp file: the next import takes over and cleans up.
    restore()
    result = subprocess.run(argv, cwd=folder, env=env, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert unclocked(tables_of(path), imported) == unclocked(done, imported)
    assert leftovers(folder) == [] and not lock_path(path).exists()


# -- SIGKILL during upr merge -----------------------------------------------------------------------


def colleague_copy(big: Path, target: Path) -> Path:
    """Bob's copy: 400 decisions on existing records and 60 new ones (later clocks)."""
    shutil.copyfile(big, target)
    ws = Workspace.open(target, author="bob", lock=False)
    rids = sorted(ws.table(REC))
    step = max(1, len(rids) // 400)  # 400 records spread over the file, whatever its size
    assert len(rids[::step]) >= 400
    for i, rid in enumerate(rids[::step][:400]):
        ws.edit(REC, rid, {"priority": ("high", "medium", "low")[i % 3], "note": f"bob {i}"})
    for i in range(60):
        ws.edit(REC, f"UPR:A/HRC/99/1:1.{i}", {"text": f"New at bob {i}", "country": "SVN"})
    ws.save()
    ws.close(save=False)
    return target


@pytest.mark.slow
def test_sigkill_during_upr_merge_into_a_10_mb_workspace(
    big: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    folder = tmp_path / "team"
    folder.mkdir()
    path = folder / "team.json"
    backup = folder / "team.json.bak"
    original = big.read_bytes()
    other = colleague_copy(big, tmp_path / "bob.json")
    argv = [UPR, "merge", str(path), str(other)]
    old = tables_of(big)

    def restore() -> None:
        path.write_bytes(original)
        backup.unlink(missing_ok=True)

    restore()
    window = watch(argv, path, env)
    merged = tables_of(path)
    assert merged != old and backup.read_bytes() == original
    assert sum(1 for r in merged[REC].values() if r["note"].startswith("bob ")) == 400
    outcomes = {"old": 0, "merged": 0}

    def verify(where: str) -> None:
        now = tables_of(path)
        assert now in (old, merged), where  # the merge happened whole, or not at all
        outcomes["merged" if now == merged else "old"] += 1
        if now == merged:
            assert backup.read_bytes() == original, where  # A.bak was complete before A changed
        elif backup.exists():
            # A.bak is written before A: cut short it would be a broken "backup" left behind.
            assert backup.read_bytes() == original, (where, backup.stat().st_size)

    tally = kill_rounds(argv, path, env, window, restore, verify, KILLS, seed=99)
    print(f"upr merge: {KILLS} kills {tally}; outcomes {outcomes}")
    # And 15 kills while A.bak is being copied (it is written before A is touched).
    rnd = random.Random(7)
    cut = 0
    for i in range(15):
        restore()
        proc = subprocess.Popen(
            argv, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        while proc.poll() is None and not backup.exists():
            time.sleep(0.0005)
        time.sleep(rnd.uniform(0, 0.01))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        cut += backup.exists() and backup.stat().st_size < len(original)
        verify(f"backup round {i}")  # fails on a backup cut short
    assert cut == 0
    assert tally["inside the write"] >= 5, tally  # typically 15-40 of the 85
    assert outcomes["old"] >= 10 and outcomes["merged"] >= 5, outcomes
    restore()
    result = subprocess.run(argv, cwd=folder, env=env, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert tables_of(path) == merged
    assert leftovers(folder) == [] and not lock_path(path).exists()


# -- a full disk and a read-only folder under the running app (Pilot, in a child process) ---------

APP_CHILD = """
import asyncio, json, os, resource, signal, sys
import concurrent.futures.thread  # imported late by asyncio; nobody cannot read root's Python
sys.path.insert(0, "tests")
from datetime import date
from pathlib import Path
from helpers import screen_text
from screens.app import UprApp
from screens.triage import RecommendationsScreen
from tui.session import AppOptions
from tui.store import Workspace

mode, folder = sys.argv[1], Path(sys.argv[2])
path = folder / "w.json"
root = os.geteuid() == 0
ws = Workspace.open(path, author="ana")
app = UprApp(ws, AppOptions(path=path, author="ana", today=date(2026, 11, 25)))
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)


def decided():
    return {rid: r["priority"] for rid, r in ws.table("recommendations").items() if r["priority"] != "none"}


async def main():
    out = {}
    async with app.run_test(size=(80, 24), notifications=True) as pilot:  # toasts drawn
        await pilot.pause()
        app.push_screen(RecommendationsScreen("SVN", app.today))
        await pilot.pause()
        original = path.read_bytes()
        if mode == "full disk":
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
            resource.setrlimit(resource.RLIMIT_FSIZE, (len(original) // 2, hard))
        else:
            os.chmod(folder, 0o555)
            if root:  # root ignores permissions: act as nobody (everything is imported by now)
                os.setegid(65534)
                os.seteuid(65534)
        await pilot.press("1", "2", "3")
        await asyncio.sleep(1.6)  # the autosave (1 s after the edit) runs and fails
        await app.workers.wait_for_complete()
        await pilot.pause()
        out["messages"] = [n.message for n in app._notifications]
        out["screen"] = screen_text(app)
        await pilot.press("ctrl+s")  # still broken: a retry fails the same way
        await app.workers.wait_for_complete()
        await pilot.pause()
        out["intact"] = path.read_bytes() == original
        out["dirty"] = ws.dirty
        out["in_memory"] = decided()
        out["temps"] = sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))
        if mode == "full disk":
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        else:
            if root:
                os.seteuid(0)
                os.setegid(0)
            os.chmod(folder, 0o755)
        await pilot.press("ctrl+s")  # the disk is back: the retry works
        await app.workers.wait_for_complete()
        await pilot.pause()
        out["after"] = [n.message for n in app._notifications]
        out["dirty_after"] = ws.dirty
    ws.close()
    out["saved"] = {rid: r["priority"] for rid, r in json.loads(path.read_text())["recommendations"].items()
                    if r["priority"] != "none"}
    print(json.dumps(out))


asyncio.run(main())
"""


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["full disk", "read-only folder"])
def test_the_app_keeps_edits_when_saving_fails_and_a_retry_works(mode: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="upr-disk-"))
    try:
        build_demo(folder / "w.json")
        env = {
            **os.environ,
            "UPR_AUTHOR": "ana",
            "UPR_CONFIG_DIR": str(folder / "config"),
            "UPR_DATA_DIR": str(folder / "data"),
        }
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(APP_CHILD), mode, str(folder)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        out = json.loads(result.stdout.strip().splitlines()[-1])
        errors = [m for m in out["messages"] if m.startswith("could not save w.json")]
        assert errors, out["messages"]
        reason = "too large" if mode == "full disk" else "permission"
        assert reason in errors[0] and "kept in memory" in errors[0] and "\n" not in errors[0]
        assert "could not save w.json" in out["screen"], out[
            "screen"
        ]  # the message is on the screen
        assert out["intact"] and out["dirty"] and out["temps"] == []
        assert len(out["in_memory"]) == 3, out["in_memory"]
        assert "Saved." in out["after"] or any(
            m.startswith("Saved w.json") for m in out["after"]
        ), out["after"]
        assert not out["dirty_after"]
        assert (
            out["saved"] == out["in_memory"]
        )  # every edit made while the disk failed is in the file
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(folder)
