"""Benchmarks of running sequences, measured against a real site in one run.

    benchmarks/run sequences [--quick]

Prints, each measured here and now:
- steps/s for activity-creating steps over N due enrollments with 1 worker process, then with 2
  (goal: >= 60 steps/s per worker, >= 1.8x with 2 workers on 2 cores);
- the cost of a scheduler tick with nothing due among M active enrollments (goal: <= 5 ms);
- up_next p95 for a seller at M enrollments (goal: <= 30 ms);
- a plain ToDo insert, for comparison.
Everything it creates is deleted at the end.
"""

import statistics
import subprocess
import sys
import time

import frappe
from frappe.utils import add_to_date, get_bench_path, now_datetime

PREFIX = "_Bench SA"
SELLER = "sa.bench.seller@example.com"


def main(site: str, quick: bool):
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	due_count = 1_000 if quick else 10_000
	idle_count = 10_000 if quick else 100_000
	cleanup()
	try:
		sequence = make_sequence()
		seller = make_seller()

		startup = run_workers(1, "frappe.ping")
		print(f"worker start-up (a bench execute doing nothing, subtracted below): {startup:.1f} s")
		results = {}
		for workers in (1, 2):
			leads = make_leads(f"w{workers}", due_count)
			make_enrollments(sequence, leads, seller, due=True)
			elapsed = run_workers(workers) - startup
			done = frappe.db.count(
				"Sequence Activity",
				{"sequence": sequence.name, "step_id": "call", "record_name": ["in", leads]},
			)
			results[workers] = done / elapsed
			print(
				f"{workers} worker(s): {done} activity steps in {elapsed:.1f} s = {results[workers]:.0f} steps/s"
			)
		print(f"steps/s per worker with 1 worker: {results[1]:.0f} (goal >= 60)")
		print(f"speed-up with 2 workers: {results[2] / results[1]:.2f}x (goal >= 1.8x)")

		idle = make_leads("idle", idle_count)
		make_enrollments(sequence, idle, seller, due=False)
		active = frappe.db.count("Sequence Enrollment", {"status": "Active"})
		tick = timed(lambda: process_due(), repeat=50)
		print(
			f"tick with nothing due among {active} active enrollments: median {tick['median']:.2f} ms, p95 {tick['p95']:.2f} ms (goal <= 5 ms)"
		)

		frappe.set_user(seller)
		sample = iter(idle[:: max(1, len(idle) // 300)])
		up_next = timed(lambda: up_next_call(next(sample)), repeat=200)
		frappe.set_user("Administrator")
		print(
			f"up_next as a seller at {active} enrollments: median {up_next['median']:.2f} ms, p95 {up_next['p95']:.2f} ms (goal <= 30 ms)"
		)

		todo = timed(
			lambda: frappe.get_doc(
				{"doctype": "ToDo", "description": f"{PREFIX} todo", "allocated_to": seller}
			).insert(ignore_permissions=True),
			repeat=200,
		)
		print(
			f"plain ToDo insert: median {todo['median']:.2f} ms; one activity step costs {1000 / results[1] / todo['median']:.1f}x a ToDo insert"
		)
	finally:
		cleanup()


def process_due():
	from sales_accelerator.tasks import process_due_enrollments

	process_due_enrollments(inline=True)


def up_next_call(lead):
	from sales_accelerator.api import up_next

	up_next("Lead", lead)


def timed(fn, repeat: int) -> dict:
	times = []
	for _ in range(repeat):
		start = time.perf_counter()
		fn()
		times.append((time.perf_counter() - start) * 1000)
	frappe.db.rollback()
	times.sort()
	return {"median": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1]}


def make_sequence():
	sequence = frappe.get_doc(
		{
			"doctype": "Sequence",
			"title": f"{PREFIX} sequence",
			"record_type": "Lead",
			"steps": [
				{"step_id": "start", "step_type": "Start", "subject": "Sequence starts here"},
				{"step_id": "wait", "step_type": "Wait", "wait_minutes": 1},
				{"step_id": "call", "step_type": "Phone Call", "subject": "Call"},
			],
		}
	).insert(ignore_permissions=True)
	sequence.activate()
	frappe.db.commit()
	return sequence


def make_seller():
	if not frappe.db.exists("User", SELLER):
		user = frappe.get_doc(
			{"doctype": "User", "email": SELLER, "first_name": "Bench Seller", "send_welcome_email": 0}
		)
		user.insert(ignore_permissions=True)
		user.add_roles("Sales User")
	frappe.db.commit()
	return SELLER


def make_leads(label: str, count: int) -> list[str]:
	now = now_datetime()
	names = [f"{PREFIX}-{label}-{i:06d}" for i in range(count)]
	frappe.db.bulk_insert(
		"Lead",
		[
			"name",
			"lead_name",
			"first_name",
			"status",
			"naming_series",
			"creation",
			"modified",
			"owner",
			"modified_by",
		],
		[(n, n, n, "Lead", "CRM-LEAD-.YYYY.-", now, now, "Administrator", "Administrator") for n in names],
		chunk_size=5_000,
	)
	frappe.db.commit()
	return names


def make_enrollments(sequence, leads: list[str], seller: str, due: bool):
	from sales_accelerator.sequences.enrollment import snapshot_of

	now = now_datetime()
	started = add_to_date(now, minutes=-5)
	next_due = add_to_date(now, minutes=-1) if due else add_to_date(now, days=30)
	snapshot = snapshot_of(sequence)
	fields = [
		"name", "sequence", "record_type", "record_name", "record_title", "seller", "status", "current_step",
		"current_step_label", "step_started", "next_due", "started_on", "steps_snapshot", "active_record_key",
		"creation", "modified", "owner", "modified_by",
	]  # fmt: skip
	rows = [
		(
			f"{lead}-enr",
			sequence.name,
			"Lead",
			lead,
			lead,
			seller,
			"Active",
			"wait",
			"Wait",
			started,
			next_due,
			started,
			snapshot,
			f"Lead|{lead}",
			now,
			now,
			"Administrator",
			"Administrator",
		)
		for lead in leads
	]
	frappe.db.bulk_insert("Sequence Enrollment", fields, rows, chunk_size=2_000)
	frappe.db.commit()


def run_workers(count: int, method: str = "sales_accelerator.tasks.process_due_enrollments") -> float:
	"""Wall time of ``count`` worker processes started together, each running ``method``."""
	bench = get_bench_path()
	command = [
		f"{bench}/env/bin/python", "-m", "frappe.utils.bench_helper", "frappe", "--site", frappe.local.site,
		"execute", method,
	]  # fmt: skip
	if method.startswith("sales_accelerator"):
		command += ["--kwargs", repr({"inline": True, "batch_size": 100, "max_batches": 1_000})]
	start = time.perf_counter()
	workers = [
		subprocess.Popen(command, cwd=f"{bench}/sites", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
		for _ in range(count)
	]
	for worker in workers:
		output = worker.communicate()[0].decode()
		if worker.returncode:
			raise SystemExit(output)
	return time.perf_counter() - start


def cleanup():
	frappe.db.rollback()
	sequences = frappe.get_all("Sequence", filters={"title": ["like", f"{PREFIX}%"]}, pluck="name")
	for sequence in sequences:
		frappe.db.sql(
			"delete from `tabToDo` where name in (select reference_name from `tabSequence Activity` where sequence=%s and reference_doctype='ToDo')",
			sequence,
		)
		frappe.db.delete("Sequence Activity", {"sequence": sequence})
		frappe.db.delete("Sequence Enrollment", {"sequence": sequence})
		frappe.db.delete("Sequence Step", {"parent": sequence})
		frappe.db.delete("Sequence", {"name": sequence})
	frappe.db.delete("ToDo", {"description": ["like", f"{PREFIX}%"]})
	frappe.db.sql("delete from `tabLead` where name like %s", f"{PREFIX}%")
	frappe.db.commit()


if __name__ == "__main__":
	main(sys.argv[1], "--quick" in sys.argv)
