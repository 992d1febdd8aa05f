"""Rescoring every record of a type in the background: after a rule changes, and daily.

One job per record type (``long`` queue, deduplicated by its job id) goes through the records in
name order, ``CHUNK`` at a time: each chunk's events are read with a few queries for the whole chunk,
its changed contributions and scores are written, and the chunk is committed. The job reports its
progress on the rule's form. A rule changed while the job runs is caught: when the job ends, it
compares the rules with those it began with and goes through the records again if they differ.
"""

import frappe
from frappe import _
from frappe.utils import now_datetime

from sales_accelerator.engine import scoring as engine
from sales_accelerator.scoring.rules import RULE, load_rules
from sales_accelerator.scoring.score import score_records

CHUNK = 1000
JOB_TIMEOUT = 3600


def job_id(doctype: str) -> str:
	return f"sales_accelerator:rescore:{doctype}"


def enqueue_rescore(doctype: str, rule: str | None = None):
	"""Rescore the records of ``doctype`` in a background job, after this transaction commits."""
	frappe.enqueue(
		"sales_accelerator.scoring.jobs.rescore_all",
		queue="long",
		timeout=JOB_TIMEOUT,
		job_id=job_id(doctype),
		deduplicate=True,
		enqueue_after_commit=True,
		doctype=doctype,
		rule=rule,
	)


def rescore_all(
	doctype: str, rule: str | None = None, commit: bool = True, chunk: int = CHUNK, now=None
) -> int:
	"""Rescore every record of ``doctype``; returns how many records' scores changed. Without
	``commit`` (tests) everything stays in the caller's transaction."""
	changed = 0
	for _attempt in range(3):
		version = engine.rules_version(load_rules(doctype))
		changed += rescore_pass(doctype, rule, commit, chunk, now)
		if engine.rules_version(load_rules(doctype)) == version:
			break
	if rule and frappe.db.exists(RULE, rule):
		frappe.db.set_value(RULE, rule, "last_rescored_on", now_datetime(), update_modified=False)
	if commit:
		frappe.db.commit()
	return changed


def rescore_pass(doctype: str, rule: str | None, commit: bool, chunk: int, now) -> int:
	total = frappe.db.count(doctype) or 1
	done = changed = 0
	last = ""
	while True:
		names = frappe.db.sql_list(
			f"select name from `tab{doctype}` where name > %s order by name limit {int(chunk)}", last
		)
		if not names:
			break
		changed += len(score_records(doctype, names, now=now))
		done += len(names)
		last = names[-1]
		if commit:
			frappe.db.commit()
		progress(doctype, rule, min(done, total), total)
	return changed


def progress(doctype: str, rule: str | None, done: int, total: int):
	"""Progress on the rule's form (to whoever has it open), else to the user who started the job."""
	frappe.publish_progress(
		done * 100 / total,
		title=_("Rescoring {0} records").format(_(doctype)),
		doctype=RULE if rule else None,
		docname=rule,
		description=_("{0} of {1}").format(done, total),
	)


def rescore_daily(inline: bool = False, commit: bool = True, now=None) -> list[str]:
	"""Every day: rescore the records of each type an enabled rule scores, so that decay takes its
	points and what changes without an event counts (an invoice falling overdue or paid, a reply
	that arrived before its record existed). Returns the record types."""
	doctypes = sorted(set(frappe.get_all(RULE, filters={"enabled": 1}, pluck="document_type")))
	for doctype in doctypes:
		if inline:
			rescore_all(doctype, commit=commit, now=now)
		else:
			enqueue_rescore(doctype)
	return doctypes
