"""What the app's reports and the Sequence form's insights show, read for the user asking: only
enrollments and activities on records they can read, of the sellers their visibility shows (and the
Me / My team / Everyone switch narrows further). The sums are the engine's (engine/insights.py)."""

import frappe
from frappe import _
from frappe.model.db_query import DatabaseQuery
from frappe.utils import add_days, getdate, now_datetime

from sales_accelerator import visibility
from sales_accelerator.engine import insights as engine

ENROLLMENT = "Sequence Enrollment"
ACTIVITY = "Sequence Activity"
# What counts as converting: a Lead converted (to a Customer), an Opportunity won.
CONVERTED = {"Lead": "Converted", "Opportunity": "Converted"}
MAX_OVERDUE_ROWS = 5000
# The enrollments' index that holds every column the performance report counts (see
# sequence_enrollment.on_doctype_update): read alone, it is a fraction of the table, whose rows hold
# each enrollment's steps. The optimizer prefers the index on `sequence` for the grouping, which
# reads every row.
REPORT_INDEX = "sa_report_index"
SHOWN_EXIT_REASONS = 6


def where(doctype: str, filters: dict, date_field: str | None = None) -> tuple[str, dict]:
	"""The WHERE clause for the user's view of ``doctype`` under the report's filters."""
	table = f"`tab{doctype}`"
	conditions = [DatabaseQuery(doctype).build_match_conditions() or "1=1"]
	sellers = visibility.condition(f"{table}.seller", scope=filters.get("scope"))
	if sellers:
		conditions.append(sellers)
	values = {}
	for field in ("seller", "sequence", "record_type", "step_type"):
		if filters.get(field):
			conditions.append(f"{table}.{field} = %({field})s")
			values[field] = filters[field]
	if date_field and filters.get("from_date"):
		conditions.append(f"{table}.{date_field} >= %(from_date)s")
		values["from_date"] = getdate(filters["from_date"])
	if date_field and filters.get("to_date"):
		conditions.append(f"{table}.{date_field} < %(to_date)s")
		values["to_date"] = add_days(getdate(filters["to_date"]), 1)
	return " and ".join(f"({c})" for c in conditions), values


# -- Sequence Performance ------------------------------------------------------------------------------
def performance(filters: dict) -> list[dict]:
	"""One row per sequence with enrollments started in the period: how many, how they ended, and
	the reply, meeting and conversion rates and the median days to complete."""
	conditions, values = where(ENROLLMENT, filters, "started_on")
	e = f"`tab{ENROLLMENT}`"
	rows = frappe.db.sql(
		f"""select {e}.sequence, count(*) as enrolled,
			sum({e}.status in ('Active', 'Paused')) as active,
			sum({e}.status = 'Completed') as completed,
			sum({e}.status = 'Exited') as exited,
			sum({e}.status = 'Disconnected') as disconnected,
			sum({e}.status = 'Failed') as failed,
			sum({e}.replied_on is not null) as replied,
			sum({e}.meeting_booked_on is not null) as meetings,
			sum({e}.record_type in ('Lead', 'Opportunity')) as convertible,
			sum(ifnull(lead.status, '') = %(lead_converted)s
				or ifnull(opportunity.status, '') = %(opportunity_converted)s) as converted
		from {e} force index ({REPORT_INDEX})
		left join `tabLead` lead on {e}.record_type = 'Lead' and lead.name = {e}.record_name
		left join `tabOpportunity` opportunity
			on {e}.record_type = 'Opportunity' and opportunity.name = {e}.record_name
		where {conditions}
		group by {e}.sequence""",
		{
			**values,
			"lead_converted": CONVERTED["Lead"],
			"opportunity_converted": CONVERTED["Opportunity"],
		},
		as_dict=True,
	)
	if not rows:
		return []
	durations, reasons = {}, {}
	for sequence, seconds in frappe.db.sql(
		f"""select {e}.sequence, timestampdiff(second, {e}.started_on, {e}.ended_on)
		from {e} force index ({REPORT_INDEX}) where {conditions} and {e}.status = 'Completed' and {e}.ended_on is not null""",
		values,
	):
		durations.setdefault(sequence, []).append(seconds)
	for sequence, reason, count in frappe.db.sql(
		f"""select {e}.sequence, {e}.exit_reason, count(*) from {e}
		where {conditions} and {e}.status = 'Exited' group by {e}.sequence, {e}.exit_reason""",
		values,
	):
		reasons.setdefault(sequence, {})[reason or _("No reason given")] = count
	titles = dict(
		frappe.get_all("Sequence", {"name": ["in", [r.sequence for r in rows]]}, ["name", "title"], as_list=1)
	)
	for row in rows:
		for field in ("active", "completed", "exited", "disconnected", "failed", "replied", "meetings", "convertible", "converted"):
			row[field] = int(row[field] or 0)
		row["title"] = titles.get(row.sequence, row.sequence)
		row["reply_rate"] = engine.rate(row.replied, row.enrolled)
		row["meeting_rate"] = engine.rate(row.meetings, row.enrolled)
		row["conversion_rate"] = engine.rate(row.converted, row.convertible)
		row["median_days"] = engine.median_days(durations.get(row.sequence, []))
		row["exit_reasons"] = reasons.get(row.sequence, {})
	return sorted(rows, key=lambda r: (-r.enrolled, r.title))


# -- Sequence Step Funnel ------------------------------------------------------------------------------
def step_funnel(filters: dict) -> list[dict]:
	"""For one sequence: each step with how many of its enrollments (started in the period) reached
	it, which branch they took, how many are on it and how many ended there early, and why."""
	from sales_accelerator.sequences.enrollment import step_label

	sequence = filters.get("sequence")
	if not sequence:
		return []
	frappe.has_permission("Sequence", "read", sequence, throw=True)
	steps = [
		{"step_id": step.step_id, "step_type": step.step_type, "label": step_label(step)}
		for step in frappe.get_all(
			"Sequence Step",
			filters={"parent": sequence, "parenttype": "Sequence"},
			fields=["step_id", "step_type", "subject", "condition"],
			order_by="idx asc",
		)
	]
	conditions, values = where(ENROLLMENT, filters, "started_on")
	e = f"`tab{ENROLLMENT}`"
	enrollments = frappe.db.sql(
		f"""select {e}.path_taken, {e}.current_step, {e}.status, {e}.exit_reason from {e}
		where {conditions}""",
		values,
	)
	rows = engine.funnel(steps, enrollments)
	for row in rows:
		row["step_type"] = _(row["step_type"]) if row["step_type"] else _("Removed step")
		row["share"] = engine.rate(row["reached"], len(enrollments))
		reasons = row.pop("reasons")
		row["why"] = ", ".join(
			f"{reason} ({reasons[reason]})" for reason in sorted(reasons, key=lambda r: (-reasons[r], r))
		)
	return rows


# -- Seller Activity -----------------------------------------------------------------------------------
def seller_activity(filters: dict) -> list[dict]:
	"""Per seller per day: activities done, skipped, open and overdue, what was done by kind, and
	calls by outcome. Automated emails are the system's work, not a seller's."""
	kinds = tuple(engine.SELLER_KINDS)
	if filters.get("step_type") and filters["step_type"] not in kinds:
		return []
	a = f"`tab{ACTIVITY}`"
	conditions, values = where(ACTIVITY, filters, "completed_on")
	values["kinds"] = kinds
	finished = frappe.db.sql(
		f"""select {a}.seller, date({a}.completed_on), {a}.status, {a}.step_type, {a}.outcome, count(*)
		from {a} where {conditions} and {a}.status in ('Completed', 'Skipped') and {a}.step_type in %(kinds)s
		group by 1, 2, 3, 4, 5""",
		values,
	)
	conditions, values = where(ACTIVITY, filters, "due")
	values.update(kinds=kinds, now=now_datetime())
	open_ = frappe.db.sql(
		f"""select {a}.seller, date({a}.due), count(*), sum({a}.due < %(now)s)
		from {a} where {conditions} and {a}.status = 'Open' and {a}.step_type in %(kinds)s
		group by 1, 2""",
		values,
	)
	return engine.seller_days(finished, [(s, d, int(o), int(od or 0)) for s, d, o, od in open_])


# -- Overdue Activities --------------------------------------------------------------------------------
def overdue_activities(filters: dict) -> tuple[list[dict], int]:
	"""Every open activity past due, most overdue first (at most MAX_OVERDUE_ROWS), and how many
	there are."""
	a = f"`tab{ACTIVITY}`"
	conditions, values = where(ACTIVITY, filters)
	values["now"] = now = now_datetime()
	conditions += f" and {a}.status = 'Open' and {a}.due < %(now)s"
	total = frappe.db.sql(f"select count(*) from {a} where {conditions}", values)[0][0]
	rows = frappe.db.sql(
		f"""select {a}.name, {a}.step_type, {a}.subject, {a}.seller, {a}.record_type, {a}.record_name,
			{a}.sequence, {a}.due, enrollment.record_title, seq.title as sequence_title
		from {a}
		left join `tab{ENROLLMENT}` enrollment on enrollment.name = {a}.enrollment
		left join `tabSequence` seq on seq.name = {a}.sequence
		where {conditions} order by {a}.due asc limit {MAX_OVERDUE_ROWS}""",
		values,
		as_dict=True,
	)
	for row in rows:
		row["days_overdue"] = round((now - row.due).total_seconds() / 86400, 1)
	return rows, total
