"""Triage: one country's recommendations, filtered, searched and decided.

- ``index``: the read model (the index of a country's recommendations, filters, search,
  clusters, history lines, counters);
- ``commands``: the decisions and saved views, each one ``ws.edit`` in one undo step.

``from tui import triage`` and ``triage.X`` keep working for every name of both modules.
"""

from tui.triage.commands import *  # noqa: F403
from tui.triage.index import *  # noqa: F403
