"""Scoring Rules: what a record's score is made of, and how it fades.

A record's score in a score field is the sum of its **contributions**: each criterion of each
enabled Scoring Rule on that field that applies to the record (a Field Value criterion while its
filters and condition hold; an engagement or ERP criterion once per event, up to Max Times), the
rule's **decay** (points lost for each period without new interest, never more than the rule gave)
and the rule's **clamp** (what Minimum / Maximum Score cut off), plus the changes Automation Rules
made to the score (*Change Score*). So the contributions explain the score exactly: they add up to it.

Plain values in, plain values out: the caller gathers the facts (which criteria's filters hold, when
each event happened) and stores the rows; here they become contributions, a score and a diff.
"""

import ast
import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from sales_accelerator.engine import EngineError
from sales_accelerator.engine.automation import hidden_field, parse_filters

# -- criteria ------------------------------------------------------------------------------------------
FIELD_VALUE = "Field Value"
EMAIL_OPENED = "Email Opened"
EMAIL_REPLIED = "Email Replied"
MEETING_BOOKED = "Meeting Booked"
CALL_ANSWERED = "Call Answered"
ACTIVITY_COMPLETED = "Activity Completed"
QUOTATION_SUBMITTED = "Quotation Submitted"
SALES_ORDER_SUBMITTED = "Sales Order Submitted"
INVOICE_OVERDUE = "Sales Invoice Overdue"

ENGAGEMENT = (EMAIL_OPENED, EMAIL_REPLIED, MEETING_BOOKED, CALL_ANSWERED, ACTIVITY_COMPLETED)
ERP_SIGNALS = (QUOTATION_SUBMITTED, SALES_ORDER_SUBMITTED, INVOICE_OVERDUE)
EVENT_CRITERIA = ENGAGEMENT + ERP_SIGNALS
CRITERIA = (FIELD_VALUE, *EVENT_CRITERIA)
# ERP signals mean one thing each: an order coming is good news, an unpaid invoice bad news
POSITIVE_ONLY = (QUOTATION_SUBMITTED, SALES_ORDER_SUBMITTED)
NEGATIVE_ONLY = (INVOICE_OVERDUE,)

# -- what else a score is made of ----------------------------------------------------------------------
DECAY = "Decay"
MINIMUM = "Minimum Score"
MAXIMUM = "Maximum Score"
CHANGE_SCORE = "Change Score"
SCORING_RULE = "Scoring Rule"
AUTOMATION_RULE = "Automation Rule"
DECAY_ROW = "decay"
CLAMP_ROW = "clamp"
ADJUSTMENT_ROW = "adjustment"

SCORE_FIELDTYPES = ("Int",)
# what a stored contribution is compared on (a row that differs is written again)
COMPARED = ("criterion", "points", "times", "since", "last_at", "label")


# -- validation ----------------------------------------------------------------------------------------
def parse_limit(value, label: str) -> int | None:
	"""Minimum / Maximum Score: a whole number, or empty for no limit."""
	if value in (None, ""):
		return None
	text = str(value).strip()
	try:
		number = float(text)
	except ValueError:
		raise EngineError("{0} must be a whole number or empty, not {1}", label, text) from None
	if number != int(number):
		raise EngineError("{0} must be a whole number or empty, not {1}", label, text)
	return int(number)


def validate_rule(
	rule: dict, fields: dict[str, str], permlevels: dict[str, int] | None = None
) -> list[list[list]]:
	"""Refuse a rule that cannot work, naming the field or the criterion's row; returns each
	criterion's parsed filters. ``fields`` maps the document type's field names to their types."""
	permlevels = permlevels or {}
	if int(rule.get("decay_points") or 0) < 0:
		raise EngineError("Decay Points cannot be negative; a rule's decay takes points away")
	if int(rule.get("decay_points") or 0) and int(rule.get("decay_every_days") or 0) < 1:
		raise EngineError("Decay Every (Days) must be 1 or more when the rule has Decay Points")
	minimum = parse_limit(rule.get("minimum_score"), "Minimum Score")
	maximum = parse_limit(rule.get("maximum_score"), "Maximum Score")
	if minimum is not None and maximum is not None and minimum > maximum:
		raise EngineError("Minimum Score {0} is above Maximum Score {1}", minimum, maximum)
	criteria = rule.get("criteria") or []
	if not criteria:
		raise EngineError("Add at least one criterion")
	return [validate_criterion(row, fields, permlevels) for row in criteria]


def validate_criterion(row: dict, fields: dict[str, str], permlevels: dict[str, int]) -> list[list]:
	kind, label = row.get("criterion"), f"#{row.get('idx') or '?'}"
	if kind not in CRITERIA:
		raise EngineError("Criterion {0}: {1} is not one of {2}", label, kind, ", ".join(CRITERIA))
	points = int(row.get("points") or 0)
	if not points:
		raise EngineError("Criterion {0} ({1}): Points are required, e.g. 10 or -5", label, kind)
	if kind in POSITIVE_ONLY and points < 0:
		raise EngineError("Criterion {0} ({1}): its points must be positive", label, kind)
	if kind in NEGATIVE_ONLY and points > 0:
		raise EngineError("Criterion {0} ({1}): its points must be negative", label, kind)
	if int(row.get("max_times") or 0) < 0:
		raise EngineError("Criterion {0} ({1}): Max Times cannot be negative", label, kind)
	try:
		filters = parse_filters(row.get("filters"), fields)
	except EngineError as e:
		raise EngineError("Criterion {0} ({1}): {2}", label, kind, str(e)) from None
	for fieldname, _operator, _value in filters:
		if hidden_field(fields.get(fieldname), permlevels.get(fieldname)):
			raise EngineError(
				"Criterion {0} ({1}): filter on {2}, a password or a restricted field; rules cannot read it",
				label,
				kind,
				fieldname,
			)
	if kind == FIELD_VALUE and not filters and not (row.get("condition") or "").strip():
		raise EngineError(
			"Criterion {0} (Field Value): give filters or a condition the record must meet", label
		)
	return filters


def fields_read(row: dict) -> frozenset[str] | None:
	"""The record's fields a criterion reads (its filters' and its condition's), or None when its
	condition uses ``doc`` in a way that does not name them: a save that changes none of them
	cannot change whether it holds."""
	fields = {field for field, _operator, _value in row.get("filters") or []}
	condition = (row.get("condition") or "").strip()
	if condition:
		found = condition_fields(condition)
		if found is None:
			return None
		fields |= found
	return frozenset(fields)


def condition_fields(expression: str) -> set[str] | None:
	"""The fields a condition reads as ``doc.field``, ``doc["field"]`` or ``doc.get("field")``; None if
	it uses ``doc`` otherwise (calls a method of it, passes it on, iterates it...) or does not parse."""
	try:
		tree = ast.parse(expression, mode="eval")
	except SyntaxError:
		return None
	calls = {id(node.func): node for node in ast.walk(tree) if isinstance(node, ast.Call)}
	fields, named = set(), set()
	for node in ast.walk(tree):
		if isinstance(node, ast.Attribute) and _is_doc(node.value):
			call = calls.get(id(node))
			if call is None:
				fields.add(node.attr)
			elif node.attr == "get" and call.args and _is_text(call.args[0]):
				fields.add(call.args[0].value)
			else:
				return None
			named.add(id(node.value))
		elif isinstance(node, ast.Subscript) and _is_doc(node.value):
			if not _is_text(node.slice):
				return None
			fields.add(node.slice.value)
			named.add(id(node.value))
	if any(_is_doc(node) and id(node) not in named for node in ast.walk(tree)):
		return None
	return fields


def _is_text(node) -> bool:
	return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _is_doc(node) -> bool:
	return isinstance(node, ast.Name) and node.id == "doc"


def score_field_refusal(fieldname: str | None, fieldtype: str | None, permlevel=0) -> str | None:
	"""Why a rule may not keep its score in ``fieldname`` (an untranslated message naming it {0})."""
	if not fieldname or not fieldtype:
		return "Score Field: the document type has no field {0}"
	if fieldtype not in SCORE_FIELDTYPES:
		return "Score Field: {0} is not a whole-number (Int) field"
	if int(permlevel or 0):
		return "Score Field: {0} is a restricted field (permission level above 0)"
	return None


# -- one record ----------------------------------------------------------------------------------------
def seconds(value):
	"""A moment to the second (a date as its midnight): stored and compared without microseconds."""
	if value is None:
		return None
	if isinstance(value, datetime):
		return value.replace(microsecond=0, tzinfo=None)
	if isinstance(value, date):
		return datetime.combine(value, datetime.min.time())
	return value


def criterion_label(row: dict) -> str:
	"""How a criterion reads in a breakdown: its filters and condition, e.g. "source = Campaign"."""
	filters = row.get("filters") or []
	if isinstance(filters, str):
		try:
			filters = parse_filters(filters)
		except EngineError:
			filters = []
	parts = [f"{field} {operator} {_text(value)}" for field, operator, value in filters]
	if (row.get("condition") or "").strip():
		parts.append(row["condition"].strip())
	return "; ".join(parts)[:140]


def _text(value) -> str:
	if isinstance(value, list | tuple):
		return ", ".join(map(str, value))
	return str(value)


def criterion_contribution(
	rule: dict, row: dict, holds: bool, events: list | None, held_since: datetime | None
) -> dict | None:
	"""The contribution of one criterion to a record, or None.

	``holds``: the criterion's filters and condition hold for the record (for an event criterion they
	narrow which records it counts on). ``events``: when each of its events happened (event
	criteria). ``held_since``: since when a Field Value criterion has held (it keeps the moment it
	was first seen holding)."""
	if not holds:
		return None
	points = int(row.get("points") or 0)
	if row["criterion"] == FIELD_VALUE:
		return _row(rule, row, points, 1, held_since, held_since)
	moments = sorted(seconds(moment) for moment in events or [] if moment)
	if not moments:
		return None
	limit = int(row.get("max_times") or 0)
	times = min(len(moments), limit) if limit else len(moments)
	# the latest event is the latest sign of interest, even beyond Max Times
	return _row(rule, row, points * times, times, moments[0], moments[-1])


def _row(
	rule: dict, row: dict, points: int, times: int, since, last_at, criterion=None, row_key=None
) -> dict:
	return {
		"score_field": rule["score_field"],
		"rule_type": SCORING_RULE,
		"rule": rule["name"],
		"row": row_key or row["name"],
		"criterion": criterion or row["criterion"],
		"points": int(points),
		"times": times,
		"since": seconds(since),
		"last_at": seconds(last_at),
		"label": criterion_label(row) if row else "",
	}


def settle(rule: dict, rows: list[dict], now: datetime) -> list[dict]:
	"""The rule's decay and clamp rows for its criteria's ``rows`` at ``now``.

	Decay: ``decay_points`` for every full ``decay_every_days`` since the latest positive
	contribution (the latest sign of interest), never more than the positive contributions give:
	old interest fades to nothing, it does not turn into a penalty. Clamp: what Minimum / Maximum
	Score cut off what is left."""
	settled = []
	gains = [row for row in rows if row["points"] > 0]
	points, every = int(rule.get("decay_points") or 0), int(rule.get("decay_every_days") or 0)
	if points > 0 and every > 0 and gains:
		last = max(row["last_at"] or row["since"] for row in gains)
		steps = (seconds(now) - last).days // every if last else 0
		amount = min(steps * points, sum(row["points"] for row in gains))
		if amount > 0:
			settled.append(
				_row(rule, {}, -amount, steps, last + timedelta(days=every), last, DECAY, DECAY_ROW)
			)
	value = sum(row["points"] for row in rows) + sum(row["points"] for row in settled)
	minimum = parse_limit(rule.get("minimum_score"), MINIMUM)
	maximum = parse_limit(rule.get("maximum_score"), MAXIMUM)
	clamped = value
	if minimum is not None:
		clamped = max(clamped, minimum)
	if maximum is not None:
		clamped = min(clamped, maximum)
	if clamped != value:
		settled.append(
			_row(rule, {}, clamped - value, 1, None, None, MINIMUM if clamped > value else MAXIMUM, CLAMP_ROW)
		)
	return settled


def rule_rows(
	rule: dict,
	holds: Callable[[dict], bool],
	events: dict[str, list],
	stored: dict[tuple, dict],
	changed_at: datetime,
	now: datetime,
	read: set[str] | None = None,
) -> list[dict]:
	"""Every contribution of one rule to one record: its criteria's, then its decay and clamp.

	``holds(row)``: whether the row's filters and condition hold for the record. ``events``: the
	record's events by criterion. ``stored``: the record's stored contributions by ``key``, so a
	Field Value criterion that still holds keeps the moment it began to. ``changed_at``: the
	record's last change; a criterion first seen holding has held at least since then. ``read``: the
	event criteria whose events were read (None: all); the others keep their stored rows while they
	hold (a save does not change a record's events)."""
	rows = []
	for row in rule["criteria"]:
		kind = row["criterion"]
		found = stored.get(key(rule["score_field"], SCORING_RULE, rule["name"], row["name"]))
		if kind != FIELD_VALUE and read is not None and kind not in read:
			made = found if found and found["criterion"] == kind and holds(row) else None
		else:
			held_since = (found or {}).get("since") if (found or {}).get("criterion") == FIELD_VALUE else None
			made = criterion_contribution(
				rule,
				row,
				holds(row),
				events.get(kind) if kind != FIELD_VALUE else None,
				held_since or changed_at,
			)
		if made:
			rows.append(made)
	return rows + settle(rule, rows, now)


def adjustment(score_field: str, rule: str, stored: dict | None, change: int, now: datetime) -> dict:
	"""An Automation Rule's *Change Score* on a record, added to what that rule changed before."""
	before = stored or {}
	return {
		"score_field": score_field,
		"rule_type": AUTOMATION_RULE,
		"rule": rule,
		"row": ADJUSTMENT_ROW,
		"criterion": CHANGE_SCORE,
		"points": int(before.get("points") or 0) + int(change),
		"times": int(before.get("times") or 0) + 1,
		"since": before.get("since") or seconds(now),
		"last_at": seconds(now),
		"label": "",
	}


# -- many records --------------------------------------------------------------------------------------
def key(score_field: str, rule_type: str, rule: str, row: str) -> tuple:
	return (score_field, rule_type, rule, row)


def key_of(row: dict) -> tuple:
	return key(row["score_field"], row["rule_type"], row["rule"], row["row"])


def total(rows: Iterable[dict], score_field: str) -> int:
	return sum(int(row["points"]) for row in rows if row["score_field"] == score_field)


def plan(stored: list[dict], made: list[dict], fields: Iterable[str]) -> dict:
	"""What to write for one record: the Scoring Rules' contributions become those ``made`` (the
	rows of criteria, rules or fields that are gone go), Automation Rules' changes stay unless
	``made`` holds a new version of one. Returns ``{"delete": stored rows, "insert": rows,
	"scores": {field: score}}``, with a score for each of ``fields`` and each field that has
	contributions."""
	stored_by_key = {key_of(row): row for row in stored}
	made_by_key = {key_of(row): row for row in made}
	delete = [
		row
		for found, row in stored_by_key.items()
		if row["rule_type"] == SCORING_RULE and found not in made_by_key
	]
	insert = []
	for made_key, row in made_by_key.items():
		current = stored_by_key.get(made_key)
		if current is None or any(_differs(current.get(f), row.get(f)) for f in COMPARED):
			if current is not None:
				delete.append(current)
			insert.append(row)
	final = {found: row for found, row in stored_by_key.items() if row["rule_type"] != SCORING_RULE}
	final.update(made_by_key)
	fields = set(fields) | {row["score_field"] for row in final.values()}
	fields |= {row["score_field"] for row in stored}
	return {"delete": delete, "insert": insert, "scores": {f: total(final.values(), f) for f in fields}}


def _differs(a, b) -> bool:
	if isinstance(a, datetime | date) or isinstance(b, datetime | date):
		return seconds(a) != seconds(b)
	if isinstance(a, int | float) or isinstance(b, int | float):
		return int(a or 0) != int(b or 0)
	return (a or "") != (b or "")


def breakdown(rows: list[dict], order: dict[str, int] | None = None) -> list[dict]:
	"""The contributions as ``score_breakdown`` returns them: by rule, each rule's criteria in their
	order, then its decay and clamp; Automation Rules' changes last."""
	order = order or {}

	def position(row):
		derived = {DECAY_ROW: 1, CLAMP_ROW: 2}.get(row["row"], 0)
		return (row["rule_type"] != SCORING_RULE, row["rule"], derived, order.get(row["row"], 0), row["row"])

	return [
		{
			"rule": row["rule"],
			"criterion": row["criterion"],
			"points": int(row["points"]),
			"since": row["since"],
			"times": int(row.get("times") or 0),
			"label": row.get("label") or "",
			"rule_type": row["rule_type"],
		}
		for row in sorted(rows, key=position)
	]


def rules_version(rules: list[dict]) -> str:
	"""A fingerprint of the rules that score a document type: a rescore that began under other rules
	runs again."""
	return hashlib.sha1(json.dumps(rules, sort_keys=True, default=str).encode()).hexdigest()
