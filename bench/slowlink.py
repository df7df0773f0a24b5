"""Slow-link benchmark (issue 8, DESIGN §7): bytes and latency of the real ``upr`` at 80x24.

Run by hand, never as a test::

    .venv/bin/python bench/slowlink.py                 # everything (~15 min; builds workspaces once)
    .venv/bin/python bench/slowlink.py --quick         # 300 and 100k, fewer repetitions
    .venv/bin/python bench/slowlink.py --subjects upr-lean --sizes 300

It runs each program in a pseudo-terminal (stdlib ``pty``), reads the screen with ``pyte``
and prints one Markdown table. Every byte the program writes is counted. A key's latency is
the time from writing the key to the pty until the screen shows the change (the screen is
polled after every read); its bytes are everything written until the program is quiet.

Subjects, on the same rows:
- ``upr-lean``: ``upr --lean`` (16 colours, the lean output layer, no fills);
- ``upr``: ``upr --no-lean`` (Textual's own output, 256 colours as this pty's TERM offers);
- ``datatable``: ``bench/reference_datatable.py``, a plain Textual DataTable app (16 colours);
- ``visidata``: VisiData over the same rows as CSV (``pip install visidata`` into .venv).

Workspaces are built once from the UPR Info corpus (``$UPR_SHARED/corpus/upr-info``, ~40,000
distinct recommendations) with the project's importer, then grown by assigning copies to
other States and sessions (new ids). ``one`` layouts give the benchmarked State every
recommendation (its list holds N rows: the worst case, and the same row count as the
reference points); ``spread`` keeps ~1,000 for it and gives the rest to other States.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import fcntl
import gzip
import json
import os
import pty
import resource
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyte

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python"
UPR = BIN / "upr"
VD = BIN / "vd"
SHARED = Path(os.environ.get("UPR_SHARED") or ROOT.parent / "shared")
CORPUS = SHARED / "corpus" / "upr-info"
TODAY = "2026-11-25"
STATE = "IRN"  # most recommendations in the corpus (503)
STATE_NAME = "Iran"
COLS, ROWS = 80, 24

KEY_DOWN = b"\x1b[B"
KEY_PGDN = b"\x1b[6~"
KEY_ENTER = b"\r"
KEY_ESC = b"\x1b"


# -- the terminal -------------------------------------------------------------------------------


class Term:
    """A program on a pty of COLS x ROWS, read into pyte; every byte it writes is counted."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        cols: int = COLS,
        rows: int = ROWS,
    ) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.total = 0
        self.raw = bytearray()
        self.keep_raw = False
        self.app_cursor = False
        full_env = {**os.environ, "TERM": "xterm-256color", **(env or {})}
        full_env.pop("COLORTERM", None)
        self.started = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:  # child
            try:
                if cwd:
                    os.chdir(cwd)
                os.execve(argv[0], list(argv), full_env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.status: int | None = None

    def read(self, timeout: float) -> int:
        """One read of whatever arrives within ``timeout``; fed to pyte. Returns bytes read."""
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not ready:
            return 0
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:
            return 0
        self.total += len(data)
        # Application cursor keys (DECCKM): curses programs turn them on and then read the
        # arrows as ESC O B, as a terminal would send them; ESC [ B is then another key.
        on, off = data.rfind(b"\x1b[?1h"), data.rfind(b"\x1b[?1l")
        if on != off:
            self.app_cursor = on > off
        if self.keep_raw:
            self.raw.extend(data)
        self.stream.feed(data)
        return len(data)

    def until(self, pred: Callable[[], bool], timeout: float = 30.0) -> float | None:
        """Read until ``pred()`` holds; the monotonic time it first held, or None."""
        end = time.monotonic() + timeout
        if pred():
            return time.monotonic()
        while time.monotonic() < end:
            if self.read(end - time.monotonic()) and pred():
                return time.monotonic()
        return None

    def quiet(self, gap: float = 0.3, timeout: float = 30.0) -> int:
        """Read until nothing arrives for ``gap`` seconds; bytes read meanwhile."""
        got = 0
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            n = self.read(gap)
            if n == 0:
                break
            got += n
        return got

    def idle(self, seconds: float) -> int:
        got = 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            got += self.read(end - time.monotonic())
        return got

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def send(self, data: bytes) -> float:
        if self.app_cursor and data[:2] == b"\x1b[" and data[2:] in (b"A", b"B", b"C", b"D"):
            data = b"\x1bO" + data[2:]
        t = time.monotonic()
        os.write(self.fd, data)
        return t

    def state(self) -> list[dict[int, Any]]:
        """The screen as comparable rows: every cell's character and attributes.

        Cheap on purpose (a copy of pyte's row dicts, ~0.1 ms): it runs after every read
        while a key's latency is measured. (pyte's ``display`` recomputes all rows with
        wcwidth on each access: called per row it added ~14 ms to every measurement.)
        """
        buffer = self.screen.buffer
        return [dict(buffer[y]) for y in range(self.screen.lines)]

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def quit(self, keys: bytes, timeout: float = 20.0) -> int | None:
        """Send the quit keys and wait for a clean exit (saves happen here)."""
        with contextlib.suppress(OSError):
            self.send(keys)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.read(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
        return None


@dataclass
class Sample:
    """Bytes written and latency (ms) of repeated presses of one key (or key sequence)."""

    bytes: list[int] = field(default_factory=list)
    latency: list[float] = field(default_factory=list)

    def cell(self) -> str:
        if not self.bytes:
            return "n/a"
        b = statistics.median(self.bytes)
        if not self.latency:
            return f"{b:,.0f} B"
        return f"{b:,.0f} B · {median(self.latency):.0f}/{p90(self.latency):.0f} ms"


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p90(values: Sequence[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]


def press(
    term: Term,
    key: bytes,
    *,
    expect: Callable[[], bool] | None = None,
    gap: float = 0.25,
    timeout: float = 20.0,
) -> tuple[int, float | None]:
    """Press ``key``; (bytes until quiet, ms until the screen changed and ``expect`` holds)."""
    term.quiet(0.15)
    before = term.state()
    start_total = term.total

    def changed() -> bool:
        if term.state() == before:
            return False
        return expect() if expect else True

    sent = term.send(key)
    seen = term.until(changed, timeout)
    term.quiet(gap)
    latency = (seen - sent) * 1000 if seen is not None else None
    return term.total - start_total, latency


def repeat(term: Term, key: bytes, times: int, sample: Sample, **kw: Any) -> None:
    for _ in range(times):
        nbytes, latency = press(term, key, **kw)
        sample.bytes.append(nbytes)
        if latency is not None:
            sample.latency.append(latency)


# -- workspaces ---------------------------------------------------------------------------------


def cycle_of(session: int) -> int:
    if session <= 12:
        return 1
    return 2 + (session - 13) // 14


def corpus_pool(cache: Path) -> Path:
    """The UPR Info corpus imported once with the project's importer (parse_file + apply_batch)."""
    base = cache / "pool-uprinfo.json"
    if base.exists():
        return base
    sys.path.insert(0, str(ROOT))
    from tui.importers import parse_file
    from tui.importers.apply import apply_batch
    from tui.store import Workspace

    files = sorted(CORPUS.glob("sessions-*.csv"))
    if not files:
        raise SystemExit(f"no UPR Info corpus at {CORPUS} (set UPR_SHARED)")
    tmp = cache / "pool-building.json"
    for stale in (tmp, Path(str(tmp) + ".lock")):
        stale.unlink(missing_ok=True)
    ws = Workspace.open(tmp, author="bench")
    for path in files:
        apply_batch(ws, parse_file(path))
    ws.close()
    tmp.replace(base)
    return base


def build_workspace(cache: Path, size: int, layout: str) -> Path:
    """A workspace of ``size`` recommendations (cached). ``layout``: ``one`` or ``spread``."""
    target = cache / f"ws-{layout}-{size}.json"
    if target.exists():
        return target
    pool_path = corpus_pool(cache)
    sys.path.insert(0, str(ROOT))
    from tui.ids import hash_id
    from tui.model import DECISION_FIELDS, RECOMMENDATION
    from tui.refdata import states
    from tui.store import Workspace

    pool = json.loads(pool_path.read_bytes())["recommendations"]
    records = sorted(
        pool.values(),
        key=lambda r: (
            r["country"] != STATE,
            r.get("session") or 0,
            r["source"].get("file", ""),
            r["source"].get("row", 0),
        ),
    )
    codes = [s.iso3 for s in states()]
    tmp = cache / f"ws-{layout}-{size}.building.json"
    for stale in (tmp, Path(str(tmp) + ".lock")):
        stale.unlink(missing_ok=True)
    ws = Workspace.open(tmp, author="bench")
    fields = [f for f in RECOMMENDATION.editable if f not in DECISION_FIELDS]
    made = 0
    seen: set[str] = set()
    own = sum(1 for r in records if r["country"] == STATE)
    spread_quota = 1000  # the benchmarked State's list in a spread workspace
    mine = 0
    k = 0
    while made < size:
        for rec in records:
            if made >= size:
                break
            values = {f: rec[f] for f in fields if f in rec}
            if layout == "one":
                country = STATE
            elif rec["country"] == STATE and k == 0:
                country = STATE
            else:
                i = codes.index(rec["country"]) if rec["country"] in codes else 0
                country = codes[(i + 7 * k + 1) % len(codes)]
                if country == STATE and mine >= spread_quota - own:
                    country = codes[(i + 7 * k + 2) % len(codes)]
            session = (rec.get("session") or 1) + 20 * k
            rid = hash_id("UPR", country, session, rec["text"])
            if rid in seen:
                continue
            if layout == "one" and size <= own and rec["country"] != STATE:
                continue
            seen.add(rid)
            values.update(country=country, session=session, cycle=cycle_of(session))
            ws.edit("recommendations", rid, values)
            made += 1
            if country == STATE and rec["country"] != STATE:
                mine += 1
        k += 1
        ws._undo.clear()  # the builder needs no undo history
    ws.close()
    tmp.replace(target)
    return target


def export_rows_csv(workspace: Path, out: Path) -> int:
    """The benchmarked State's rows, in list order, as the reference apps show them."""
    if out.exists():
        with out.open(encoding="utf-8") as fh:
            return sum(1 for _ in fh) - 1
    sys.path.insert(0, str(ROOT))
    from tui.store import Workspace
    from tui.triage import TriageIndex

    ws = Workspace.open(workspace, author="bench", read_only=True, lock=False)
    index = TriageIndex(ws, STATE)
    tmp = out.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["paragraph", "text", "position", "priority", "status"])
        for entry in index.entries:
            rec = entry.record
            writer.writerow(
                [
                    rec.get("paragraph") or f"S{rec.get('session')}",
                    entry.line,
                    rec.get("position"),
                    rec.get("priority"),
                    rec.get("status"),
                ]
            )
    tmp.replace(out)
    return len(index.entries)


# -- subjects -----------------------------------------------------------------------------------


@dataclass
class Result:
    """One column of the table."""

    title: str
    rows: int = 0
    first_paint_s: float | None = None
    first_bytes: int | None = None
    complete_bytes: int | None = None
    keys: dict[str, Sample] = field(default_factory=dict)
    idle_bytes: int | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)

    def sample(self, name: str) -> Sample:
        return self.keys.setdefault(name, Sample())


def user_env(tmp: Path) -> dict[str, str]:
    return {
        "UPR_AUTHOR": "bench",
        "UPR_CONFIG_DIR": str(tmp / "config"),
        "UPR_DATA_DIR": str(tmp / "data"),
        "HOME": str(tmp / "home"),
        "SSH_CONNECTION": "",
    }


def first_paint(
    term: Term, ready: Callable[[], bool], result: Result, timeout: float = 120
) -> bool:
    seen = term.until(ready, timeout)
    if seen is None:
        result.notes.append("no first paint: " + term.text()[:200].replace("\n", " | "))
        return False
    result.first_paint_s = seen - term.started
    result.first_bytes = term.total
    term.quiet(0.6)
    result.complete_bytes = term.total
    return True


def shows(term: Term, needle: str) -> Callable[[], bool]:
    return lambda: needle in term.text()


# The app's variants: flags and environment (the steps of DESIGN §7, one at a time).
VARIANTS: dict[str, tuple[list[str], dict[str, str]]] = {
    "upr-lean": (["--lean"], {}),
    "upr": (["--no-lean"], {}),
    "upr-16": (["--no-lean", "--colors", "16"], {}),
    "upr-lean-no-layer": (["--lean"], {"UPR_LEAN_OUTPUT": "0"}),
}
VARIANT_TITLES = {
    "upr-lean": "upr --lean",
    "upr": "upr --no-lean",
    "upr-16": "upr --no-lean --colors 16",
    "upr-lean-no-layer": "upr --lean, UPR_LEAN_OUTPUT=0",
}


def run_upr(workspace: Path, rows: int, *, variant: str, reps: Reps, title: str) -> Result:
    """The real app: country list first paint, then the State's recommendations list."""
    result = Result(title, rows=rows)
    flags, extra_env = VARIANTS[variant]
    with tempfile.TemporaryDirectory(prefix="upr-bench-") as tmpdir:
        tmp = Path(tmpdir)
        copy = tmp / "ws.json"
        shutil.copyfile(workspace, copy)
        argv = [str(UPR), str(copy), "--today", TODAY, *flags]
        term = Term(argv, env={**user_env(tmp), **extra_env}, cwd=str(tmp))
        try:
            if not first_paint(term, shows(term, "Afghanistan"), result):
                return result
            result.idle_bytes = term.idle(reps.idle)  # replaced by the list's, if it opens
            # Country list: typing filters (5 letters), each letter is one sample.
            search = result.sample("search 5 letters (country filter)")
            for word in reps.words:
                total = 0
                for letter in word:
                    nbytes, latency = press(term, letter.encode())
                    total += nbytes
                    if latency is not None:
                        search.latency.append(latency)
                search.bytes.append(total)
                press(term, KEY_ESC)  # clear the filter
            press(term, STATE_NAME.lower().encode(), expect=shows(term, "1 of 193"))
            if not first_visit(term, result):
                result.notes.append("the country's overview did not show its counts")
            switch = result.sample("switch screens (list → overview → list)")
            for _ in range(reps.switch):
                b1, l1 = press(term, KEY_ENTER, expect=shows(term, "Recommendations"))
                b2, l2 = press(term, KEY_ESC, expect=shows(term, "of 193 States"))
                switch.bytes.append(b1 + b2)
                switch.latency.extend(x for x in (l1, l2) if x is not None)
            press(term, KEY_ENTER, expect=shows(term, "Recommendations"))
            if not run_triage(term, result, reps):
                result.notes.append("recommendations screen not available")
        finally:
            term.quit(b"\x11")
            term.close()
    return result


def first_visit(term: Term, result: Result) -> bool:
    """A country opened for the first time: its screen, then its counts (on a large workspace
    counted from the triage index the app builds in a thread meanwhile), then ``r`` at once."""
    term.quiet(0.15)
    start_total = term.total
    sent = term.send(KEY_ENTER)
    screen = term.until(shows(term, "c checklist"), 20)
    counts = term.until(shows(term, "in this workspace"), 120)
    term.quiet(0.25)
    if screen is None or counts is None:
        return False
    result.sample("open a country, first time (enter → its screen)").latency.append(
        (screen - sent) * 1000
    )
    first = result.sample("open a country, first time (enter → its counts)")
    first.latency.append((counts - sent) * 1000)
    first.bytes.append(term.total - start_total)
    result.sample("open a country, first time (enter → its screen)").bytes.append(
        term.total - start_total
    )
    opened = result.sample("open the list (r, first time)")
    nbytes, latency = press(term, b"r", expect=shows(term, "Para"), timeout=120)
    if latency is None:
        return False
    opened.bytes.append(nbytes)
    opened.latency.append(latency)
    press(term, b"q", expect=lambda: "Para" not in term.text())
    press(term, KEY_ESC, expect=shows(term, "of 193 States"))
    return True


def run_triage(term: Term, result: Result, reps: Reps) -> bool:
    """The State's recommendations list (screens/triage.py), opened from its overview."""
    in_list = shows(term, "Para")

    def on_overview() -> bool:
        return "Recommendations" in term.text() and "Para" not in term.text()

    opened = result.sample("open the list (r, first time)")
    nbytes, latency = press(term, b"r", expect=in_list, timeout=120)
    if latency is None:
        return False
    if not opened.bytes:  # else measured by first_visit
        opened.bytes.append(nbytes)
        opened.latency.append(latency)
    repeat(term, KEY_DOWN, reps.down, result.sample("cursor down"))
    # The first save after opening encodes every record once (in a worker, DESIGN §5): keys
    # pressed meanwhile share the interpreter with it.
    during = result.sample("cursor down past the bottom (scrolls), first autosave running")
    press(term, b"1")
    start = time.monotonic()
    while time.monotonic() - start < reps.autosave:
        nbytes, latency = press(term, KEY_DOWN, gap=0.05)
        during.bytes.append(nbytes)
        if latency is not None:
            during.latency.append(latency)
    repeat(term, KEY_PGDN, reps.page, result.sample("page down"))
    repeat(term, b"1", reps.triage, result.sample("triage decision"))
    detail = result.sample("open + close detail")
    for _ in range(reps.detail):
        b1, l1 = press(term, b"v", expect=shows(term, "Recommended by"))
        b2, l2 = press(term, b"v", expect=lambda: "Recommended by" not in term.text())
        detail.bytes.append(b1 + b2)
        detail.latency.extend(x for x in (l1, l2) if x is not None)
    search = result.sample("search 5 letters (list)")
    for word in reps.list_words:
        total, _ = press(term, b"/", expect=shows(term, "search:"))
        for letter in word:
            nbytes, latency = press(term, letter.encode())
            total += nbytes
            if latency is not None:
                search.latency.append(latency)
        search.bytes.append(total)
        press(term, KEY_ESC, expect=lambda: "search:" not in term.text())
    queue = result.sample("triage decision (queue)")
    press(term, b"t", expect=shows(term, "Queue"))
    repeat(term, b"1", reps.triage, queue)
    press(term, b"q", expect=in_list)
    switch = result.sample("switch screens (recommendations ↔ overview)")
    for _ in range(reps.switch):
        b1, l1 = press(term, b"q", expect=on_overview)
        b2, l2 = press(term, b"r", expect=in_list, timeout=120)
        switch.bytes.append(b1 + b2)
        switch.latency.extend(x for x in (l1, l2) if x is not None)
    result.idle_bytes = term.idle(reps.idle)
    return True


def run_datatable(csv_path: Path, rows: int, *, reps: Reps, title: str) -> Result:
    result = Result(title, rows=rows)
    with tempfile.TemporaryDirectory(prefix="upr-bench-") as tmpdir:
        env = {
            **user_env(Path(tmpdir)),
            "TEXTUAL_COLOR_SYSTEM": "standard",
            "TEXTUAL_ANIMATIONS": "none",
        }
        term = Term(
            [str(PYTHON), str(ROOT / "bench" / "reference_datatable.py"), str(csv_path)],
            env=env,
            cwd=tmpdir,
        )
        try:
            first_row = first_csv_text(csv_path)
            if not first_paint(term, shows(term, first_row), result, timeout=300):
                return result
            result.idle_bytes = term.idle(reps.idle)
            repeat(term, KEY_DOWN, reps.down, result.sample("cursor down"))
            repeat(term, KEY_PGDN, reps.page, result.sample("page down"))
            repeat(term, b"1", reps.triage, result.sample("triage decision"))
            detail = result.sample("open + close detail")
            for _ in range(reps.detail):
                b1, l1 = press(term, KEY_ENTER)
                b2, l2 = press(term, KEY_ESC)
                detail.bytes.append(b1 + b2)
                detail.latency.extend(x for x in (l1, l2) if x is not None)
        finally:
            term.quit(b"\x11")
            term.close()
    return result


def run_visidata(csv_path: Path, rows: int, *, reps: Reps, title: str) -> Result:
    result = Result(title, rows=rows)
    if not VD.exists():
        result.notes.append("VisiData not installed (.venv/bin/pip install visidata)")
        return result
    with tempfile.TemporaryDirectory(prefix="upr-bench-") as tmpdir:
        env = user_env(Path(tmpdir))
        Path(env["HOME"]).mkdir()
        term = Term([str(VD), str(csv_path)], env=env, cwd=tmpdir)
        try:
            first_row = first_csv_text(csv_path)
            if not first_paint(term, shows(term, first_row), result, timeout=300):
                return result
            # VisiData keeps loading in a thread: wait until the row count is final.
            term.until(shows(term, f"{rows} rows"), 300)
            term.quiet(1.0)
            result.idle_bytes = term.idle(reps.idle)
            repeat(term, KEY_DOWN, reps.down, result.sample("cursor down"))
            repeat(term, KEY_PGDN, reps.page, result.sample("page down"))
            detail = result.sample("open + close detail")
            for _ in range(reps.detail):
                b1, l1 = press(term, KEY_ENTER)
                b2, l2 = press(term, b"q")
                detail.bytes.append(b1 + b2)
                detail.latency.extend(x for x in (l1, l2) if x is not None)
            search = result.sample("search 5 letters (prompt)")
            for word in reps.words:
                press(term, b"/")
                total = 0
                for letter in word:
                    nbytes, latency = press(term, letter.encode())
                    total += nbytes
                    if latency is not None:
                        search.latency.append(latency)
                search.bytes.append(total)
                press(term, b"\x03")  # ctrl+c: cancel the prompt
        finally:
            term.quit(b"gq")
            term.close()
    return result


# Keys of the recommendations list that open something (a picker, a screen): each pressed three
# times, closed in between. The first press is where counts, indexes and CSS used to be built.
FIRST_USE_KEYS = [
    (b"c", "cluster picker (c)"),
    (b"e", "lead entity picker (e)"),
    (b"E", "partners (E)"),
    (b"o", "outcome picker (o)"),
    (b"s", "status (s)"),
    (b"a", "action category (a)"),
    (b"p", "position (p)"),
    (b"m", "note (m)"),
    (b"f", "filters (f)"),
    (b"w", "saved views (w)"),
    (b"C", "clusters screen (C)"),
    (b"t", "queue (t)"),
    (b"/", "search box (/)"),
    (b"?", "help (?)"),
    (b"v", "detail pane (v)"),
]


def first_use(cache: Path, size: int, flags: Sequence[str]) -> str:
    """Latency of the first, second and third use of every key that opens something."""
    workspace = build_workspace(cache, size, "one")
    lines = [
        f"| key (upr {' '.join(flags)}, {size:,} recommendations in one list) "
        "| 1st | 2nd | 3rd | bytes (3rd) |",
        "|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="upr-bench-") as tmpdir:
        tmp = Path(tmpdir)
        copy = tmp / "ws.json"
        shutil.copyfile(workspace, copy)
        term = Term(
            [str(UPR), str(copy), "--today", TODAY, *flags], env=user_env(tmp), cwd=str(tmp)
        )
        try:
            if not first_paint(term, shows(term, "Afghanistan"), Result("first use")):
                return "the country list did not show"
            term.quiet(3.0)  # the file finishes loading
            press(term, STATE_NAME.lower().encode(), expect=shows(term, "1 of 193"))
            press(term, KEY_ENTER, expect=shows(term, "in this workspace"), timeout=120)
            press(term, b"r", expect=shows(term, "Para"), timeout=120)
            term.quiet(3.0)  # the list's background worker (search texts, counts, history)
            for key, label in FIRST_USE_KEYS:
                times: list[str] = []
                nbytes = 0
                for _ in range(3):
                    before = term.text()
                    nbytes, latency = press(
                        term, key, expect=lambda b=before: term.text() != b, timeout=10
                    )
                    times.append("—" if latency is None else f"{latency:.0f} ms")
                    close = b"q" if key in (b"C", b"t") else (b"v" if key == b"v" else KEY_ESC)
                    press(term, close, timeout=5)
                lines.append(f"| {label} | {' | '.join(times)} | {nbytes:,} B |")
        finally:
            term.quit(b"\x11")
            term.close()
    return "\n".join(lines)


def first_csv_text(csv_path: Path) -> str:
    with csv_path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        row = next(reader)
    return row[1][:12]


# -- the store at 100k --------------------------------------------------------------------------

STORE_PROBE = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from tui.store import Workspace
t = time.perf_counter()
ws = Workspace.open(sys.argv[1], author="bench")
load = time.perf_counter() - t
rid = next(iter(ws.table("recommendations")))
ws.edit("recommendations", rid, {"note": "bench"})
t = time.perf_counter(); ws.save(); save_first = time.perf_counter() - t
ws.edit("recommendations", rid, {"note": "bench again"})
t = time.perf_counter(); ws.save(); save_one = time.perf_counter() - t
ws.storage.mark_all_dirty()
t = time.perf_counter(); ws.save(); save_all = time.perf_counter() - t
ws.close(save=False)
print(json.dumps({"load": load, "save_first": save_first, "save_one": save_one,
                  "save_all": save_all,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

DIVERGE = r"""
import sys
sys.path.insert(0, sys.argv[2])
from tui.store import Workspace
ws = Workspace.open(sys.argv[1], author="other")
for i, rid in enumerate(list(ws.table("recommendations"))[:2000]):
    ws.edit("recommendations", rid, {"priority": "high" if i % 2 else "low", "triaged": True})
ws.close()
"""


def store_figures(workspace: Path) -> dict[str, str]:
    """Load, save and merge at this size, each in a fresh process (peak RSS is its own)."""
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="upr-bench-") as tmpdir:
        copy = Path(tmpdir) / "ws.json"
        shutil.copyfile(workspace, copy)
        probe = subprocess.run(
            [str(PYTHON), "-c", STORE_PROBE, str(copy), str(ROOT)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if probe.returncode == 0:
            got = json.loads(probe.stdout.strip().splitlines()[-1])
            out["load (open + validate)"] = f"{got['load']:.2f} s"
            out["first save after opening (1 edit; every line encoded once)"] = (
                f"{got['save_first']:.2f} s"
            )
            out["save (1 edit, later)"] = f"{got['save_one']:.2f} s"
            out["save (every record re-encoded)"] = f"{got['save_all']:.2f} s"
            out["peak memory (open, edit, save)"] = f"{got['rss_mb']:.0f} MB"
        else:
            out["load (open + validate)"] = "failed: " + probe.stderr.strip()[-80:]
        other = Path(tmpdir) / "other.json"
        shutil.copyfile(workspace, other)
        subprocess.run(
            [str(PYTHON), "-c", DIVERGE, str(other), str(ROOT)],
            check=True,
            capture_output=True,
            timeout=600,
        )
        merged = Path(tmpdir) / "merged.json"
        env = {**os.environ, "UPR_AUTHOR": "bench", "UPR_CONFIG_DIR": str(Path(tmpdir) / "c")}
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        merge = subprocess.run(
            [str(UPR), "merge", str(copy), str(other), "-o", str(merged)],
            capture_output=True,
            text=True,
            timeout=600,
            env=env,
        )
        elapsed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if merge.returncode == 0:
            out["merge (upr merge A B -o C, 2,000 edits apart)"] = f"{elapsed:.2f} s"
            if peak > before:
                out["peak memory (merge)"] = f"{peak / 1024:.0f} MB"
        else:
            out["merge (upr merge A B -o C, 2,000 edits apart)"] = (
                "failed: " + (merge.stderr.strip() or merge.stdout.strip())[-80:]
            )
    return out


# -- recordings for tests/test_lean.py ------------------------------------------------------

SAMPLE_ROWS = [
    [
        "140.1",
        "Ratify the Optional Protocol to the Convention against Torture",
        "supported",
        "none",
        "no_information",
    ],
    [
        "140.2",
        "日本語のテキスト: wide characters in a recommendation",
        "noted",
        "high",
        "in_progress",
    ],
    [
        "140.3",
        "Protéger les défenseurs des droits humains (combining: e\u0301)",
        "supported",
        "low",
        "implemented",
    ],
]


def record(out_dir: Path, cache: Path) -> None:
    """Record what Textual writes (before the lean layer) in scripted sessions."""
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    # The demo workspace (public UN documents that ship with the app), not the corpus: the
    # recordings are committed and the UPR Info export must never be.
    with tempfile.TemporaryDirectory(prefix="upr-bench-") as tmpdir:
        tmp = Path(tmpdir)
        target = out_dir / "upr-lean.jsonl"
        target.unlink(missing_ok=True)
        env = {**user_env(tmp), "UPR_LEAN_RECORD": str(target)}
        term = Term([str(UPR), "--demo", "--today", TODAY, "--lean"], env=env, cwd=str(tmp))
        try:
            term.until(shows(term, "Afghanistan"), 60)
            for key in [
                b"bos",
                KEY_ESC,
                KEY_DOWN,
                KEY_DOWN,
                KEY_DOWN,
                KEY_PGDN,
                KEY_PGDN,
                b"\x1b[5~",
                b"slove",
                KEY_ENTER,
                b"?",
                KEY_ESC,
                b"r",
                b"j",
                b"j",
                KEY_PGDN,
                b"1",
                b"2",
                KEY_ENTER,
                KEY_ESC,
                b"/",
                b"torture",
                KEY_ESC,
                KEY_ESC,
                KEY_ESC,
                KEY_ESC,
                KEY_ESC,
            ]:
                press(term, key, timeout=3)
        finally:
            term.quit(b"\x11")
            term.close()
        rows_csv = tmp / "rows.csv"
        with rows_csv.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["paragraph", "text", "position", "priority", "status"])
            for i in range(60):
                row = list(SAMPLE_ROWS[i % len(SAMPLE_ROWS)])
                row[0] = f"140.{i + 1}"
                writer.writerow(row)
        target = out_dir / "datatable-truecolor.jsonl"
        target.unlink(missing_ok=True)
        env = {
            **user_env(tmp),
            "UPR_LEAN_RECORD": str(target),
            "BENCH_LEAN_DRIVER": "1",
            "TEXTUAL_COLOR_SYSTEM": "truecolor",
        }
        term = Term(
            [str(PYTHON), str(ROOT / "bench" / "reference_datatable.py"), str(rows_csv)],
            env=env,
            cwd=str(tmp),
        )
        try:
            term.until(shows(term, "Ratify"), 60)
            for key in [KEY_DOWN, KEY_DOWN, b"1", KEY_PGDN, KEY_ENTER, KEY_ESC, b"1", b"1"]:
                press(term, key, timeout=3)
        finally:
            term.quit(b"\x11")
            term.close()
    for path in sorted(out_dir.glob("*.jsonl")):
        with path.open("rb") as src, gzip.open(path.with_suffix(".jsonl.gz"), "wb") as dst:
            shutil.copyfileobj(src, dst)
        path.unlink()
    for path in sorted(out_dir.glob("*.jsonl.gz")):
        print(f"{path}: {path.stat().st_size:,} bytes", file=sys.stderr)


# -- what each part of the lean output layer saves (offline, on the recorded sessions) ------------


def layer_ablation() -> str:
    """Replay tests/samples/lean recordings through the layer with one part turned off."""
    sys.path.insert(0, str(ROOT))
    from screens.terminal import LeanFilter

    samples = ROOT / "tests" / "samples" / "lean"

    def replay(chunks: list[str], *, forget: bool = False, **knobs: Any) -> int:
        lean = LeanFilter(COLS, ROWS, lf_returns=True, ascii_boxes=knobs.pop("ascii", True))
        for name, value in knobs.items():
            setattr(lean, name, value)
        total = 0
        for chunk in chunks:
            total += len(lean.feed(chunk).encode())
            if forget:
                lean.forget()
        return total

    configs: list[tuple[str, dict[str, Any]]] = [
        ("the whole layer", {}),
        ("without ASCII borders", {"ascii": False}),
        ("without scroll regions", {"SCROLL_MIN_ROWS": 10_000}),
        ("without ESC[K for blank line ends", {"ERASE_MIN": 10_000}),
        ("without rewriting short gaps (cursor moves instead)", {"MERGE_GAP": 0}),
        ("without skipping unchanged cells", {"forget": True}),
    ]
    names = sorted(p.name for p in samples.glob("*.jsonl.gz"))
    lines = [
        "| bytes written | " + " | ".join(n.split(".")[0] for n in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    chunks_by = {}
    for name in names:
        with gzip.open(samples / name, "rt", encoding="utf-8") as fh:
            chunks = [json.loads(line) for line in fh]
        end = next((i for i, c in enumerate(chunks) if "\x1b[?1049l" in c), len(chunks))
        chunks_by[name] = chunks[:end]
    lines.append(
        "| Textual's own output | "
        + " | ".join(f"{sum(len(c.encode()) for c in chunks_by[n]):,}" for n in names)
        + " |"
    )
    for label, knobs in configs:
        lines.append(
            f"| {label} | "
            + " | ".join(f"{replay(chunks_by[n], **dict(knobs)):,}" for n in names)
            + " |"
        )
    return "\n".join(lines)


# -- the table ----------------------------------------------------------------------------------


@dataclass
class Reps:
    down: int = 20
    page: int = 10
    triage: int = 10
    detail: int = 5
    switch: int = 5
    words: tuple[str, ...] = ("bosni", "switz", "niger")
    list_words: tuple[str, ...] = ("women", "child", "tortu")
    idle: float = 10.0
    autosave: float = 4.0  # seconds of keys after the first decision


KEY_ORDER = [
    "open the list (r, first time)",
    "cursor down",
    "cursor down past the bottom (scrolls), first autosave running",
    "page down",
    "triage decision",
    "triage decision (queue)",
    "open + close detail",
    "search 5 letters (list)",
    "search 5 letters (country filter)",
    "search 5 letters (prompt)",
    "switch screens (list → overview → list)",
    "switch screens (recommendations ↔ overview)",
]


def markdown(results: Sequence[Result], store: dict[str, dict[str, str]]) -> str:
    head = ["", *[r.title for r in results]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def row(label: str, cells: Iterable[str]) -> None:
        lines.append("| " + " | ".join([label, *cells]) + " |")

    row("rows in the list", (f"{r.rows:,}" for r in results))
    row(
        "first paint (s)",
        (f"{r.first_paint_s:.2f}" if r.first_paint_s is not None else "—" for r in results),
    )
    row(
        "bytes to first paint",
        (f"{r.first_bytes:,}" if r.first_bytes is not None else "—" for r in results),
    )
    row(
        "bytes, first complete screen",
        (f"{r.complete_bytes:,}" if r.complete_bytes is not None else "—" for r in results),
    )
    keys = [k for k in KEY_ORDER if any(k in r.keys for r in results)]
    keys += sorted({k for r in results for k in r.keys} - set(keys))
    for key in keys:
        row(
            key + " (bytes · median/p90 latency)",
            (r.keys[key].cell() if key in r.keys else "—" for r in results),
        )
    row(
        "idle 10 s (bytes)",
        (f"{r.idle_bytes:,}" if r.idle_bytes is not None else "—" for r in results),
    )
    store_keys = sorted({k for figures in store.values() for k in figures})
    for key in store_keys:
        row(key, (store.get(r.title, {}).get(key, "—") for r in results))
    notes = [f"- {r.title}: {n}" for r in results for n in r.notes]
    return "\n".join(lines + ([""] + notes if notes else []))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="300,10000,100000")
    p.add_argument(
        "--subjects",
        default="upr-lean,upr,datatable,visidata",
        help="comma list: upr-lean, upr, upr-16, upr-lean-no-layer, datatable, visidata, spread",
    )
    p.add_argument(
        "--reference-sizes",
        default="100000",
        help="sizes at which upr (no lean) and the reference apps run",
    )
    p.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "upr-bench")
    p.add_argument("--quick", action="store_true", help="fewer repetitions, 3 s idle")
    p.add_argument("--no-store", action="store_true", help="skip load/save/merge figures")
    p.add_argument(
        "--record",
        type=Path,
        metavar="DIR",
        help="only record Textual's output in scripted sessions (tests/samples/lean)",
    )
    p.add_argument(
        "--first-use",
        action="store_true",
        help="only the first, second and third use of each key that opens something",
    )
    p.add_argument(
        "--layer-ablation",
        action="store_true",
        help="only print what each part of the lean output layer saves (recordings)",
    )
    args = p.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.layer_ablation:
        print(layer_ablation())
        return 0
    if args.first_use:
        for size in (int(x) for x in args.sizes.split(",") if x):
            print(first_use(args.cache, size, ["--lean"]))
            print()
        return 0
    if args.record:
        record(args.record, args.cache)
        return 0
    reps = (
        Reps(
            down=8,
            page=5,
            triage=5,
            detail=3,
            switch=3,
            words=("bosni",),
            list_words=("women",),
            idle=3.0,
        )
        if args.quick
        else Reps()
    )
    sizes = [int(s) for s in args.sizes.split(",") if s]
    ref_sizes = {int(s) for s in args.reference_sizes.split(",") if s}
    subjects = [s.strip() for s in args.subjects.split(",") if s.strip()]
    results: list[Result] = []
    store: dict[str, dict[str, str]] = {}
    for size in sizes:
        label = f"{size // 1000}k" if size >= 1000 else str(size)
        ws = build_workspace(args.cache, size, "one")
        rows_csv = args.cache / f"rows-one-{size}.csv"
        rows = export_rows_csv(ws, rows_csv)
        if "upr-lean" in subjects:
            title = f"upr --lean {label}"
            print(f"… {title}", file=sys.stderr)
            results.append(run_upr(ws, rows, variant="upr-lean", reps=reps, title=title))
            if size >= 100_000 and not args.no_store:
                store[title] = store_figures(ws)
        if "spread" in subjects and size >= 10_000:
            spread = build_workspace(args.cache, size, "spread")
            title = f"upr --lean {label} spread"
            print(f"… {title}", file=sys.stderr)
            spread_rows = export_rows_csv(spread, args.cache / f"rows-spread-{size}.csv")
            results.append(run_upr(spread, spread_rows, variant="upr-lean", reps=reps, title=title))
        if size not in ref_sizes:
            continue
        for variant in ("upr-lean-no-layer", "upr-16", "upr"):
            if variant in subjects:
                title = f"{VARIANT_TITLES[variant]} {label}"
                print(f"… {title}", file=sys.stderr)
                results.append(run_upr(ws, rows, variant=variant, reps=reps, title=title))
        if "datatable" in subjects:
            title = f"DataTable {label}"
            print(f"… {title}", file=sys.stderr)
            results.append(run_datatable(rows_csv, rows, reps=reps, title=title))
        if "visidata" in subjects:
            title = f"VisiData {label}"
            print(f"… {title}", file=sys.stderr)
            results.append(run_visidata(rows_csv, rows, reps=reps, title=title))
    print(markdown(results, store))
    return 0


if __name__ == "__main__":
    sys.exit(main())
