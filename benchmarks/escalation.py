"""Benchmarks of escalation rules, measured against a real site in one run.

    benchmarks/run escalation [--quick]

Prints, each measured here and now, beside its goal:
- the first look of a rule at M monitored Sequence Activities (ticks and time until all are watched);
- finding the due ones among M watched when D are due (goal: <= 50 ms);
- a tick with nothing due among M watched (goal: <= 50 ms), and in the five minutes after D changes;
- a tick handing the D due items to RQ batches;
- escalating the D items with 2 worker processes, level 1 then level 2: items/s, and the levels that
  fired twice (goal: none).
M is 100,000 and D 10,000 (``--quick``: a tenth). Everything it creates is deleted at the end.
"""

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import frappe
from frappe.utils import add_to_date, get_bench_path, now_datetime

PREFIX = "_Bench SA esc"
SEQUENCE = f"{PREFIX} sequence"  # the activities' sequence name: the rule's filter (no such document)
RULE = f"{PREFIX} rule"
USERS = (
	"sa.bench.esc.seller@example.com",
	"sa.bench.esc.manager@example.com",
	"sa.bench.esc.director@example.com",
)


def main(site: str, quick: bool):
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	monitored = 10_000 if quick else 100_000
	due_count = 1_000 if quick else 10_000
	cleanup()
	try:
		seller = make_people()
		leads = make_overdue(due_count, seller)
		make_later(monitored - due_count, seller)
		rule = make_rule()
		print(
			f"{monitored} open activities of one seller, {due_count} of them 3 hours overdue; rule: 2 hours, 2 levels"
		)

		from sales_accelerator.escalation import watch

		ticks, started = 0, time.perf_counter()
		while True:
			ticks += 1
			rule_row = frappe.get_all(
				"Escalation Rule", filters={"name": rule}, fields=list(watch.DISCOVERY_FIELDS)
			)[0]
			found = watch.discover(rule_row)
			frappe.db.commit()
			if not found:
				break
		watched = frappe.db.count("Escalation Watch", {"rule": rule})
		print(
			f"first look at {monitored} records: {watched} watched in {ticks - 1} ticks of at most "
			f"{watch.DISCOVER_LIMIT}, {time.perf_counter() - started:.1f} s"
		)

		find = timed(find_due, repeat=50)
		print(
			f"finding the due ones ({due_count} due among {watched} watched): median {find['median']:.2f} ms, "
			f"p95 {find['p95']:.2f} ms (goal <= 50 ms)"
		)
		start = time.perf_counter()
		jobs = tick_to_jobs()
		print(
			f"a tick handing the {due_count} due items to {jobs} RQ batches: {(time.perf_counter() - start) * 1000:.0f} ms"
		)

		for level in (1, 2):
			if level == 2:  # as if the hour between the levels had passed
				frappe.db.sql(
					"""update `tabEscalation Watch` set next_at=%s, last_escalated_at=%s
					where rule=%s and status='Watching' and level=1""",
					(add_to_date(now_datetime(), minutes=-1), add_to_date(now_datetime(), hours=-2), rule),
				)
				frappe.db.commit()
			elapsed = run_workers(2)
			done = frappe.db.count("Escalation Log", {"rule": rule, "level": level})
			print(f"level {level}, 2 workers: {done} items in {elapsed:.1f} s = {done / elapsed:.0f} items/s")

		twice = frappe.db.sql(
			"""select count(*) from (select document_name, level from `tabEscalation Log` where rule=%s
			group by document_name, level having count(*) > 1) doubles""",
			rule,
		)[0][0]
		missing = due_count * 2 - frappe.db.count("Escalation Log", {"rule": rule})
		moved = frappe.db.count(
			"Sequence Activity",
			{"sequence": SEQUENCE, "seller": USERS[2], "record_name": ["in", leads[:1000]]},
		)
		print(f"levels fired twice: {twice} (goal 0); levels not fired: {missing} (goal 0)")
		print(f"activities now the director's (of the first 1,000): {moved}")

		changed = frappe.db.count(
			"Sequence Activity",
			{"sequence": SEQUENCE, "modified": [">", add_to_date(now_datetime(), minutes=-5)]},
		)
		busy = timed(idle_tick, repeat=10)
		print(
			f"tick with nothing due in the five minutes after {changed} items were made or changed (read again): "
			f"median {busy['median']:.2f} ms, p95 {busy['p95']:.2f} ms"
		)
		# five minutes on, those changes are old: the rule looks only at what changes from now on
		frappe.db.sql(
			"update `tabEscalation Rule` set discovered_until=%s where name=%s", (now_datetime(), rule)
		)
		frappe.db.commit()
		tick = timed(idle_tick, repeat=50)
		print(
			f"tick with nothing due among {watched} watched: median {tick['median']:.2f} ms, p95 {tick['p95']:.2f} ms (goal <= 50 ms)"
		)
	finally:
		cleanup()


def find_due():
	"""The tick's question: the watched items whose time has come (its first batch)."""
	frappe.db.sql(
		"""select name from `tabEscalation Watch`
		where status='Watching' and next_at <= %(now)s and (claimed_until is null or claimed_until < %(now)s)
		order by next_at limit 100 for update skip locked""",
		{"now": now_datetime()},
	)


def tick_to_jobs() -> int:
	"""One tick as the scheduler runs it, the RQ jobs left out; its claims are undone after."""
	from unittest.mock import patch

	from sales_accelerator.tasks import run_escalations

	with patch("frappe.enqueue"):
		claimed = run_escalations(commit=False)["claimed"]
	frappe.db.rollback()
	return -(-claimed // 100)


def idle_tick():
	from sales_accelerator.tasks import run_escalations

	run_escalations(inline=True)


def timed(fn, repeat: int) -> dict:
	times = []
	for _ in range(repeat):
		start = time.perf_counter()
		fn()
		times.append((time.perf_counter() - start) * 1000)
		frappe.db.rollback()
	times.sort()
	return {"median": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1]}


# -- data --------------------------------------------------------------------------------------------------
def make_people() -> str:
	"""A seller whose Employee reports to a manager, who reports to a director; no notification emails."""
	company = (
		frappe.db.get_single_value("Global Defaults", "default_company")
		or frappe.get_all("Company", pluck="name", limit=1)[0]
	)
	above = None
	for email in reversed(USERS):
		user = frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
		user.add_roles("Sales User", "Sales Manager")
		settings = frappe.get_doc("Notification Settings", email)
		settings.enable_email_notifications = 0
		settings.save(ignore_permissions=True)
		above = (
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
					"reports_to": above,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	frappe.db.commit()
	return USERS[0]


STANDARD = ["creation", "modified", "owner", "modified_by"]


def make_overdue(count: int, seller: str) -> list[str]:
	"""``count`` Leads, each with an open call of the seller due 3 hours ago and its ToDo."""
	now = now_datetime()
	due = add_to_date(now, hours=-3)
	leads = [f"{PREFIX}-{i:06d}" for i in range(count)]
	stamps = (now, now, "Administrator", "Administrator")
	frappe.db.bulk_insert(
		"Lead",
		["name", "lead_name", "first_name", "status", "naming_series", "_assign", *STANDARD],
		[(n, n, n, "Lead", "CRM-LEAD-.YYYY.-", json.dumps([seller]), *stamps) for n in leads],
		chunk_size=5_000,
	)
	frappe.db.bulk_insert(
		"ToDo",
		[
			"name",
			"allocated_to",
			"reference_type",
			"reference_name",
			"description",
			"status",
			"date",
			"priority",
			"assigned_by",
			*STANDARD,
		],
		[
			(
				f"{n}-todo",
				seller,
				"Lead",
				n,
				f"{PREFIX} call",
				"Open",
				due.date(),
				"Medium",
				"Administrator",
				*stamps,
			)
			for n in leads
		],
		chunk_size=5_000,
	)
	make_activities([(f"{n}-act", n, due, f"{n}-todo") for n in leads], seller)
	return leads


def make_later(count: int, seller: str):
	"""``count`` open calls due in a month (watched, never due here)."""
	later = add_to_date(now_datetime(), days=30)
	make_activities(
		[(f"{PREFIX}-later-{i:06d}", f"{PREFIX}-later-{i:06d}", later, None) for i in range(count)], seller
	)


def make_activities(rows: list[tuple], seller: str):
	now = now_datetime()
	frappe.db.bulk_insert(
		"Sequence Activity",
		[
			"name",
			"subject",
			"step_type",
			"status",
			"due",
			"seller",
			"sequence",
			"step_id",
			"record_type",
			"record_name",
			"activity_key",
			"reference_doctype",
			"reference_name",
			*STANDARD,
		],
		[
			(
				name,
				"Call",
				"Phone Call",
				"Open",
				due,
				seller,
				SEQUENCE,
				"call",
				"Lead",
				lead,
				f"{name}|call|1",
				"ToDo" if todo else None,
				todo,
				now,
				now,
				"Administrator",
				"Administrator",
			)
			for name, lead, due, todo in rows
		],
		chunk_size=5_000,
	)
	frappe.db.commit()


def make_rule() -> str:
	rule = frappe.get_doc(
		{
			"doctype": "Escalation Rule",
			"title": RULE,
			"document_type": "Sequence Activity",
			"filters": json.dumps([["sequence", "=", SEQUENCE]]),
			"overdue_hours": 2,
			"levels": 2,
			"every_hours": 1,
			"action": "Notify and Reassign",
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	return rule.name


def run_workers(count: int) -> float:
	"""Wall time of ``count`` worker processes started together, each running ticks (inline) until
	nothing is due; their start-up (a process doing nothing) is subtracted."""
	bench = get_bench_path()

	def start(*extra):
		command = [
			f"{bench}/env/bin/python",
			str(Path(__file__).resolve()),
			frappe.local.site,
			"--worker",
			*extra,
		]
		return subprocess.Popen(
			command, cwd=f"{bench}/sites", stdout=subprocess.PIPE, stderr=subprocess.STDOUT
		)

	def wait(workers):
		for worker in workers:
			output = worker.communicate()[0].decode()
			if worker.returncode:
				raise SystemExit(output)

	begin = time.perf_counter()
	wait([start("--idle")])
	startup = time.perf_counter() - begin
	begin = time.perf_counter()
	wait([start() for _ in range(count)])
	return time.perf_counter() - begin - startup


def worker(site: str, idle: bool):
	"""A worker process: ticks until nothing is due. Notifications are made here and now (there is no
	RQ worker in a benchmark), as a worker would make them."""
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	if idle:
		return
	from frappe.desk.doctype.notification_log import notification_log

	from sales_accelerator.tasks import run_escalations

	enqueue = frappe.enqueue

	def now_for_notifications(method, **kwargs):
		if method.endswith("make_notification_logs"):
			kwargs["now"] = True
		return enqueue(method, **kwargs)

	notification_log.frappe.enqueue = now_for_notifications
	while run_escalations(inline=True, max_batches=1_000)["claimed"]:
		pass


def cleanup():
	frappe.db.rollback()
	leads = frappe.db.sql_list("select name from `tabLead` where name like %s", f"{PREFIX}%")
	activities = frappe.db.sql_list("select name from `tabSequence Activity` where sequence=%s", SEQUENCE)
	todos = [
		todo
		for chunk in chunks(leads)
		for todo in frappe.get_all("ToDo", filters={"reference_name": ["in", chunk]}, pluck="name")
	]
	for chunk in chunks(leads + activities + todos):
		frappe.db.delete("Comment", {"reference_name": ["in", chunk]})
		frappe.db.delete("Notification Log", {"document_name": ["in", chunk]})
		frappe.db.delete("Version", {"docname": ["in", chunk]})
		frappe.db.delete("DocShare", {"share_name": ["in", chunk]})
		frappe.db.delete("ToDo", {"name": ["in", chunk]})
	frappe.db.delete("Notification Log", {"for_user": ["in", USERS]})
	frappe.db.sql("delete from `tabSequence Activity` where sequence=%s", SEQUENCE)
	frappe.db.sql("delete from `tabLead` where name like %s", f"{PREFIX}%")
	for doctype in ("Escalation Log", "Escalation Watch"):
		frappe.db.delete(doctype, {"rule": RULE})
	frappe.db.delete("Escalation Rule", {"name": RULE})
	frappe.db.delete("Employee", {"user_id": ["in", USERS]})
	for user in USERS:
		if frappe.db.exists("User", user):
			frappe.delete_doc("User", user, force=True, ignore_permissions=True)
	for contact in frappe.get_all("Contact Email", filters={"email_id": ["in", USERS]}, pluck="parent"):
		frappe.delete_doc("Contact", contact, force=True, ignore_permissions=True)
	frappe.db.commit()


def chunks(names: list[str], size: int = 5_000):
	for start in range(0, len(names), size):
		yield names[start : start + size]


if __name__ == "__main__":
	if "--worker" in sys.argv:
		worker(sys.argv[1], "--idle" in sys.argv)
	else:
		main(sys.argv[1], "--quick" in sys.argv)
