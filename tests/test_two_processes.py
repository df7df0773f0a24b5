"""Two programs on one file (issue 9.5, DESIGN §5), with the real ``upr`` in pseudo-terminals.

The second ``upr`` on a file is told who holds it (author, host, pid) and may open it read-only
(answering ``y``, or with ``--read-only``); a stale lock (dead pid, same host) is taken over; a
file replaced under the running app by a sync tool is noticed before saving, never overwritten,
and merged in (at once, or with ``M`` for a copy that came by email). tests/test_store.py checks the lock and the replaced-file rules on
the store; tests/test_merge_screen.py the merge screens in Pilot; here the whole program runs.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_files import build_demo
from ptyterm import PtyApp, open_slovenia

from tui.store import Workspace, lock_path, read_lock

UPR = shutil.which("upr", path=str(Path(sys.executable).parent)) or "upr"
REC = "recommendations"
R1, R2 = "UPR:A/HRC/59/15:140.1", "UPR:A/HRC/59/15:140.2"
TODAY = ["--today", "2026-11-25"]

pytestmark = pytest.mark.slow


@pytest.fixture
def team(tmp_path: Path) -> Path:
    folder = tmp_path / "shared"
    folder.mkdir()
    return build_demo(folder / "team.json")


def start(path: Path, author: str, *extra: str) -> PtyApp:
    return PtyApp(
        [UPR, str(path), *TODAY, *extra], cwd=str(path.parent), env={"UPR_AUTHOR": author}
    )


def quit_app(app: PtyApp) -> int | None:
    app.send("\x11")  # ctrl+q
    return app.wait(15)


def priority(path: Path, rid: str) -> str:
    ws = Workspace.open(path, author="checker", read_only=True, lock=False)
    return ws.get(REC, rid)["priority"]  # type: ignore[index]


def test_the_second_upr_is_told_who_holds_the_file_and_may_open_it_read_only(team: Path) -> None:
    first = start(team, "ana")
    try:
        open_slovenia(first)
        holder = read_lock(team)
        assert holder is not None and holder["author"] == "ana" and holder["pid"] == first.pid
        before = team.read_bytes()
        second = start(team, "bob")
        try:
            assert second.wait_for("Open read-only? [y/N]"), second.text()
            told = " ".join(second.text().split())
            assert (
                f"team.json is open by ana on {socket.gethostname()} (pid {first.pid})" in told
            ), told
            second.send("y\r")
            assert second.wait_for("of 193 States"), second.text()
            assert second.wait_for("read-only"), second.text()  # said on screen
            open_slovenia(second)
            second.send("1")  # a decision: refused, nothing changes
            second.settle(1.5)
            assert quit_app(second) == 0
        finally:
            second.close()
        assert team.read_bytes() == before  # the read-only look wrote nothing
        assert read_lock(team)["pid"] == first.pid  # type: ignore[index]  # and left ana's lock
        first.send("1")  # ana still edits and saves
        first.settle(2.5)
        assert priority(team, R1) == "high"
        assert quit_app(first) == 0
    finally:
        first.close()
    assert not lock_path(team).exists()


def test_answering_no_or_using_read_only(team: Path) -> None:
    first = start(team, "ana")
    try:
        assert first.wait_for("of 193 States"), first.text()
        second = start(team, "bob")
        try:
            assert second.wait_for("Open read-only? [y/N]"), second.text()
            second.send("\r")  # no
            status = second.wait(15)
        finally:
            second.close()
        assert status == 2
        said = " ".join(second.text().split())
        assert "is open by ana" in said and "--read-only" in said, said
        third = start(team, "chen", "--read-only")  # no question asked
        try:
            assert third.wait_for("of 193 States"), third.text()
            assert "Open read-only" not in third.text()
            assert third.wait_for("read-only"), third.text()
            assert quit_app(third) == 0
        finally:
            third.close()
        # Without a terminal there is nobody to ask: one line, exit 2.
        result = subprocess.run(
            [UPR, str(team), *TODAY],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "UPR_AUTHOR": "dan"},
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 2 and result.stderr.count("\n") == 1
        assert "is open by ana" in result.stderr and "Traceback" not in result.stderr
        assert quit_app(first) == 0
    finally:
        first.close()


def test_a_stale_lock_is_taken_over(team: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock_path(team).write_text(
        json.dumps({"pid": dead.pid, "host": socket.gethostname(), "author": "ghost"})
    )
    app = start(team, "ana")
    try:
        open_slovenia(app)  # no question: the holder is gone
        assert "Open read-only" not in app.text()
        holder = read_lock(team)
        assert holder is not None and holder["pid"] == app.pid and holder["author"] == "ana"
        app.send("2")
        app.settle(2.5)
        assert priority(team, R1) == "medium"
        assert quit_app(app) == 0
    finally:
        app.close()
    assert not lock_path(team).exists()
    # A lock of another machine is not stale: it is respected.
    lock_path(team).write_text(json.dumps({"pid": 1, "host": "laptop-of-bob", "author": "bob"}))
    result = subprocess.run(
        [UPR, str(team), *TODAY],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "UPR_AUTHOR": "ana"},
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2 and "bob on laptop-of-bob" in result.stderr


def colleague_version(path: Path, target: Path) -> bytes:
    """What a sync tool brings: bob's copy, with his decision and a new recommendation."""
    shutil.copyfile(path, target)
    ws = Workspace.open(target, author="bob", lock=False)
    ws.edit(REC, R2, {"status": "implemented", "note": "bob was here"})
    ws.edit(
        REC, "UPR:A/HRC/59/15:999.1", {"text": "New at bob", "country": "SVN", "paragraph": "999.1"}
    )
    ws.save()
    ws.close(save=False)
    return target.read_bytes()


def test_a_file_replaced_by_a_sync_tool_is_merged_never_overwritten(
    team: Path, tmp_path: Path
) -> None:
    """The save after the replacement finds it, keeps my edits in a side file, merges bob's
    version in and saves the merge: every version the file goes through holds bob's edits."""
    app = start(team, "ana")
    versions: dict[bytes, None] = {}
    try:
        open_slovenia(app)
        app.send("1")  # R1 high: saved within 2 s
        app.settle(2.5)
        assert priority(team, R1) == "high"
        # The sync tool writes bob's version elsewhere and renames it over the file.
        theirs = colleague_version(team, tmp_path / "download.tmp")
        os.replace(tmp_path / "download.tmp", team)
        app.send("1")  # R2 high: the next save finds the file replaced
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "Merged team.json" not in " ".join(
            app.text().split()
        ):
            app.read(0.02)
            versions[team.read_bytes()] = None  # every state the file passes through
        said = " ".join(app.text().split())
        assert "replaced by another" in said and "Merged team.json" in said, app.text()
        app.settle(2.5)  # the merge is saved
        versions[team.read_bytes()] = None
        assert quit_app(app) == 0
    finally:
        app.close()
    assert theirs in versions
    for version in versions:  # bob's edits were never overwritten, not even for an instant
        records = json.loads(version)[REC]
        assert records[R2]["status"] == "implemented" and "UPR:A/HRC/59/15:999.1" in records
    ws = Workspace.open(team, author="checker", read_only=True)
    assert ws.get(REC, R1)["priority"] == "high"  # type: ignore[index]  # mine, before
    assert ws.get(REC, R2)["priority"] == "high"  # type: ignore[index]  # mine, after
    assert ws.get(REC, R2)["status"] == "implemented"  # type: ignore[index]  # bob's
    assert ws.get(REC, R2)["note"] == "bob was here"  # type: ignore[index]
    assert not lock_path(team).exists()
    side = [p.name for p in team.parent.iterdir() if ".mine-ana-" in p.name]
    assert len(side) == 1 and side[0].endswith(".merged"), side  # kept, and marked merged


def test_m_merges_a_colleague_copy_typed_by_name(team: Path, tmp_path: Path) -> None:
    """M in the running app: a copy that came by email, typed by name, merged in and saved."""
    copy = team.parent / "from-bob.json"
    colleague_version(team, copy)
    app = start(team, "ana")
    try:
        open_slovenia(app)
        app.send("M")
        assert app.wait_for("Merge a file into team.json"), app.text()
        app.send("from-bob.json\r")
        assert app.wait_for("Nothing is written until y", 15), app.text()  # the preview
        app.send("y")
        assert app.wait_for("Merged from-bob.json", 15), app.text()
        app.settle(2.5)
        assert quit_app(app) == 0
    finally:
        app.close()
    ws = Workspace.open(team, author="checker", read_only=True)
    assert ws.get(REC, R2)["status"] == "implemented"  # type: ignore[index]
    assert ws.get(REC, "UPR:A/HRC/59/15:999.1") is not None
