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

from tui.atomic import KEEP_MODE, atomic_write
from tui.model import AUTHOR_RE
from tui.paths import config_file


class ConfigError(OSError):
    """The config file exists but is not a YAML mapping: we will not overwrite it."""


def _read_config(path: Path) -> dict[str, Any] | None:
    """The config as a dict; ``{}`` if there is none; None if it exists but is unreadable."""
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError, RecursionError):
        return None
    if data is None:
        return {}
    return data if isinstance(data, dict) else None


def load_config(path: Path | None = None) -> dict[str, Any]:
    """The user's settings; ``{}`` when the file is missing or broken (never an exception)."""
    return _read_config(path or config_file()) or {}


def save_config(values: dict[str, Any], path: Path | None = None) -> None:
    """Merge ``values`` into the config file, atomically.

    Raises ConfigError (an OSError) rather than overwrite a file we cannot read: it may hold
    settings the user wrote by hand.
    """
    path = path or config_file()
    data = _read_config(path)
    if data is None:
        raise ConfigError(f"{path}: not a readable YAML mapping; not overwritten")
    data.update(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(data, sort_keys=True, allow_unicode=True)
    atomic_write(path, lambda fh: fh.write(text.encode("utf-8")), mode=KEEP_MODE)


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


ASK_ATTEMPTS = 3


def resolve_author(
    cli_value: str | None = None,
    *,
    ask: Callable[[str], str] | None = None,
    interactive: bool | None = None,
) -> str:
    """``--author``, then ``UPR_AUTHOR``, then config; on a terminal ask once and remember.

    Without a terminal (scripts, CI) it never prompts: ``user@host``. Raises ValueError for
    an invalid ``--author`` or ``UPR_AUTHOR`` (the caller reports it as a usage error).
    """
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
    prompt = f"Your author id for shared workspaces (letters, digits . _ @ -) [{fallback}]: "
    chosen = fallback
    with contextlib.suppress(EOFError, KeyboardInterrupt):
        for _attempt in range(ASK_ATTEMPTS):
            answer = ask(prompt).strip()
            if not answer:
                break
            if AUTHOR_RE.match(answer):
                chosen = answer
                break
            prompt = (
                f"{answer[:70]!r} is not valid: use 1-64 letters, digits and . _ @ - "
                f"(e.g. {sanitize_author(answer)}) [{fallback}]: "
            )
    with contextlib.suppress(OSError):
        save_config({"author": chosen})
    return chosen
