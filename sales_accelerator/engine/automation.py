"""Automation Rules: which rules run for a document event or a schedule, in what order, and when.

Plain values in, plain values out. Filters and expressions are evaluated by callables the caller
passes in (in the bench: ``frappe.utils.evaluate_filters`` and ``frappe.safe_eval``), so the order,
priority, stop, field-change, loop-guard, schedule and webhook-address decisions are all here.
"""

import calendar
import ipaddress
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from sales_accelerator.engine import EngineError

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
NOT_SETTABLE = ("Table", "Table MultiSelect", "Section Break", "Column Break", "Tab Break", "HTML", "Button")
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


def field_changed(rule: dict, before: dict | None, after: dict) -> bool:
	"""Did the rule's field change in this save, and (when given) from its from-value to its to-value?"""
	if before is None:
		return False
	field = rule.get("field_name")
	old, new = normalise(before.get(field)), normalise(after.get(field))
	if old == new:
		return False
	if rule.get("from_value") not in (None, "") and old != normalise(rule["from_value"]):
		return False
	if rule.get("to_value") not in (None, "") and new != normalise(rule["to_value"]):
		return False
	return True


def sort_rules(rules: Iterable[dict]) -> list[dict]:
	"""Higher priority first; equal priorities by name, so the order never depends on the database."""
	return sorted(rules, key=lambda rule: (-int(rule.get("priority") or 0), rule.get("name") or ""))


def select_rules(
	rules: Iterable[dict],
	triggers: Iterable[str],
	before: dict | None,
	after: dict,
	conditions_met: Callable[[dict], bool],
) -> list[dict]:
	"""The rules to run for this event, in order.

	A rule qualifies when its trigger is fired (for "On Field Change": its field changed as it asks)
	and ``conditions_met(rule)`` (filters and expression) is true. After the first qualifying rule
	that says "stop processing further rules", no other rule runs.
	"""
	triggers = set(triggers)
	chosen = []
	for rule in sort_rules(rules):
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


def validate_rule(rule: dict, fields: dict[str, str], submittable: bool) -> list[list]:
	"""Refuse a rule that cannot work, naming the field or action row; returns the parsed filters.

	``fields`` maps the document type's field names to their field types."""
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

	if trigger == ON_FIELD_CHANGE:
		field_of(rule.get("field_name"), "Field")
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

	actions = rule.get("actions") or []
	if not actions:
		raise EngineError("Add at least one action")
	for row in actions:
		validate_action(row, fields)
	return filters


def validate_action(row: dict, fields: dict[str, str]):
	kind, label = row.get("action_type"), f"#{row.get('idx') or '?'}"
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


def address_refusal(host: str, addresses: Iterable[str], allowlist: Iterable[str]) -> str | None:
	"""Why a webhook may not call ``host`` (resolved to ``addresses``), or None.

	Private, loopback, link-local, multicast, reserved and unspecified addresses are refused unless
	the allow-list (host names, addresses or networks such as 10.0.0.0/8) lets them through."""
	allowed_hosts, allowed_networks = set(), []
	for entry in allowlist:
		entry = entry.strip().lower()
		if not entry or entry.startswith("#"):
			continue
		try:
			allowed_networks.append(ipaddress.ip_network(entry, strict=False))
		except ValueError:
			allowed_hosts.add(entry)
	if host.lower().rstrip(".") in allowed_hosts:
		return None
	addresses = list(addresses)
	if not addresses:
		return f"{host} does not resolve to an address"
	for text in addresses:
		address = ipaddress.ip_address(text.split("%")[0])
		if getattr(address, "ipv4_mapped", None):
			address = address.ipv4_mapped
		public = not (
			address.is_private
			or address.is_loopback
			or address.is_link_local
			or address.is_multicast
			or address.is_reserved
			or address.is_unspecified
		)
		if not public and not any(address in network for network in allowed_networks):
			return f"{host} resolves to {address}, a private, loopback or link-local address"
	return None


WEBHOOK_ATTEMPTS = 3


def retry_delay(attempt: int) -> int | None:
	"""Seconds to wait before retrying a failed webhook after ``attempt`` tries; None: give up."""
	return 60 * 2 ** (attempt - 1) if attempt < WEBHOOK_ATTEMPTS else None
