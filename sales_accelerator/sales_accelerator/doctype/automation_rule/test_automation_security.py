# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt
"""The Automation Rule findings of the security review (issue #10): each attack performed as the
low-privilege user and refused, and the legitimate path still working."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from sales_accelerator.automation import approvals, schedule, webhooks
from sales_accelerator.automation.rules import rules_for
from sales_accelerator.tests import make_lead, make_quiet_user, make_rule, rule_doc

SEQ_MANAGER = "sa.sec.seqmgr@example.com"  # Sequence Manager only
AUTHOR = "sa.sec.author@example.com"  # Sequence Manager + Sales Manager: writes Leads, reads Customers
APPROVER = "sa.sec.approver@example.com"
SECRET, MARGIN = "sa_sec_secret", "sa_sec_margin"


def setUpModule():
	frappe.set_user("Administrator")
	make_quiet_user(SEQ_MANAGER, "Sequence Manager")
	make_quiet_user(AUTHOR, "Sequence Manager", "Sales Manager")
	make_quiet_user(APPROVER, "Sales Manager")
	for fieldname, values in (
		(SECRET, {"fieldtype": "Password", "label": "SA Secret"}),
		(MARGIN, {"fieldtype": "Data", "label": "SA Margin", "permlevel": 1}),
	):
		if not frappe.db.exists("Custom Field", f"Lead-{fieldname}"):
			frappe.get_doc(
				{
					"doctype": "Custom Field",
					"dt": "Lead",
					"fieldname": fieldname,
					"insert_after": "status",
					**values,
				}
			).insert(ignore_permissions=True)
	frappe.db.commit()


def tearDownModule():
	frappe.set_user("Administrator")
	frappe.db.rollback()
	for fieldname in (SECRET, MARGIN):
		if frappe.db.exists("Custom Field", f"Lead-{fieldname}"):
			frappe.delete_doc("Custom Field", f"Lead-{fieldname}", force=True)
	frappe.db.commit()


def legacy_rule(*args, author="Administrator", **kwargs):
	"""A rule saved before these checks existed (or written to the database directly)."""
	rule = rule_doc(*args, **kwargs)
	rule.owner = rule.modified_by = author
	rule.enabled = 1
	rule.set_new_name()
	rule.db_insert()
	for row in rule.actions:
		row.parent, row.parenttype, row.parentfield = rule.name, "Automation Rule", "actions"
		row.db_insert()
	return rule


def logs(rule, **filters):
	return frappe.get_all(
		"Automation Rule Log",
		filters={"rule": rule, **filters},
		fields=["name", "status", "document_name", "error", "depth"],
		order_by="creation asc",
	)


def task(subject, user=APPROVER):
	return {"action_type": "Create Task", "subject": subject, "assign_to": user}


class SecurityTestCase(FrappeTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		frappe.flags.sa_automation_stack = None

	def tearDown(self):
		frappe.set_user("Administrator")


class TestRuleTargets(SecurityTestCase):
	def test_a_sequence_manager_cannot_aim_a_rule_at_users_or_passwords(self):
		frappe.set_user(SEQ_MANAGER)
		attack = rule_doc(
			"_Test sec admin password",
			document_type="User",
			trigger="Scheduled",
			frequency="Once",
			run_at=add_to_date(now_datetime(), minutes=5),
			filters=json.dumps([["name", "=", "Administrator"]]),
			actions=[{"action_type": "Update Field", "field_to_set": "new_password", "value": "owned-1234!"}],
		)
		with self.assertRaisesRegex(frappe.ValidationError, "Document Type: .*User"):
			attack.insert()
		for doctype in ("Role", "Has Role", "DocType", "Server Script", "Custom Field", "System Settings"):
			with (
				self.subTest(doctype=doctype),
				self.assertRaisesRegex(frappe.ValidationError, "Document Type"),
			):
				rule_doc("_Test sec core", document_type=doctype, actions=[task("x")]).insert()
		with self.assertRaisesRegex(frappe.ValidationError, rf"#1.*{SECRET}.* cannot be set"):
			rule_doc(
				"_Test sec secret",
				actions=[{"action_type": "Update Field", "field_to_set": SECRET, "value": "x"}],
			).insert()
		with self.assertRaisesRegex(frappe.ValidationError, rf"#1.*{MARGIN}.* is a restricted field"):
			rule_doc(
				"_Test sec margin",
				actions=[{"action_type": "Update Field", "field_to_set": MARGIN, "value": "1"}],
			).insert()
		with self.assertRaisesRegex(frappe.ValidationError, f"Filter on .*{MARGIN}"):
			rule_doc(
				"_Test sec filter", actions=[task("x")], filters=json.dumps([[MARGIN, "=", "9"]])
			).insert()
		frappe.set_user("Administrator")
		for title in ("_Test sec admin password", "_Test sec core", "_Test sec secret", "_Test sec margin"):
			self.assertFalse(frappe.db.exists("Automation Rule", title))

	def test_even_a_rule_written_before_the_checks_cannot_change_a_password(self):
		"""The attack as reported: a rule on User, Scheduled/Once, filter name = Administrator,
		Update Field new_password, authored by a Sequence Manager; then the tick."""
		before = frappe.db.sql("select password from __Auth where doctype='User' and name='Administrator'")
		rule = legacy_rule(
			"_Test sec legacy password",
			document_type="User",
			trigger="Scheduled",
			frequency="Once",
			run_at=add_to_date(now_datetime(), minutes=-1),
			next_run_at=add_to_date(now_datetime(), minutes=-1),
			filters=json.dumps([["name", "=", "Administrator"]]),
			actions=[{"action_type": "Update Field", "field_to_set": "new_password", "value": "owned-1234!"}],
			author=SEQ_MANAGER,
		)
		schedule.run_due_rules(inline=True, commit=False)
		after = frappe.db.sql("select password from __Auth where doctype='User' and name='Administrator'")
		self.assertEqual(before, after, "the password is unchanged")
		[log] = logs(rule.name)
		self.assertEqual(log.status, "Failed")
		self.assertIn("Document Type", log.error)

	def test_the_apps_own_doctypes_are_refused_and_a_legacy_rule_on_the_log_cannot_loop(self):
		for doctype in (
			"Automation Rule",
			"Automation Rule Log",
			"Sequence Enrollment",
			"Sales Accelerator Settings",
		):
			with (
				self.subTest(doctype=doctype),
				self.assertRaisesRegex(frappe.ValidationError, "Document Type"),
			):
				rule_doc("_Test sec own", document_type=doctype, actions=[task("x")]).insert()
		# #11: before the fix, a rule on Automation Rule Log made a RecursionError after 121 logs
		legacy_rule("_Test sec on log", document_type="Automation Rule Log", actions=[task("log")])
		make_rule("_Test sec lead created", actions=[task("lead")])
		lead = make_lead("Sec Log Loop")
		self.assertEqual(len(logs("_Test sec lead created", document_name=lead)), 1)
		self.assertEqual(logs("_Test sec on log"), [], "rules on the app's own log never run")

	def test_a_chain_of_rules_still_stops_at_depth_3(self):
		fields = ("job_title", "website", "city", "state")
		for i, field in enumerate(fields):
			make_rule(
				f"_Test sec chain {i}",
				trigger="On Update",
				filters=json.dumps([["lead_name", "like", "Sec Chain%"]]),
				actions=[
					{
						"action_type": "Update Field",
						"field_to_set": field,
						"value": f"{field} {{{{ doc.modified }}}}",
					}
				],
			)
		lead = frappe.get_doc("Lead", make_lead("Sec Chain"))
		lead.first_name = "Sec Chain 2"
		lead.save()
		runs = [log for i in range(4) for log in logs(f"_Test sec chain {i}", document_name=lead.name)]
		self.assertTrue(runs)
		self.assertLessEqual(max(log.depth for log in runs), 3)
		self.assertTrue(any(log.status == "Skipped" and "loop guard" in log.error for log in runs))


class TestRunsAsItsAuthor(SecurityTestCase):
	def test_a_rule_cannot_write_what_its_author_cannot(self):
		customer = frappe.get_doc(
			{"doctype": "Customer", "customer_name": "_Test Sec Customer", "customer_type": "Company"}
		)
		customer = (
			frappe.get_doc("Customer", {"customer_name": "_Test Sec Customer"})
			if frappe.db.exists("Customer", {"customer_name": "_Test Sec Customer"})
			else customer.insert()
		)
		frappe.set_user(AUTHOR)  # reads Customers, may not write them
		make_rule(
			"_Test sec customer",
			document_type="Customer",
			trigger="On Update",
			actions=[
				{"action_type": "Update Field", "field_to_set": "website", "value": "https://owned.example"}
			],
		)
		frappe.set_user("Administrator")
		customer.reload()
		customer.customer_details = "saved by an admin"
		customer.save()
		self.assertNotEqual(
			frappe.db.get_value("Customer", customer.name, "website"), "https://owned.example"
		)
		[log] = logs("_Test sec customer", document_name=customer.name)
		self.assertEqual(log.status, "Failed")
		self.assertIn("Action #1 (Update Field)", log.error)

		# the legitimate path: the same rule, vouched for by someone who may write Customers
		rule = frappe.get_doc("Automation Rule", "_Test sec customer")
		rule.description = "checked by the admin"
		rule.save()  # modified_by: Administrator, who may
		customer.reload()
		customer.customer_details = "saved again"
		customer.save()
		self.assertEqual(frappe.db.get_value("Customer", customer.name, "website"), "https://owned.example")

	def test_the_authors_own_rule_works_on_what_they_may_write(self):
		frappe.set_user(AUTHOR)
		make_rule(
			"_Test sec lead title",
			filters=json.dumps([["lead_name", "like", "Sec Author%"]]),
			actions=[
				{
					"action_type": "Update Field",
					"field_to_set": "job_title",
					"value": "Buyer {{ doc.lead_name }}",
				},
				task("Call {{ doc.lead_name }}"),
			],
		)
		frappe.set_user("Administrator")
		lead = make_lead("Sec Author Lead")
		self.assertEqual(frappe.db.get_value("Lead", lead, "job_title"), "Buyer Sec Author Lead")
		self.assertEqual(
			frappe.db.get_value("ToDo", {"reference_name": lead}, ["description", "assigned_by"]),
			("Call Sec Author Lead", AUTHOR),
		)
		[log] = logs("_Test sec lead title", document_name=lead)
		self.assertEqual(log.status, "Success")
		self.assertEqual(frappe.session.user, "Administrator", "the saving user is back")


class TestTemplates(SecurityTestCase):
	def test_templates_cannot_reach_the_database(self):
		make_rule(
			"_Test sec ssti",
			filters=json.dumps([["lead_name", "like", "Sec Template%"]]),
			actions=[
				{
					"action_type": "Update Field",
					"field_to_set": "job_title",
					"value": '{{ frappe.db.sql("select password from __Auth") }}',
				},
				{"action_type": "Update Field", "field_to_set": "website", "value": "{{ doc.__class__ }}"},
				{
					"action_type": "Update Field",
					"field_to_set": "city",
					"value": "{{ doc.update({'x': 1}) }}",
				},
				task("Hello {{ doc.lead_name }} on {{ format_date(nowdate()) }}"),
			],
		)
		lead = make_lead("Sec Template")
		values = frappe.db.get_value("Lead", lead, ["job_title", "website", "city"], as_dict=True)
		self.assertEqual(values, {"job_title": None, "website": None, "city": None})
		hashes = [row[0] for row in frappe.db.sql("select password from __Auth")]
		self.assertFalse(
			frappe.db.exists("Automation Rule Log Action", {"detail": ["like", f"%{hashes[0][:20]}%"]})
		)
		[log] = logs("_Test sec ssti", document_name=lead)
		self.assertEqual(log.status, "Partly Failed")
		self.assertIn("'frappe' is undefined", log.error)
		self.assertTrue(
			frappe.db.get_value("ToDo", {"reference_name": lead}, "description").startswith(
				"Hello Sec Template on "
			)
		)


class TestVanishedRules(SecurityTestCase):
	def test_a_rule_deleted_behind_the_apps_back_does_not_break_saves(self):
		make_rule("_Test sec vanished", actions=[task("x")])
		make_rule("_Test sec vanished cond", actions=[task("x")], condition="doc.nothing.there")
		self.assertIn("_Test sec vanished", [r["name"] for r in rules_for("Lead")])  # cached
		for name in ("_Test sec vanished", "_Test sec vanished cond"):
			frappe.db.delete("Automation Rule Action", {"parent": name})
			frappe.db.delete("Automation Rule", {"name": name})
			self.assertFalse(frappe.db.exists("Automation Rule", name))
		lead = frappe.get_doc({"doctype": "Lead", "first_name": "Sec Vanished"}).insert()  # does not raise
		self.assertTrue(frappe.db.exists("Lead", lead.name))
		self.assertNotIn(
			"_Test sec vanished", [r["name"] for r in rules_for("Lead")], "the cache was rebuilt"
		)

	def test_a_rule_rolled_back_does_not_break_saves(self):
		frappe.db.rollback()  # a real rollback (the earlier tests' records go: they would anyway)
		make_rule("_Test sec rolled back", actions=[task("x")])
		self.assertIn("_Test sec rolled back", [r["name"] for r in rules_for("Lead")])
		frappe.db.rollback()
		self.assertNotIn("_Test sec rolled back", [r["name"] for r in rules_for("Lead")])
		lead = frappe.get_doc({"doctype": "Lead", "first_name": "Sec Rolled Back"}).insert()
		self.assertTrue(frappe.db.exists("Lead", lead.name))

	def test_a_rule_rolled_back_to_a_savepoint_does_not_break_saves(self):
		frappe.db.savepoint("sa_sec_test")
		make_rule("_Test sec savepoint", actions=[task("x")])
		self.assertIn("_Test sec savepoint", [r["name"] for r in rules_for("Lead")])
		frappe.db.rollback(save_point="sa_sec_test")  # no hooks run for a savepoint
		lead = frappe.get_doc({"doctype": "Lead", "first_name": "Sec Savepoint"}).insert()
		self.assertTrue(frappe.db.exists("Lead", lead.name))


class _Receiver(BaseHTTPRequestHandler):
	calls: list = []

	def do_POST(self):
		body = self.rfile.read(int(self.headers["Content-Length"])).decode()
		_Receiver.calls.append((self.headers["Host"], body))
		self.send_response(200)
		self.end_headers()

	def log_message(self, *args):
		pass


class TestWebhookGuard(SecurityTestCase):
	def setUp(self):
		super().setUp()
		_Receiver.calls = []
		self.server = HTTPServer(("127.0.0.1", 0), _Receiver)
		threading.Thread(target=self.server.serve_forever, daemon=True).start()

	def tearDown(self):
		super().tearDown()
		self.server.shutdown()
		frappe.db.set_single_value("Sales Accelerator Settings", "webhook_allowlist", "")

	def test_shared_address_space_and_other_ports_are_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "100.64.0.1"):
			make_rule(
				"_Test sec cgnat", actions=[{"action_type": "Webhook", "webhook_url": "http://100.64.0.1/x"}]
			)
		with self.assertRaisesRegex(webhooks.RefusedAddress, "non-public"):
			webhooks.check_address("https://meta.example/x", ["100.100.100.200"])
		with self.assertRaisesRegex(webhooks.RefusedAddress, "port 22"):
			webhooks.check_address("http://hooks.example:22/x", ["93.184.216.34"])
		self.assertEqual(
			webhooks.check_address("https://hooks.example/x", ["93.184.216.34"]), "93.184.216.34"
		)

	def test_the_call_goes_to_the_address_that_was_checked(self):
		"""DNS rebinding: the name is resolved once; the request goes to that address, with the
		name in the Host header. ``hooks.sa-test.invalid`` resolves nowhere else."""
		port = self.server.server_port
		frappe.db.set_single_value("Sales Accelerator Settings", "webhook_allowlist", f"127.0.0.0/8:{port}")
		url = f"http://hooks.sa-test.invalid:{port}/hook"
		with patch.object(webhooks, "resolve", return_value=["127.0.0.1"]) as resolve:
			self.assertEqual(webhooks.call(url, "POST", '{"a": 1}'), 200)
		resolve.assert_called_once_with("hooks.sa-test.invalid")
		self.assertEqual(_Receiver.calls, [(f"hooks.sa-test.invalid:{port}", '{"a": 1}')])
		# the second answer of a rebinding DNS: inside, and not allowed for this port
		with (
			patch.object(webhooks, "resolve", return_value=["10.0.0.5"]),
			self.assertRaises(webhooks.RefusedAddress),
		):
			webhooks.call(url, "POST", "{}")
		frappe.db.set_single_value("Sales Accelerator Settings", "webhook_allowlist", "127.0.0.0/8")
		with (
			patch.object(webhooks, "resolve", return_value=["127.0.0.1"]),
			self.assertRaisesRegex(webhooks.RefusedAddress, f"port {port}"),
		):
			webhooks.call(url, "POST", "{}")
		self.assertEqual(len(_Receiver.calls), 1)

	def test_a_queued_call_whose_job_was_lost_is_picked_up(self):
		frappe.db.set_single_value("Sales Accelerator Settings", "webhook_allowlist", "localhost:*")
		make_rule(
			"_Test sec lost hook",
			filters=json.dumps([["lead_name", "like", "Sec Lost Hook%"]]),
			actions=[
				{"action_type": "Webhook", "webhook_url": f"http://localhost:{self.server.server_port}/h"}
			],
		)
		lead = make_lead("Sec Lost Hook")
		[log] = logs("_Test sec lost hook", document_name=lead)
		row = frappe.get_all("Automation Rule Log Action", {"parent": log.name}, pluck="name")[0]
		with patch("frappe.enqueue") as enqueue:
			webhooks.retry_due()
		self.assertNotIn(
			row, [c.kwargs.get("row") for c in enqueue.call_args_list], "fresh: its job may still come"
		)
		frappe.db.set_value(
			"Automation Rule Log Action",
			row,
			"creation",
			add_to_date(now_datetime(), minutes=-10),
			update_modified=False,
		)
		with patch("frappe.enqueue") as enqueue:
			webhooks.retry_due()
		self.assertIn(row, [c.kwargs.get("row") for c in enqueue.call_args_list])
		webhooks.deliver(row, commit=False)
		self.assertEqual(frappe.db.get_value("Automation Rule Log Action", row, "outcome"), "Done")


class TestResumable(SecurityTestCase):
	def test_a_scheduled_run_whose_job_died_is_caught_up_once(self):
		make_rule(
			"_Test sec resumable",
			trigger="Scheduled",
			frequency="Daily",
			time_of_day="07:00:00",
			filters=json.dumps([["lead_name", "like", "Sec Resume%"]]),
			actions=[task("Resume {{ doc.lead_name }}")],
		)
		leads = [make_lead(f"Sec Resume {i}") for i in range(3)]
		[rule] = frappe.get_all(
			"Automation Rule", {"name": "_Test sec resumable"}, list(schedule.SCHEDULE_FIELDS)
		)
		at = add_to_date(rule.next_run_at, minutes=1)
		self.assertTrue(schedule.claim(rule, at, commit=False))
		schedule.run_on_records(rule.name, leads[:1], commit=False)  # ... and the job dies here
		self.assertEqual(schedule.run_due_rules(now=at, inline=True, commit=False), {}, "its lease holds")
		frappe.db.set_value(
			"Automation Rule",
			rule.name,
			"run_lease_until",
			add_to_date(now_datetime(), minutes=-1),
			update_modified=False,
		)
		self.assertEqual(schedule.run_due_rules(now=at, inline=True, commit=False), {rule.name: 2})
		for lead in leads:
			self.assertEqual(len(logs(rule.name, document_name=lead)), 1, lead)
			self.assertEqual(
				frappe.db.count(
					"ToDo",
					{
						"reference_name": lead,
						"description": f"Resume {frappe.db.get_value('Lead', lead, 'lead_name')}",
					},
				),
				1,
			)
		self.assertIsNone(
			frappe.db.get_value("Automation Rule", rule.name, "run_started_at"), "the run is complete"
		)
		self.assertEqual(schedule.run_due_rules(now=at, inline=True, commit=False), {})


class TestApprovalSnapshot(SecurityTestCase):
	def test_approval_resumes_the_actions_that_were_approved(self):
		make_rule(
			"_Test sec approval",
			filters=json.dumps([["lead_name", "like", "Sec Approval%"]]),
			actions=[
				{"action_type": "Request Approval", "approver": APPROVER, "message": "ok?"},
				{"action_type": "Update Field", "field_to_set": "job_title", "value": "As approved"},
			],
		)
		lead = make_lead("Sec Approval")
		approval = frappe.get_doc("Automation Approval", {"reference_name": lead})
		rule = frappe.get_doc("Automation Rule", "_Test sec approval")
		rule.actions[1].value = "Changed after the request"
		rule.append(
			"actions", {"action_type": "Update Field", "field_to_set": "city", "value": "Added later"}
		)
		rule.save()

		other = make_lead("Sec Approval Other")
		frappe.set_user(SEQ_MANAGER)  # approvals are the app's: nobody writes them, over REST or the form
		with self.assertRaises(frappe.PermissionError):
			frappe.client.set_value("Automation Approval", approval.name, "status", "Approved")
		with self.assertRaises(frappe.PermissionError):
			frappe.client.insert(
				{
					"doctype": "Automation Approval",
					"reference_doctype": "Lead",
					"reference_name": other,
					"approver": SEQ_MANAGER,
					"rule": rule.name,
				}
			)
		pending = frappe.get_doc("Automation Approval", approval.name)
		pending.reference_name = other
		pending.flags.ignore_permissions = True  # and not even the app's own code may re-aim one
		with self.assertRaisesRegex(frappe.ValidationError, "cannot be changed"):
			pending.save()

		frappe.set_user(APPROVER)
		approvals.decide(approval.name, "Approved")
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Lead", lead, ["job_title", "city"]), ("As approved", None))
