# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt
"""Fault test: a worker killed with SIGKILL in the middle of a batch. Its claims expire and the next
tick finishes every enrollment exactly once."""

import datetime
import signal
import subprocess
import time

import frappe
from frappe.utils import add_to_date, now_datetime

from sales_accelerator.sales_accelerator.doctype.sequence_enrollment.test_sequence_enrollment import (
	SequenceRunTestCase,
	cleanup_committed,
)
from sales_accelerator.sequences.enrollment import LEASE_MINUTES
from sales_accelerator.tasks import claim_batch, process_due_enrollments
from sales_accelerator.tests import wait_then_call, working_round_the_clock

MODULE = "sales_accelerator.sales_accelerator.doctype.sequence_enrollment.test_enrollment_faults"


def slow_batch(names: list[str], token: str, pause: float = 0.5):
	"""``tasks.process_batch`` with a pause inside each enrollment's transaction, after its work and
	before its commit, so that a kill lands in the middle of one (run by the test in a subprocess)."""
	from sales_accelerator import tasks

	real = tasks.process_enrollment

	def slow(name, token=None, now=None):
		done = real(name, token=token, now=now)
		time.sleep(pause)
		return done

	tasks.process_enrollment = slow
	try:
		tasks.process_batch(names, token)
	finally:
		tasks.process_enrollment = real


class TestWorkerKilledMidBatch(SequenceRunTestCase):
	def test_the_claims_of_a_killed_worker_expire_and_the_next_tick_runs_each_step_once(self):
		with working_round_the_clock():
			self.killed_worker_claims_expire()

	def killed_worker_claims_expire(self):
		count = 12
		sequence = wait_then_call(f"_Test killed worker {frappe.generate_hash(length=4)}", wait_minutes=1)
		leads = [self.lead(f"Killed {i}") for i in range(count)]
		from sales_accelerator.api import connect

		connect(sequence.name, "Lead", leads)
		# due long ago, so that the claim below takes these before anything else due on the site
		frappe.db.sql(
			"update `tabSequence Enrollment` set next_due=%s, step_started=%s where sequence=%s",
			(add_to_date(now_datetime(), days=-365), add_to_date(now_datetime(), minutes=-5), sequence.name),
		)
		mine = set(frappe.get_all("Sequence Enrollment", {"sequence": sequence.name}, pluck="name"))
		frappe.db.commit()  # the worker is another process: it sees only what is committed
		try:
			token, batch = claim_batch(count, commit=True)
			self.assertEqual(set(batch), mine)
			claimed_at = now_datetime()

			bench = frappe.utils.get_bench_path()
			worker = subprocess.Popen(
				[
					f"{bench}/env/bin/python",
					"-m",
					"frappe.utils.bench_helper",
					"frappe",
					"--site",
					frappe.local.site,
					"execute",
					f"{MODULE}.slow_batch",
					"--kwargs",
					repr({"names": batch, "token": token, "pause": 0.5}),
				],
				cwd=f"{bench}/sites",
				stdout=subprocess.PIPE,
				stderr=subprocess.STDOUT,
			)
			done_before_kill = 0
			deadline = time.monotonic() + 120
			while time.monotonic() < deadline and worker.poll() is None:
				frappe.db.commit()  # a fresh snapshot: see what the worker committed
				done_before_kill = self.calls(sequence.name)
				if done_before_kill >= 3:
					break
				time.sleep(0.1)
			worker.send_signal(signal.SIGKILL)
			output = worker.communicate(timeout=60)[0].decode()
			self.assertEqual(worker.returncode, -signal.SIGKILL, output)
			frappe.db.commit()
			done_before_kill = self.calls(sequence.name)
			self.assertGreater(done_before_kill, 0, output)
			self.assertLess(done_before_kill, count, "the worker finished before it was killed")
			# the rest are still claimed by the dead worker: the next tick leaves them until the lease ends
			with self.freeze_time(claimed_at + datetime.timedelta(minutes=1)):
				process_due_enrollments(inline=True, commit=False)
			self.assertEqual(self.calls(sequence.name), done_before_kill)

			with self.freeze_time(claimed_at + datetime.timedelta(minutes=LEASE_MINUTES + 1)):
				process_due_enrollments(inline=True, commit=False)
			per_enrollment = frappe.db.sql(
				"""select enrollment, count(*) from `tabSequence Activity`
				where sequence=%s and step_id='call' group by enrollment""",
				sequence.name,
			)
			self.assertEqual({e for e, _n in per_enrollment}, mine)
			self.assertEqual({n for _e, n in per_enrollment}, {1})
			self.assertEqual(
				frappe.db.count("ToDo", {"reference_type": "Lead", "reference_name": ["in", leads]}), count
			)
			self.assertFalse(
				frappe.db.exists(
					"Sequence Enrollment", {"sequence": sequence.name, "claimed_by": ["is", "set"]}
				)
			)
		finally:
			cleanup_committed(sequence.name, leads)

	def calls(self, sequence: str) -> int:
		return frappe.db.count("Sequence Activity", {"sequence": sequence, "step_id": "call"})


class TestDeadlockVictim(SequenceRunTestCase):
	def test_a_deadlocked_enrollment_is_released_and_due_again_at_once_and_the_batch_goes_on(self):
		from sales_accelerator.api import connect
		from sales_accelerator.claims import run_claimed
		from sales_accelerator.sequences.enrollment import ENROLLMENT

		sequence = wait_then_call("_Test deadlock victim", wait_minutes=1)
		leads = [self.lead(f"Deadlock {i}") for i in range(3)]
		connect(sequence.name, "Lead", leads)
		names = [self.enrollment(lead).name for lead in leads]
		frappe.db.set_value(ENROLLMENT, {"name": ["in", names]}, "claimed_by", "token")
		victim = names[1]

		def process(name, token=None):
			if name == victim:
				raise frappe.QueryDeadlockError("Deadlock found when trying to get lock")
			frappe.db.set_value(ENROLLMENT, name, "claimed_by", None)

		before = now_datetime()
		run_claimed(names, "token", process, ENROLLMENT, "next_due", 5, "{0} failed", commit=False)
		released = frappe.db.get_value(
			ENROLLMENT, victim, ["claimed_by", "next_due", "last_error"], as_dict=True
		)
		self.assertIsNone(released.claimed_by)
		self.assertIn("Deadlock", released.last_error)
		self.assertLess(released.next_due, add_to_date(before, minutes=1), "due again now, not in 5 minutes")
		self.assertEqual(
			frappe.get_all(ENROLLMENT, {"name": ["in", names], "claimed_by": ["is", "set"]}, pluck="name"),
			[],
			"the others ran",
		)
