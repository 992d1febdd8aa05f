"""Time-based Automation Rules: Scheduled, Days Before / After Date, Inactive For Days.

Every minute the scheduler claims the rules whose ``next_run_at`` has come (a conditional update:
one tick, on one machine, wins each run), finds the matching records with one query, and hands them
to one RQ job that acts on them ``CHUNK`` records per transaction.

A run is resumable: the claim leaves a marker on the rule (``run_started_at``, the window's start
``run_from``, and a lease ``run_lease_until`` the job extends as it goes) that is cleared when the
run completes. When a job dies after the claim, a later tick finds the expired lease, claims the run
again and acts on the same window, skipping the records that already have a log of the rule since
the run started: nothing is acted on twice. A rule with an unfinished run is not claimed again
until that run completes.
"""

import frappe
from frappe.utils import add_to_date, get_datetime, now_datetime

from sales_accelerator.automation.rules import LOG, RULE, conditions_met, run_rule
from sales_accelerator.engine import automation as engine

CHUNK = 200
LEASE_MINUTES = 15
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
	"run_started_at",
	"run_from",
	"run_lease_until",
)


def run_due_rules(now=None, inline: bool = False, commit: bool = True) -> dict[str, int]:
	"""Claim and run the time-based rules that are due, and the runs whose job died; returns
	{rule: records to act on}."""
	now = get_datetime(now) if now else now_datetime()
	due = frappe.get_all(
		RULE,
		filters={
			"enabled": 1,
			"trigger": ["in", engine.TIME_TRIGGERS],
			"next_run_at": ["<=", now],
			"run_started_at": ["is", "not set"],
		},
		fields=list(SCHEDULE_FIELDS),
	)
	stalled = frappe.get_all(
		RULE,
		filters={
			"enabled": 1,
			"trigger": ["in", engine.TIME_TRIGGERS],
			"run_started_at": ["is", "set"],
			"run_lease_until": ["<", now_datetime()],
		},
		fields=list(SCHEDULE_FIELDS),
	)
	queued = {}
	for rule in due:
		if not claim(rule, now, commit):
			continue
		names = records_for(rule, now)
		queued[rule.name] = len(names)
		start_run(rule.name, names, inline, commit)
	for rule in stalled:
		if not reclaim(rule, commit):
			continue
		names = remaining(rule)  # found once; the job skips what is done by then
		queued[rule.name] = len(names)
		start_run(rule.name, names, inline, commit)
	return queued


def start_run(rule: str, names: list[str] | None, inline: bool, commit: bool):
	if inline:
		run_window(rule, names, commit=commit)
	else:
		frappe.enqueue(
			"sales_accelerator.automation.schedule.run_window",
			queue="long",
			rule=rule,
			names=names,
			enqueue_after_commit=True,
		)


def claim(rule, now, commit: bool) -> bool:
	"""Move the rule's next run forward and mark the run as started, only if no other tick did first."""
	return _won(
		f"""update `tab{RULE}` set next_run_at=%(next)s, last_run_at=%(now)s, run_from=%(from)s,
			run_started_at=%(started)s, run_lease_until=%(lease)s
		where name=%(name)s and next_run_at=%(due)s and run_started_at is null""",
		{
			"next": engine.next_run(rule, now),
			"now": now,
			"from": rule.last_run_at,
			"started": now_datetime(),
			"lease": add_to_date(now_datetime(), minutes=LEASE_MINUTES),
			"name": rule.name,
			"due": rule.next_run_at,
		},
		commit,
	)


def reclaim(rule, commit: bool) -> bool:
	"""Take over a run whose lease expired (its job died), only if no other tick did first."""
	return _won(
		f"""update `tab{RULE}` set run_lease_until=%(lease)s
		where name=%(name)s and run_started_at=%(started)s and run_lease_until=%(expired)s""",
		{
			"lease": add_to_date(now_datetime(), minutes=LEASE_MINUTES),
			"name": rule.name,
			"started": rule.run_started_at,
			"expired": rule.run_lease_until,
		},
		commit,
	)


def _won(update: str, values: dict, commit: bool) -> bool:
	"""Run a conditional update of the rule's row; whether it changed the row (this tick won)."""
	frappe.db.sql(update, values)
	won = frappe.db._cursor.rowcount == 1
	if commit:
		frappe.db.commit()
	return won


def _pending(rule: str):
	values = frappe.db.get_value(RULE, rule, list(SCHEDULE_FIELDS), as_dict=True)
	return values if values and values.run_started_at else None


def remaining(pending, names: list[str] | None = None) -> list[str]:
	"""The records of the ``pending`` run not yet acted on: ``names`` (default: its window,
	``run_from`` to ``last_run_at``) less the records with a log of the rule since the run started."""
	if not pending:
		return []
	if names is None:
		names = records_for(frappe._dict(pending, last_run_at=pending.run_from), pending.last_run_at)
	done = (
		set(
			frappe.get_all(
				LOG,
				filters={
					"rule": pending.name,
					"creation": [">=", pending.run_started_at],
					"document_name": ["in", names],
				},
				pluck="document_name",
			)
		)
		if names
		else set()
	)
	return [name for name in names if name not in done]


def run_window(rule: str, names: list[str] | None = None, commit: bool = True):
	"""The job of one run: act on its records, ``CHUNK`` per transaction, extending the lease as it
	goes; then clear the run's marker."""
	pending = _pending(rule)
	if not pending:
		return
	todo = remaining(pending, names)
	for start in range(0, len(todo), CHUNK):
		run_on_records(rule, todo[start : start + CHUNK], commit=commit)
		frappe.db.set_value(
			RULE,
			rule,
			"run_lease_until",
			add_to_date(now_datetime(), minutes=LEASE_MINUTES),
			update_modified=False,
		)
		if commit:
			frappe.db.commit()
	frappe.db.sql(
		f"""update `tab{RULE}` set run_started_at=null, run_from=null, run_lease_until=null
		where name=%(name)s and run_started_at=%(started)s""",
		{"name": rule, "started": pending.run_started_at},
	)
	if commit:
		frappe.db.commit()


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
