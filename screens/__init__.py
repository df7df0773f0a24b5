"""Textual screens and widgets of UPR Workbench. They call the core in ``tui``, never TinyDB."""
