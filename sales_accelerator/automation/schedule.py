"""Time-based Automation Rules: Scheduled, Days Before / After Date, Inactive For Days.

Every minute the scheduler claims the rules whose ``next_run_at`` has come (a conditional update:
one tick, on one machine, wins each run), finds the matching records with one query, and splits
them into RQ jobs of ``CHUNK`` records. Each record runs in its own transaction.
"""

import frappe
from frappe.utils import get_datetime, now_datetime

from sales_accelerator.automation.rules import RULE, conditions_met, run_rule
from sales_accelerator.engine import automation as engine

CHUNK = 200
SCHEDULE_FIELDS = (
	"name",
	"document_type",
	"trigger",
	"frequency",
	"run_at",
	"time_of_day",
	"day_of_week",
	"day_of_month",
	"date_field",
	"days",
	"filters",
	"condition",
	"next_run_at",
	"last_run_at",
)


def run_due_rules(now=None, inline: bool = False, commit: bool = True) -> dict[str, int]:
	"""Claim and run the time-based rules that are due; returns {rule: records queued}."""
	now = get_datetime(now) if now else now_datetime()
	due = frappe.get_all(
		RULE,
		filters={"enabled": 1, "trigger": ["in", engine.TIME_TRIGGERS], "next_run_at": ["<=", now]},
		fields=list(SCHEDULE_FIELDS),
	)
	queued = {}
	for rule in due:
		if not claim(rule, now, commit):
			continue
		names = records_for(rule, now)
		queued[rule.name] = len(names)
		for start in range(0, len(names), CHUNK):
			chunk = names[start : start + CHUNK]
			if inline:
				run_on_records(rule.name, chunk, commit=commit)
			else:
				frappe.enqueue(
					"sales_accelerator.automation.schedule.run_on_records",
					queue="long",
					rule=rule.name,
					names=chunk,
					enqueue_after_commit=True,
				)
	return queued


def claim(rule, now, commit: bool) -> bool:
	"""Move the rule's next run forward, only if no other tick did first."""
	frappe.db.sql(
		f"""update `tab{RULE}` set next_run_at=%(next)s, last_run_at=%(now)s
		where name=%(name)s and next_run_at=%(due)s""",
		{"next": engine.next_run(rule, now), "now": now, "name": rule.name, "due": rule.next_run_at},
	)
	claimed = frappe.db._cursor.rowcount == 1
	if commit:
		frappe.db.commit()
	return claimed


def records_for(rule, now) -> list[str]:
	"""The records this run acts on: the rule's filters, and its date or inactivity window."""
	filters = engine.parse_filters(rule.filters)
	if rule.trigger in (engine.DAYS_BEFORE, engine.DAYS_AFTER):
		first, last = engine.date_window(rule.trigger, rule.days, rule.last_run_at, now)
		filters.append([rule.date_field, "between", [first, last]])
	if rule.trigger == engine.INACTIVE:
		since, until = engine.date_window(rule.trigger, rule.days, rule.last_run_at, now)
		filters += [["modified", ">", since], ["modified", "<=", until]]
	names = frappe.get_all(rule.document_type, filters=filters, pluck="name", order_by="creation asc")
	if rule.trigger == engine.INACTIVE and names:
		names = without_activity_since(rule.document_type, names, until)
	return names


def without_activity_since(doctype: str, names: list[str], since) -> list[str]:
	"""Drop the records that had an email or a CRM Action Note after ``since``: they were not idle."""
	active = set()
	for activity in ("Communication", "CRM Action Note"):
		active.update(
			frappe.get_all(
				activity,
				filters={
					"reference_doctype": doctype,
					"reference_name": ["in", names],
					"creation": [">", since],
				},
				pluck="reference_name",
			)
		)
	return [name for name in names if name not in active]


def run_on_records(rule: str, names: list[str], commit: bool = True):
	"""Run a time-based rule on each record, each in its own transaction (tests: savepoint)."""
	header = frappe.get_cached_doc(RULE, rule)
	match = {"name": header.name, "condition": header.condition, "trigger": header.trigger}
	for name in names:
		frappe.db.savepoint("sa_scheduled_rule")
		try:
			doc = frappe.get_doc(header.document_type, name)
			if conditions_met(match, doc):
				run_rule(rule, doc, header.trigger)
		except Exception:
			frappe.db.rollback(save_point="sa_scheduled_rule")
			frappe.log_error(title=f"Automation Rule {rule} failed on {name}")
		if commit:
			frappe.db.commit()
