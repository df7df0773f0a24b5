"""Helpers for the hardening suites (issue 9): real workspaces to spoil, and the CLI run in-process.

Real files come from the demo (Slovenia's 2025 recommendations, built by the project's own
importer): a small one cut down to a few records, the demo itself, and a 10 MB+ one made of
the demo's records copied under new ids. ``run_cli`` runs ``upr.main`` in this process with
its output captured; ``app_stub`` replaces the Textual app so ``upr FILE`` can be run in-process
and tells whether the app would have started, and on what.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

from tui.store import Workspace, WorkspaceStorage, lock_path
from upr import main

TODAY = date(2026, 11, 25)
REC = "recommendations"


def build_demo(path: Path) -> Path:
    """The demo workspace, saved (``tui.demo.ensure_demo``)."""
    from tui.demo import ensure_demo

    ensure_demo(path, author="x", today=TODAY)
    assert path.stat().st_size > 100_000, "the demo holds Slovenia's real recommendations"
    return path


def load_tables(path: Path) -> dict[str, dict[str, Any]]:
    return json.loads(path.read_text("utf-8"))


def write_tables(path: Path, data: dict[str, dict[str, Any]]) -> Path:
    """Write tables exactly as the store does (sorted, one record per line)."""
    WorkspaceStorage(path).write(data)
    return path


def small_real_file(demo: Path, path: Path) -> Path:
    """A few real records of the demo (with a non-ASCII one) and their history: ~8 KB."""
    data = load_tables(demo)
    recs = data[REC]
    chosen = list(recs)[:3]
    chosen += [
        rid
        for rid, r in recs.items()
        if any(ord(c) > 127 for c in json.dumps(r, ensure_ascii=False))
    ][:1]
    assert len(chosen) == 4, "the demo has a recommendation with a non-ASCII character"
    sub: dict[str, dict[str, Any]] = {t: {} for t in data}
    sub["meta"] = data["meta"]
    sub["countries"] = data["countries"]
    sub[REC] = {rid: recs[rid] for rid in chosen}
    sub["checklist"] = dict(list(data["checklist"].items())[:2])
    keep = set(sub[REC]) | set(sub["checklist"]) | set(sub["countries"])
    sub["history"] = {h: row for h, row in data["history"].items() if row["record"] in keep}
    return write_tables(path, sub)


def big_real_file(demo: Path, path: Path, min_bytes: int = 10_500_000) -> Path:
    """The demo's recommendations copied under new ids (``<id>#k``) until the file is 10 MB+."""
    data = load_tables(demo)
    originals = dict(data[REC])
    per_copy = len(json.dumps(originals, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    copies = min_bytes * 11 // 10 // per_copy + 1
    for k in range(1, copies + 1):
        for rid, record in originals.items():
            new = f"{rid}#{k}"
            data[REC][new] = dict(record, id=new)
    write_tables(path, data)
    assert path.stat().st_size >= min_bytes
    return path


def fingerprint(folder: Path) -> dict[str, bytes]:
    """Every file in a folder and its bytes (a lock, a backup or a temp file left would show)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(argv: list[str]) -> CliResult:
    """``upr ARGV`` in this process; stdout and stderr captured (a traceback would escape)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return CliResult(code, out.getvalue(), err.getvalue())


@dataclass
class AppStub:
    """Stands in for the Textual app: records each workspace the app would have shown."""

    opened: list[dict[str, Any]] = field(default_factory=list)

    def run(self, workspace: Workspace, options: Any) -> int:
        self.opened.append(
            {
                "path": workspace.path,
                "read_only": workspace.read_only,
                "locked": lock_path(workspace.path).exists(),
                "counts": {
                    t: len(workspace.table(t)) for t in ("recommendations", "checklist", "history")
                },
            }
        )
        workspace.close(save=not workspace.read_only)  # what screens.app.run does on exit
        return 0


@contextlib.contextmanager
def app_stub() -> Iterator[AppStub]:
    """Patch ``screens.app.run`` (what ``upr FILE`` starts) with an ``AppStub``."""
    import screens.app

    stub = AppStub()
    with mock.patch.object(screens.app, "run", stub.run):
        yield stub


def one_line_error(result: CliResult, name: str) -> str:
    """Assert the DESIGN §6 promise for a refused file; returns the line."""
    assert result.code == 2, (result.code, result.err[-500:])
    assert result.out == "", result.out[:500]
    err = result.err
    assert err.endswith("\n") and err.count("\n") == 1, err[:2000]
    assert err.startswith("upr: ") and name in err, err[:500]
    assert "Traceback" not in err and "\x1b" not in err and "\x9b" not in err
    assert len(err) < 400, err  # one line a person can read, even for a 200 MB file
    return err.strip()


def refused_everywhere(path: Path, good: Path | None = None) -> str:
    """``upr check FILE`` and ``upr FILE`` both refuse ``path`` with one line, exit 2, and leave
    its folder byte for byte as it was (no lock, no backup, no temp file); then, in the same
    process, ``upr GOOD`` still opens a good file. Returns the message of ``upr check``."""
    before = fingerprint(path.parent)
    check = one_line_error(run_cli(["check", str(path)]), path.name)
    with app_stub() as stub:
        opened = one_line_error(run_cli([str(path)]), path.name)
        assert stub.opened == [], "the app must not start on a bad file"
        assert fingerprint(path.parent) == before
        if good is not None:
            ok = run_cli([str(good)])
            assert ok.code == 0 and ok.err == "", ok.err
            assert len(stub.opened) == 1 and stub.opened[0]["counts"][REC] > 0
            assert stub.opened[0]["locked"] and not lock_path(good).exists()
    assert opened.removeprefix("upr: ") == check.removeprefix("upr: ")
    return check


def copy_to(src: Path, folder: Path, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (name or src.name)
    shutil.copyfile(src, target)
    return target


class RecordingPty:
    """Factory for a ``ptyterm.PtyApp`` that also keeps every byte the program wrote (``.raw``)."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        from ptyterm import PtyApp

        app = PtyApp(*args, **kwargs)
        app.raw = bytearray()  # type: ignore[attr-defined]
        feed = app.stream.feed

        def tee(data: bytes) -> None:
            app.raw += data  # type: ignore[attr-defined]
            feed(data)

        app.stream.feed = tee  # type: ignore[method-assign]
        return app
