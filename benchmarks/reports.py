"""Benchmarks of the app's reports, measured against a real site in one run.

    benchmarks/run reports [--quick]

Makes, in bulk (multi-row INSERTs), 100,000 Leads (a tenth converted), 10 sequences and 100,000
enrollments on them over the last 180 days, and 1,000,000 activities (ten an enrollment, a few
percent open past due), the work of 20 sellers: one of them a manager eight others report to
(Employee.reports_to), and a Sales Manager above all. ``--quick``: a tenth of the data.

Prints the median time of 3 runs (after a warm-up; 1 run when the warm-up took over 10 s) of each
report, as a seller (visibility Own), the team's manager (Team) and the Sales Manager (All), beside
the goal (each report under 2 s at 100,000 enrollments and 1,000,000 activities):
- Sequence Performance over the last 90 days (its default) and with no date filter;
- Sequence Step Funnel for the largest sequence over the last 90 days, and over all time (the
  Sequence form's insights);
- Seller Activity over the last 7 days (its default) and the last 30 days;
- Overdue Activities with no filters;
- the Work Queue (api.work_queue) for "Me" and for the widest scope the user has;
- the sidebar's group-by count of Sequence Activity on seller (frappe.desk.listview.get_group_by_count);
then the slowest, and the Sales Manager's time over the seller's for each.
Everything it creates is deleted at the end.
"""

import random
import statistics
import sys
import time
from collections import Counter
from datetime import timedelta

import frappe
from frappe.utils import add_days, getdate, now_datetime

PREFIX = "_Bench SA rep"
SELLERS = tuple(f"sa.bench.rep.{i:02d}@example.com" for i in range(20))
TEAM_LEAD = SELLERS[0]  # eight others report to their Employee
TEAM = SELLERS[1:9]
SELLER = SELLERS[1]  # a seller in the team: sees their own work
SALES_MANAGER = "sa.bench.rep.manager@example.com"
USERS = (*SELLERS, SALES_MANAGER)
GOAL = 2.0  # seconds, each report
RUNS = 3
CHUNK = 5_000

SEQUENCES = 10
ACTIVITIES_PER_ENROLLMENT = 10
STEPS = (  # start -> call -> answered? (yes -> meeting, no -> email -> task)
	{"step_id": "start", "step_type": "Start", "subject": "Sequence starts here", "next_step": "call"},
	{"step_id": "call", "step_type": "Phone Call", "subject": "First call", "next_step": "answered"},
	{
		"step_id": "answered",
		"step_type": "Condition",
		"condition": "Call Answered",
		"condition_step": "call",
		"yes_step": "meeting",
		"no_step": "email",
	},
	{"step_id": "meeting", "step_type": "Meeting", "subject": "Discovery meeting", "is_end": 1},
	{"step_id": "email", "step_type": "Email", "subject": "Sorry I missed you", "next_step": "task"},
	{"step_id": "task", "step_type": "Task", "subject": "Research the account", "is_end": 1},
)
PATHS = {
	"yes": ("start", "call", "answered:yes", "meeting"),
	"no": ("start", "call", "answered:no", "email", "task"),
}
# the ten activities of an enrollment, in order: (step_type, step_id)
ACTIVITY_STEPS = (
	("Automated Email", "intro"),
	("Phone Call", "call"),
	("Email", "email"),
	("LinkedIn Message", "linkedin"),
	("Task", "task"),
	("Phone Call", "call2"),
	("Meeting", "meeting"),
	("Email", "email2"),
	("Phone Call", "call3"),
	("Task", "task2"),
)
EXIT_REASONS = (
	"The person replied",
	"The lead was converted",
	"Unsubscribed",
	"Stopped by the seller",
	"A meeting was booked",
)
OUTCOMES = ("Answered", "No Answer", "Left Voicemail", "Wrong Number")
STALLED = 0.2  # of a running enrollment's activities past due by more than a day, the share still open


def main(site: str, quick: bool):
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	enrollments = 10_000 if quick else 100_000
	started = time.perf_counter()
	cleanup()
	try:
		begin = time.perf_counter()
		make_people()
		people = time.perf_counter() - begin
		begin = time.perf_counter()
		largest = make_data(enrollments)
		print(
			f"made {len(USERS)} users and {len(TEAM) + 2} employees in {people:.1f} s, and in "
			f"{time.perf_counter() - begin:.1f} s (multi-row inserts of {CHUNK}): {enrollments} leads, "
			f"{SEQUENCES} sequences, {enrollments} enrollments, "
			f"{enrollments * ACTIVITIES_PER_ENROLLMENT} activities"
		)
		results = measure(largest)
		report(results, quick)
	finally:
		begin = time.perf_counter()
		cleanup()
		print(
			f"cleanup: {time.perf_counter() - begin:.1f} s; whole run: {time.perf_counter() - started:.0f} s"
		)
		frappe.destroy()


# -- measuring -----------------------------------------------------------------------------------------
def measure(largest: str) -> list[dict]:
	from frappe.desk.listview import get_group_by_count

	from sales_accelerator import api, visibility
	from sales_accelerator.sales_accelerator.report.overdue_activities import overdue_activities
	from sales_accelerator.sales_accelerator.report.seller_activity import seller_activity
	from sales_accelerator.sales_accelerator.report.sequence_performance import sequence_performance
	from sales_accelerator.sales_accelerator.report.sequence_step_funnel import sequence_step_funnel

	today = getdate()

	def period(days_back: int, **more) -> dict:
		return {"from_date": add_days(today, days_back), "to_date": today, **more}

	def rows_of(result) -> int:
		return len(result[1]) if isinstance(result, tuple) else len(result)

	cases = [
		("Sequence Performance, last 90 days", lambda: sequence_performance.execute(period(-90))),
		("Sequence Performance, no date filter", lambda: sequence_performance.execute({})),
		(
			"Sequence Step Funnel, largest, 90 days",
			lambda: sequence_step_funnel.execute(period(-90, sequence=largest)),
		),
		(
			"Sequence Step Funnel, largest, all time",
			lambda: sequence_step_funnel.execute({"sequence": largest}),
		),
		("Seller Activity, last 7 days", lambda: seller_activity.execute(period(-6))),
		("Seller Activity, last 30 days", lambda: seller_activity.execute(period(-29))),
		("Overdue Activities", lambda: overdue_activities.execute({})),
		("work_queue, Me", lambda: api.work_queue(scope="Me")),
		("work_queue, widest scope", lambda: api.work_queue(scope=visibility.scopes()[-1])),
		(
			"group-by count on seller",
			lambda: get_group_by_count("Sequence Activity", "[]", "seller"),
		),
	]
	results = []
	for profile, user in (("Own", SELLER), ("Team", TEAM_LEAD), ("All", SALES_MANAGER)):
		frappe.set_user(user)
		assert visibility.profile(user) == profile, (user, visibility.profile(user), profile)
		for label, fn in cases:
			begin = time.perf_counter()
			rows = rows_of(fn())  # warm-up
			# far over the goal: one run is enough to say so, and keeps the whole run short
			runs = RUNS if time.perf_counter() - begin < 5 * GOAL else 1
			frappe.db.rollback()
			times = []
			for _run in range(runs):
				begin = time.perf_counter()
				fn()
				times.append(time.perf_counter() - begin)
				frappe.db.rollback()
			shown = label.replace("scope", f"scope ({visibility.scopes()[-1]})")  # the scope itself
			results.append(
				{
					"case": label,
					"report": shown,
					"user": profile,
					"seconds": statistics.median(times),
					"rows": rows,
					"runs": runs,
				}
			)
	frappe.set_user("Administrator")
	return results


def report(results: list[dict], quick: bool):
	width = max(len(r["report"]) for r in results)
	print()
	print(f"{'report':<{width}}  user  seconds   rows  goal < {GOAL:.0f} s")
	for r in results:
		verdict = "ok" if r["seconds"] < GOAL else "SLOW"
		if r["runs"] != RUNS:
			verdict += f" (warm-up over {5 * GOAL:.0f} s: 1 run)"
		print(f"{r['report']:<{width}}  {r['user']:<4}  {r['seconds']:7.3f}  {r['rows']:5d}  {verdict}")
	print()
	print("the Sales Manager's (All) time over the seller's (Own), each:")
	everyone = {r["case"]: r for r in results if r["user"] == "All"}
	for own in (r for r in results if r["user"] == "Own"):
		print(f"  {own['case']:<{width}}  {everyone[own['case']]['seconds'] / own['seconds']:6.1f}x")
	slowest = max(results, key=lambda r: r["seconds"])
	size = "a tenth of the goal's size (--quick)" if quick else "100,000 enrollments, 1,000,000 activities"
	print(
		f"slowest: {slowest['report']} as {slowest['user']}: {slowest['seconds']:.3f} s at {size} "
		f"({'ok' if slowest['seconds'] < GOAL else 'SLOW'}, goal < {GOAL:.0f} s)"
	)


# -- people --------------------------------------------------------------------------------------------
def make_people():
	"""20 sellers (Sales User), the Sales Manager, and Employees: eight sellers report to the team
	lead's. Each Employee gives its user the Company user permission, as ERPNext does by default."""
	company = (
		frappe.db.get_single_value("Global Defaults", "default_company")
		or frappe.get_all("Company", pluck="name", limit=1)[0]
	)
	for email in USERS:
		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": email.split("@")[0],
					"send_welcome_email": 0,
				}
			).insert(ignore_permissions=True)
		user = frappe.get_doc("User", email)
		user.add_roles("Sales User", *(["Sales Manager"] if email == SALES_MANAGER else []))

	def employee(email, reports_to=None):
		return (
			frappe.get_doc(
				{
					"doctype": "Employee",
					"first_name": f"{PREFIX} {email.split('@')[0]}",
					"user_id": email,
					"gender": "Female",
					"date_of_birth": "1990-01-01",
					"date_of_joining": "2020-01-01",
					"company": company,
					"status": "Active",
					"reports_to": reports_to,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)

	employee(SALES_MANAGER)
	lead = employee(TEAM_LEAD)
	for email in TEAM:
		employee(email, lead)
	frappe.db.commit()


# -- data ----------------------------------------------------------------------------------------------
def insert_rows(doctype: str, fields: list[str], rows, chunk_size: int = CHUNK) -> int:
	"""Multi-row INSERTs of ``rows`` (tuples in the order of ``fields``), committed chunk by chunk.
	The standard columns not given are filled: now, Administrator, docstatus 0, idx 0."""
	columns = set(frappe.db.get_table_columns(doctype))
	unknown = set(fields) - columns
	if unknown:
		raise ValueError(f"{doctype} has no column {', '.join(sorted(unknown))}")
	now = now_datetime()
	standard = {
		"creation": now,
		"modified": now,
		"owner": "Administrator",
		"modified_by": "Administrator",
		"docstatus": 0,
		"idx": 0,
	}
	extra = [field for field in standard if field in columns and field not in fields]
	filled = tuple(standard[field] for field in extra)
	names = ", ".join(f"`{field}`" for field in (*fields, *extra))
	placeholders = "(" + ", ".join(["%s"] * (len(fields) + len(extra))) + ")"
	count, chunk = 0, []

	def flush():
		frappe.db.sql(
			f"insert into `tab{doctype}` ({names}) values {', '.join([placeholders] * len(chunk))}",
			[value for row in chunk for value in (*row, *filled)],
		)
		frappe.db.commit()

	for row in rows:
		chunk.append(row)
		if len(chunk) == chunk_size:
			flush()
			count += len(chunk)
			chunk = []
	if chunk:
		flush()
		count += len(chunk)
	return count


def make_data(count: int) -> str:
	"""``count`` leads, enrollments (one a lead) and ten times as many activities; returns the largest
	sequence."""
	from sales_accelerator.sequences.enrollment import snapshot_of

	rng = random.Random(20260101)
	now = now_datetime()
	company = frappe.db.get_single_value("Global Defaults", "default_company")

	leads = [f"{PREFIX}-L{i:06d}" for i in range(count)]
	statuses = ("Lead", "Open", "Replied", "Interested")
	insert_rows(
		"Lead",
		["name", "naming_series", "first_name", "lead_name", "title", "status", "company"],
		(
			(
				name,
				"CRM-LEAD-.YYYY.-",
				f"{PREFIX} {i}",
				f"{PREFIX} {i}",
				f"{PREFIX} {i}",
				"Converted" if i % 10 == 3 else statuses[i % 4],
				company,
			)
			for i, name in enumerate(leads)
		),
	)

	sequences = [f"{PREFIX}-S{i:02d}" for i in range(SEQUENCES)]
	insert_rows(
		"Sequence",
		[
			"name",
			"title",
			"record_type",
			"status",
			"visibility",
			"exit_on_reply",
			"exit_on_close",
			"step_count",
		],
		(
			(name, f"{PREFIX} sequence {i + 1}", "Lead", "Active", "Everyone", 1, 1, len(STEPS))
			for i, name in enumerate(sequences)
		),
	)
	step_fields = [
		"name",
		"parent",
		"parenttype",
		"parentfield",
		"idx",
		*dict.fromkeys(k for s in STEPS for k in s),
	]
	insert_rows(
		"Sequence Step",
		step_fields,
		(
			(
				f"{sequence}-{step['step_id']}",
				sequence,
				"Sequence",
				"steps",
				idx,
				*(step.get(f, 0 if f == "is_end" else None) for f in step_fields[5:]),
			)
			for sequence in sequences
			for idx, step in enumerate(STEPS, 1)
		),
	)
	snapshot = snapshot_of(frappe.get_doc("Sequence", sequences[0]))
	# the first sequences are the busiest: weights 10, 9, ..., 1
	weights = list(range(SEQUENCES, 0, -1))

	enrollment_fields = [
		"name", "creation", "modified", "sequence", "record_type", "record_name", "record_title", "seller",
		"status", "current_step", "current_step_label", "next_due", "step_started", "started_on", "ended_on",
		"exit_reason", "path_taken", "replied_on", "meeting_booked_on", "steps_snapshot", "active_record_key",
	]  # fmt: skip
	activity_fields = [
		"name", "creation", "modified", "subject", "step_type", "status", "due", "outcome", "reminded",
		"enrollment", "sequence", "step_id", "record_type", "record_name", "activity_key", "completed_on", "seller",
	]  # fmt: skip
	labels = {
		step["step_id"]: step.get("subject") or step.get("condition") or step["step_type"] for step in STEPS
	}
	# oldest first, the names in the same order: each index grows at its end or in a recent window,
	# as it does on a live site (rows in random order make the inserts and deletes random I/O)
	starts = sorted(now - timedelta(seconds=rng.uniform(3_600, 180 * 86_400)) for _ in leads)
	enrollments, activities = [], []
	activity_no = 0
	shape = Counter()
	week_ago = now - timedelta(days=7)
	for i, (lead, started) in enumerate(zip(leads, starts, strict=True)):
		name = f"{PREFIX}-E{i:06d}"
		sequence = rng.choices(sequences, weights)[0]
		seller = SELLERS[rng.randrange(len(SELLERS))]
		age = (now - started).total_seconds() / 86_400
		status = "Active"
		if age > 1:
			status = rng.choices(
				("Active", "Completed", "Exited", "Disconnected"),
				(55, 15, 25, 5) if age < 30 else (10, 50, 30, 10),
			)[0]
		path = PATHS["yes" if rng.random() < 0.4 else "no"]
		if status == "Completed":
			reached = len(path) - 1
		else:
			reached = rng.randrange(1, len(path))
		current = path[reached].split(":")[0]
		ended = None
		if status != "Active":
			ended = started + timedelta(days=rng.uniform(1, min(40, age)))
		replied = started + timedelta(days=rng.uniform(0, 10)) if rng.random() < 0.12 else None
		meeting = started + timedelta(days=rng.uniform(1, 14)) if rng.random() < 0.06 else None
		enrollments.append(
			(
				name,
				started,
				ended or started,
				sequence,
				"Lead",
				lead,
				f"{PREFIX} {i}",
				seller,
				status,
				current,
				labels[current],
				now + timedelta(days=rng.uniform(0, 7)) if status == "Active" else None,
				started + (((ended or now) - started) / 2),
				started,
				ended,
				rng.choice(EXIT_REASONS)
				if status == "Exited"
				else ("The record was deleted" if status == "Disconnected" else None),
				", ".join(path[:reached]),
				replied if replied and replied < now else None,
				meeting if meeting and meeting < now else None,
				snapshot,
				f"Lead|{lead}" if status == "Active" else None,
			)
		)
		for j, (step_type, step_id) in enumerate(ACTIVITY_STEPS):
			outcome, completed_on = None, None
			if ended:  # an ended enrollment's activities were all done (or skipped) in its life
				due = started + (ended - started) * (j + 1) / (ACTIVITIES_PER_ENROLLMENT + 1)
				state = "Completed" if rng.random() < 0.82 else "Skipped"
			else:  # a running one: every three days; the latest past due and some earlier ones still open
				due = started + timedelta(days=3 * j, seconds=rng.uniform(0, 43_200))
				if due >= now:
					state = "Open"
				elif due > now - timedelta(days=1) or rng.random() < STALLED:
					state = "Open"
				else:
					state = "Completed" if rng.random() < 0.82 else "Skipped"
			if state == "Open":
				shape["open, past due" if due < now else "open, due later"] += 1
			else:
				completed_on = min(due + timedelta(seconds=rng.uniform(0, 8 * 3_600)), now)
				if completed_on > week_ago:
					shape["done or skipped in the last 7 days"] += 1
				if state == "Completed" and step_type == "Phone Call":
					outcome = rng.choices(OUTCOMES, (30, 40, 25, 5))[0]
			activities.append(
				(
					f"{PREFIX}-A{activity_no:07d}",
					started,
					completed_on or started,
					f"{step_type} {j + 1}",
					step_type,
					state,
					due,
					outcome,
					0,
					name,
					sequence,
					step_id,
					"Lead",
					lead,
					f"{PREFIX}-{activity_no:07d}",
					completed_on,
					seller,
				)
			)
			activity_no += 1
		if len(activities) >= 20 * CHUNK:  # a few chunks at a time: the rows of 1,000,000 stay out of memory
			insert_rows("Sequence Enrollment", enrollment_fields, enrollments, chunk_size=CHUNK // 2)
			insert_rows("Sequence Activity", activity_fields, activities)
			enrollments, activities = [], []
	insert_rows("Sequence Enrollment", enrollment_fields, enrollments, chunk_size=CHUNK // 2)
	insert_rows("Sequence Activity", activity_fields, activities)
	for doctype in ("Lead", "Sequence Enrollment", "Sequence Activity"):  # the statistics of a live site
		frappe.db.sql(f"analyze table `tab{doctype}`")
	active = frappe.db.count("Sequence Enrollment", {"name": ["like", f"{PREFIX}%"], "status": "Active"})
	print(
		f"activities: {', '.join(f'{count} {what}' for what, count in shape.items())}; "
		f"{active} enrollments active"
	)
	return sequences[0]


# -- cleanup -------------------------------------------------------------------------------------------
def cleanup():
	"""Everything with the PREFIX (by name: a range of the primary key, deleted in commits of 20,000),
	and the users and their employees."""
	frappe.db.rollback()
	frappe.set_user("Administrator")
	like = PREFIX.replace("_", "\\_") + "%"
	for doctype in ("Sequence Activity", "Sequence Enrollment", "Sequence Step", "Lead", "Sequence"):
		while True:
			frappe.db.sql(f"delete from `tab{doctype}` where name like %s limit 20000", like)
			deleted = frappe.db._cursor.rowcount
			frappe.db.commit()
			if deleted < 20000:
				break
	frappe.db.delete("Version", {"docname": ["like", like]})
	employees = frappe.get_all(
		"Employee", filters={"user_id": ["in", USERS]}, fields=["name", "lft"], order_by="lft desc"
	)
	for employee in employees:  # those who report to someone first: the tree stays whole
		frappe.delete_doc("Employee", employee.name, force=True, ignore_permissions=True)
	frappe.db.delete("User Permission", {"user": ["in", USERS]})
	for user in USERS:
		if frappe.db.exists("User", user):
			frappe.delete_doc("User", user, force=True, ignore_permissions=True)
	for contact in frappe.get_all("Contact Email", filters={"email_id": ["in", USERS]}, pluck="parent"):
		frappe.delete_doc("Contact", contact, force=True, ignore_permissions=True)
	# what making and deleting them leaves behind: versions, comments, defaults, Deleted Documents
	for doctype, names in (("User", list(USERS)), ("Employee", [e.name for e in employees])):
		if names:
			frappe.db.delete("Version", {"ref_doctype": doctype, "docname": ["in", names]})
			frappe.db.delete("Comment", {"reference_doctype": doctype, "reference_name": ["in", names]})
	frappe.db.delete("DefaultValue", {"parent": ["in", USERS]})
	frappe.db.delete("Deleted Document", {"deleted_name": ["in", USERS]})  # users, their settings, contacts
	frappe.db.sql(
		"delete from `tabDeleted Document` where deleted_doctype='Employee' and data like %s",
		f'%"first_name": "{like}',
	)
	frappe.db.commit()


if __name__ == "__main__":
	main(sys.argv[1], "--quick" in sys.argv[2:])
