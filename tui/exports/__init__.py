"""Exports (DESIGN §9): each kind renders workspace records into a file or text, without Textual.

``upr export KIND`` (``tui/commands/export.py``) and the screens both call these modules, so a
file written from the app and one written on the command line are the same bytes.
"""
