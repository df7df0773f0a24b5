"""Saves that die half-way (DESIGN §5): whatever instant a save is killed at, the file loads and
holds the old or the new state; failing writes leave the old file and keep the edits in memory.

The crashes are real: a child process is killed with SIGKILL or leaves with ``os._exit`` inside
the save, a write hits RLIMIT_FSIZE, a folder is made read-only for a non-root user.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from tui.clock import format_clock
from tui.store import SAVE_STEPS, Workspace, WorkspaceStorage, lock_path

REPO = Path(__file__).resolve().parent.parent
REC = "recommendations"
TARGET = "UPR:A/HRC/59/15:140.7"


def run_child(
    code: str, *args: str, timeout: float = 120, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


def small_workspace(path: Path) -> Path:
    ws = Workspace.open(path, author="ana")
    ws.edit(REC, TARGET, {"text": "Ratify the Optional Protocol", "note": "old"})
    for i in range(50):
        ws.edit(REC, f"UPR:A/HRC/59/15:141.{i}", {"text": f"Recommendation {i}"})
    ws.close()
    return path


def note_of(path: Path) -> str:
    """Load through the full validation (a broken file raises) and read the target's note."""
    ws = Workspace.open(path, author="checker", read_only=True)
    record = ws.get(REC, TARGET)
    assert record is not None
    return record["note"]


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# -- a crash at each step of the save -----------------------------------------------------------

EXIT_AT_STEP = """
import os, sys
from tui.store import Workspace
path, step = sys.argv[1], sys.argv[2]
ws = Workspace.open(path, author="ana")
ws.edit("recommendations", "UPR:A/HRC/59/15:140.7", {"note": "new"})
ws.storage.fault_hook = lambda at: os._exit(3) if at == step else None
ws.save()
sys.exit(0)
"""


@pytest.mark.parametrize("step", SAVE_STEPS)
def test_process_dying_at_each_step_leaves_a_loadable_file(tmp_path: Path, step: str) -> None:
    path = small_workspace(tmp_path / "w.json")
    result = run_child(EXIT_AT_STEP, str(path), step)
    assert result.returncode == 3, result.stderr
    expected = "new" if step == "replaced" else "old"
    assert note_of(path) == expected
    assert lock_path(path).exists()  # the dead process's lock is still there...
    if step != "replaced":
        assert len(temp_files(tmp_path)) == 1  # ...and its half-done temp file
    ws = Workspace.open(path, author="bob")  # stale lock taken over, leftovers removed
    assert temp_files(tmp_path) == []
    ws.edit(REC, TARGET, {"note": "after"})
    ws.close()
    assert note_of(path) == "after"


class Boom(Exception):
    pass


@pytest.mark.parametrize("step", SAVE_STEPS)
def test_exception_at_each_step_keeps_the_edits_and_a_retry_works(
    tmp_path: Path, step: str
) -> None:
    path = small_workspace(tmp_path / "w.json")
    ws = Workspace.open(path, author="ana")
    ws.edit(REC, TARGET, {"note": "new"})

    def hook(at: str) -> None:
        if at == step:
            raise Boom(at)

    ws.storage.fault_hook = hook
    with pytest.raises(Boom):
        ws.save()
    assert temp_files(tmp_path) == []
    assert note_of(path) == ("new" if step == "replaced" else "old")
    assert ws.dirty and ws.get(REC, TARGET)["note"] == "new"  # type: ignore[index]
    ws.storage.fault_hook = None
    assert ws.save()  # no false "replaced by another program" after our own rename
    assert ws.replaced is None and note_of(path) == "new"
    ws.close()


# -- SIGKILL at random instants of saves of a 10+ MB workspace ------------------------------------


def synthetic_workspace(path: Path, n: int) -> None:
    """``n`` recommendation records written straight through the storage (fast to build)."""
    rnd = random.Random(n)
    words = (
        "ensure",
        "rights",
        "women",
        "children",
        "adopt",
        "national",
        "plan",
        "Roma",
        "persons",
        "disabilities",
        "discrimination",
        "strengthen",
        "measures",
        "é",
        "ü",
    )
    base = int(time.time() * 1000) - 86_400_000
    records: dict[str, Any] = {}
    for i in range(n):
        rid = f"UPR:A/HRC/{8 + i % 50}/{10 + i % 7}:{100 + i // 1000}.{i % 1000}"
        records[rid] = {
            "id": rid,
            "mechanism": "UPR",
            "body": "",
            "country": "SVN",
            "cycle": 4,
            "session": 48,
            "document": "A/HRC/59/15",
            "paragraph": f"140.{i}",
            "text": " ".join(rnd.choice(words) for _ in range(20)),
            "recommending": ["FRA"],
            "position": "supported",
            "themes": ["A41"],
            "groups": [],
            "sdgs": ["16"],
            "action_category": None,
            "priority": "none",
            "cluster": "",
            "lead_entity": "",
            "partners": [],
            "cf_outcome": "",
            "status": "no_information",
            "evidence": "",
            "note": "",
            "triaged": False,
            "deleted": False,
            "source": {"file": "synthetic", "line": i, "kind": "report"},
            "_clock": {"*": format_clock(base + i, 0, "gen")},
        }
    records[TARGET] = dict(next(iter(records.values())), id=TARGET, note="save-0")
    data = {
        "meta": {
            "meta": {
                "id": "meta",
                "schema_version": 2,
                "workspace_id": "synthetic",
                "created": "2025-01-01T00:00:00Z",
            }
        },
        "countries": {},
        REC: records,
        "checklist": {},
        "actions": {},
        "history": {},
        "conflicts": {},
    }
    WorkspaceStorage(path).write(data)


# Our records carry all 26 fields (~700 bytes each): 18,000 of them make a 12.8 MB file, the
# size 40,000 leaner records would; the point is a save long enough to be killed mid-write.
N_BIG = 18_000

SAVE_LOOP = """
import sys, time
from tui.store import Workspace
ws = Workspace.open(sys.argv[1], author="ana")
k = int(ws.get("recommendations", "UPR:A/HRC/59/15:140.7")["note"].split("-")[1])
while True:
    k += 1
    ws.edit("recommendations", "UPR:A/HRC/59/15:140.7", {"note": f"save-{k}"})
    print("saving", k, flush=True)
    started = time.perf_counter()
    ws.save()
    print("saved", k, round(time.perf_counter() - started, 4), flush=True)
"""


@pytest.mark.slow
def test_sigkill_during_saves_of_a_large_workspace(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    synthetic_workspace(path, N_BIG)
    size = path.stat().st_size
    assert size >= 10_000_000, size
    rnd = random.Random(2024)
    durations = [0.3]
    outcomes: list[tuple[int, int]] = []
    for _round in range(30):
        proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(SAVE_LOOP), str(path)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        victim = rnd.randint(1, 3)  # the first save (full encode) or a later one (one record)
        lines: list[str] = []
        while True:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "child died"
            lines.append(line)
            parts = line.split()
            if parts[0] == "saved":
                durations.append(float(parts[2]))
            if parts[0] == "saving" and int(parts[1]) >= victim + int(lines[0].split()[1]) - 1:
                break
        # Anywhere from before the first byte to after the rename.
        time.sleep(rnd.uniform(0, 1.3 * max(durations[-5:])))
        proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        lines.extend(rest.splitlines())
        last_saving = max(int(line.split()[1]) for line in lines if line.startswith("saving"))
        ws = Workspace.open(path, author="checker", read_only=True)  # fully validated
        assert len(ws.table(REC)) == N_BIG + 1
        note = ws.get(REC, TARGET)["note"]  # type: ignore[index]
        k = int(note.split("-")[1])
        assert k in (last_saving - 1, last_saving), (k, last_saving)
        history = [h for h in ws.table("history") if h.startswith(TARGET + "|note|")]
        assert len(history) == k  # one row per completed save: the state is whole
        outcomes.append((k, last_saving))
    # The kills did land both before and after the rename.
    assert any(k == s for k, s in outcomes) and any(k == s - 1 for k, s in outcomes)
    Workspace.open(path, author="ana").close()
    assert temp_files(tmp_path) == []


# -- a write that fails: file size limit, read-only folder -----------------------------------------

FSIZE_LIMIT = """
import json, resource, signal, sys
from pathlib import Path
from tui.store import Workspace, WorkspaceError
path = Path(sys.argv[1])
original = path.read_bytes()
ws = Workspace.open(path, author="ana")
ws.edit("recommendations", "UPR:A/HRC/59/15:140.7", {"note": "n" * 50_000})
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
resource.setrlimit(resource.RLIMIT_FSIZE, (len(original) + 1_000, hard))
out = {}
try:
    ws.save()
    out["error"] = None
except WorkspaceError as exc:
    out["error"] = str(exc)
out["intact"] = path.read_bytes() == original
out["dirty"] = ws.dirty
out["in_memory"] = len(ws.get("recommendations", "UPR:A/HRC/59/15:140.7")["note"])
out["temps"] = sorted(p.name for p in path.parent.iterdir() if p.name.endswith(".tmp"))
resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
out["retry"] = ws.save()
ws.close()
print(json.dumps(out))
"""


def test_write_failing_on_file_size_limit_keeps_the_old_file(tmp_path: Path) -> None:
    path = small_workspace(tmp_path / "w.json")
    result = run_child(FSIZE_LIMIT, str(path))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["error"] is not None
    assert "could not save w.json" in out["error"] and "too large" in out["error"]
    assert "kept" in out["error"] and "\n" not in out["error"]
    assert out["intact"] is True
    assert out["dirty"] is True and out["in_memory"] == 50_000
    assert out["temps"] == []
    assert out["retry"] is True
    assert note_of(path) == "n" * 50_000


READ_ONLY_FOLDER = """
import json, os, sys
from pathlib import Path
from tui.store import Workspace, WorkspaceError
folder = Path(sys.argv[1])
if sys.argv[2] == "drop":  # root ignores permissions: become nobody (imports are done)
    os.setgid(65534)
    os.setuid(65534)
path = folder / "w.json"
ws = Workspace.open(path, author="ana")
ws.edit("recommendations", "UPR:A/HRC/59/15:140.7", {"text": "Ratify", "note": "old"})
ws.save()
original = path.read_bytes()
ws.edit("recommendations", "UPR:A/HRC/59/15:140.7", {"note": "new"})
os.chmod(folder, 0o555)
out = {}
try:
    ws.save()
    out["error"] = None
except WorkspaceError as exc:
    out["error"] = str(exc)
out["intact"] = path.read_bytes() == original
out["dirty"] = ws.dirty
os.chmod(folder, 0o755)
out["retry"] = ws.save()
ws.close()
out["final"] = json.loads(path.read_text())["recommendations"]["UPR:A/HRC/59/15:140.7"]["note"]
print(json.dumps(out))
"""


def test_read_only_folder_is_reported_and_a_retry_works() -> None:
    folder = Path(tempfile.mkdtemp(prefix="upr-ro-"))  # under /tmp: reachable by nobody
    try:
        drop = os.geteuid() == 0
        if drop:
            os.chown(folder, 65534, 65534)
        result = run_child(READ_ONLY_FOLDER, str(folder), "drop" if drop else "stay")
        assert result.returncode == 0, result.stderr
        out = json.loads(result.stdout)
        assert out["error"] is not None and "permission" in out["error"], out
        assert "\n" not in out["error"]
        assert out["intact"] is True and out["dirty"] is True
        assert out["retry"] is True and out["final"] == "new"
    finally:
        os.chmod(folder, 0o755)
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()
