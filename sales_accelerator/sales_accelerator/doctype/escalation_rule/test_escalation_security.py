# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt
"""Escalation Rules' safety (issue #13): what a rule may watch, who may write rules and logs, and
each level exactly once with two worker processes at the same time."""

import json
import subprocess

import frappe
import frappe.client
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, add_to_date, get_bench_path, now_datetime, nowdate

from sales_accelerator.sales_accelerator.doctype.escalation_rule.test_escalation_rule import (
	EscalationTestCase,
	make_escalation_rule,
)
from sales_accelerator.tests import make_employee, make_quiet_user, make_user

SELLER = "sa.esc.sec.seller@example.com"
OTHER = "sa.esc.sec.other@example.com"
SALES_MANAGER = "sa.esc.sec.salesmanager@example.com"
SEQUENCE_MANAGER = "sa.esc.sec.seqmanager@example.com"
SYSTEM_MANAGER = "sa.esc.sec.sysmanager@example.com"


def message_of(context) -> str:
	return str(context.exception)


class TestEscalationRuleChecks(EscalationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(SELLER, "Sales User")
		make_user(SALES_MANAGER, "Sales Manager")
		make_user(SEQUENCE_MANAGER, "Sales User", "Sequence Manager")

	def refused(self, *parts, **values):
		with self.assertRaises(frappe.ValidationError) as refused:
			make_escalation_rule(**values)
		for part in parts:
			self.assertIn(part, message_of(refused))

	def test_rules_watch_records_never_the_framework_nor_the_apps_machinery(self):
		self.refused("User", "framework", document_type="User", measure_from="Creation")
		self.refused("DocType", "framework", document_type="DocType", measure_from="Creation")
		self.refused(
			"Escalation Log", "automation itself", document_type="Escalation Log", measure_from="Creation"
		)
		self.refused("Sequence Step", "child table", document_type="Sequence Step", measure_from="Creation")
		self.refused("settings page", document_type="Sales Accelerator Settings", measure_from="Creation")
		# activities (the default), ToDos and records are what rules are for
		self.assertEqual(make_escalation_rule().document_type, "Sequence Activity")
		make_escalation_rule(document_type="ToDo")
		make_escalation_rule(
			document_type="Opportunity", due_field="expected_closing", assignee_field="opportunity_owner"
		)

	def test_errors_name_the_field(self):
		self.refused("Levels", levels=0)
		self.refused("Every Hours", levels=2, every_hours=0)
		self.refused("Overdue Hours", overdue_hours=-1)
		self.refused("Due Time Field", document_type="Lead")
		self.refused("Due Time Field", "lead_name", document_type="Lead", due_field="lead_name")
		self.refused(
			"Assignee Field", "status", document_type="Lead", measure_from="Creation", assignee_field="status"
		)
		self.refused("Filter on", "no_such_field", filters='[["no_such_field", "=", 1]]')
		self.refused("Condition", condition="doc.__class__")
		disabled = make_user("sa.esc.sec.disabled@example.com", "Sales User")
		frappe.db.set_value("User", disabled, "enabled", 0)
		self.refused("Fallback User", "not an enabled user", fallback_user=disabled)

	def test_sequence_managers_write_rules_sales_managers_read_them_sellers_neither(self):
		with self.set_user(SEQUENCE_MANAGER):
			name = frappe.client.insert(
				{
					"doctype": "Escalation Rule",
					"title": "_Test escalation over REST",
					"overdue_hours": 4,
					"levels": 1,
					"action": "Notify",
				}
			)["name"]
		with self.set_user(SALES_MANAGER):
			self.assertEqual(frappe.client.get("Escalation Rule", name)["document_type"], "Sequence Activity")
			with self.assertRaises(frappe.PermissionError):
				frappe.client.set_value("Escalation Rule", name, "levels", 5)
			with self.assertRaises(frappe.PermissionError):
				frappe.client.insert(
					{"doctype": "Escalation Rule", "title": "_Test escalation 2", "overdue_hours": 1}
				)
		with self.set_user(SELLER):
			with self.assertRaises(frappe.PermissionError):
				frappe.client.get("Escalation Rule", name)

	def test_a_rule_escalates_only_what_its_author_may_read(self):
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"description": "_Test esc author",
				"allocated_to": SELLER,
				"assigned_by": SELLER,
				"date": add_days(nowdate(), -3),
			}
		).insert(ignore_permissions=True)
		with self.set_user(SEQUENCE_MANAGER):  # a ToDo of someone else: not theirs to read
			self.assertFalse(frappe.has_permission("ToDo", "read", todo.name))
			rule = make_escalation_rule(
				document_type="ToDo",
				filters=json.dumps([["description", "=", "_Test esc author"]]),
				fallback_user=SALES_MANAGER,
			)
		self.tick(now_datetime())
		self.assertFalse(frappe.db.exists("Escalation Log", {"document_name": todo.name}))
		watch = frappe.get_all("Escalation Watch", filters={"rule": rule.name}, fields=["status", "note"])
		self.assertEqual([w.status for w in watch], ["Stopped"])
		self.assertIn(f"its author {SEQUENCE_MANAGER} may not read", watch[0].note)

		# saved again by someone who may read it, the rule escalates it
		rule.reload()
		rule.description = "Saved by an administrator"
		rule.levels = 2
		rule.every_hours = 1
		rule.save()
		self.tick(now_datetime())
		self.assertEqual(
			frappe.db.get_value("Escalation Log", {"document_name": todo.name}, "to_user"), SALES_MANAGER
		)


class TestEscalationLogsAreReadOnly(EscalationTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_quiet_user(SELLER, "Sales User")
		make_quiet_user(OTHER, "Sales User")
		make_quiet_user(SALES_MANAGER, "Sales Manager")
		make_quiet_user(SEQUENCE_MANAGER, "Sales User", "Sequence Manager")
		make_quiet_user(SYSTEM_MANAGER, "System Manager")
		for user in (SELLER, OTHER):
			employee = frappe.db.get_value("Employee", {"user_id": user})
			if employee:
				frappe.db.set_value("Employee", employee, "reports_to", None)

	def escalated_todo(self):
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"description": "_Test esc security",
				"allocated_to": SELLER,
				"date": add_days(nowdate(), -3),
			}
		).insert(ignore_permissions=True)
		make_escalation_rule(
			document_type="ToDo",
			filters=json.dumps([["description", "=", "_Test esc security"]]),
			fallback_user=SALES_MANAGER,
		)
		self.tick(now_datetime())
		return todo.name, frappe.get_all(
			"Escalation Log", filters={"document_name": todo.name}, pluck="name"
		)[0]

	def test_no_role_may_write_logs_or_watches_whatever_the_role_permissions(self):
		for doctype in ("Escalation Log", "Escalation Watch"):
			for perm in frappe.get_meta(doctype).permissions:
				self.assertFalse(perm.create or perm.write or perm.share, (doctype, perm.role))

	def test_logs_and_watches_are_refused_over_rest_to_every_role(self):
		todo, log = self.escalated_todo()
		watch = frappe.get_all("Escalation Watch", filters={"document_name": todo}, pluck="name")[0]
		for user in (SELLER, SALES_MANAGER, SEQUENCE_MANAGER, SYSTEM_MANAGER):
			with self.set_user(user):
				for attack in (
					lambda user=user: frappe.client.insert(
						{
							"doctype": "Escalation Log",
							"rule": "_Test escalation",
							"document_type": "ToDo",
							"document_name": todo,
							"level": 2,
							"to_user": user,
						}
					),
					lambda user=user: frappe.client.set_value("Escalation Log", log, "to_user", user),
					lambda: frappe.client.set_value("Escalation Log", log, "level", 5),
					lambda: frappe.client.insert(
						{"doctype": "Escalation Watch", "rule": "_Test escalation", "status": "Watching"}
					),
					lambda: frappe.client.set_value("Escalation Watch", watch, "level", 0),
				):
					with self.assertRaises(frappe.PermissionError, msg=user):
						attack()
				if user != SYSTEM_MANAGER:  # who alone may clear the log
					with self.assertRaises(frappe.PermissionError, msg=user):
						frappe.client.delete("Escalation Log", log)
		self.assertEqual(frappe.db.get_value("Escalation Log", log, ["level", "to_user"]), (1, SALES_MANAGER))

	def test_a_seller_reads_the_escalations_from_or_to_them_managers_read_all(self):
		_todo, log = self.escalated_todo()
		with self.set_user(SELLER):
			self.assertEqual(frappe.client.get("Escalation Log", log)["from_user"], SELLER)
			self.assertIn(log, [row.name for row in frappe.get_list("Escalation Log")])
		with self.set_user(OTHER):
			with self.assertRaises(frappe.PermissionError):
				frappe.client.get("Escalation Log", log)
			self.assertNotIn(log, [row.name for row in frappe.get_list("Escalation Log")])
		for manager in (SALES_MANAGER, SEQUENCE_MANAGER):
			with self.set_user(manager):
				self.assertEqual(frappe.client.get("Escalation Log", log)["to_user"], SALES_MANAGER)
		with self.set_user(SALES_MANAGER):  # what the rule watches is the automation's managers' to see
			with self.assertRaises(frappe.PermissionError):
				frappe.get_list("Escalation Watch")

	def test_an_escalated_record_and_its_rule_can_be_deleted_and_the_log_stays(self):
		todo, log = self.escalated_todo()
		frappe.delete_doc("ToDo", todo)  # its escalation history does not hold it back
		frappe.delete_doc("Escalation Rule", "_Test escalation")
		self.assertFalse(frappe.db.exists("Escalation Watch", {"document_name": todo}))
		self.assertEqual(
			frappe.db.get_value("Escalation Log", log, ["document_name", "rule"]), (todo, "_Test escalation")
		)


WORKER_SELLER = "sa.esc.worker.seller@example.com"
WORKER_BOSS = "sa.esc.worker.boss@example.com"
CONCURRENCY = "_Test esc concurrency"


class TestTwoWorkers(FrappeTestCase):
	"""Two worker processes at the same time, on committed data (cleaned up after)."""

	def test_two_processes_escalate_each_item_once_per_level(self):
		count = 40
		try:
			make_quiet_user(WORKER_SELLER, "Sales User")
			make_quiet_user(WORKER_BOSS, "Sales Manager")
			make_employee(WORKER_SELLER, reports_to=make_employee(WORKER_BOSS))
			todos = [
				frappe.get_doc(
					{
						"doctype": "ToDo",
						"description": f"{CONCURRENCY} {i}",
						"allocated_to": WORKER_SELLER,
						"assigned_by": WORKER_SELLER,
						"date": add_days(nowdate(), -3),
					}
				)
				.insert(ignore_permissions=True)
				.name
				for i in range(count)
			]
			make_escalation_rule(
				"_Test escalation concurrency",
				document_type="ToDo",
				filters=json.dumps([["description", "like", f"{CONCURRENCY}%"]]),
				overdue_hours=1,
				levels=2,
				every_hours=1,
				action="Notify and Reassign",
			)
			frappe.db.commit()  # the workers are other processes: they see only what is committed

			claimed = run_two_workers()
			self.assertGreaterEqual(sum(claimed), count)
			self.assertEqual(levels_done(todos), {todo: [1] for todo in todos})
			self.assertEqual(
				frappe.db.count(
					"ToDo", {"name": ["in", todos], "allocated_to": WORKER_BOSS, "status": "Open"}
				),
				count,
			)
			self.assertEqual(escalation_comments(todos), count)

			# the second level is due an hour after the first: as if that hour had passed, both go again
			frappe.db.sql(
				"""update `tabEscalation Watch` set next_at=%s, last_escalated_at=%s
				where rule='_Test escalation concurrency' and status='Watching'""",
				(add_to_date(now_datetime(), minutes=-1), add_to_date(now_datetime(), hours=-2)),
			)
			frappe.db.commit()
			run_two_workers()
			self.assertEqual(levels_done(todos), {todo: [1, 2] for todo in todos})
			# the boss has nobody above and the rule no fallback: the second level went to nobody
			self.assertEqual(
				frappe.db.count(
					"Escalation Log", {"document_name": ["in", todos], "level": 2, "to_user": ["is", "set"]}
				),
				0,
			)
			self.assertEqual(escalation_comments(todos), count)
		finally:
			cleanup_committed()


def run_two_workers() -> list[int]:
	bench = get_bench_path()
	command = [
		f"{bench}/env/bin/python", "-m", "frappe.utils.bench_helper", "frappe", "--site", frappe.local.site,
		"execute", "sales_accelerator.tasks.run_escalations",
		"--kwargs", repr({"inline": True, "batch_size": 5}),  # bench execute reads Python literals
	]  # fmt: skip
	workers = [
		subprocess.Popen(command, cwd=f"{bench}/sites", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
		for _ in range(2)
	]
	outputs = [worker.communicate(timeout=300)[0].decode() for worker in workers]
	if any(worker.returncode for worker in workers):
		raise AssertionError("\n".join(outputs))
	return [json.loads(out.strip().splitlines()[-1])["claimed"] for out in outputs]


def levels_done(todos: list[str]) -> dict[str, list[int]]:
	done = {todo: [] for todo in todos}
	for name, level in frappe.db.sql(
		"""select document_name, level from `tabEscalation Log`
		where document_type='ToDo' and document_name in %(todos)s order by level""",
		{"todos": todos},
	):
		done[name].append(level)
	return done


def escalation_comments(todos: list[str]) -> int:
	return frappe.db.count(
		"Comment",
		{"reference_doctype": "ToDo", "reference_name": ["in", todos], "content": ["like", "Escalated%"]},
	)


def cleanup_committed():
	frappe.db.rollback()
	users = [WORKER_SELLER, WORKER_BOSS]
	todos = frappe.get_all("ToDo", filters={"description": ["like", f"{CONCURRENCY}%"]}, pluck="name")
	if todos:
		frappe.db.delete("Comment", {"reference_doctype": "ToDo", "reference_name": ["in", todos]})
		frappe.db.delete("ToDo", {"name": ["in", todos]})
	for doctype in ("Escalation Log", "Escalation Watch"):
		frappe.db.delete(doctype, {"rule": "_Test escalation concurrency"})
	frappe.db.delete("Escalation Rule", {"name": "_Test escalation concurrency"})
	frappe.db.delete("Notification Log", {"for_user": ["in", users]})
	frappe.db.delete("Employee", {"user_id": ["in", users]})
	for user in users:
		if frappe.db.exists("User", user):
			frappe.delete_doc("User", user, force=True, ignore_permissions=True)
	for contact in frappe.get_all("Contact Email", filters={"email_id": ["in", users]}, pluck="parent"):
		frappe.delete_doc("Contact", contact, force=True, ignore_permissions=True)
	frappe.db.commit()
