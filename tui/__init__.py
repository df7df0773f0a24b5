"""UPR Workbench core: domain model, store, importers, exporters, merge and CLI.

Nothing in this package imports Textual; the terminal interface lives in ``screens``.
"""

__version__ = "0.1.0"
