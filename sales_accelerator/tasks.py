"""Scheduler entry points (see ``scheduler_events`` in hooks.py).

Each entry point stays thin: it picks the due rows and enqueues RQ jobs; the engine decides.
"""

import frappe
from frappe import _
from frappe.utils import add_to_date, now_datetime

from sales_accelerator.claims import claim_due, dispatch, run_claimed
from sales_accelerator.sequences.enrollment import (
	ENROLLMENT,
	LEASE_MINUTES,
	RETRY_MINUTES,
	process_enrollment,
)
from sales_accelerator.utils import bold

BATCH_SIZE = 100
MAX_BATCHES = 50


def process_due_enrollments(
	batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES, inline: bool = False, commit: bool = True
) -> int:
	"""Claim the enrollments that are due and process them in batches; returns how many were claimed.

	Every minute (scheduler) the batches go to RQ, where any number of workers on any number of
	machines run them; with ``inline`` (tests, benchmarks) they run here, and without ``commit``
	(tests) each enrollment runs in a savepoint of the caller's transaction. A claim is a lease
	written to rows picked with SKIP LOCKED (see ``claim_batch``): no two ticks or workers ever hold
	the same enrollment, and the claims of a worker that died expire so the next tick picks them up.
	"""
	return dispatch(
		claim_batch, process_batch, "sales_accelerator.tasks.process_batch", batch_size, max_batches, inline, commit
	)


def claim_batch(batch_size: int, commit: bool = True, attempts: int = 3) -> tuple[str, list[str]] | None:
	"""Lease up to ``batch_size`` due enrollments to a new token (see ``claims.claim_due``)."""
	return claim_due(ENROLLMENT, "Active", "next_due", batch_size, LEASE_MINUTES, commit, attempts)


def process_batch(names: list[str], token: str, commit: bool = True):
	"""Run a claimed batch, each enrollment in its own transaction (see ``claims.run_claimed``). A
	worker that dies mid-batch leaves the rest of its claims to expire; the next tick runs them."""
	run_claimed(
		names,
		token,
		process_enrollment,
		ENROLLMENT,
		"next_due",
		RETRY_MINUTES,
		"Sequence Enrollment {0} failed",
		commit,
	)


def reconcile_failed_emails(days: int = 7) -> int:
	"""Every five minutes: automated emails that Frappe finally failed to send show as Failed
	activities. Frappe records the final error with ``db.set_value`` on the Email Queue, which fires
	no doc event, so the queue is read here. Returns how many activities were marked."""
	from sales_accelerator.sequences.enrollment import ACTIVITY, fail_sent_email

	failed = frappe.db.sql(
		f"""select a.name, q.error from `tabEmail Queue` q
		join `tab{ACTIVITY}` a on a.reference_doctype='Communication' and a.reference_name=q.communication
		where q.status='Error' and q.modified >= %(since)s
		and a.step_type='Automated Email' and a.status='Completed'""",
		{"since": add_to_date(now_datetime(), days=-days)},
	)
	for activity, error in failed:
		fail_sent_email(activity, error)
	return len(failed)


def send_activity_notices() -> int:
	"""Every minute: tell each seller of the activities opened for them (see ``sequences.notices``)."""
	from sales_accelerator.sequences.notices import send_activity_notices as send

	return send()


def send_activity_reminders(limit: int = 1000) -> int:
	"""Remind sellers of their open activities whose reminder time has come (every minute)."""
	from frappe.desk.doctype.notification_log.notification_log import enqueue_create_notification
	from frappe.utils import format_datetime

	due = frappe.get_all(
		"Sequence Activity",
		filters={"status": "Open", "reminded": 0, "remind_at": ["<=", now_datetime()]},
		fields=["name", "subject", "due", "seller", "record_type", "record_name"],
		order_by="remind_at asc",
		limit=limit,
	)
	for activity in due:
		try:
			if activity.seller:
				enqueue_create_notification(
					activity.seller,
					{
						"type": "Alert",
						"document_type": "Sequence Activity",
						"document_name": activity.name,
						"subject": _("Reminder: {0} for {1} {2} is due {3}").format(
							bold(activity.subject),
							_(activity.record_type),
							bold(activity.record_name),
							format_datetime(activity.due),
						),
					},
				)
			frappe.db.set_value("Sequence Activity", activity.name, "reminded", 1, update_modified=False)
		except Exception:
			frappe.log_error(title=f"Reminder of Sequence Activity {activity.name} failed")
	return len(due)


def run_automation_rules() -> dict:
	"""Every minute: time-based Automation Rules that are due (split into RQ jobs), webhook retries."""
	from sales_accelerator.automation import schedule, webhooks

	queued = schedule.run_due_rules()
	webhooks.retry_due()
	return queued


def run_escalations(
	batch_size: int = 100, max_batches: int = 100, inline: bool = False, commit: bool = True
) -> dict:
	"""Every minute: Escalation Rules find their new and changed items, and the watched items that
	are due are claimed and escalated in batches (RQ jobs; with ``inline`` here, see
	``process_due_enrollments``). Returns how many items were newly watched and claimed."""
	from sales_accelerator.escalation import watch

	return watch.run(batch_size=batch_size, max_batches=max_batches, inline=inline, commit=commit)


def score_read_receipts(minutes: int = 15) -> int:
	"""Every five minutes: emails read by their recipients lately count as opens of their records.
	Frappe records a read receipt with ``db.set_value``, which fires no doc event, so the emails are
	read here (the window overlaps the last run's: scoring a record twice changes nothing). Returns
	how many records were rescored."""
	from sales_accelerator.engine.scoring import EMAIL_OPENED
	from sales_accelerator.scoring.events import rescore
	from sales_accelerator.scoring.rules import doctypes_counting

	doctypes = doctypes_counting(EMAIL_OPENED)
	if not doctypes:
		return 0
	since = add_to_date(now_datetime(), minutes=-minutes)
	read = frappe.get_all(
		"Communication",
		filters={
			"modified": [">=", since],
			"read_by_recipient": 1,
			"read_by_recipient_on": [">=", since],
			"reference_doctype": ["in", doctypes],
		},
		fields=["reference_doctype", "reference_name"],
		distinct=True,
	)
	rescore([(row.reference_doctype, row.reference_name) for row in read], EMAIL_OPENED)
	return len(read)


def apply_score_decay(inline: bool = False, commit: bool = True, now=None) -> list[str]:
	"""Daily: rescore the records of every type an enabled Scoring Rule scores (one background job
	per type), so that decay takes its points and what changes without an event counts."""
	from sales_accelerator.scoring.jobs import rescore_daily

	return rescore_daily(inline=inline, commit=commit, now=now)
