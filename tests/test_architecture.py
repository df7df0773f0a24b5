"""Issue 13: one place for each thing, and the layers of ARCHITECTURE.md.

The import rules themselves are checked by ``lint-imports`` (pyproject.toml) and
tests/test_layering.py; these tests pin what moved: one module for labels (each output keeps
its words), one for atomic writes, the entry point outside the core.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui import atomic, labels, triage
from tui.exports import checklist as export_checklist
from tui.exports import safe

REPO = Path(__file__).resolve().parent.parent


def test_reports_screens_and_narrow_columns_keep_their_words() -> None:
    # Reports: sentence case.
    assert safe.POSITION_LABELS["supported_in_part"] == "Supported in part"
    assert safe.STATUS_LABELS["no_information"] == "No information"
    assert safe.PRIORITY_LABELS["none"] == ""
    # Screens: lower case, "—" for no priority; short forms in narrow columns.
    assert triage.POSITION_LABELS["supported_in_part"] == "supported in part"
    assert triage.STATUS_LABELS["partially_implemented"] == "partially implemented"
    assert triage.PRIORITY_LABELS == {"high": "high", "medium": "medium", "low": "low", "none": "—"}
    assert triage.POSITION_SHORT["supported_in_part"] == "in part"
    assert triage.STATUS_SHORT["partially_implemented"] == "partial"
    assert triage.STATUS_SHORT["no_information"] == "no info"
    # Checklists.
    assert export_checklist.STATUS_LABELS["todo"] == "to do"


def test_every_label_table_is_defined_once_in_tui_labels() -> None:
    assert safe.POSITION_LABELS is labels.POSITION_LABELS
    assert triage.POSITION_LABELS is labels.POSITION_TEXT
    assert triage.STATUS_SHORT is labels.STATUS_SHORT
    assert export_checklist.STATUS_LABELS is labels.CHECKLIST_STATUS_LABELS
    sources = [
        p.relative_to(REPO).as_posix()
        for p in [*(REPO / "tui").rglob("*.py"), *(REPO / "screens").rglob("*.py")]
        if any(
            f'"supported_in_part": "{words}"' in p.read_text("utf-8")
            for words in ("Supported in part", "supported in part", "in part")
        )
    ]
    assert sources == ["tui/labels.py"]


def test_the_config_file_is_written_atomically_with_fsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.config import load_config, save_config

    steps: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (steps.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(
        os, "replace", lambda a, b: (steps.append("replace"), real_replace(a, b))[1]
    )
    path = tmp_path / "config.yaml"
    save_config({"author": "ana"}, path)
    assert steps[:2] == ["fsync", "replace"]  # the data reaches the disk before the rename
    assert load_config(path)["author"] == "ana"
    assert [p.name for p in tmp_path.iterdir()] == ["config.yaml"]  # no temp file left


def test_an_atomic_write_that_fails_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(b"old")

    def broken(fh: object) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic.atomic_write(path, broken)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120
    )


def test_subcommands_load_neither_the_cli_dispatcher_nor_textual() -> None:
    result = _run(
        "import sys\n"
        "import tui.commands.calendar, tui.commands.check, tui.commands.export\n"
        "import tui.commands.import_, tui.commands.merge\n"
        "print(sorted(m for m in sys.modules if m == 'tui.cli' or m.startswith(('screens', 'textual'))))\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_core_cli_alone_does_not_start_the_app() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli"], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert result.returncode == 1
    assert "python -m upr" in result.stderr


def test_python_dash_m_upr_is_the_upr_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "upr", "--version"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("upr ")


def test_terminal_and_process_tests_run_alone_after_the_parallel_part() -> None:
    """tests/conftest.py marks them ``serial``; the README's command runs them in a second step."""
    from conftest import _is_serial  # tests/conftest.py, on the path as pytest loads it

    here = Path(__file__).parent
    for name in ("test_pty.py", "test_keys.py", "test_two_processes.py", "test_lean.py"):
        assert _is_serial(here / name), name
    for name in ("test_store.py", "test_triage_core.py", "test_export_matrix.py"):
        assert not _is_serial(here / name), name
    command = (REPO / ".ci" / "run").read_text("utf-8").splitlines()[-1]
    assert command in (REPO / "README.md").read_text("utf-8")  # .ci/run is the README's command
    assert "-m 'not serial'" in command and command.endswith("pytest -m serial")
