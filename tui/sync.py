"""``upr sync``: the team's shared copy in a git repository (issue 19 point 4).

One command does what a colleague would otherwise type in six: register the merge driver if
missing (the code of ``upr git-setup``), commit the workspace files only (never ``.lock``,
``.bak`` or ``*.risks.json``: the lock is this machine's, the backups are local and the risk
log is confidential, DESIGN §1), fetch, merge with the driver (so a workspace never gets a
conflict marker: fields both sides changed become rows of ``conflicts`` for the review screen),
and push. The commit message names the author and what changed ("12 decisions, 1 new
recommendation"), counted from the history rows the commit adds.

Bytes on the wire: git prints no byte count for small transfers, so the report gives the size
of the packs git sends for the objects that moved (``git pack-objects`` over the commits that
were fetched or pushed): what a slow link carries, give or take the protocol's few hundred
bytes. Works over any remote git reaches (ssh included); the tests use a local bare repository.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tui.sanitize import clean_line

NEVER_COMMITTED = (".lock", ".bak", ".risks.json", ".tmp")
# What ``upr git-setup`` (tui/commands/merge.py) and ``upr sync`` register.
GITATTRIBUTES_LINES = ("*.upr.json merge=upr", "upr-workbench.json merge=upr")
DRIVER_NAME = "UPR Workbench workspace merge"


def driver_command(explicit: str | None = None) -> str:
    """``upr merge-driver %O %A %B``, with the path of this installation if ``upr`` is not on PATH."""
    if explicit:
        return f"{explicit} merge-driver %O %A %B"
    mine = Path(sys.executable).parent / "upr"
    found = shutil.which("upr")
    if found or not mine.exists():
        return "upr merge-driver %O %A %B"
    return f"{shlex.quote(str(mine))} merge-driver %O %A %B"


def ensure_gitattributes(root: Path, lines: list[str]) -> list[str]:
    """Append the lines missing from ``root/.gitattributes``; returns those added."""
    path = root / ".gitattributes"
    text = path.read_text("utf-8") if path.exists() else ""
    present = {" ".join(line.split()) for line in text.splitlines()}
    added = [line for line in lines if line not in present]
    if added:
        if text and not text.endswith("\n"):
            text += "\n"
        text += "\n".join(added) + "\n"
        path.write_text(text, "utf-8")
    return added


class SyncError(Exception):
    """Something git refused or a state sync cannot handle: one line for the user."""


@dataclass
class SyncReport:
    """What ``sync`` did, for the summary line."""

    files: list[str] = field(default_factory=list)
    committed: str = ""  # the commit message, "" when nothing was committed
    merged: bool = False
    conflicts: int = 0
    pushed: bool = False
    sent: int = 0
    received: int = 0
    registered: list[str] = field(default_factory=list)
    remote: str = ""
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = list(self.registered)
        out.append(f"committed: {self.committed}" if self.committed else "nothing new to commit")
        out.append("merged the remote's edits" if self.merged else "nothing new on the remote")
        if self.conflicts:
            out.append(f"{self.conflicts} conflict(s) to review in the app (C)")
        out.append(f"pushed to {self.remote}" if self.pushed else "nothing to push")
        out.append(f"sent {self.sent:,} bytes, received {self.received:,} bytes")
        out += self.notes
        return [clean_line(line) for line in out]


# Set by ``sync(batch=True)`` (the app): ssh must never ask for a passphrase on the terminal
# the interface is drawn on; it fails instead, and the app says so.
_BATCH_ENV: dict[str, str] = {}


def git(root: Path, *argv: str, identity: Sequence[str] = (), check: bool = True) -> str:
    """Run git in ``root``; SyncError with git's last line when it fails and ``check``.

    Never waits for a typed answer: no terminal prompt for https, stdin closed."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_MERGE_AUTOEDIT="no", **_BATCH_ENV)
    done = subprocess.run(
        ["git", *identity, *argv],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if check and done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise SyncError(lines[-1] if lines else f"git {argv[0]} failed")
    return done.stdout.strip()


def repo_root(start: Path) -> Path:
    try:
        return Path(git(start, "rev-parse", "--show-toplevel"))
    except (SyncError, OSError):
        raise SyncError(
            f"{start} is not in a git working tree (git init, or clone the team's)"
        ) from None


def _committable(name: str) -> bool:
    return not name.endswith(NEVER_COMMITTED) and ".json.v" not in name


def workspace_files(root: Path, workspace: Path | None) -> list[Path]:
    """The files to sync: ``workspace``; else every file with ``merge=upr``; else the only
    workspace ``*.json`` of the tree."""
    if workspace is not None:
        path = Path(os.path.abspath(workspace))
        if not path.exists():
            raise SyncError(f"{workspace}: no such file")
        if not _committable(path.name):
            raise SyncError(f"{workspace}: a lock, backup or risk log is never synced")
        return [path]
    listed = git(root, "ls-files", "-co", "--exclude-standard", "-z").split("\0")
    names = [n for n in listed if n and _committable(n)]
    if names:
        attrs = subprocess.run(
            ["git", "check-attr", "-z", "merge", "--stdin"],
            cwd=root,
            input="\0".join(names) + "\0",
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split("\0")
        registered = [attrs[i] for i in range(0, len(attrs) - 2, 3) if attrs[i + 2] == "upr"]
        if registered:
            return [root / n for n in sorted(set(registered))]
    candidates = [root / n for n in names if n.endswith(".json") and _is_workspace(root / n)]
    if len(candidates) == 1:
        return candidates
    if not candidates:
        raise SyncError("no workspace file in this repository: give it with -w FILE")
    raise SyncError("several workspace files: give the one to sync with -w FILE")


def _is_workspace(path: Path) -> bool:
    """A workspace by its name (``upr-workbench.json``, ``*.upr.json``) or its content: a JSON
    object with ``schema_version`` in it (the meta table sorts after history: read it all,
    in chunks)."""
    if path.name == "upr-workbench.json" or path.name.endswith(".upr.json"):
        return True
    marker = b'"schema_version"'
    try:
        with path.open("rb") as fh:
            tail = b""
            first = True
            while chunk := fh.read(1 << 20):
                if first and not chunk.lstrip().startswith(b"{"):
                    return False
                first = False
                if marker in tail + chunk:
                    return True
                tail = chunk[-len(marker) :]
    except OSError:
        return False
    return False


def ensure_driver(root: Path, files: Sequence[Path]) -> list[str]:
    """Register ``merge=upr`` for the files and the driver in the repository's config, as
    ``upr git-setup`` does, when missing. Returns lines saying what was done."""
    lines = list(GITATTRIBUTES_LINES)
    for path in files:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
        if not (path.name.endswith(".upr.json") or path.name == "upr-workbench.json"):
            if any(ch in rel for ch in ' \t#\\"'):
                raise SyncError(f"{rel}: rename it to end in .upr.json to sync it")
            lines.append(f"/{rel} merge=upr")
    out: list[str] = []
    added = ensure_gitattributes(root, lines)
    if added:
        out.append(".gitattributes: added " + "; ".join(added))
    if git(root, "config", "--get", "merge.upr.driver", check=False) == "":
        command = driver_command()
        git(root, "config", "merge.upr.name", DRIVER_NAME)
        git(root, "config", "merge.upr.driver", command)
        out.append(f"git config merge.upr.driver = {command}")
    return out


def _identity(root: Path, author: str) -> list[str]:
    """``-c user.name=… -c user.email=…`` when git has no identity configured."""
    out: list[str] = []
    if not git(root, "config", "user.name", check=False):
        out += ["-c", f"user.name={author}"]
    if not git(root, "config", "user.email", check=False):
        out += ["-c", f"user.email={author}@upr-workbench.invalid"]
    return out


def describe_changes(root: Path, files: Sequence[Path]) -> str:
    """``12 decisions, 1 import (254 new recommendations)`` from the history rows the
    workspace files gained since HEAD. An import is told by the files its records name
    (``source.file`` of the records it created or re-sourced); a decision is an edit of a
    decision field (DESIGN §2) or of a position outside an import."""
    from tui.merge import load_copy
    from tui.model import DECISION_FIELDS
    from tui.store import WorkspaceError

    counts: Counter[str] = Counter()
    imported: set[str] = set()
    new_workspace = False
    for path in files:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
        try:
            tables = load_copy(path)
        except WorkspaceError as exc:
            raise SyncError(str(exc)) from None
        now, records = tables.get("history", {}), tables.get("recommendations", {})
        before: dict[str, object] = {}
        raw = subprocess.run(
            ["git", "show", f"HEAD:{rel}"],
            cwd=root,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if raw.returncode == 0:
            with tempfile.TemporaryDirectory() as tmp:
                old = Path(tmp) / ("old.json.gz" if raw.stdout[:2] == b"\x1f\x8b" else "old.json")
                old.write_bytes(raw.stdout)
                try:
                    before = dict(load_copy(old).get("history", {}))
                except WorkspaceError:
                    before = {}
        else:
            new_workspace = True
        fresh = [r for h, r in now.items() if h not in before and isinstance(r, dict)]
        sourced = {
            str(r.get("record"))
            for r in fresh
            if r.get("table") == "recommendations" and r.get("field") in ("*", "source")
        }
        for rid in sourced:
            source = (records.get(rid) or {}).get("source")
            if isinstance(source, dict) and source.get("file"):
                imported.add(str(source["file"]))
        for row in fresh:
            table, fname = row.get("table"), row.get("field")
            if table == "recommendations":
                if fname == "*":
                    counts["new recommendation"] += 1
                elif fname in DECISION_FIELDS or (
                    fname == "position" and row.get("record") not in sourced
                ):
                    counts["decision"] += 1
                elif row.get("record") not in sourced:
                    counts["recommendation edit"] += 1
            elif table == "checklist":
                counts["checklist edit"] += 1
            elif table == "actions":
                counts["plan edit"] += 1
            elif table == "links":
                counts["link"] += 1
            elif table == "countries" and fname == "*":
                continue  # a country an import or a checklist added: told by those
            else:
                counts["other edit"] += 1

    def n(key: str) -> str:
        return f"{counts[key]} {key}{'s' if counts[key] != 1 else ''}"

    parts: list[str] = []
    if counts["decision"]:
        parts.append(n("decision"))
    if imported:
        inner = f" ({n('new recommendation')})" if counts["new recommendation"] else ""
        parts.append(f"{len(imported)} import{'s' if len(imported) != 1 else ''}{inner}")
    elif counts["new recommendation"]:
        parts.append(n("new recommendation"))
    for key in ("recommendation edit", "checklist edit", "plan edit", "link", "other edit"):
        if counts[key]:
            parts.append(n(key))
    text = ", ".join(parts) or "no new edits"
    return f"new workspace: {text}" if new_workspace else text


def _pack_size(root: Path, include: str, exclude: Sequence[str]) -> int:
    """Bytes of the pack git sends for ``include`` to a side that has ``exclude``: a thin
    pack with deltas against what the other side holds, as ``git push`` and ``fetch`` make."""
    revs = "\n".join([include, *(f"^{e}" for e in exclude if e)]) + "\n"
    pack = subprocess.run(
        ["git", "pack-objects", "--revs", "--thin", "--stdout", "-q", "--delta-base-offset"],
        cwd=root,
        input=revs.encode("ascii"),
        capture_output=True,
        check=False,
    )
    return len(pack.stdout) if pack.returncode == 0 else 0


def _rev(root: Path, name: str) -> str:
    return git(root, "rev-parse", "--verify", "-q", name + "^{commit}", check=False)


def open_conflicts_in(files: Sequence[Path]) -> int:
    from tui.merge import load_copy, open_conflicts
    from tui.store import WorkspaceError

    total = 0
    for path in files:
        try:
            total += len(open_conflicts(load_copy(path)))
        except WorkspaceError:
            continue
    return total


def sync(
    start: Path,
    *,
    remote: str | None = None,
    workspace: Path | None = None,
    author: str,
    batch: bool = False,
) -> SyncReport:
    """Commit, fetch, merge (with the driver), push. Raises SyncError with one line.

    ``batch``: run from the app: ssh in batch mode (keys from an agent, no passphrase
    prompt), unless the user set ``GIT_SSH_COMMAND`` themselves."""
    _BATCH_ENV.clear()
    if batch and "GIT_SSH_COMMAND" not in os.environ:
        _BATCH_ENV["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    try:
        return _sync(start, remote, workspace, author)
    finally:
        _BATCH_ENV.clear()


def _sync(start: Path, remote: str | None, workspace: Path | None, author: str) -> SyncReport:
    root = repo_root(start if workspace is None else Path(os.path.abspath(workspace)).parent)
    report = SyncReport()
    files = workspace_files(root, workspace)
    report.files = [p.resolve().relative_to(root.resolve()).as_posix() for p in files]
    report.registered = ensure_driver(root, files)
    identity = _identity(root, author)
    if git(root, "rev-parse", "-q", "--verify", "MERGE_HEAD", check=False):
        raise SyncError("a git merge is in progress here: finish or abort it first")
    branch = git(root, "symbolic-ref", "--short", "-q", "HEAD", check=False)
    if not branch:
        raise SyncError("not on a branch (detached HEAD): check out the team's branch")
    upstream_remote = git(root, "config", f"branch.{branch}.remote", check=False)
    remotes = git(root, "remote").split()
    remote = remote or upstream_remote or ("origin" if "origin" in remotes else "")
    if not remote:
        raise SyncError("no remote: git remote add origin URL (or give REMOTE)")
    if remote not in remotes:
        raise SyncError(f"no remote named {remote!r} (remotes: {', '.join(remotes) or 'none'})")
    report.remote = remote

    # 1. Commit the workspace files (and .gitattributes, which carries merge=upr to the team).
    paths = [*report.files]
    if (root / ".gitattributes").exists():
        paths.append(".gitattributes")
    git(root, "add", "--", *paths)
    staged = git(root, "diff", "--cached", "--name-only", "--", *paths)
    if staged:
        what = describe_changes(root, files)
        message = f"upr sync by {author}: {what}"
        git(root, "commit", "-q", "-m", message, "--", *paths, identity=identity)
        report.committed = message

    # 2. Fetch and merge with the driver.
    tracking = f"refs/remotes/{remote}/{branch}"
    before = _rev(root, tracking)
    git(root, "fetch", "-q", remote, f"+refs/heads/{branch}:{tracking}", check=False)
    after = _rev(root, tracking)
    if after and after != before:
        report.received = _pack_size(root, after, [before, "HEAD"])
    behind = bool(after) and (
        subprocess.run(
            ["git", "merge-base", "--is-ancestor", after, "HEAD"], cwd=root, check=False
        ).returncode
        != 0
    )
    if behind:
        merged = subprocess.run(
            ["git", *identity, "merge", "--no-edit", "-q", after],
            cwd=root,
            capture_output=True,
            text=True,
            env=dict(os.environ, GIT_MERGE_AUTOEDIT="no", **_BATCH_ENV),
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if merged.returncode != 0:
            unmerged = git(root, "diff", "--name-only", "--diff-filter=U", check=False)
            git(root, "merge", "--abort", check=False)
            why = (merged.stderr or merged.stdout).strip().splitlines()
            raise SyncError(
                "the merge stopped (nothing changed here): "
                + (
                    f"files in conflict: {unmerged.replace(chr(10), ', ')}"
                    if unmerged
                    else why[-1]
                    if why
                    else "git merge failed"
                )
            )
        report.merged = True
    report.conflicts = open_conflicts_in(files)

    # 3. Push what the remote does not have.
    head = _rev(root, "HEAD")
    if head and head != _rev(root, tracking):
        report.sent = _pack_size(root, head, [_rev(root, tracking)])
        args = ["push", "-q", remote, f"HEAD:refs/heads/{branch}"]
        if not upstream_remote:
            args.insert(1, "-u")
        git(root, *args)
        git(root, "fetch", "-q", remote, f"+refs/heads/{branch}:{tracking}", check=False)
        report.pushed = True
    return report
