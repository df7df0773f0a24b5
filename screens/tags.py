"""Tag keys of the recommendations list (issue 17 points 4-5): ``T`` themes, ``G`` groups of
persons, ``S`` SDG goals and targets (pickers: type to filter, ``tab`` marks, ``enter``
applies), ``Y`` adds the suggested tags. On the current recommendation or the marked ones, one
undo step. Kept in its own file so the list changes by a line; ``tui.tags`` does the work.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding

from screens.pickers import MultiPicker, Option
from screens.terminal import running_app
from tui import tags, triage
from tui.sanitize import clean_line

if TYPE_CHECKING:
    from tui.store import Workspace

TAG_BINDINGS: list[Binding] = [
    Binding("T", "pick_tags('themes')", "Themes"),
    Binding("G", "pick_tags('groups')", "Groups of persons"),
    Binding("S", "pick_tags('sdgs')", "SDG goals and targets"),
    Binding("Y", "accept_tags", "Add the suggested tags"),
]

TITLES = {"themes": "Themes", "groups": "Groups of persons", "sdgs": "SDG goals and targets"}
LABEL_WIDTH = 70


def short(label: str, width: int = LABEL_WIDTH) -> str:
    """A label cut to ``width`` with an ellipsis (an SDG target's text is long)."""
    label = clean_line(label)
    return label if len(label) <= width else label[: width - 1].rstrip() + "…"


def suggested_section(ws: Workspace, rid: str) -> Text:
    """``Suggested tags`` of the detail pane, for a recommendation without tags (Y adds)."""
    rec = ws.get(triage.TABLE, rid) or {}
    out = Text()
    if any(rec.get(f) for f in tags.TAG_FIELDS):
        return out
    made = suggester(ws, str(rec.get("country") or ""), wait=False)
    if made is None:  # being built: the details repaint when it is ready
        return out
    s = made.suggest(rec)
    if s.empty:
        return out
    out.append("Suggested tags (Y adds)\n", style="bold")
    if s.themes:
        out.append("  themes: " + "; ".join(clean_line(t) for t in s.themes) + "\n")
    if s.groups:
        out.append("  groups: " + "; ".join(clean_line(g) for g in s.groups) + "\n")
    if s.sdgs:
        out.append("  SDGs: " + "; ".join(short(tags.sdg_label(c), 50) for c in s.sdgs) + "\n")
    return out


class _Held:
    """A workspace's suggesters by country: built in a thread (15 s for 100k tagged records,
    never on the UI thread), dropped when a tag or a record changes."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.by_country: dict[str, tags.TagSuggester] = {}
        self.building: set[str] = set()
        self.generation = 0
        ws.subscribe(self.on_edit)

    def on_edit(self, table: str, rid: str, fields: tuple[str, ...]) -> None:
        if table == triage.TABLE and (
            "*" in fields
            or "deleted" in fields
            or "text" in fields
            or set(fields) & set(tags.TAG_FIELDS)
        ):
            self.by_country.clear()
            self.generation += 1

    def start(self, country: str, app: Any) -> None:
        """Build the country's suggester in a thread; then repaint the details (UI thread)."""
        if country in self.building:
            return
        self.building.add(country)
        generation = self.generation

        def build() -> None:
            made = tags.TagSuggester(self.ws, country)

            def adopt() -> None:
                self.building.discard(country)
                if generation == self.generation:
                    self.by_country[country] = made
                screen = app.screen  # the list's details or the queue's page
                refresh = getattr(screen, "update_detail", None) or getattr(screen, "show", None)
                if refresh is not None:
                    refresh()

            try:
                app.call_from_thread(adopt)
            except RuntimeError:  # the app has gone
                pass

        threading.Thread(target=build, name="tag-suggester", daemon=True).start()


_HELD: dict[int, _Held] = {}


def _held(ws: Workspace) -> _Held:
    held = _HELD.get(id(ws))
    if held is None or held.ws is not ws:
        held = _HELD[id(ws)] = _Held(ws)
    return held


def suggester(ws: Workspace, country: str, *, wait: bool = True) -> tags.TagSuggester | None:
    """The country's suggester: built now (``wait``), else None while a thread builds it."""
    held = _held(ws)
    made = held.by_country.get(country)
    if made is not None or not wait:
        if made is None:
            app = running_app()
            if app is not None:
                held.start(country, app)
            else:  # no running app (a plain function call): build now
                made = held.by_country[country] = tags.TagSuggester(ws, country)
        return made
    made = held.by_country[country] = tags.TagSuggester(ws, country)
    return made


class TagActions:
    """``T``/``G``/``S``/``Y`` for a screen with ``iso3``, ``app`` and the decision hooks."""

    iso3: str
    app: Any
    decision_targets: Any
    after_decision: Any

    def _tag_targets(self) -> list[str] | None:
        ws: Workspace = self.app.workspace
        if ws.read_only:
            self.app.notify("This workspace is open read-only.", severity="warning")
            return None
        return self.decision_targets() or None

    def action_pick_tags(self, field: str) -> None:
        rids = self._tag_targets()
        if not rids:
            return
        ws: Workspace = self.app.workspace
        if field == "sdgs":
            options = [Option(code, short(label)) for code, label in tags.sdg_choices()]
        else:
            options = [
                Option(value, clean_line(value), str(count) if count else "")
                for value, count in tags.choices(ws, field)
            ]
        current = triage.common_value(ws, rids, field) or []
        what = TITLES[field]
        title = what if len(rids) == 1 else f"{what} · {len(rids)} marked recommendations"
        picker = MultiPicker(
            title,
            options,
            checked=[str(v) for v in current],
            allow_new=field != "sdgs",
            new_label=field[:-1],
            clear_label=f"(no {what.lower()})",
        )

        def done(values: Any) -> None:
            if values is None:
                return
            try:
                tags.set_tags(ws, self.iso3, rids, field, list(values))
            except ValueError as exc:
                self.app.notify(clean_line(str(exc)), severity="error", markup=False)
                return
            self.after_tags(rids)

        self.app.push_screen(picker, done)

    def action_accept_tags(self) -> None:
        rids = self._tag_targets()
        if not rids:
            return
        ws: Workspace = self.app.workspace
        made = suggester(ws, self.iso3, wait=False)
        if made is None:
            self.app.notify("Preparing tag suggestions: press Y again in a moment.", timeout=3)
            return
        changed = tags.accept(ws, self.iso3, rids, made)
        if not changed:
            self.app.notify("No tags to suggest: no similar tagged recommendation.", timeout=3)
            return
        self.app.notify(f"Suggested tags added to {changed} recommendation(s) (u undoes).")
        self.after_tags(rids)

    def after_tags(self, rids: list[str]) -> None:
        """Tags are not a triage decision: the cursor stays; marks are cleared."""
        clear = getattr(self, "clear_marks", None)
        if clear is not None and len(rids) > 1:
            clear()
