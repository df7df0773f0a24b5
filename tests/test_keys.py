"""Escape is the back key (DESIGN §8): delivered after ESCDELAY, and key sequences stay whole."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from ptyterm import PtyApp

from screens.terminal import IDLE_WAKE, select_timeout
from tui.session import ESCAPE_DELAY_MS, AppOptions, configure_environment

UPR = shutil.which("upr", path=str(Path(sys.executable).parent)) or "upr"


def test_the_input_loop_wakes_when_the_parser_stops_waiting_for_a_sequence() -> None:
    from textual._xterm_parser import XTermParser

    parser = XTermParser()
    assert select_timeout(parser, 0.0) == IDLE_WAKE  # nothing pending: Textual's own period
    list(parser.feed("\x1b"))  # a lone Escape: the parser waits for more (private attribute)
    deadline = parser._timeout_time
    assert deadline is not None
    assert select_timeout(parser, deadline - 0.01) == pytest.approx(0.01)
    assert select_timeout(parser, deadline + 1) == 0.0
    list(parser.feed("[B"))  # the rest of a key sequence: no wait any more
    assert select_timeout(parser, deadline) == IDLE_WAKE


def test_escdelay_defaults_to_25_ms_and_a_users_value_wins(monkeypatch) -> None:
    monkeypatch.delenv("ESCDELAY", raising=False)
    configure_environment(AppOptions(path=Path("x.json"), author="t"))
    assert os.environ["ESCDELAY"] == str(ESCAPE_DELAY_MS) == "25"
    monkeypatch.setenv("ESCDELAY", "200")
    configure_environment(AppOptions(path=Path("x.json"), author="t"))
    assert os.environ["ESCDELAY"] == "200"


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["--lean", "--no-lean"])
def test_escape_goes_back_and_arrow_keys_still_move(tmp_path: Path, mode: str) -> None:
    app = PtyApp(
        [UPR, "--demo", "--today", "2026-11-25", mode],
        cwd=str(tmp_path),
        env={
            "UPR_CONFIG_DIR": str(tmp_path / "c"),
            "UPR_DATA_DIR": str(tmp_path / "d"),
            "SSH_CONNECTION": "",
        },
    )
    try:
        assert app.wait_for("193 of 193 States"), app.text()
        app.settle()
        app.send("sloven")
        assert app.wait_for("1 of 193 States"), app.text()
        app.send("\r")
        assert app.wait_for("c checklist · r recommendations"), app.text()
        app.send("\x1b")  # a lone Escape: back to the list
        assert app.wait_for("of 193 States"), app.text()
        app.send("\x1b")  # clears the filter
        assert app.wait_for("193 of 193 States"), app.text()
        app.settle()
        app.send("\x1b[B")  # an arrow key, written whole as a terminal does: moves, not back
        app.settle()
        app.send("\r")
        assert app.wait_for("Solomon Islands · SLB"), app.text()  # the row after Slovenia
        app.send("\x1b")
        assert app.wait_for("193 of 193 States"), app.text()
        app.send("\x11")
        assert app.wait(10) == 0
    finally:
        app.close()
