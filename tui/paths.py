"""Where reference data, config and the demo workspace live."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "upr-workbench"


def data_dir() -> Path:
    """The shipped reference data: inside the wheel, or ``data/`` of a source checkout."""
    packaged = Path(__file__).parent / "_data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "data"


def data_path(*parts: str) -> Path:
    return data_dir().joinpath(*parts)


def config_dir() -> Path:
    override = os.environ.get("UPR_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))


def user_data_dir() -> Path:
    override = os.environ.get("UPR_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))


def config_file() -> Path:
    return config_dir() / "config.yaml"
