"""The real ``upr`` command in a pseudo-terminal at 80x24: what a person sees."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from ptyterm import PtyApp

UPR = shutil.which("upr", path=str(Path(sys.executable).parent)) or "upr"


@pytest.mark.slow
def test_upr_in_a_terminal_filter_open_quit_reopen(tmp_path: Path) -> None:
    workspace = tmp_path / "team.json"
    app = PtyApp([UPR, str(workspace), "--today", "2026-11-25"], cwd=str(tmp_path))
    try:
        assert app.wait_for("193 of 193 States"), app.text()
        app.settle()
        app.send("lithu")
        assert app.wait_for("1 of 193 States"), app.text()
        assert "Lithuania" in app.text() and "S54 Jan 2027" in app.text()
        app.send("\r")
        assert app.wait_for("in 61 days"), app.text()
        app.send("\x11")  # ctrl+q
        assert app.wait(10) == 0
    finally:
        app.close()
    assert workspace.exists(), "a new workspace is written on quit"
    assert not Path(str(workspace) + ".lock").exists(), "the lock is released on quit"
    again = PtyApp([UPR, str(workspace), "--today", "2026-11-25"], cwd=str(tmp_path))
    try:
        assert again.wait_for("193 of 193 States"), again.text()
        again.settle()
        # The country last opened is remembered in the user's config, not in the shared file.
        assert "Lithuania" in again.text()
        again.send("\x11")
        assert again.wait(10) == 0
    finally:
        again.close()


@pytest.mark.slow
def test_upr_refuses_a_bad_file_with_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    content = b'{"recommendations": {"x": {"id": "x", "priority": "urgent"}}}'
    bad.write_bytes(content)
    app = PtyApp([UPR, str(bad)], cwd=str(tmp_path))
    try:
        status = app.wait(15)
    finally:
        app.close()
    assert status == 2
    text = app.text().strip()
    assert "recommendations/x" in text and "priority" in text
    assert bad.read_bytes() == content


def test_a_mistyped_command_says_did_you_mean(tmp_path: Path) -> None:
    """Issue 15.8: ``upr chekc`` started the app on a new workspace named ``chekc``."""
    import subprocess

    for argv, command in ((["chekc"], "check"), (["--today", "2026-11-25", "exprot"], "export")):
        done = subprocess.run(
            [UPR, *argv], cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, timeout=60
        )
        assert done.returncode == 1, done.stderr
        assert f"did you mean 'upr {command}'?".encode() in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_without_a_terminal_upr_says_it_needs_one(tmp_path: Path) -> None:
    """Issue 15.8: with stdin from /dev/null and stdout to a file (a script, cron) ``upr``
    drew the app into the file and spun at 100% CPU until killed."""
    import subprocess

    for argv in (["team.json"], [], ["--demo"]):
        with open(tmp_path / "out.txt", "wb") as out:
            done = subprocess.run(
                [UPR, *argv],
                cwd=tmp_path,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.PIPE,
                timeout=60,
            )
        assert done.returncode == 1, (argv, done.stderr)
        assert b"needs a terminal" in done.stderr and done.stderr.count(b"\n") == 1
        assert (tmp_path / "out.txt").read_bytes() == b""
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]  # no file, no lock
