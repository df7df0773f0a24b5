"""Which app keys are in force where (issue 14.5, DESIGN §8).

F-keys and ctrl keys are priority bindings of the app: they work whatever has focus, a text box
included. Over a dialog (a picker, a form, help) the ones that would open a screen behind it or
change records under it do nothing; F1, ctrl+q, ctrl+c and ctrl+s still work there.
"""

from __future__ import annotations

import re
from typing import Any

from textual.screen import ModalScreen

from screens.help import NOT_OVER_DIALOGS


class DialogAwareKeys:
    """App mixin: app actions of NOT_OVER_DIALOGS are off while a dialog is in front."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in NOT_OVER_DIALOGS and isinstance(self.screen, ModalScreen):  # type: ignore[attr-defined]
            return False
        return super().check_action(action, parameters)  # type: ignore[misc]


_BINDING_ID = re.compile(r"[a-z][a-z0-9_.-]{0,60}")
_KEYS = re.compile(r"[A-Za-z0-9_+]{1,30}(,[A-Za-z0-9_+]{1,30}){0,5}")


def keymap_from_config(config: dict[str, Any]) -> dict[str, str]:
    """``keymap:`` of config.yaml: binding id -> keys ("app.conflicts-anywhere: f9", several
    keys comma-separated), as Posting's keymap. Anything malformed is left out (the file is
    the user's, but may be hand-edited badly): the default keys stay."""
    raw = config.get("keymap")
    if not isinstance(raw, dict):
        return {}
    return {
        str(bid): str(keys).replace(" ", "")
        for bid, keys in raw.items()
        if isinstance(bid, str)
        and isinstance(keys, str)
        and _BINDING_ID.fullmatch(bid)
        and _KEYS.fullmatch(keys.replace(" ", ""))
    }
