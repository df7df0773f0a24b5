"""The user's own settings (config.yaml): author id and UI state that must not be shared."""

from __future__ import annotations

import contextlib
import getpass
import os
import re
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tui.model import AUTHOR_RE
from tui.paths import config_file


def load_config(path: Path | None = None) -> dict[str, Any]:
    path = path or config_file()
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def save_config(values: dict[str, Any], path: Path | None = None) -> None:
    """Merge ``values`` into the config file, atomically."""
    path = path or config_file()
    data = load_config(path)
    data.update(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(yaml.safe_dump(data, sort_keys=True, allow_unicode=True), "utf-8")
    os.replace(tmp, path)


def sanitize_author(raw: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._@-]", "", raw.replace(" ", "."))[:64]
    return cleaned or "user"


def default_author() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    host = socket.gethostname().split(".")[0]
    return sanitize_author(f"{user}@{host}")


def resolve_author(
    cli_value: str | None = None,
    *,
    ask: Callable[[str], str] | None = None,
    interactive: bool | None = None,
) -> str:
    """``--author``, then ``UPR_AUTHOR``, then config; on a terminal ask once and remember."""
    for candidate in (cli_value, os.environ.get("UPR_AUTHOR")):
        if candidate:
            if not AUTHOR_RE.match(candidate):
                raise ValueError(
                    f"author id {candidate!r} must be 1-64 of letters, digits and . _ @ -"
                )
            return candidate
    stored = load_config().get("author")
    if isinstance(stored, str) and AUTHOR_RE.match(stored):
        return stored
    fallback = default_author()
    if interactive is None:
        interactive = sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")
    if not interactive:
        return fallback
    ask = ask or input
    with contextlib.suppress(EOFError, KeyboardInterrupt):
        answer = ask(
            f"Your author id for shared workspaces (letters, digits . _ @ -) [{fallback}]: "
        ).strip()
        if answer and AUTHOR_RE.match(answer):
            fallback = answer
        elif answer:
            fallback = sanitize_author(answer)
    with contextlib.suppress(OSError):
        save_config({"author": fallback})
    return fallback
