"""Automation Rules: which rules run for a document event or a schedule, in what order, and when.

Plain values in, plain values out. Filters and expressions are evaluated by callables the caller
passes in (in the bench: ``frappe.utils.evaluate_filters`` and ``frappe.safe_eval``), so the order,
priority, stop, field-change, loop-guard, schedule and webhook-address decisions are all here.
"""

import calendar
import dataclasses
import ipaddress
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from sales_accelerator.engine import EngineError
from sales_accelerator.engine.records import NOT_UPDATABLE_FIELDTYPES

# -- triggers ------------------------------------------------------------------------------------------
ON_CREATE = "On Create"
ON_UPDATE = "On Update"
ON_FIELD_CHANGE = "On Field Change"
ON_SUBMIT = "On Submit"
ON_CANCEL = "On Cancel"
SCHEDULED = "Scheduled"
DAYS_BEFORE = "Days Before Date"
DAYS_AFTER = "Days After Date"
INACTIVE = "Inactive For Days"

DOCUMENT_TRIGGERS = (ON_CREATE, ON_UPDATE, ON_FIELD_CHANGE, ON_SUBMIT, ON_CANCEL)
TIME_TRIGGERS = (SCHEDULED, DAYS_BEFORE, DAYS_AFTER, INACTIVE)
TRIGGERS = DOCUMENT_TRIGGERS + TIME_TRIGGERS

FREQUENCIES = ("Once", "Hourly", "Daily", "Weekly", "Monthly")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_TIME = time(9, 0)

# -- actions -------------------------------------------------------------------------------------------
CREATE_TASK = "Create Task"
UPDATE_FIELD = "Update Field"
SEND_EMAIL = "Send Email"
NOTIFY = "Notify"
WEBHOOK = "Webhook"
ASSIGN = "Assign"
CONNECT_SEQUENCE = "Connect Sequence"
ADD_CRM_NOTE = "Add CRM Note"
CHANGE_SCORE = "Change Score"
REQUEST_APPROVAL = "Request Approval"
ACTION_TYPES = (
	CREATE_TASK,
	UPDATE_FIELD,
	SEND_EMAIL,
	NOTIFY,
	WEBHOOK,
	ASSIGN,
	CONNECT_SEQUENCE,
	ADD_CRM_NOTE,
	CHANGE_SCORE,
	REQUEST_APPROVAL,
)
RECORD_OWNER = "Record Owner"
OWNERS_MANAGER = "Owner's Manager"
ASSIGNEES = "Assignees"

MAX_DEPTH = 3
NUMERIC_FIELDTYPES = ("Int", "Float", "Currency", "Percent")
DATE_FIELDTYPES = ("Date", "Datetime")
NOT_SETTABLE = NOT_UPDATABLE_FIELDTYPES
FILTER_OPERATORS = (
	"=",
	"!=",
	">",
	"<",
	">=",
	"<=",
	"like",
	"not like",
	"in",
	"not in",
	"is",
	"between",
	"timespan",
)
STANDARD_FIELDS = ("name", "owner", "creation", "modified", "modified_by", "docstatus")


# -- document events -----------------------------------------------------------------------------------
def triggers_for(event: str, is_new: bool) -> tuple[str, ...]:
	"""The triggers a document event fires. A new record's first save is "On Create" only."""
	if event == "on_update":
		return (ON_CREATE,) if is_new else (ON_UPDATE, ON_FIELD_CHANGE)
	if event == "on_update_after_submit":
		return (ON_UPDATE, ON_FIELD_CHANGE)
	if event == "on_submit":
		return (ON_SUBMIT,)
	if event == "on_cancel":
		return (ON_CANCEL,)
	return ()


def normalise(value) -> str:
	"""Compare field values as a person reads them: 5, 5.0 and "5" are the same; None is empty."""
	if value is None:
		return ""
	if isinstance(value, bool):
		return "1" if value else "0"
	if isinstance(value, int | float | Decimal):
		return str(int(value)) if value == int(value) else str(float(value))
	if isinstance(value, datetime):
		return value.isoformat(sep=" ")
	if isinstance(value, date):
		return value.isoformat()
	text = str(value).strip()
	try:
		number = float(text)
	except ValueError:
		return text
	return normalise(number) if text.lstrip("+-").replace(".", "", 1).isdigit() else text


# A From or To Value may be a threshold on a number field: "< 50", ">= 50"
THRESHOLD_OPERATORS = (">=", "<=", ">", "<")


def threshold(value) -> tuple[str, float] | None:
	"""``(operator, number)`` of a threshold such as ">= 50", else None (a plain value)."""
	text = normalise(value)
	for operator in THRESHOLD_OPERATORS:
		if text.startswith(operator):
			try:
				return operator, float(text[len(operator) :].strip())
			except ValueError:
				return None
	return None


def value_matches(value, expected) -> bool:
	"""Whether a field's value is ``expected``: equal as a person reads it, or on the right side of
	a threshold (an empty number is 0)."""
	limit = threshold(expected)
	if not limit:
		return normalise(value) == normalise(expected)
	try:
		number = float(normalise(value) or 0)
	except ValueError:
		return False
	operator, bound = limit
	return {
		">=": number >= bound,
		"<=": number <= bound,
		">": number > bound,
		"<": number < bound,
	}[operator]


def field_changed(rule: dict, before: dict | None, after: dict) -> bool:
	"""Did the rule's field change in this save, from its From Value (when given) to its To Value
	(when given)? "To" means it came to be so: a threshold such as ">= 50" is crossed once, when the
	value reaches it, not again while it stays above."""
	if before is None:
		return False
	field = rule.get("field_name")
	old, new = before.get(field), after.get(field)
	if normalise(old) == normalise(new):
		return False
	if rule.get("from_value") not in (None, "") and not value_matches(old, rule["from_value"]):
		return False
	to_value = rule.get("to_value")
	if to_value not in (None, "") and (not value_matches(new, to_value) or value_matches(old, to_value)):
		return False
	return True


def sort_rules(rules: Iterable[dict]) -> list[dict]:
	"""Higher priority first; equal priorities by name, so the order never depends on the database."""
	return sorted(rules, key=lambda rule: (-int(rule.get("priority") or 0), rule.get("name") or ""))


# Fields whose "=" filter Frappe compares as text (``frappe.utils.data.compare`` casts with ``cstr``)
TEXT_FIELDTYPES = frozenset(
	{"Data", "Text", "Small Text", "Long Text", "Text Editor", "Select", "Link", "Dynamic Link"}
)


@dataclasses.dataclass
class RulePlan:
	"""A DocType's document-event rules, in the order they run, arranged so that a save looks only at
	those that may apply: a field-change rule under its field, a rule with an "=" filter on a text
	field under that filter's value, the others in a list per trigger. Made once when the rules are
	read, so a save with hundreds of rules that do not apply costs a few lookups."""

	rules: list[dict] = dataclasses.field(default_factory=list)
	always: dict[str, list[int]] = dataclasses.field(default_factory=dict)  # trigger: positions
	keyed: dict[str, dict[str, dict[str, list[int]]]] = dataclasses.field(
		default_factory=dict
	)  # trigger: field: value
	watching: dict[str, list[int]] = dataclasses.field(
		default_factory=dict
	)  # On Field Change: field: positions

	def __iter__(self):
		return iter(self.rules)

	def __len__(self):
		return len(self.rules)


def plan_rules(rules: Iterable[dict], text_fields: Iterable[str] = ()) -> RulePlan:
	"""Arrange ``rules`` (``text_fields``: the DocType's fields of ``TEXT_FIELDTYPES``)."""
	text_fields = set(text_fields)
	plan = RulePlan(rules=sort_rules(rules))
	for position, rule in enumerate(plan.rules):
		trigger = rule.get("trigger")
		if trigger == ON_FIELD_CHANGE:
			plan.watching.setdefault(rule.get("field_name"), []).append(position)
			continue
		key = next(
			(
				(fieldname, _text(value))
				for fieldname, operator, value in rule.get("filters") or ()
				if operator == "=" and fieldname in text_fields and isinstance(value, str | int | float)
			),
			None,
		)
		if key:
			by_value = plan.keyed.setdefault(trigger, {}).setdefault(key[0], {})
			by_value.setdefault(key[1], []).append(position)
		else:
			plan.always.setdefault(trigger, []).append(position)
	return plan


def _text(value) -> str:
	"""A value as Frappe's ``cstr`` gives it."""
	return "" if value is None else value if isinstance(value, str) else str(value)


def candidates(plan: RulePlan, triggers: Iterable[str], before: dict | None, after: dict) -> list[dict]:
	"""The rules of ``plan`` that may apply to this event, in order: every other rule is certain not
	to (another trigger, its field unchanged, its "=" filter on another value)."""
	positions = set()
	for trigger in triggers:
		positions.update(plan.always.get(trigger, ()))
		for fieldname, by_value in plan.keyed.get(trigger, {}).items():
			positions.update(by_value.get(_text(after.get(fieldname)), ()))
		if trigger == ON_FIELD_CHANGE and before is not None:
			for fieldname, watched in plan.watching.items():
				if normalise(before.get(fieldname)) != normalise(after.get(fieldname)):
					positions.update(watched)
	return [plan.rules[position] for position in sorted(positions)]


def select_rules(
	rules: "RulePlan | Iterable[dict]",
	triggers: Iterable[str],
	before: dict | None,
	after: dict,
	conditions_met: Callable[[dict], bool],
) -> list[dict]:
	"""The rules to run for this event, in order.

	A rule qualifies when its trigger is fired (for "On Field Change": its field changed as it asks)
	and ``conditions_met(rule)`` (filters and expression) is true. After the first qualifying rule
	that says "stop processing further rules", no other rule runs. ``rules``: a plan, or the rules.
	"""
	triggers = set(triggers)
	plan = rules if isinstance(rules, RulePlan) else plan_rules(rules)
	chosen = []
	for rule in candidates(plan, triggers, before, after):
		if rule.get("trigger") not in triggers:
			continue
		if rule["trigger"] == ON_FIELD_CHANGE and not field_changed(rule, before, after):
			continue
		if not conditions_met(rule):
			continue
		chosen.append(rule)
		if rule.get("stop_further_rules"):
			break
	return chosen


class ReadOnlyRecord(Mapping):
	"""A record's values as conditions read them, ``doc.field`` (None when absent) or
	``doc["field"]``, and can never change: one view serves every rule's condition in a save."""

	__slots__ = ("_values",)

	def __init__(self, values: dict):
		object.__setattr__(self, "_values", values)

	def __getitem__(self, key):
		return self._values[key]

	def __iter__(self):
		return iter(self._values)

	def __len__(self):
		return len(self._values)

	def __getattr__(self, key):
		if key.startswith("__"):
			raise AttributeError(key)
		return self._values.get(key)

	def __setattr__(self, key, value):
		raise TypeError("a record's values cannot be changed by a condition")

	__delattr__ = __setattr__


def log_status(outcomes: Iterable[str]) -> str:
	"""A run's status from its actions' outcomes."""
	outcomes = set(outcomes)
	if "Waiting for Approval" in outcomes:
		return "Waiting for Approval"
	if "Failed" in outcomes:
		return "Failed" if outcomes == {"Failed"} else "Partly Failed"
	return "Success"


def loop_refusal(stack: list[tuple], rule: str, doctype: str, name: str, max_depth: int = MAX_DEPTH):
	"""Why a rule may not run now, or None. ``stack`` holds the (rule, doctype, name) runs in progress:
	a rule never reruns on a record its own run is changing, and chains stop at ``max_depth``."""
	if (rule, doctype, name) in stack:
		return "loop"
	if len(stack) >= max_depth:
		return "depth"
	return None


# -- what a rule may act on ----------------------------------------------------------------------------
# A rule acts with its author's permissions (see automation/rules.py), but some DocTypes are the keys
# to everything else: who may log in and with which roles, the schema and its permissions, code that
# runs on the server or in the browser, files, the audit trail, email accounts and site settings. A rule
# may never target them, whoever wrote it: a mistake there cannot be undone from the desk, and a rule
# is a standing order that keeps acting long after its author looked at it.
PROTECTED_DOCTYPES = frozenset(
	{
		# people, roles and permissions
		"User",
		"Role",
		"Role Profile",
		"Module Profile",
		"Has Role",
		"User Permission",
		"User Group",
		"DocShare",
		"DocPerm",
		"Custom DocPerm",
		# the schema and code
		"DocType",
		"DocField",
		"Module Def",
		"Custom Field",
		"Property Setter",
		"Customize Form",
		"Server Script",
		"Client Script",
		"Scheduled Job Type",
		"Report",
		"Print Format",
		"Web Form",
		"Workflow",
		"Notification",
		"Webhook",
		"Assignment Rule",
		# files, the audit trail, mail and settings
		"File",
		"Version",
		"Comment",
		"Communication",
		"Access Log",
		"Activity Log",
		"Error Log",
		"Deleted Document",
		"Email Account",
		"Email Queue",
		"OAuth Client",
		"Connected App",
		"Social Login Key",
		"System Settings",
	}
)
# Whole modules of Frappe that are the framework itself (the DocTypes above and their relatives),
# except the few records sellers work with.
PROTECTED_MODULES = frozenset(
	{"Core", "Custom", "Desk", "Email", "Integrations", "Automation", "Printing", "Website"}
)
MODULE_EXCEPTIONS = frozenset({"ToDo", "Event"})
# The app's own DocTypes: a rule acting on its own logs, approvals, enrollments or settings loops,
# or rewrites the machinery that holds it back. Two are records people work with and rules are made
# for: an Automation Approval's decision ("when rejected, tell the seller") and a CRM Action Note.
APP_MODULE = "Sales Accelerator"
APP_TARGETS = frozenset({"Automation Approval", "CRM Action Note"})


def target_refusal(doctype: str, module: str | None, issingle=False, istable=False) -> str | None:
	"""Why a rule may not act on records of ``doctype`` (of ``module``), or None."""
	if istable:
		return "Document Type: {0} is a child table; choose the document type it belongs to"
	if issingle:
		return "Document Type: {0} is a settings page, not a document type of records"
	if doctype in PROTECTED_DOCTYPES or (module in PROTECTED_MODULES and doctype not in MODULE_EXCEPTIONS):
		return (
			"Document Type: {0} is part of the framework's security or configuration; rules cannot act on it"
		)
	if module == APP_MODULE and doctype not in APP_TARGETS:
		return "Document Type: {0} is part of the automation itself; rules cannot act on it"
	return None


def hidden_field(fieldtype: str | None, permlevel=0) -> bool:
	"""A field a rule neither reads nor writes: a password, or one above permission level 0."""
	return fieldtype == "Password" or int(permlevel or 0) > 0


# -- validation ----------------------------------------------------------------------------------------
def parse_filters(value, fields: dict[str, str] | None = None) -> list[list]:
	"""Frappe filter syntax as JSON (a list of [field, operator, value] or [doctype, field, operator,
	value], or a {field: value | [operator, value]} object) as a list of [field, operator, value]."""
	if value in (None, "", "[]", "{}"):
		return []
	if isinstance(value, str):
		try:
			value = json.loads(value)
		except ValueError as e:
			raise EngineError("Filters are not valid JSON: {0}", str(e)) from None
	if isinstance(value, dict):
		value = [[f, *(v if isinstance(v, list | tuple) else ["=", v])] for f, v in value.items()]
	if not isinstance(value, list):
		raise EngineError("Filters must be a list or an object, not {0}", type(value).__name__)
	parsed = []
	for item in value:
		if not isinstance(item, list | tuple) or len(item) not in (3, 4):
			raise EngineError("Filter {0} must be [field, operator, value]", json.dumps(item, default=str))
		field, operator, operand = item[-3:]
		operator = str(operator).lower()
		if operator not in FILTER_OPERATORS:
			raise EngineError("Filter on {0}: {1} is not an operator Frappe knows", field, operator)
		if fields is not None and field not in fields and field not in STANDARD_FIELDS:
			raise EngineError("Filter on {0}: the document type has no such field", field)
		parsed.append([field, operator, operand])
	return parsed


def validate_rule(
	rule: dict, fields: dict[str, str], submittable: bool, permlevels: dict[str, int] | None = None
) -> list[list]:
	"""Refuse a rule that cannot work, naming the field or action row; returns the parsed filters.

	``fields`` maps the document type's field names to their field types, ``permlevels`` to their
	permission levels. A rule reads and writes only fields of level 0 that are not passwords."""
	permlevels = permlevels or {}

	def hidden(fieldname) -> bool:
		return hidden_field(fields.get(fieldname), permlevels.get(fieldname))

	trigger = rule.get("trigger")
	if trigger not in TRIGGERS:
		raise EngineError("Trigger {0} is not one of {1}", trigger, ", ".join(TRIGGERS))

	def field_of(fieldname, label, types=None):
		if not fieldname:
			raise EngineError("{0} is required for the trigger {1}", label, trigger)
		if fieldname not in fields and fieldname not in STANDARD_FIELDS:
			raise EngineError("{0}: the document type has no field {1}", label, fieldname)
		if types and fields.get(fieldname, "Datetime") not in types:
			raise EngineError("{0}: {1} is not a date field", label, fieldname)
		if hidden(fieldname):
			raise EngineError(
				"{0}: {1} is a password or a restricted field; rules cannot read it", label, fieldname
			)

	if trigger == ON_FIELD_CHANGE:
		field_of(rule.get("field_name"), "Field")
		for key, label in (("from_value", "From Value"), ("to_value", "To Value")):
			text = normalise(rule.get(key))
			if not text.startswith(THRESHOLD_OPERATORS):
				continue
			if not threshold(text):
				raise EngineError("{0}: {1} is a threshold without a number, e.g. >= 50", label, text)
			if fields.get(rule["field_name"]) not in NUMERIC_FIELDTYPES:
				raise EngineError(
					"{0}: {1} is a threshold; {2} is not a number field", label, text, rule["field_name"]
				)
	if trigger in (ON_SUBMIT, ON_CANCEL) and not submittable:
		raise EngineError("Trigger {0}: this document type cannot be submitted or cancelled", trigger)
	if trigger == SCHEDULED:
		frequency = rule.get("frequency")
		if frequency not in FREQUENCIES:
			raise EngineError(
				"Frequency is required for a scheduled rule: one of {0}", ", ".join(FREQUENCIES)
			)
		if frequency == "Once" and not rule.get("run_at"):
			raise EngineError("Run At is required for a rule that runs once")
		if frequency == "Weekly" and rule.get("day_of_week") not in WEEKDAYS:
			raise EngineError("Day of Week is required for a weekly rule")
		if frequency == "Monthly" and not 1 <= int(rule.get("day_of_month") or 0) <= 31:
			raise EngineError("Day of Month must be between 1 and 31 for a monthly rule")
	if trigger in (DAYS_BEFORE, DAYS_AFTER):
		field_of(rule.get("date_field"), "Date Field", DATE_FIELDTYPES)
	if trigger in (DAYS_BEFORE, DAYS_AFTER, INACTIVE):
		minimum = 1 if trigger == INACTIVE else 0
		if rule.get("days") in (None, "") or int(rule["days"]) < minimum:
			raise EngineError("Days must be {0} or more for the trigger {1}", minimum, trigger)
	filters = parse_filters(rule.get("filters"), fields)
	for fieldname, _operator, _value in filters:
		if hidden(fieldname):
			raise EngineError(
				"Filter on {0}: a password or a restricted field; rules cannot read it", fieldname
			)

	actions = rule.get("actions") or []
	if not actions:
		raise EngineError("Add at least one action")
	for row in actions:
		validate_action(row, fields, permlevels)
	return filters


def validate_action(row: dict, fields: dict[str, str], permlevels: dict[str, int] | None = None):
	kind, label = row.get("action_type"), f"#{row.get('idx') or '?'}"
	permlevels = permlevels or {}
	if kind not in ACTION_TYPES:
		raise EngineError("Action {0}: {1} is not an action type", label, kind)

	def need(field, title):
		if row.get(field) in (None, ""):
			raise EngineError("Action {0} ({1}): {2} is required", label, kind, title)

	if kind in (CREATE_TASK, ADD_CRM_NOTE):
		need("subject", "Subject")
	if kind in (UPDATE_FIELD, CHANGE_SCORE):
		need("field_to_set", "Field to Set")
		fieldname = row["field_to_set"]
		if fieldname not in fields:
			raise EngineError("Action {0} ({1}): the document type has no field {2}", label, kind, fieldname)
		if fields[fieldname] in NOT_SETTABLE:
			raise EngineError("Action {0} ({1}): {2} cannot be set by a rule", label, kind, fieldname)
		if hidden_field(fields[fieldname], permlevels.get(fieldname)):
			raise EngineError(
				"Action {0} ({1}): {2} is a restricted field (permission level above 0); rules cannot set it",
				label,
				kind,
				fieldname,
			)
		if kind == CHANGE_SCORE:
			if fields[fieldname] not in NUMERIC_FIELDTYPES:
				raise EngineError("Action {0} ({1}): {2} is not a number field", label, kind, fieldname)
			score_change(0, row.get("value"), label)
	if kind in (SEND_EMAIL, NOTIFY) and not any(
		row.get(f) for f in ("recipient", "recipient_field", "recipient_user", "recipient_role")
	):
		raise EngineError("Action {0} ({1}): choose who receives it", label, kind)
	if kind in (SEND_EMAIL, NOTIFY) and row.get("recipient_field") and row["recipient_field"] not in fields:
		if row["recipient_field"] not in STANDARD_FIELDS:
			raise EngineError(
				"Action {0} ({1}): the document type has no field {2}", label, kind, row["recipient_field"]
			)
	if row.get("recipient_field") and hidden_field(
		fields.get(row["recipient_field"]), permlevels.get(row["recipient_field"])
	):
		raise EngineError(
			"Action {0} ({1}): {2} is a password or a restricted field; rules cannot read it",
			label,
			kind,
			row["recipient_field"],
		)
	if kind == SEND_EMAIL:
		need("email_template", "Email Template")
	if kind == WEBHOOK:
		need("webhook_url", "Webhook URL")
		webhook_url_refusal(row["webhook_url"], label)
		if row.get("webhook_body"):
			template = row["webhook_body"]
			if "{{" not in template and "{%" not in template:
				try:
					json.loads(template)
				except ValueError as e:
					raise EngineError(
						"Action {0} (Webhook): the body is not valid JSON: {1}", label, str(e)
					) from None
	if kind == ASSIGN and not (row.get("assign_to") or row.get("assignment_rule")):
		raise EngineError("Action {0} (Assign): choose Assign To or an Assignment Rule", label)
	if kind == CONNECT_SEQUENCE:
		need("sequence", "Sequence")
	if row.get("due_in_days") not in (None, "") and int(row["due_in_days"]) < 0:
		raise EngineError("Action {0} ({1}): Due in Days cannot be negative", label, kind)


def score_change(current, change, label: str = "") -> float | int:
	"""Apply a score change such as "+10", "-5" or "=50" to the current value."""
	text = normalise(change)
	if not text:
		raise EngineError("Action {0} (Change Score): Value is required, e.g. +10 or -5", label)
	absolute = text.startswith("=")
	try:
		amount = float(text.lstrip("="))
	except ValueError:
		raise EngineError(
			"Action {0} (Change Score): {1} is not a number, e.g. +10 or -5", label, change
		) from None
	result = amount if absolute else float(current or 0) + amount
	return int(result) if result == int(result) else result


# The field that names who looks after a record, by the stock DocTypes' own names; else its creator.
OWNER_FIELDS = ("lead_owner", "opportunity_owner", "account_manager", "prospect_owner", "contact_owner")


def record_owner(doc) -> str | None:
	for field in OWNER_FIELDS:
		if doc.get(field):
			return doc.get(field)
	return doc.get("owner")


# -- assignees and dates -------------------------------------------------------------------------------
def assignee_from(assign_to: str | None, doc, is_user: Callable[[str], bool]) -> str | None:
	"""``assign_to`` names a field of the record holding a user (``owner`` included), or a user."""
	if not assign_to:
		return None
	value = doc.get(assign_to)
	if value:
		return value if is_user(value) else None
	return assign_to if is_user(assign_to) else None


def due_on(today: date, due_in_days) -> date:
	return today + timedelta(days=int(due_in_days or 0))


# -- schedules -----------------------------------------------------------------------------------------
def _time_of(rule: dict) -> time:
	value = rule.get("time_of_day")
	if isinstance(value, timedelta):  # how MariaDB returns a Time column
		value = (datetime.min + value).time()
	if isinstance(value, str) and value:
		parts = [int(float(part)) for part in value.split(":")]
		value = time(*[*parts, 0, 0][:3])
	return value or DEFAULT_TIME


def next_run(rule: dict, after: datetime) -> datetime | None:
	"""When a time-based rule next runs, strictly after ``after``; None for a one-off already past.

	Date and inactivity triggers run daily at the rule's time of day; scheduled ones as their
	frequency says (hourly at the time's minute)."""
	at = _time_of(rule)
	frequency = rule.get("frequency") if rule.get("trigger") == SCHEDULED else "Daily"
	if frequency == "Once":
		run_at = rule.get("run_at")
		if isinstance(run_at, str):
			run_at = datetime.fromisoformat(run_at)
		return run_at if run_at and run_at > after else None
	if frequency == "Hourly":
		candidate = after.replace(minute=at.minute, second=0, microsecond=0)
		return candidate if candidate > after else candidate + timedelta(hours=1)
	candidate = datetime.combine(after.date(), at)
	if frequency == "Daily":
		return candidate if candidate > after else candidate + timedelta(days=1)
	if frequency == "Weekly":
		weekday = WEEKDAYS.index(rule.get("day_of_week") or "Monday")
		candidate += timedelta(days=(weekday - candidate.weekday()) % 7)
		return candidate if candidate > after else candidate + timedelta(days=7)
	if frequency == "Monthly":
		day = int(rule.get("day_of_month") or 1)
		year, month = after.year, after.month
		while True:
			last = calendar.monthrange(year, month)[1]
			candidate = datetime.combine(date(year, month, min(day, last)), at)
			if candidate > after:
				return candidate
			year, month = (year + 1, 1) if month == 12 else (year, month + 1)
	raise EngineError("Frequency {0} is not one of {1}", frequency, ", ".join(FREQUENCIES))


def date_window(trigger: str, days, last_run: datetime | None, now: datetime) -> tuple:
	"""Which records a date or inactivity rule acts on in this run, as (from, to), both inclusive.

	"Days After Date": records whose date plus ``days`` fell on a day since the last run, up to
	today; "Days Before Date": whose date minus ``days`` did. "Inactive For Days": records whose
	last activity turned ``days`` old since the last run (datetimes, from exclusive). Runs missed
	while the scheduler was down are caught up; nothing is acted on twice."""
	days = int(days or 0)
	if trigger == INACTIVE:
		until = now - timedelta(days=days)
		since = (last_run - timedelta(days=days)) if last_run else until - timedelta(days=1)
		return since, until
	today = now.date()
	first = last_run.date() + timedelta(days=1) if last_run and last_run.date() < today else today
	shift = timedelta(days=days) if trigger == DAYS_BEFORE else -timedelta(days=days)
	return first + shift, today + shift


# -- webhooks ------------------------------------------------------------------------------------------
def webhook_url_refusal(url: str, label: str = ""):
	"""Refuse a URL that is not http(s) or names no host."""
	parts = urlsplit((url or "").strip())
	if parts.scheme not in ("http", "https") or not parts.hostname:
		raise EngineError("Action {0} (Webhook): {1} is not an http or https address", label, url)
	return parts.hostname


STANDARD_PORTS = (80, 443)


def allowlist_entry(entry: str) -> tuple | None:
	"""An allow-list line as (host or network, ports): ``crm.internal``, ``10.0.0.0/8``, ``::1``
	allow the standard ports 80 and 443; ``crm.internal:8080``, ``10.0.0.0/8:8000``,
	``[::1]:8080`` that port as well; ``host:*`` any port. None for a blank line or a comment."""
	entry = entry.strip().lower()
	if not entry or entry.startswith("#"):
		return None
	ports = STANDARD_PORTS
	try:
		return ipaddress.ip_network(entry, strict=False), ports
	except ValueError:
		pass
	target, port = entry, None
	if entry.startswith("[") and "]" in entry:  # [v6 address or network]:port
		target, _bracket, rest = entry[1:].partition("]")
		port = rest[1:] if rest.startswith(":") else None
	elif ":" in entry:
		target, port = entry.rsplit(":", 1)
	if port == "*":
		ports = None  # any
	elif port:
		if not port.isdigit() or not 0 < int(port) < 65536:
			return None
		ports = (*STANDARD_PORTS, int(port))
	try:
		return ipaddress.ip_network(target, strict=False), ports
	except ValueError:
		return target.rstrip("."), ports


def _port_allowed(port: int, ports) -> bool:
	return ports is None or port in ports


def address_refusal(
	host: str, addresses: Iterable[str], allowlist: Iterable[str], port: int | None = None
) -> str | None:
	"""Why a webhook may not call ``host`` on ``port`` (resolved to ``addresses``), or None.

	Only public (globally routable) addresses on ports 80 and 443 are called, unless the allow-list
	lets an entry through: a host name (whatever it resolves to), an address or a network such as
	10.0.0.0/8, each optionally with a port (see ``allowlist_entry``). Shared (100.64.0.0/10),
	private, loopback, link-local, multicast, reserved and unspecified addresses are not public.
	``port`` None: only the addresses are judged."""
	entries = [parsed for parsed in map(allowlist_entry, allowlist) if parsed]
	host = host.lower().rstrip(".")
	by_name = [ports for target, ports in entries if target == host]
	if by_name:
		if port is None or any(_port_allowed(port, ports) for ports in by_name):
			return None
		return (
			f"{host}: port {port} is not allowed (only 80 and 443 unless the allow-list names {host}:{port})"
		)
	addresses = list(addresses)
	if not addresses:
		return f"{host} does not resolve to an address"
	for text in addresses:
		address = ipaddress.ip_address(text.split("%")[0])
		if getattr(address, "ipv4_mapped", None):
			address = address.ipv4_mapped
		networks = [ports for target, ports in entries if not isinstance(target, str) and address in target]
		if networks:
			if port is not None and not any(_port_allowed(port, ports) for ports in networks):
				return f"{host}: port {port} is not allowed for {address} (only 80 and 443 unless the allow-list says so)"
			continue
		if not address.is_global or address.is_multicast:
			return f"{host} resolves to {address}, a private, loopback, link-local or otherwise non-public address"
		if port is not None and port not in STANDARD_PORTS:
			return f"{host}: port {port} is not allowed (only 80 and 443 unless the allow-list names {host}:{port})"
	return None


WEBHOOK_ATTEMPTS = 3


def retry_delay(attempt: int) -> int | None:
	"""Seconds to wait before retrying a failed webhook after ``attempt`` tries; None: give up."""
	return 60 * 2 ** (attempt - 1) if attempt < WEBHOOK_ATTEMPTS else None
