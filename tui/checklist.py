"""Phase checklists (issue 3): templates, due rules, checklist entries and progress.

Templates are YAML files in ``data/checklists/``. A template may arrive by email, so it is
read with a ``yaml.SafeLoader`` subclass that only adds line numbers (no tag can construct a
Python object) and every field is checked; a fault is one line naming file, line and field::

    unct-upr.yaml:23: item 'joint-submission': field 'phase': 'pre' is not one of ...

Due rule syntax (relative to the country's Working Group session, or to the first day of the
Council session that adopts its outcome, ``adoption``: see ``tui.council``)::

    "<N> day[s]|week[s] before|after start|end|adoption"   e.g. "200 days before start"
    "on start" | "on end" | "on adoption"                    the session's first / last day

No Textual here: screens call these functions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from tui import council, refdata
from tui.ids import checklist_id
from tui.labels import PHASE_LABELS as PHASE_LABELS
from tui.labels import state_name
from tui.model import CHECKLIST, CHECKLIST_STATUSES, date_field
from tui.paths import data_path
from tui.sanitize import clean_line

if TYPE_CHECKING:
    from tui.store import Workspace

PHASES: tuple[str, ...] = ("general", "pre_session", "in_session", "post_session")
DEFAULT_TEMPLATES: tuple[str, ...] = ("unct-upr",)
DONE_STATUSES = frozenset({"done", "not_applicable"})
DUE_STATES = ("done", "overdue", "due_soon", "later", "no_date")

KEY_RE = re.compile(r"^[a-z0-9-]{1,64}$")
MAX_TEMPLATE_BYTES = 1_000_000
MAX_ITEMS = 500
MAX_TEXT = 2_000
MAX_DUE_DAYS = 3_660  # ten years either side of the session

TEMPLATE_FIELDS = ("key", "title", "source", "items", "scope")
ITEM_FIELDS = ("key", "phase", "text", "due", "why", "source", "owner")
# What a template is for (issue 18): a UPR cycle's checklist (the default), a treaty-body
# review's or special-procedure visit's (due dates from the engagement's dates, ids
# ``<ISO3>:<engagement id>:<item>``), or the standing RC/UNCT duties (``<ISO3>:duties:<item>``).
SCOPES = ("upr", "TB", "SP", "duties")

Anchor = Literal["start", "end", "adoption"]


# --------------------------------------------------------------------------- due rules

_DUE_RE = re.compile(
    r"^(?:on\s+(?P<on>start|end|adoption)"
    r"|(?P<n>\d{1,5})\s+(?P<unit>days?|weeks?)\s+(?P<dir>before|after)"
    r"\s+(?P<anchor>start|end|adoption))$"
)
_DUE_HELP = (
    'write e.g. "200 days before start", "2 weeks after end", "on start", "on end" or "on adoption"'
)


@dataclass(frozen=True)
class DueRule:
    """A due date as a number of days before (negative) or after a session day."""

    offset_days: int
    anchor: Anchor

    def resolve(self, start: date, end: date, adoption: date | None = None) -> date:
        """The due date for a session running from ``start`` to ``end``. ``adoption``: the first
        day of the Council session adopting the outcome, when the caller knows it better (a WG
        report in the workspace); else the rule of :mod:`tui.council` gives it from ``end``."""
        if self.anchor == "adoption":
            if adoption is None:
                adoption = council.council_session(council.adopting_session_by_rule(end)).start
            day = adoption
        else:
            day = start if self.anchor == "start" else end
        return day + timedelta(days=self.offset_days)

    def __str__(self) -> str:
        if self.offset_days == 0:
            return f"on {self.anchor}"
        n = abs(self.offset_days)
        if n % 7 == 0 and n <= 182:  # weeks read better up to half a year
            amount = f"{n // 7} week{'s' if n != 7 else ''}"
        else:
            amount = f"{n} day{'s' if n != 1 else ''}"
        side = "before" if self.offset_days < 0 else "after"
        return f"{amount} {side} {self.anchor}"

    def describe(self) -> str:
        """Longer human form for the help pane, e.g. ``200 days before the session starts``."""
        if self.anchor == "adoption":
            council = "the Council session that adopts the outcome"
            if self.offset_days == 0:
                return f"on the first day of {council}"
            return str(self).rsplit(" ", 1)[0] + f" {council} starts"
        if self.offset_days == 0:
            return (
                "on the session's first day"
                if self.anchor == "start"
                else ("on the session's last day")
            )
        verb = "starts" if self.anchor == "start" else "ends"
        return str(self).rsplit(" ", 1)[0] + f" the session {verb}"


def parse_due_rule(text: str) -> DueRule:
    """Parse a due rule; ValueError saying what is wrong and what is accepted."""
    if not isinstance(text, str):
        raise ValueError(f"a due rule is text, got {_type_name(text)}; {_DUE_HELP}")
    norm = " ".join(text.lower().split())
    m = _DUE_RE.match(norm)
    if not m:
        shown = clean_line(text)[:60]
        raise ValueError(f"{shown!r} is not a due rule: {_DUE_HELP}")
    if m.group("on"):
        return DueRule(0, m.group("on"))  # type: ignore[arg-type]
    n = int(m.group("n"))
    days = n * 7 if m.group("unit").startswith("week") else n
    if days > MAX_DUE_DAYS:
        raise ValueError(
            f"{clean_line(text)[:60]!r}: more than {MAX_DUE_DAYS} days from the session"
        )
    sign = -1 if m.group("dir") == "before" else 1
    return DueRule(sign * days, m.group("anchor"))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- templates


@dataclass(frozen=True)
class TemplateItem:
    """One item of a template; ``key`` is stable once released (it is part of record ids)."""

    key: str
    phase: str
    text: str
    why: str
    due: DueRule | None
    source: str = ""  # the passage of the source document the item comes from
    owner: str = ""  # who usually carries it (the duties: RC, UNCT), a default for ``owner``


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    source: str
    items: tuple[TemplateItem, ...]
    scope: str = "upr"

    def item(self, key: str) -> TemplateItem | None:
        return next((i for i in self.items if i.key == key), None)


class TemplateError(ValueError):
    """A template that cannot be used; the message is one line: ``file:line: what``."""


class _LinedDict(dict[str, Any]):
    """A YAML mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class _LinedList(list[Any]):
    line: int = 0
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records line numbers. It adds no constructor for any Python tag."""


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> Iterable[_LinedDict]:
    data = _LinedDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=False)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"a field name must be text, got {type(key).__name__}",
                key_node.start_mark,
            )
        if key in data:
            raise yaml.constructor.ConstructorError(
                None, None, f"field {clean_line(key)[:40]!r} appears twice", key_node.start_mark
            )
        data[key] = loader.construct_object(value_node, deep=False)
        data.key_lines[key] = key_node.start_mark.line + 1


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> Iterable[_LinedList]:
    data = _LinedList()
    data.line = node.start_mark.line + 1
    data.item_lines = []
    yield data
    for child in node.value:
        data.append(loader.construct_object(child, deep=False))
        data.item_lines.append(child.start_mark.line + 1)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _yaml_fault(exc: yaml.YAMLError) -> tuple[int, str]:
    """Line and one-line reason of a YAML error; Python tags are named as refused."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    problem = getattr(exc, "problem", None) or str(exc)
    tag = re.search(r"tag '([^']*)'", problem)
    if tag and "constructor" in problem:
        shown = tag.group(1).replace("tag:yaml.org,2002:", "!!")
        if "python/" in shown:
            return line, f"tag {shown!r} is refused: templates are plain YAML and never run code"
        return line, f"tag {shown!r} is not allowed: templates are plain YAML"
    return line, " ".join(clean_line(problem).split())[:200]


def _safe_yaml(text: str) -> Any:
    # A SafeLoader subclass: same constructors as yaml.safe_load, plus line numbers.
    return yaml.load(text, Loader=_LineLoader)  # noqa: S506


def _string_field(where: Mapping[str, Any], name: str, *, required: bool, limit: int) -> str:
    value = where.get(name)
    if value is None:
        if required:
            raise _Fault(name, "is missing")
        return ""
    if not isinstance(value, str):
        raise _Fault(name, f"expected text, got {_type_name(value)}")
    cleaned = clean_line(value)
    if required and not cleaned:
        raise _Fault(name, "is empty")
    if len(cleaned) > limit:
        raise _Fault(name, f"longer than {limit} characters")
    return cleaned


def _type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


class _Fault(Exception):
    def __init__(self, field: str, why: str) -> None:
        super().__init__(why)
        self.field = field
        self.why = why


def _line_of(mapping: Any, field: str) -> int:
    if isinstance(mapping, _LinedDict):
        return mapping.key_lines.get(field, mapping.line)
    return 1


def _check_key(value: Any) -> str:
    if not isinstance(value, str):
        raise _Fault("key", f"expected text, got {_type_name(value)}")
    if not KEY_RE.match(value):
        raise _Fault("key", f"{clean_line(value)[:40]!r} must match [a-z0-9-]+ (at most 64)")
    return value


def _parse_item(raw: _LinedDict) -> TemplateItem:
    unknown = [k for k in raw if k not in ITEM_FIELDS]
    if unknown:
        raise _Fault(unknown[0], f"is not known (fields: {', '.join(ITEM_FIELDS)})")
    if "key" not in raw:
        raise _Fault("key", "is missing")
    key = _check_key(raw["key"])
    phase = raw.get("phase")
    if phase is None:
        raise _Fault("phase", "is missing")
    if phase not in PHASES:
        shown = repr(clean_line(phase)[:40]) if isinstance(phase, str) else _type_name(phase)
        raise _Fault("phase", f"{shown} is not one of {'|'.join(PHASES)}")
    text = _string_field(raw, "text", required=True, limit=MAX_TEXT)
    why = _string_field(raw, "why", required=True, limit=MAX_TEXT)
    due: DueRule | None = None
    if raw.get("due") not in (None, ""):
        try:
            due = parse_due_rule(raw["due"])
        except ValueError as exc:
            raise _Fault("due", str(exc)) from None
    source = _string_field(raw, "source", required=False, limit=MAX_TEXT)
    owner = _string_field(raw, "owner", required=False, limit=200)
    return TemplateItem(
        key=key, phase=phase, text=text, why=why, due=due, source=source, owner=owner
    )


def parse_template(text: str, name: str = "<template>") -> Template:
    """Validate template YAML text; ``name`` is used in messages. Raises TemplateError."""
    try:
        raw = _safe_yaml(text)
    except yaml.YAMLError as exc:
        line, why = _yaml_fault(exc)
        raise TemplateError(f"{name}:{line}: {why}") from None
    except RecursionError:
        raise TemplateError(f"{name}:1: nested too deeply") from None
    if not isinstance(raw, _LinedDict):
        raise TemplateError(f"{name}:1: expected fields key, title, source and items")
    try:
        unknown = [k for k in raw if k not in TEMPLATE_FIELDS]
        if unknown:
            raise _Fault(unknown[0], f"is not known (fields: {', '.join(TEMPLATE_FIELDS)})")
        if "key" not in raw:
            raise _Fault("key", "is missing")
        key = _check_key(raw["key"])
        title = _string_field(raw, "title", required=True, limit=200)
        source = _string_field(raw, "source", required=True, limit=MAX_TEXT)
        scope = raw.get("scope", "upr")
        if scope not in SCOPES:
            shown = repr(clean_line(scope)[:40]) if isinstance(scope, str) else _type_name(scope)
            raise _Fault("scope", f"{shown} is not one of {'|'.join(SCOPES)}")
        items_raw = raw.get("items")
        if items_raw is None:
            raise _Fault("items", "is missing")
        if not isinstance(items_raw, _LinedList):
            raise _Fault("items", f"expected a list, got {_type_name(items_raw)}")
        if not items_raw:
            raise _Fault("items", "is empty")
        if len(items_raw) > MAX_ITEMS:
            raise _Fault("items", f"more than {MAX_ITEMS} items")
    except _Fault as fault:
        line = _line_of(raw, fault.field)
        raise TemplateError(f"{name}:{line}: field '{fault.field}': {fault.why}") from None

    items: list[TemplateItem] = []
    first_line: dict[str, int] = {}
    for index, entry in enumerate(items_raw):
        entry_line = items_raw.item_lines[index]
        if not isinstance(entry, _LinedDict):
            raise TemplateError(
                f"{name}:{entry_line}: item {index + 1}: expected fields key, phase, text, why"
            )
        label = (
            f"item {clean_line(entry['key'])[:64]!r}"
            if isinstance(entry.get("key"), str) and entry["key"].strip()
            else f"item {index + 1}"
        )
        try:
            item = _parse_item(entry)
        except _Fault as fault:
            line = _line_of(entry, fault.field)
            raise TemplateError(
                f"{name}:{line}: {label}: field '{fault.field}': {fault.why}"
            ) from None
        if item.key in first_line:
            raise TemplateError(
                f"{name}:{_line_of(entry, 'key')}: {label}: field 'key': duplicate key "
                f"(first used on line {first_line[item.key]})"
            )
        first_line[item.key] = _line_of(entry, "key")
        items.append(item)
    return Template(key=key, title=title, source=source, items=tuple(items), scope=scope)


def load_template(path: str | Path) -> Template:
    """Read and validate one template file. Raises TemplateError (one line: file, line, why)."""
    path = Path(path)
    name = path.name
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_TEMPLATE_BYTES + 1)
    except OSError as exc:
        raise TemplateError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"{name}: larger than {MAX_TEMPLATE_BYTES // 1000} KB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TemplateError(f"{name}:{line}: not UTF-8 text") from None
    return parse_template(text, name)


def templates_dir() -> Path:
    return data_path("checklists")


@functools.cache
def templates() -> dict[str, Template]:
    """The shipped UPR templates by key (cached): those a cycle's checklist offers."""
    return {k: t for k, t in all_templates().items() if t.scope == "upr"}


def scoped_templates(scope: str) -> dict[str, Template]:
    """The shipped templates of one scope (``TB``, ``SP``, ``duties``), by key."""
    return {k: t for k, t in all_templates().items() if t.scope == scope}


@functools.cache
def all_templates() -> dict[str, Template]:
    """Every shipped template by key (cached). Item keys are unique across templates,
    since checklist ids (``ISO3:cycle:item``) do not name the template."""
    found: dict[str, Template] = {}
    owner: dict[str, str] = {}
    for path in sorted(templates_dir().glob("*.yaml")):
        template = load_template(path)
        if template.key != path.stem:
            raise TemplateError(
                f"{path.name}:1: field 'key': {template.key!r} differs from the file name"
            )
        for item in template.items:
            if item.key in owner:
                raise TemplateError(
                    f"{path.name}: item {item.key!r}: key already used by template {owner[item.key]!r}"
                )
            owner[item.key] = template.key
        found[template.key] = template
    return found


def find_item(item_key: str) -> tuple[Template, TemplateItem] | None:
    """The shipped template and item of an item key (for the help pane's ``why``)."""
    for template in all_templates().values():
        item = template.item(item_key)
        if item is not None:
            return template, item
    return None


# --------------------------------------------------------------------------- entries


def checklist_entries(
    iso3: str,
    cycle: int,
    template_keys: Sequence[str],
    session_start: date | None,
    session_end: date | None,
    adoption: date | None = None,
) -> list[dict[str, Any]]:
    """Checklist records to create for a country and cycle, in template then item order.

    Due dates are resolved against the session dates (and ``adoption``, the start of the Council
    session adopting the outcome, when known); without dates ``due`` stays empty.
    """
    shipped = templates()
    if isinstance(template_keys, str):
        template_keys = (template_keys,)
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for tkey in dict.fromkeys(template_keys):
        template = shipped.get(tkey)
        if template is None:
            raise ValueError(f"unknown checklist template {tkey!r} (known: {', '.join(shipped)})")
        for item in template.items:
            if item.key in seen:
                raise ValueError(f"item {item.key!r} appears in two templates")
            seen.add(item.key)
            due = ""
            if item.due is not None and session_start is not None and session_end is not None:
                due = item.due.resolve(session_start, session_end, adoption).isoformat()
            record = CHECKLIST.defaults()
            record.update(
                id=checklist_id(iso3, cycle, item.key),
                country=iso3,
                cycle=cycle,
                item=item.key,
                template=template.key,
                phase=item.phase,
                text=item.text,
                status="todo",
                owner="",
                due=due,
                note="",
                custom=False,
            )
            entries.append(record)
    return entries


def due_state(entry: Mapping[str, Any], today: date, soon_days: int = 14) -> str:
    """``done``, ``overdue`` (due before today), ``due_soon`` (today .. today+soon_days),
    ``later`` or ``no_date``. Done and not applicable both count as done."""
    if entry.get("status") in DONE_STATUSES:
        return "done"
    due = date_field(entry, "due")
    if due is None:
        return "no_date"
    if due < today:
        return "overdue"
    if (due - today).days <= soon_days:
        return "due_soon"
    return "later"


def _live(entries: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [e for e in entries if not e.get("deleted")]


def progress(entries: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    """(done including not applicable, total), deleted entries left out."""
    live = _live(entries)
    return sum(1 for e in live if e.get("status") in DONE_STATUSES), len(live)


def summary_label(entries: Iterable[Mapping[str, Any]], today: date) -> str:
    """Country-list column, e.g. ``7/16 ✓ 2 late``; empty when there is no checklist."""
    live = _live(entries)
    done, total = progress(live)
    if total == 0:
        return ""
    late = sum(1 for e in live if due_state(e, today) == "overdue")
    return f"{done}/{total} ✓" + (f" {late} late" if late else "")


def review_phase(today: date, start: date | None, end: date | None) -> str:
    """Where a country stands today: ``before``, ``during``, ``after`` its session, or ``unknown``."""
    if start is None or end is None:
        return "unknown"
    if today < start:
        return "before"
    if today <= end:
        return "during"
    return "after"


# -- a country's checklist in the workspace: reading, starting, changing ------------------------
# The checklist screen, the Due screen, the country list's progress column and
# ``upr export checklist`` all read checklists through these functions, so they agree on which
# cycle is meant, on item order and on what is late. Every change goes through ``ws.edit``
# (clock, history, undo). Record ids are ``<ISO3>:<cycle>:<item key>`` (DESIGN §3); custom items
# get the key ``custom-<slug of the text>``, so two advisers adding the same item get the same id.

Entry = Mapping[str, Any]
SOON_DAYS = 14  # "due soon" window, as due_state
MAX_CUSTOM_SLUG = 40


@functools.cache
def _item_rank() -> dict[str, tuple[int, int]]:
    """Template items in display order: the default template first, then the others by key."""
    shipped = templates()
    order = [k for k in DEFAULT_TEMPLATES if k in shipped]
    order += sorted(k for k in shipped if k not in order)
    return {
        item.key: (rank, index)
        for rank, key in enumerate(order)
        for index, item in enumerate(shipped[key].items)
    }


def order_key(entry: Entry) -> tuple[int, tuple[int, int], str, str]:
    """Phase, then template and item order; custom items last in their phase, oldest first."""
    phase = entry.get("phase")
    phase_rank = PHASES.index(phase) if phase in PHASES else len(PHASES)
    rank = None if entry.get("custom") else _item_rank().get(str(entry.get("item", "")))
    clocks = entry.get("_clock")
    created = str(clocks.get("*", "")) if isinstance(clocks, Mapping) else ""
    return phase_rank, rank if rank is not None else (10_000, 0), created, str(entry.get("id", ""))


def ordered(entries: Iterable[Entry]) -> list[Entry]:
    """Entries in display and export order."""
    return sorted(entries, key=order_key)


def entries_by_cycle(table: Mapping[str, Entry], iso3: str) -> dict[int, list[Entry]]:
    """A country's live (not deleted) checklist entries, by cycle."""
    out: dict[int, list[Entry]] = {}
    for entry in table.values():
        if entry.get("country") != iso3 or entry.get("deleted"):
            continue
        cycle = entry.get("cycle")
        if isinstance(cycle, int):
            out.setdefault(cycle, []).append(entry)
    return out


def cycle_entries(table: Mapping[str, Entry], iso3: str, cycle: int) -> list[Entry]:
    """A country's live entries for one cycle, in display order."""
    return ordered(
        e
        for e in table.values()
        if e.get("country") == iso3 and e.get("cycle") == cycle and not e.get("deleted")
    )


LIVE_LEAD_DAYS = 365  # a review's checklist becomes live this many days before it starts


def live_cycle(iso3: str, today: date, table: Mapping[str, Entry] | None = None) -> int | None:
    """A country's **live cycle**: the next review's cycle from ``LIVE_LEAD_DAYS`` before its
    start, else the last review's (its follow-up). The one definition the checklist screen,
    ``upr export checklist``, the Due screen, the brief and the country list share.

    A code that is no State (a file may hold one) has no calendar: the latest cycle of its
    entries in ``table``, else None. A State before its first known review: that review's.
    """
    try:
        nxt = refdata.next_review(iso3, today)
        last = refdata.last_review(iso3, today)
    except KeyError:
        cycles = entries_by_cycle(table, iso3) if table is not None else {}
        return max(cycles) if cycles else None
    if nxt is not None and (last is None or (nxt.start - today).days <= LIVE_LEAD_DAYS):
        return nxt.cycle
    return last.cycle if last is not None else None


@dataclass(frozen=True)
class LiveChecklist:
    """A country's checklist of its live cycle: the workspace's entries once started, else
    the entries its templates and the calendar give (``started`` False, nothing stored)."""

    iso3: str
    cycle: int
    entries: list[Entry]
    started: bool


def template_entries(
    iso3: str, cycle: int, template_keys: Sequence[str], adoption: date | None
) -> list[Entry]:
    """The entries a cycle not started would get (:func:`start_checklist`), due dates from
    the calendar; ``adoption``: first day of the adopting Council session."""
    review = review_for(iso3, cycle)
    return ordered(
        checklist_entries(
            iso3,
            cycle,
            template_keys,
            review.start if review else None,
            review.end if review else None,
            adoption if review else None,
        )
    )


def live_checklist(source: Any, iso3: str, today: date) -> LiveChecklist | None:
    """The live cycle's checklist of ``iso3`` in ``source`` (a workspace or a snapshot),
    started or not; None when the country has no cycle at all."""
    table = source.table("checklist")
    cycle = live_cycle(iso3, today, table)
    if cycle is None:
        return None
    entries = cycle_entries(table, iso3, cycle)
    if entries:
        return LiveChecklist(iso3, cycle, entries, True)
    chosen = country_templates(source, iso3)
    adoption = council.adoption_day(source, iso3, cycle)
    return LiveChecklist(iso3, cycle, template_entries(iso3, cycle, chosen, adoption), False)


def available_cycles(table: Mapping[str, Entry], iso3: str) -> list[int]:
    """Cycles a user can switch between: every review of the State and every cycle with entries."""
    try:
        cycles = {r.cycle for r in refdata.reviews(iso3)}
    except KeyError:  # a code that is no State: the cycles of its entries
        cycles = set()
    cycles |= set(entries_by_cycle(table, iso3))
    return sorted(cycles)


def progress_labels(
    table: Mapping[str, Entry], today: date, countries_table: Mapping[str, Entry] | None = None
) -> dict[str, str]:
    """Country-list column per country with a checklist, e.g. ``7/16 ✓ 2 late``, for its live
    cycle (the one its checklist opens on), from its templates when that cycle is not started.

    Counting every cycle together would mix a finished cycle into the next one's progress.
    ``countries_table``: the workspace's country records, for each country's templates.
    """
    shipped = templates()
    templates_of = {
        iso3: [t for t in record.get("templates") or () if t in shipped]
        for iso3, record in (countries_table or {}).items()
        if isinstance(record, Mapping)
    }
    countries: dict[str, dict[int, list[Entry]]] = {}
    for entry in table.values():
        cycle = entry.get("cycle")
        if entry.get("deleted") or not isinstance(cycle, int):
            continue
        countries.setdefault(str(entry.get("country", "")), {}).setdefault(cycle, []).append(entry)
    out: dict[str, str] = {}
    for iso3, by_cycle in countries.items():
        cycle = live_cycle(iso3, today)
        if cycle is None:  # no State: its latest cycle
            cycle = max(by_cycle)
        if cycle in by_cycle:
            out[iso3] = summary_label(by_cycle[cycle], today)
            continue
        # The live cycle not started (another cycle is): its template items, as the checklist
        # and the Due screen show them; the adoption date by rule (no walk of the records).
        review = review_for(iso3, cycle)
        adoption = council.adoption(review, "").session.start if review else None
        keys = templates_of.get(iso3) or list(DEFAULT_TEMPLATES)
        out[iso3] = summary_label(template_entries(iso3, cycle, keys, adoption), today)
    return out


def country_templates(ws: Any, iso3: str) -> list[str]:
    """The templates a country uses (its ``countries`` record), else the default; ``ws``: a
    workspace or a snapshot."""
    record = ws.table("countries").get(iso3) or {}
    chosen = [t for t in record.get("templates") or () if t in templates()]
    return chosen or list(DEFAULT_TEMPLATES)


# --------------------------------------------------------------------------- dates


def review_for(iso3: str, cycle: int) -> refdata.Review | None:
    try:
        return refdata.review(iso3, cycle)
    except KeyError:
        return None


def rule_due(entry: Entry, review: refdata.Review | None, adoption: date | None = None) -> str:
    """The due date the template's rule gives for this entry ('' without rule or dates);
    ``adoption``: first day of the adopting Council session (``council.adoption_day``)."""
    if review is None or entry.get("custom"):
        return ""
    found = find_item(str(entry.get("item", "")))
    if found is None or found[1].due is None:
        return ""
    return found[1].due.resolve(review.start, review.end, adoption).isoformat()


def due_rule_text(entry: Entry) -> str:
    """The rule in words ("200 days before the session starts"), '' for none or custom."""
    if entry.get("custom"):
        return ""
    found = find_item(str(entry.get("item", "")))
    if found is None or found[1].due is None:
        return ""
    return found[1].due.describe()


def why_text(entry: Entry) -> str:
    found = None if entry.get("custom") else find_item(str(entry.get("item", "")))
    return found[1].why if found else ""


def day_text(day: date) -> str:
    """``25 Jan 2027`` (no platform-specific strftime flags)."""
    return f"{day.day} {day:%b %Y}"


def review_text(review: refdata.Review | None) -> str:
    """``session 54, 25 Jan 2027 – 5 Feb 2027 (session projected, dates inferred)``."""
    if review is None:
        return "no review known for this cycle"
    text = f"session {review.session.number}, {day_text(review.start)} – {day_text(review.end)}"
    return text + (f" ({review.caveat})" if review.caveat else "")


def phase_today(review: refdata.Review | None, today: date) -> tuple[str, str]:
    """(``before``|``during``|``after``|``unknown``, a sentence) for the review of a cycle."""
    if review is None:
        return "unknown", "no session dates known for this cycle"
    phase = review_phase(today, review.start, review.end)
    if phase == "before":
        days = (review.start - today).days
        return phase, f"before the review, {days} day{'s' if days != 1 else ''} to go"
    if phase == "during":
        return phase, f"during the review, the session runs until {day_text(review.end)}"
    days = (today - review.end).days
    return (
        phase,
        f"after the review, follow-up ({days} day{'s' if days != 1 else ''} since it ended)",
    )


def progress_bar(done: int, total: int, width: int = 8) -> str:
    """``████░░░░ 4/8``: full only when everything is done, one block as soon as anything is."""
    filled = done * width // total if total > 0 else 0
    if done > 0 and filled == 0:
        filled = 1
    return "█" * filled + "░" * (width - filled) + f" {done}/{total}"


def phase_counts(entries: Iterable[Entry], today: date) -> dict[str, tuple[int, int, int]]:
    """Per phase: (done, total, overdue)."""
    out: dict[str, list[int]] = {}
    for entry in entries:
        if entry.get("deleted"):
            continue
        counts = out.setdefault(str(entry.get("phase")), [0, 0, 0])
        counts[1] += 1
        if entry.get("status") in DONE_STATUSES:
            counts[0] += 1
        elif due_state(entry, today, SOON_DAYS) == "overdue":
            counts[2] += 1
    return {phase: (c[0], c[1], c[2]) for phase, c in out.items()}


# --------------------------------------------------------------------------- changing


def start_checklist(
    ws: Workspace, iso3: str, cycle: int, template_keys: Sequence[str] | None = None
) -> int:
    """Create (or bring back) a country's entries for a cycle from its templates; one undo step.

    Entries that already exist keep their status, owner, due date and note. Returns how many
    entries were created or brought back.
    """
    keys = list(template_keys) if template_keys is not None else country_templates(ws, iso3)
    review = review_for(iso3, cycle)
    fresh = checklist_entries(
        iso3,
        cycle,
        keys,
        review.start if review else None,
        review.end if review else None,
        council.adoption_day(ws, iso3, cycle) if review else None,
    )
    changed = 0
    with ws.undo_group(f"start checklist {iso3} cycle {cycle}"):
        for entry in fresh:
            rid = entry.pop("id")
            existing = ws.get("checklist", rid)
            if existing is None:
                changed += ws.edit("checklist", rid, entry)
            elif existing.get("deleted"):
                changed += ws.edit("checklist", rid, {"deleted": False})
    return changed


def set_status(ws: Workspace, rids: Sequence[str], status: str) -> int:
    """Set the status of checklist items (a marked group, or one): one undo step. Returns how
    many changed (an item already in that status, or gone, is left alone)."""
    if status not in CHECKLIST_STATUSES:
        raise ValueError(f"{status!r} is not a checklist status")
    changed = 0
    with ws.undo_group(f"status {status} of {len(rids)} checklist item(s)"):
        for rid in rids:
            entry = ws.get("checklist", rid)
            if entry is None or entry.get("deleted") or entry.get("status") == status:
                continue
            changed += bool(ws.edit("checklist", rid, {"status": status}))
    return changed


def set_templates(
    ws: Workspace, iso3: str, cycle: int | None, template_keys: Sequence[str]
) -> tuple[int, int]:
    """Choose a country's templates (kept in its ``countries`` record); one undo step.

    If the cycle's checklist is started, entries of a newly chosen template are added and
    entries of a dropped one are set aside (``deleted``, never removed: they come back with
    their status if the template is chosen again). Returns (added, set aside).
    """
    shipped = templates()
    keys = [k for k in dict.fromkeys(template_keys)]
    unknown = [k for k in keys if k not in shipped]
    if unknown:
        raise ValueError(f"unknown checklist template {unknown[0]!r}")
    added = removed = 0
    with ws.undo_group(f"templates of {iso3}"):
        ws.edit("countries", iso3, {"templates": keys})
        if cycle is None:
            return 0, 0
        live = entries_by_cycle(ws.table("checklist"), iso3).get(cycle, [])
        if not live:
            return 0, 0
        added = start_checklist(ws, iso3, cycle, keys)
        for entry in live:
            if not entry.get("custom") and entry.get("template") not in keys:
                removed += ws.edit("checklist", str(entry["id"]), {"deleted": True})
    return added, removed


def custom_key(text: str, taken: Iterable[str]) -> str:
    """``custom-<slug>`` for a new item, made unique among ``taken`` item keys."""
    slug = re.sub(r"[^a-z0-9]+", "-", refdata.fold(clean_line(text)))[:MAX_CUSTOM_SLUG].strip("-")
    base = f"custom-{slug or 'item'}"
    used = set(taken)
    key, n = base, 2
    while key in used:
        key = f"{base}-{n}"
        n += 1
    return key


def add_custom_item(
    ws: Workspace,
    iso3: str,
    cycle: int,
    text: str,
    phase: str,
    *,
    due: str = "",
    owner: str = "",
    note: str = "",
) -> str:
    """Add a team's own item to a country's checklist; returns its id. One undo step."""
    text = clean_line(text)
    if not text:
        raise ValueError("an item needs a text")
    if phase not in PHASES:
        raise ValueError(f"phase {phase!r} is not one of {', '.join(PHASES)}")
    prefix = f"{iso3}:{cycle}:"
    taken = [rid[len(prefix) :] for rid in ws.table("checklist") if rid.startswith(prefix)]
    key = custom_key(text, taken)
    rid = checklist_id(iso3, cycle, key)
    with ws.undo_group("add item"):
        ws.edit(
            "checklist",
            rid,
            {
                "country": iso3,
                "cycle": cycle,
                "item": key,
                "template": "",
                "phase": phase,
                "text": text,
                "status": "todo",
                "owner": clean_line(owner),
                "due": due,
                "note": note,
                "custom": True,
                "deleted": False,
            },
        )
    return rid


def parse_due_input(value: str) -> str:
    """A due date typed by a user: '' or YYYY-MM-DD (a real date). ValueError otherwise."""
    value = value.strip()
    if not value:
        return ""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise ValueError(f"{clean_line(value)[:20]!r} is not a date: write YYYY-MM-DD, e.g. 2026-03-31")


# --------------------------------------------------------------------------- across countries


@dataclass(frozen=True)
class DueItem:
    """One open checklist item with a due date, for the Due screen."""

    entry: Entry
    iso3: str
    country: str
    cycle: int
    due: date
    days: int  # negative: overdue by that many days

    @property
    def id(self) -> str:
        return str(self.entry.get("id", ""))


def workspace_countries(source: Any, names: Sequence[str] = ("checklist", "actions")) -> set[str]:
    """The countries the tables ``names`` hold live records of, and those with a country
    record (:func:`due_items` adds those of the recommendations in its own walk of them)."""
    out: set[str] = set(source.table("countries"))
    for name in names:
        out.update(
            r["country"]
            for r in source.table(name).values()
            if isinstance(r.get("country"), str) and not r.get("deleted")
        )
    return {c for c in out if c}


def due_items(source: Any, today: date, days: int) -> list[DueItem]:
    """Open items due within ``days`` of ``today`` (overdue ones included) of every country in
    the workspace, each in its live cycle (:func:`live_cycle`) whether started or not (then
    from its templates and the calendar), and in any later cycle started ahead; past cycles
    stay on their checklist. Soonest first (so the most overdue first), then by country name
    and checklist order."""
    horizon = today + timedelta(days=max(days, 0))
    table = source.table("checklist")
    by_country: dict[str, dict[int, list[Entry]]] = {}
    for entry in table.values():
        cycle = entry.get("cycle")
        if entry.get("deleted") or not isinstance(cycle, int) or isinstance(cycle, bool):
            continue
        iso3 = str(entry.get("country", ""))
        by_country.setdefault(iso3, {}).setdefault(cycle, []).append(entry)
    # One walk of the recommendations: the countries they name and, per document, what the
    # adoption dates need (the WG report's symbol).
    reports: dict[str, list[tuple[Any, Any, Any]]] = {}
    seen: set[Any] = set()
    for rec in source.table("recommendations").values():
        if rec.get("deleted"):
            continue
        doc = rec.get("document")
        key = (rec.get("country"), doc)
        if key in seen:
            continue
        seen.add(key)
        docs = reports.setdefault(str(rec.get("country")), [])
        if isinstance(doc, str):
            docs.append((doc, rec.get("cycle"), rec.get("session")))
    out: list[DueItem] = []
    for iso3 in (workspace_countries(source) | set(by_country) | set(reports)) - {"", "None"}:
        by_cycle = by_country.get(iso3, {})
        live = live_cycle(iso3, today, table)
        if live is None:
            continue
        entries = [e for c, es in by_cycle.items() if c >= live for e in es]
        if live not in by_cycle:
            review = review_for(iso3, live)
            report = council.wg_reports_from(reports.get(iso3, ()), iso3).get(live, "")
            adoption = council.adoption(review, report).session.start if review else None
            entries += template_entries(iso3, live, country_templates(source, iso3), adoption)
        name = state_name(iso3)
        for entry in entries:
            if entry.get("status") in DONE_STATUSES:
                continue
            due = date_field(entry, "due")
            if due is None or due > horizon:
                continue
            cycle = int(entry["cycle"])
            out.append(DueItem(entry, iso3, name, cycle, due, (due - today).days))
    out.sort(key=lambda d: (d.due, refdata.fold(d.country), order_key(d.entry)))
    return out
