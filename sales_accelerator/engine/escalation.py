"""Escalation Rules: what a rule may watch, when an item is warned and escalated, who is next up.

Plain values in, plain values out. The Frappe side (``sales_accelerator/escalation``) finds the
items, looks up the managers and the working hours, and carries out what is decided here. Moments
are shifted by a callable the caller passes in (clock hours, or the assignee's working hours: see
``timing.add_working_hours``), so the same decisions serve both.
"""

import datetime
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sales_accelerator.engine import EngineError, automation

SEQUENCE_ACTIVITY = "Sequence Activity"
TODO = "ToDo"

# when the overdue hours start counting
DUE_TIME = "Due Time"
CREATION = "Creation"
LAST_CHANGE = "Last Change"
MEASURES = (DUE_TIME, CREATION, LAST_CHANGE)

# what happens at each level
NOTIFY = "Notify"
REASSIGN = "Reassign"
NOTIFY_AND_REASSIGN = "Notify and Reassign"
ACTIONS = (NOTIFY, REASSIGN, NOTIFY_AND_REASSIGN)
WARN = "Warn"  # the log's action for a warning before the first level

MAX_LEVELS = 10
MAX_CHAIN = 50  # managers above one person, at most: a longer chain is a loop in Reports To

ASSIGNMENTS = "_assign"  # Frappe's assignments (open ToDos) of the record
OWNER = "owner"

# The item kinds the app knows: where their due time and assignee are, and when they are still open.
# Any other DocType names its due-time field and assignee field on the rule, and is open while it
# matches the rule's filters (and is not cancelled).
KNOWN_KINDS = {
	SEQUENCE_ACTIVITY: {
		"due_field": "due",
		"assignee_field": "seller",
		"open": [["status", "=", "Open"]],
	},
	TODO: {"due_field": "date", "assignee_field": "allocated_to", "open": [["status", "=", "Open"]]},
}
# The app's own DocTypes are off limits to rules (see ``automation.target_refusal``), except the
# activities sellers work on: escalating those is what the rules are for.
APP_TARGETS = frozenset({SEQUENCE_ACTIVITY})
DATE_FIELDTYPES = ("Date", "Datetime")
MEASURE_COLUMNS = {CREATION: "creation", LAST_CHANGE: "modified"}


def target_refusal(doctype: str, module: str | None, issingle=False, istable=False) -> str | None:
	"""Why an escalation rule may not watch records of ``doctype`` (a message naming it as {0}), or None."""
	if doctype in APP_TARGETS:
		return None
	return automation.target_refusal(doctype, module, issingle, istable)


def due_field(rule: dict) -> str | None:
	kind = KNOWN_KINDS.get(rule.get("document_type"))
	return kind["due_field"] if kind else rule.get("due_field")


def assignee_field(rule: dict) -> str:
	kind = KNOWN_KINDS.get(rule.get("document_type"))
	return kind["assignee_field"] if kind else (rule.get("assignee_field") or ASSIGNMENTS)


def measure_column(rule: dict) -> str | None:
	"""The column the overdue hours count from: the due-time field, ``creation`` or ``modified``."""
	measure = rule.get("measure_from") or DUE_TIME
	return due_field(rule) if measure == DUE_TIME else MEASURE_COLUMNS.get(measure)


def open_filters(doctype: str, submittable: bool = False) -> list[list]:
	"""What an item must be to be escalated besides the rule's filters: an open activity or ToDo; a
	record that is not cancelled."""
	kind = KNOWN_KINDS.get(doctype)
	if kind:
		return [list(f) for f in kind["open"]]
	return [["docstatus", "<", 2]] if submittable else []


def _number(value, label: str) -> float:
	if value in (None, ""):
		return 0.0
	try:
		return float(value)
	except (TypeError, ValueError):
		raise EngineError("{0} must be a number, not {1}", label, value) from None


def validate_rule(
	rule: dict,
	fields: dict[str, str],
	user_fields: Iterable[str] = (),
	permlevels: dict[str, int] | None = None,
) -> list[list]:
	"""Refuse a rule that cannot work, naming the field; returns its parsed filters.

	``fields`` maps the document type's field names to their field types, ``user_fields`` names its
	fields that hold a user (Link to User), ``permlevels`` their permission levels."""
	permlevels = permlevels or {}
	doctype = rule.get("document_type")

	def hidden(fieldname) -> bool:
		return automation.hidden_field(fields.get(fieldname), permlevels.get(fieldname))

	measure = rule.get("measure_from") or DUE_TIME
	if measure not in MEASURES:
		raise EngineError("Measure From: {0} is not one of {1}", measure, ", ".join(MEASURES))
	if measure == DUE_TIME and doctype not in KNOWN_KINDS:
		field = rule.get("due_field")
		if not field:
			raise EngineError("Due Time Field is required to count from the due time of a {0}", doctype)
		if fields.get(field) not in DATE_FIELDTYPES:
			raise EngineError(
				"Due Time Field: {0} is not a date or date-and-time field of {1}", field, doctype
			)
		if hidden(field):
			raise EngineError("Due Time Field: {0} is a restricted field; rules cannot read it", field)

	overdue = _number(rule.get("overdue_hours"), "Overdue Hours")
	if overdue < 0:
		raise EngineError("Overdue Hours must be 0 or more, not {0}", rule.get("overdue_hours"))
	levels = _number(rule.get("levels"), "Levels")
	if levels != int(levels) or not 1 <= levels <= MAX_LEVELS:
		raise EngineError(
			"Levels must be a whole number from 1 to {0}, not {1}", MAX_LEVELS, rule.get("levels")
		)
	every = _number(rule.get("every_hours"), "Every Hours")
	if every < 0 or (levels > 1 and every <= 0):
		raise EngineError("Every Hours must be more than 0 when a rule has more than one level")
	warn = _number(rule.get("warn_hours_before"), "Warn Hours Before")
	if warn < 0:
		raise EngineError("Warn Hours Before must be 0 or more, not {0}", rule.get("warn_hours_before"))
	action = rule.get("action")
	if action not in ACTIONS:
		raise EngineError("Action: {0} is not one of {1}", action, ", ".join(ACTIONS))

	if doctype not in KNOWN_KINDS:
		field = rule.get("assignee_field") or ASSIGNMENTS
		if field not in (ASSIGNMENTS, OWNER) and field not in set(user_fields):
			raise EngineError("Assignee Field: {0} is not a field of {1} that holds a user", field, doctype)
		if hidden(field):
			raise EngineError("Assignee Field: {0} is a restricted field; rules cannot read it", field)

	filters = automation.parse_filters(rule.get("filters"), fields)
	for fieldname, _operator, _value in filters:
		if hidden(fieldname):
			raise EngineError(
				"Filter on {0}: a password or a restricted field; rules cannot read it", fieldname
			)
	return filters


# -- when ----------------------------------------------------------------------------------------------
def moment_of(value, fieldtype: str | None = None) -> datetime.datetime | None:
	"""The moment a measured value stands for: a date is due at the end of that day (the next
	midnight); a date and time is that moment."""
	if value in (None, ""):
		return None
	if isinstance(value, str):
		value = (
			datetime.datetime.fromisoformat(value)
			if fieldtype != "Date"
			else datetime.date.fromisoformat(value)
		)
	if isinstance(value, datetime.datetime):
		return value.replace(microsecond=0) if fieldtype != "Date" else _end_of(value.date())
	return _end_of(value)


def _end_of(day: datetime.date) -> datetime.datetime:
	return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0))


def watch_offset(overdue_hours, warn_hours_before=0, working_hours_only=False) -> float | None:
	"""How many clock hours after its measured moment an item must first be looked at, so that
	neither its warning nor its escalation comes late: the overdue hours less the warning. Counting
	working hours only puts both moments later, never earlier, unless the warning reaches back
	before the measured moment: then None (look at the item at once)."""
	offset = float(overdue_hours or 0) - float(warn_hours_before or 0)
	if working_hours_only and offset < 0:
		return None
	return offset


Shift = Callable[[datetime.datetime, float], datetime.datetime]


def clock_hours(moment: datetime.datetime, hours: float) -> datetime.datetime:
	return moment + datetime.timedelta(hours=float(hours or 0))


def breach_at(measured_at: datetime.datetime, overdue_hours, shift: Shift = clock_hours) -> datetime.datetime:
	"""When the first level is due: the overdue hours after the measured moment."""
	return shift(measured_at, float(overdue_hours or 0))


def warn_at(
	breach: datetime.datetime, warn_hours_before, shift: Shift = clock_hours
) -> datetime.datetime | None:
	"""When to warn the assignee: ``warn_hours_before`` before the first level; None for no warning."""
	if not warn_hours_before or float(warn_hours_before) <= 0:
		return None
	return shift(breach, -float(warn_hours_before))


def level_due_at(
	level: int,
	breach: datetime.datetime,
	last_escalated_at: datetime.datetime | None,
	every_hours,
	shift: Shift = clock_hours,
) -> datetime.datetime:
	"""When the level after ``level`` (the levels done so far) is due: the first at the breach; each
	next one ``every_hours`` after the last escalation, and never before the breach (measured from the
	last change, a change starts the count again)."""
	if level == 0 or last_escalated_at is None:
		return breach
	return max(shift(last_escalated_at, float(every_hours or 0)), breach)


ESCALATE = "escalate"
WAIT = "wait"
DONE = "done"


@dataclass(frozen=True)
class Decision:
	action: str  # WARN, ESCALATE, WAIT (until ``wake_at``) or DONE
	wake_at: datetime.datetime | None = None


def decide(
	now: datetime.datetime,
	level: int,
	levels: int,
	due_at: datetime.datetime,
	warn: datetime.datetime | None = None,
	warned: bool = False,
) -> Decision:
	"""What to do with an open item now, ``level`` levels escalated of ``levels``, the next due at
	``due_at``. The warning comes once, before the first level only; past the deadline the item is
	escalated without one."""
	if level >= levels:
		return Decision(DONE)
	if now >= due_at:
		return Decision(ESCALATE)
	if level == 0 and warn is not None and not warned:
		if now >= warn:
			return Decision(WARN)
		return Decision(WAIT, min(warn, due_at))
	return Decision(WAIT, due_at)


# -- who -----------------------------------------------------------------------------------------------
def next_target(
	start: str | None,
	visited: Iterable[str],
	manager_of: Callable[[str], str | None],
	fallback: str | None = None,
) -> str | None:
	"""Who an item goes to next: the manager of ``start`` (the assignee, or whom it last went to),
	past anyone it already went to; when nobody new is above, the fallback user; else None. Nobody
	gets the same item twice, and a loop in the managers ends."""
	seen = {user for user in visited if user}
	walked = set()
	user = start
	for _ in range(MAX_CHAIN):
		if not user or user in walked:
			break
		walked.add(user)
		user = manager_of(user)
		if user and user not in seen:
			return user
	if fallback and fallback not in seen:
		return fallback
	return None


def assignees(value) -> list[str]:
	"""The users of an assignee value: one user, or the JSON list of Frappe's ``_assign`` field."""
	if not value:
		return []
	if isinstance(value, list | tuple):
		return [v for v in value if v]
	text = str(value).strip()
	if text.startswith("["):
		try:
			return [v for v in json.loads(text) if v]
		except ValueError:
			return []
	return [text]


def hours_label(hours: float) -> str:
	"""Hours as a person reads them: 26, 1.5, 0.25."""
	hours = round(float(hours), 2)
	return str(int(hours)) if hours == int(hours) else f"{hours:g}"
