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
from typing import Any, Literal

import yaml

from tui.ids import checklist_id
from tui.model import CHECKLIST, date_field
from tui.paths import data_path
from tui.sanitize import clean_line

PHASES: tuple[str, ...] = ("general", "pre_session", "in_session", "post_session")
PHASE_LABELS: dict[str, str] = {
    "general": "General",
    "pre_session": "Before the session",
    "in_session": "During the session",
    "post_session": "After the session",
}
DEFAULT_TEMPLATES: tuple[str, ...] = ("unct-upr",)
DONE_STATUSES = frozenset({"done", "not_applicable"})
DUE_STATES = ("done", "overdue", "due_soon", "later", "no_date")

KEY_RE = re.compile(r"^[a-z0-9-]{1,64}$")
MAX_TEMPLATE_BYTES = 1_000_000
MAX_ITEMS = 500
MAX_TEXT = 2_000
MAX_DUE_DAYS = 3_660  # ten years either side of the session

TEMPLATE_FIELDS = ("key", "title", "source", "items")
ITEM_FIELDS = ("key", "phase", "text", "due", "why")

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
                from tui import council

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


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    source: str
    items: tuple[TemplateItem, ...]

    def item(self, key: str) -> TemplateItem | None:
        return next((i for i in self.items if i.key == key), None)


class TemplateError(ValueError):
    """A template that cannot be used; the message is one line: ``file:line: what``."""


class _LinedDict(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class _LinedList(list):  # type: ignore[type-arg]
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
    return TemplateItem(key=key, phase=phase, text=text, why=why, due=due)


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
    return Template(key=key, title=title, source=source, items=tuple(items))


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
    """All shipped templates by key (cached). Item keys are unique across templates,
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
    for template in templates().values():
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
