"""``upr sync`` with real git (issue 19 point 4): a local bare repository as the team's server,
two clones editing different and the same records, syncing in turn."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tui.cli import main
from tui.merge import open_conflicts
from tui.store import Workspace

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

NAME = "upr-workbench.json"
RID = "UPR:A/HRC/59/15:140.{}"


def git(cwd: Path, *argv: str) -> str:
    return subprocess.run(
        ["git", *argv], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


def edit(path: Path, author: str, n: int, values: dict) -> None:
    ws = Workspace.open(path, author=author)
    ws.edit("recommendations", RID.format(n), values)
    ws.close()


def load(path: Path) -> Workspace:
    return Workspace.open(path, author="reader", read_only=True, lock=False)


def sync(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cwd: Path, author: str
) -> str:
    monkeypatch.chdir(cwd)
    code = main(["sync", "--author", author])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    """A bare 'server' repository, Ana's clone with a workspace pushed, Ben's clone of it."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    server = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(server))
    ana = tmp_path / "ana"
    git(tmp_path, "clone", "-q", str(server), str(ana))
    git(ana, "checkout", "-q", "-b", "main")
    ws = Workspace.open(ana / NAME, author="ana")
    for n in (1, 2, 3):
        ws.edit(
            "recommendations",
            RID.format(n),
            {"country": "SVN", "document": "A/HRC/59/15", "paragraph": f"140.{n}", "text": "T"},
        )
    ws.close()
    return server, ana, tmp_path / "ben"


def test_two_clones_sync_in_turn_and_both_end_with_every_edit(
    team: tuple[Path, Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, ana, ben = team
    (ana / f"{NAME}.lock").write_text("123 host ana\n")
    (ana / f"{NAME}.v1.bak").write_text("{}")
    (ana / f"{NAME}.risks.json").write_text("{}")
    out = sync(capsys, monkeypatch, ana, "ana")
    assert "committed: upr sync by ana: new workspace" in out and "pushed to origin" in out
    assert "sent " in out and " bytes, received 0 bytes" in out
    tracked = git(ana, "ls-files").split()
    assert sorted(tracked) == [".gitattributes", NAME]  # never the lock, backup or risk log
    assert f"{NAME} merge=upr" in (ana / ".gitattributes").read_text()

    git(server.parent, "clone", "-q", str(server), str(ben))
    # Different records, and the same field of 140.1 on both sides.
    edit(ana / NAME, "ana", 2, {"priority": "high", "status": "in_progress"})
    edit(ana / NAME, "ana", 1, {"cluster": "Justice"})
    edit(ben / NAME, "ben", 3, {"lead_entity": "UNICEF"})
    edit(ben / NAME, "ben", 1, {"cluster": "Health"})

    out = sync(capsys, monkeypatch, ana, "ana")
    assert "committed: upr sync by ana: 3 decisions" in out and "pushed" in out
    out = sync(capsys, monkeypatch, ben, "ben")  # ben registers the driver in his clone too
    assert "committed: upr sync by ben: 2 decisions" in out
    assert "merged the remote's edits" in out and "1 conflict(s) to review" in out
    assert "pushed" in out
    sent_received = out.splitlines()[-1]
    assert sent_received.startswith("sent ") and "received 0 bytes" not in sent_received
    out = sync(capsys, monkeypatch, ana, "ana")
    assert "nothing new to commit" in out and "1 conflict(s) to review" in out

    for clone in (ana, ben):
        text = (clone / NAME).read_text()
        assert "<<<<<<<" not in text and ">>>>>>>" not in text
        ws = load(clone / NAME)
        two, three = (
            ws.get("recommendations", RID.format(2)),
            ws.get("recommendations", RID.format(3)),
        )
        assert two["priority"] == "high" and two["status"] == "in_progress"
        assert three["lead_entity"] == "UNICEF"
        conflicts = open_conflicts(ws.snapshot_tables())
        assert [(c["record"], c["field"]) for c in conflicts] == [(RID.format(1), "cluster")]
        assert {conflicts[0]["winner"], conflicts[0]["other"]} == {"Justice", "Health"}
        ws.close(save=False)
    assert (ana / NAME).read_bytes() == (ben / NAME).read_bytes()
    log = git(ana, "log", "--format=%s")
    assert "upr sync by ben: 2 decisions" in log


def test_outside_a_repository_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["sync"]) == 1
    assert "not in a git working tree" in capsys.readouterr().err


async def test_palette_save_and_sync_pushes_and_takes_the_team_edits_in(
    team: tuple[Path, Path, Path],
    make_app,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, ana, ben = team
    sync(capsys, monkeypatch, ana, "ana")
    git(server.parent, "clone", "-q", str(server), str(ben))
    edit(ben / NAME, "ben", 3, {"lead_entity": "UNICEF"})
    sync(capsys, monkeypatch, ben, "ben")
    app = make_app(path=ana / NAME)
    async with app.run_test(size=(80, 24)) as pilot:
        app.workspace.edit("recommendations", RID.format(2), {"priority": "low"})
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Save and sync" in titles
        app.action_save_and_sync()
        for _ in range(300):
            await pilot.pause(0.05)
            rec = app.workspace.get("recommendations", RID.format(3))
            if rec["lead_entity"] == "UNICEF" and not app._merging:
                break
        assert app.workspace.get("recommendations", RID.format(3))["lead_entity"] == "UNICEF"
        assert any("Synced:" in n.message for n in app._notifications)
    assert git(ana, "ls-files").split() == [".gitattributes", NAME]  # the app's lock stays out
    git(ben, "pull", "-q")
    ws = load(ben / NAME)
    assert ws.get("recommendations", RID.format(2))["priority"] == "low"
    ws.close(save=False)


def test_from_the_app_ssh_runs_in_batch_mode_and_git_never_reads_the_terminal(
    team: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.sync as core

    _server, ana, _ben = team
    monkeypatch.delenv("GIT_SSH_COMMAND", raising=False)
    calls: list[tuple[list[str], dict]] = []
    real = subprocess.run

    def spy(argv, **kwargs):
        calls.append((list(argv), kwargs))
        return real(argv, **kwargs)

    monkeypatch.setattr(core.subprocess, "run", spy)
    core.sync(ana, workspace=ana / NAME, author="ana", batch=True)
    network = [kw for argv, kw in calls if {"fetch", "push"} & set(argv)]
    assert network and all(kw["env"]["GIT_SSH_COMMAND"] == "ssh -o BatchMode=yes" for kw in network)
    assert all(kw.get("stdin") is subprocess.DEVNULL or "input" in kw for _a, kw in calls)
    assert "GIT_SSH_COMMAND" not in core._BATCH_ENV  # a later command-line sync may prompt


def test_the_only_workspace_is_found_by_its_content_and_a_push_sends_a_delta(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-config"))
    server, clone = tmp_path / "server.git", tmp_path / "clone"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(server))
    git(tmp_path, "clone", "-q", str(server), str(clone))
    git(clone, "checkout", "-q", "-b", "main")
    (clone / "notes.json").write_text('{"not": "a workspace"}')
    ws = Workspace.open(clone / "team.json", author="ana")
    for n in range(1, 200):  # the meta table comes after a long history
        ws.edit("recommendations", RID.format(n), {"country": "SVN", "text": f"Text {n} " * 20})
    ws.close()
    out = sync(capsys, monkeypatch, clone, "ana")
    assert "/team.json merge=upr" in out and "committed" in out
    assert git(clone, "ls-files").split() == [".gitattributes", "team.json"]
    first = int(out.splitlines()[-1].split()[1].replace(",", ""))
    edit(clone / "team.json", "ana", 5, {"priority": "high"})
    out = sync(capsys, monkeypatch, clone, "ana")
    assert "upr sync by ana: 1 decision" in out
    second = int(out.splitlines()[-1].split()[1].replace(",", ""))
    assert 0 < second < first / 5  # a thin pack: the change, not the whole file again


def test_commit_message_names_the_author_decisions_and_imports(
    team: tuple[Path, Path, Path],
    shared_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _server, ana, _ben = team
    sync(capsys, monkeypatch, ana, "ana")
    reports = shared_dir / "corpus/wg-reports"
    monkeypatch.setenv("UPR_AUTHOR", "ana")
    assert (
        main(["import", str(reports / "A_HRC_59_15_Slovenia_2025.txt"), "-w", str(ana / NAME)]) == 0
    )
    assert (
        main(["import", str(reports / "A_HRC_59_15_Add1_Slovenia_2025.txt"), "-w", str(ana / NAME)])
        == 0
    )
    edit(ana / NAME, "ana", 1, {"priority": "high"})
    out = sync(capsys, monkeypatch, ana, "ana")
    # 254 paragraphs, three of which the workspace had already: 251 new records.
    assert "committed: upr sync by ana: 1 decision, 1 import (251 new recommendations)" in out
