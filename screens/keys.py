"""Which app keys are in force where (issue 14.5, DESIGN §8).

F-keys and ctrl keys are priority bindings of the app: they work whatever has focus, a text box
included. Over a dialog (a picker, a form, help) the ones that would open a screen behind it or
change records under it do nothing; F1, ctrl+q, ctrl+c and ctrl+s still work there.
"""

from __future__ import annotations

from textual.screen import ModalScreen

from screens.help import NOT_OVER_DIALOGS


class DialogAwareKeys:
    """App mixin: app actions of NOT_OVER_DIALOGS are off while a dialog is in front."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in NOT_OVER_DIALOGS and isinstance(self.screen, ModalScreen):  # type: ignore[attr-defined]
            return False
        return super().check_action(action, parameters)  # type: ignore[misc]
