"""Benchmarks of running sequences, measured against a real site in one run.

    benchmarks/run sequences [--quick]

Prints, each measured here and now beside its goal (``--quick``: a tenth of the data):
- bulk connect: 10,000 leads connected from a list's filters through the background job and two
  RQ workers, then their first steps run by the same workers (goal: connected in <= 60 s);
- activity-creating steps over 10,000 due enrollments with 1 worker process, then with 2 (goal:
  >= 90 steps/s per worker, each step <= 5x a plain ToDo insert), the notifications the seller gets
  for them (goal: one per sequence) and the background jobs they leave queued (goal: none);
- at 1,000,000 active enrollments and 5,000,000 activities, bulk-made: a scheduler tick with nothing
  due (goal <= 5 ms), ``up_next`` as a seller (goal p95 <= 30 ms) and the Work Queue's first page
  for a seller with 2,000 open activities (goal p95 <= 100 ms).
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
MARK = f"{PREFIX} bulk"  # the company name the bulk connect's list filter selects
OPEN_FOR_SELLER = 2_000  # open activities of the seller whose Work Queue is measured


def main(site: str, quick: bool):
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	tenth = 10 if quick else 1
	cleanup()
	try:
		sequence = make_sequence()
		first_call = make_sequence("first call", wait=False)
		seller = make_seller()
		startup = run_workers(1, "frappe.ping")
		print(f"worker start-up (a bench execute doing nothing, subtracted below): {startup:.1f} s")

		bulk_connect(first_call, seller, 10_000 // tenth)
		per_worker = run_steps(sequence, seller, 10_000 // tenth, startup)
		todo = timed(lambda: plain_todo(seller), repeat=200)
		step_ms = 1000 / per_worker
		print(
			f"plain ToDo insert: median {todo['median']:.2f} ms; one activity step {step_ms:.1f} ms = "
			f"{step_ms / todo['median']:.1f}x a ToDo insert (goal <= 5x)"
		)
		on_record = timed(lambda: todo_on_record(seller), repeat=200)
		print(
			f"a ToDo on a record as Frappe makes it (with its assignment comment and the record's _assign): "
			f"median {on_record['median']:.2f} ms; the step is {step_ms / on_record['median']:.1f}x that"
		)
		pool = frappe.db.sql("select @@innodb_buffer_pool_size")[0][0] / 2**20
		print(f"(MariaDB's InnoDB buffer pool here: {pool:.0f} MB)")
		at_scale(sequence, seller, 1_000_000 // tenth)
	finally:
		cleanup()


# -- bulk connect ------------------------------------------------------------------------------------
def bulk_connect(sequence, seller: str, count: int):
	"""Connect ``count`` leads as the seller does from the list view ("Connect to sequence" on all
	records matching a filter): the API enqueues the job; two RQ workers run it and the first steps."""
	from sales_accelerator.api import connect

	make_leads("bulk", count, company=MARK)
	before = queued()
	frappe.set_user(seller)
	connect(sequence.name, "Lead", filters=frappe.as_json([["Lead", "company_name", "=", MARK]]))
	frappe.set_user("Administrator")
	frappe.db.commit()
	workers = start_rq_workers(2)
	start = time.perf_counter()
	connected_at = steps_at = None
	try:
		while time.perf_counter() - start < 900:
			time.sleep(0.25)
			frappe.db.rollback()  # read what the workers committed
			if connected_at is None and count_rows("Sequence Enrollment", sequence.name) >= count:
				connected_at = time.perf_counter() - start
			if steps_at is None and count_rows("Sequence Activity", sequence.name) >= count:
				steps_at = time.perf_counter() - start
			if connected_at and steps_at and not busy():
				break
	finally:
		stop(workers)
	left = queued() - before
	print(
		f"bulk connect of {count} leads from a list filter, 2 RQ workers: all connected in "
		f"{connected_at:.1f} s (goal <= 60 s for 10,000); all first steps done (an activity each) in "
		f"{steps_at:.1f} s, {count / steps_at:.0f} records/s"
	)
	print(f"background jobs it left queued: {left} (goal: none)")


def queued() -> int:
	"""This site's jobs waiting in the bench's queues: the app's, and notifications."""
	from frappe.utils.background_jobs import get_queue

	kinds = ("sales_accelerator.", "frappe.desk.doctype.notification_log.")
	return sum(
		1
		for name in ("short", "default", "long")
		for job in get_queue(name).get_jobs()
		if (job.kwargs or {}).get("site") == frappe.local.site
		and str((job.kwargs or {}).get("method")).startswith(kinds)
	)


def count_rows(doctype: str, sequence: str) -> int:
	return frappe.db.count(doctype, {"sequence": sequence})


def start_rq_workers(count: int) -> list:
	bench = get_bench_path()
	command = [
		f"{bench}/env/bin/python",
		"-m",
		"frappe.utils.bench_helper",
		"frappe",
		"worker",
		"--queue",
		"short,long",
	]
	return [
		subprocess.Popen(command, cwd=f"{bench}/sites", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
		for _ in range(count)
	]


def busy() -> bool:
	from frappe.utils.background_jobs import get_queue

	return any(get_queue(name).count for name in ("short", "long"))


def stop(workers: list):
	for worker in workers:
		worker.terminate()
	for worker in workers:
		worker.wait(timeout=60)


# -- running steps -----------------------------------------------------------------------------------
def run_steps(sequence, seller: str, due_count: int, startup: float) -> float:
	"""Steps/s with 1, then 2 worker processes; returns steps/s with one."""
	from sales_accelerator.sequences.notices import send_activity_notices

	before = queued()
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
	print(f"steps/s per worker with 1 worker: {results[1]:.0f} (goal >= 90)")
	print(f"speed-up with 2 workers: {results[2] / results[1]:.2f}x (goal >= 1.8x)")
	left = queued() - before
	notified = send_activity_notices()
	frappe.db.commit()
	opened = frappe.db.count("Sequence Activity", {"sequence": sequence.name, "step_id": "call"})
	print(
		f"the seller's notifications for the {opened} activities the scheduler opened: {notified} "
		f"(goal: one per sequence); background jobs the steps left queued: {left} (goal: none)"
	)
	return results[1]


def plain_todo(seller: str):
	frappe.get_doc({"doctype": "ToDo", "description": f"{PREFIX} todo", "allocated_to": seller}).insert(
		ignore_permissions=True
	)


def todo_on_record(seller: str):
	lead = frappe.db.get_value("Lead", {"name": ["like", f"{PREFIX}-w1-%"]})
	frappe.get_doc(
		{
			"doctype": "ToDo",
			"description": f"{PREFIX} todo",
			"allocated_to": seller,
			"reference_type": "Lead",
			"reference_name": lead,
		}
	).insert(ignore_permissions=True)


# -- at scale ----------------------------------------------------------------------------------------
def at_scale(sequence, seller: str, enrollments: int):
	"""Bulk-make ``enrollments`` active enrollments, none due, with 5 activities each (4 done, 1 open),
	spread over 500 sellers; the bench seller has 2,000. Then time the reads that stay hot."""
	from sales_accelerator.api import up_next, work_queue

	start = time.perf_counter()
	make_scale(sequence, seller, enrollments)
	active = frappe.db.count("Sequence Enrollment", {"status": "Active"})
	activities = frappe.db.sql("select count(*) from `tabSequence Activity`")[0][0]
	print(
		f"bulk-made {enrollments} enrollments and {enrollments * 5} activities in "
		f"{time.perf_counter() - start:.0f} s ({active} active enrollments, {activities} activities in all)"
	)
	tick = timed(process_due, repeat=50)
	print(
		f"tick with nothing due among {active} active enrollments: median {tick['median']:.2f} ms, "
		f"p95 {tick['p95']:.2f} ms (goal <= 5 ms)"
	)
	mine = frappe.get_all(
		"Sequence Enrollment",
		{"seller": seller, "name": ["like", f"{PREFIX}-s-%"]},
		pluck="record_name",
		limit=300,
	)
	frappe.set_user(seller)
	sample = iter(mine * 2)
	up = timed(lambda: up_next("Lead", next(sample)), repeat=300)
	queue = timed(work_queue, repeat=100)
	rows = len(work_queue())
	frappe.set_user("Administrator")
	print(
		f"up_next as a seller at {active} enrollments: median {up['median']:.2f} ms, p95 {up['p95']:.2f} ms "
		f"(goal <= 30 ms)"
	)
	print(
		f"Work Queue first page ({rows} rows) for a seller with {OPEN_FOR_SELLER} open activities among "
		f"{activities}: median {queue['median']:.2f} ms, p95 {queue['p95']:.2f} ms (goal <= 100 ms)"
	)


def make_scale(sequence, seller: str, count: int):
	"""Rows written by the database itself from a number sequence (MariaDB's SEQUENCE engine)."""
	from sales_accelerator.sequences.enrollment import snapshot_of

	now = now_datetime()
	values = {
		"sequence": sequence.name,
		"snapshot": snapshot_of(sequence),
		"seller": seller,
		"mine": OPEN_FOR_SELLER,
		"now": now,
		"later": add_to_date(now, days=30),
		"prefix": f"{PREFIX}-s-",
	}
	who = "if(seq <= %(mine)s, %(seller)s, concat('bench.seller', seq %% 500, '@example.com'))"
	for start in range(1, count + 1, 100_000):
		rows = f"seq_{start}_to_{min(start + 99_999, count)}"
		frappe.db.sql(
			f"""insert into `tabLead` (name, lead_name, first_name, status, naming_series, creation, modified,
			owner, modified_by)
			select concat(%(prefix)s, seq), concat(%(prefix)s, seq), concat(%(prefix)s, seq), 'Lead',
			'CRM-LEAD-.YYYY.-', %(now)s, %(now)s, 'Administrator', 'Administrator' from {rows}""",
			values,
		)
		frappe.db.sql(
			f"""insert into `tabSequence Enrollment` (name, sequence, record_type, record_name, record_title,
			seller, status, current_step, current_step_label, step_started, next_due, started_on,
			steps_snapshot, active_record_key, creation, modified, owner, modified_by)
			select concat(%(prefix)s, seq), %(sequence)s, 'Lead', concat(%(prefix)s, seq),
			concat(%(prefix)s, seq), {who}, 'Active', 'wait', 'Wait', %(now)s, %(later)s, %(now)s,
			%(snapshot)s, concat('Lead|', %(prefix)s, seq), %(now)s, %(now)s, 'Administrator',
			'Administrator' from {rows}""",
			values,
		)
		for attempt in range(1, 6):
			status = "'Open'" if attempt == 5 else "'Completed'"
			frappe.db.sql(
				f"""insert into `tabSequence Activity` (name, activity_key, enrollment, sequence, step_id,
				step_type, subject, status, due, completed_on, seller, record_type, record_name, creation,
				modified, owner, modified_by)
				select concat(%(prefix)s, seq, '-', {attempt}), concat(%(prefix)s, seq, '|call|', {attempt}),
				concat(%(prefix)s, seq), %(sequence)s, 'call', 'Phone Call', 'Call', {status},
				%(now)s - interval (seq %% 60) day, if({status} = 'Open', null, %(now)s), {who}, 'Lead',
				concat(%(prefix)s, seq), %(now)s, %(now)s, 'Administrator', 'Administrator' from {rows}""",
				values,
			)
		frappe.db.commit()


def process_due():
	from sales_accelerator.tasks import process_due_enrollments

	process_due_enrollments(inline=True)


# -- shared ------------------------------------------------------------------------------------------
def timed(fn, repeat: int) -> dict:
	times = []
	for _ in range(repeat):
		start = time.perf_counter()
		fn()
		times.append((time.perf_counter() - start) * 1000)
	frappe.db.rollback()
	times.sort()
	return {"median": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1]}


def make_sequence(label: str = "sequence", wait: bool = True):
	steps = [{"step_id": "start", "step_type": "Start", "subject": "Sequence starts here"}]
	if wait:
		steps.append({"step_id": "wait", "step_type": "Wait", "wait_minutes": 1})
	steps.append({"step_id": "call", "step_type": "Phone Call", "subject": "Call"})
	sequence = frappe.get_doc(
		{"doctype": "Sequence", "title": f"{PREFIX} {label}", "record_type": "Lead", "steps": steps}
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
	# steps run whenever the benchmark does, not only in working hours
	frappe.db.set_value("User", SELLER, {"sa_work_start": "00:00:00", "sa_work_end": "23:59:59"})
	frappe.db.commit()
	return SELLER


def make_leads(label: str, count: int, company: str | None = None) -> list[str]:
	now = now_datetime()
	names = [f"{PREFIX}-{label}-{i:06d}" for i in range(count)]
	frappe.db.bulk_insert(
		"Lead",
		[
			"name",
			"lead_name",
			"first_name",
			"company_name",
			"status",
			"naming_series",
			"creation",
			"modified",
			"owner",
			"modified_by",
		],
		[
			(n, n, n, company, "Lead", "CRM-LEAD-.YYYY.-", now, now, "Administrator", "Administrator")
			for n in names
		],
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
	"""Delete what the benchmark made, in slices (millions of rows at scale), each on an index."""
	frappe.db.rollback()
	prefix = PREFIX.replace("_", "\\_")  # "_" is a LIKE wildcard: escaped, the name's index is used
	delete_in_slices("Sequence Activity", "name like %s", f"{prefix}-s-%")  # the bulk-made ones
	sequences = frappe.get_all("Sequence", filters={"title": ["like", f"{PREFIX}%"]}, pluck="name")
	for sequence in sequences:
		frappe.db.sql(
			"""delete from `tabToDo` where name in (select reference_name from `tabSequence Activity`
			where sequence=%s and reference_doctype='ToDo')""",
			sequence,
		)
		frappe.db.delete("Notification Log", {"document_type": "Sequence", "document_name": sequence})
		delete_in_slices("Sequence Activity", "sequence=%s", sequence)
		delete_in_slices("Sequence Enrollment", "sequence=%s", sequence)
		frappe.db.delete("Sequence Step", {"parent": sequence})
		frappe.db.delete("Sequence", {"name": sequence})
	frappe.db.delete("ToDo", {"description": ["like", f"{PREFIX}%"]})
	frappe.db.delete("Comment", {"reference_doctype": "Lead", "reference_name": ["like", f"{prefix}%"]})
	delete_in_slices("Lead", "name like %s", f"{prefix}%")
	frappe.db.delete("Error Log", {"method": ["like", f"%{PREFIX}%"]})
	frappe.db.commit()


def delete_in_slices(doctype: str, where: str, value):
	while True:
		frappe.db.sql(f"delete from `tab{doctype}` where {where} limit 50000", value)
		deleted = frappe.db._cursor.rowcount
		frappe.db.commit()
		if not deleted:
			return


if __name__ == "__main__":
	main(sys.argv[1], "--quick" in sys.argv)
