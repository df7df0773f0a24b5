"""Triage: one country's recommendations, filtered, searched and decided (see ``index``).

``from tui import triage`` and ``triage.X`` keep working for every name of the two modules.
"""

from tui.triage.index import *  # noqa: F403  (the split follows in the next commit)
