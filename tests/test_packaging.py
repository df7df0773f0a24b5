"""The wheel carries the reference data and the ``upr`` command works outside the repository."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_repo(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(dist),
            str(REPO),
        ],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    wheels = list(dist.glob("upr_workbench-*.whl"))
    assert len(wheels) == 1
    names = zipfile.ZipFile(wheels[0]).namelist()
    assert "tui/_data/states.yaml" in names
    assert "tui/_data/sessions.csv" in names
    assert not any(n.startswith("data/") for n in names), "no top-level package named data"

    # A fresh venv that sees this interpreter's installed dependencies (no downloads) but
    # not the editable checkout: a .pth line adds site-packages without running its .pth files.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    target = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(target, "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "--no-deps",
            "--no-index",
            str(wheels[0]),
        ],
        capture_output=True,
        text=True,
    )
    if install.returncode != 0:  # pip older than 22.3 has no --python: unpack the wheel instead
        with zipfile.ZipFile(wheels[0]) as zf:
            zf.extractall(target)
        script = env_dir / "bin" / "upr"
        script.write_text(f"#!{py}\nimport sys\nfrom upr import main\nsys.exit(main())\n")
        script.chmod(0o755)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    upr = str(env_dir / "bin" / "upr")
    version = subprocess.run(
        [upr, "--version"], cwd=outside, capture_output=True, text=True, env=env
    )
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("upr ")
    where = subprocess.run(
        [str(py), "-c", "import tui.paths; print(tui.paths.data_dir())"],
        cwd=outside,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(env_dir)), f"data read from {where}, not from the installed wheel"
    calendar = subprocess.run(
        [upr, "calendar", "--upcoming", "3", "--today", "2026-11-25"],
        cwd=outside,
        capture_output=True,
        text=True,
        env=env,
    )
    assert calendar.returncode == 0, calendar.stderr
    lines = calendar.stdout.splitlines()
    assert lines[0].split("\t")[:3] == ["start", "end", "session"]
    assert len(lines) == 4 and all("\t54\t" in line for line in lines[1:])
