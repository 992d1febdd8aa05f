# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, add_to_date, getdate, now_datetime, nowdate

from sales_accelerator.automation import schedule, webhooks
from sales_accelerator.automation.rules import rules_for
from sales_accelerator.tests import WORKDAY_10, make_employee, make_lead, make_quiet_user, make_rule

SELLER = "sa.rule.seller@example.com"
MANAGER = "sa.rule.manager@example.com"
HELPER = "sa.rule.helper@example.com"
CONTACTED, APPROVED = "CONX", "APPX"  # CRM Statuses are named by their short codes


def tearDownModule():
	"""The tests' own Lead field goes again (its column too)."""
	frappe.set_user("Administrator")
	frappe.db.rollback()
	if frappe.db.exists("Custom Field", "Lead-sa_test_priority"):
		frappe.delete_doc("Custom Field", "Lead-sa_test_priority", force=True)
	frappe.db.commit()


def logs(rule, **filters):
	return frappe.get_all(
		"Automation Rule Log",
		filters={"rule": rule, **filters},
		fields=["name", "status", "document_name", "error", "depth", "trigger"],
		order_by="creation asc",
	)


class AutomationTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		for user in (SELLER, MANAGER, HELPER):
			make_quiet_user(user, "Sales User")
		make_employee(SELLER, reports_to=make_employee(MANAGER))
		for code, status in ((CONTACTED, "Contacted"), (APPROVED, "Approved Deal")):
			if not frappe.db.exists("CRM Status", code):
				frappe.get_doc({"doctype": "CRM Status", "status_name": status, "short_code": code}).insert()
		# the seed's "Lead Priority" field, as an admin would add it
		if not frappe.db.exists("Custom Field", "Lead-sa_test_priority"):
			frappe.get_doc(
				{
					"doctype": "Custom Field",
					"dt": "Lead",
					"fieldname": "sa_test_priority",
					"label": "Priority",
					"fieldtype": "Select",
					"options": "\nLow\nMedium\nHigh",
					"insert_after": "status",
				}
			).insert(ignore_permissions=True)
		frappe.db.commit()

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.flags.sa_automation_stack = None

	def tearDown(self):
		frappe.set_user("Administrator")


class TestRuleValidation(AutomationTestCase):
	def test_a_rule_that_cannot_work_is_refused_naming_what_is_wrong(self):
		cases = [
			({"trigger": "On Field Change", "field_name": "colour"}, "no field"),
			({"filters": '[["status", "equals", "Open"]]'}, "not an operator"),
			({"trigger": "On Submit"}, "cannot be submitted"),
			({"condition": "doc.status =="}, "Condition"),
			({"condition": "doc.__class__.__mro__"}, "Condition.*__class__"),
			({"condition": "__import__('os').system('true')"}, "Condition.*__import__"),
		]
		for values, message in cases:
			with self.subTest(values=values):
				with self.assertRaisesRegex(frappe.ValidationError, message):
					make_rule(
						"_Test bad rule", actions=[{"action_type": "Create Task", "subject": "x"}], **values
					)
		with self.assertRaisesRegex(frappe.ValidationError, r"#1.*Update Field.*no field"):
			make_rule("_Test bad rule", actions=[{"action_type": "Update Field", "field_to_set": "colour"}])
		with self.assertRaisesRegex(frappe.ValidationError, "127.0.0.1"):
			make_rule(
				"_Test bad rule",
				actions=[{"action_type": "Webhook", "webhook_url": "http://127.0.0.1:8000/x"}],
			)
		self.assertFalse(frappe.db.exists("Automation Rule", "_Test bad rule"))

	def test_rules_are_cached_per_doctype_and_the_cache_follows_changes(self):
		rule = make_rule(
			"_Test cached", actions=[{"action_type": "Create Task", "subject": "x", "assign_to": SELLER}]
		)
		self.assertIn("_Test cached", [r["name"] for r in rules_for("Lead")])
		self.assertNotIn("_Test cached", [r["name"] for r in rules_for("Contact")])
		rule.enabled = 0
		rule.save()
		self.assertNotIn("_Test cached", [r["name"] for r in rules_for("Lead")])


class TestSeedExamples(AutomationTestCase):
	def test_a_high_priority_lead_notifies_its_manager_at_once_and_becomes_contacted(self):
		"""Seed 003: Lead Priority = High on create → notify the owner's manager; status Contacted."""
		make_rule(
			"_Test high priority lead",
			filters=json.dumps([["sa_test_priority", "=", "High"]]),
			actions=[
				{
					"action_type": "Notify",
					"recipient": "Owner's Manager",
					"subject": "High-priority lead {{ doc.lead_name }}",
				},
				{"action_type": "Update Field", "field_to_set": "sa_crm_status", "value": CONTACTED},
			],
		)
		lead = frappe.get_doc(
			{"doctype": "Lead", "first_name": "Hi Prio", "lead_owner": SELLER, "sa_test_priority": "High"}
		).insert()
		self.assertEqual(lead.sa_crm_status, CONTACTED, "the saved form shows the new status")
		self.assertEqual(frappe.db.get_value("Lead", lead.name, "sa_crm_status"), CONTACTED)
		notified = frappe.get_all(
			"Notification Log",
			filters={"for_user": MANAGER, "document_type": "Lead", "document_name": lead.name},
			pluck="subject",
		)
		self.assertEqual(notified, ["High-priority lead Hi Prio"])
		[log] = logs("_Test high priority lead", document_name=lead.name)
		self.assertEqual(log.status, "Success")

		low = frappe.get_doc(
			{"doctype": "Lead", "first_name": "Lo Prio", "lead_owner": SELLER, "sa_test_priority": "Low"}
		).insert()
		self.assertNotEqual(low.sa_crm_status, CONTACTED)
		self.assertEqual(logs("_Test high priority lead", document_name=low.name), [])

	def test_a_deal_moved_to_a_stage_gets_tasks_with_assignee_and_due_date(self):
		"""Seed 001: when a deal moves to a stage, tasks are created with assignee and due date."""
		with self.freeze_time(WORKDAY_10, tick=True):  # due dates count from the day the stage moved
			self._deal_moved_to_a_stage()

	def _deal_moved_to_a_stage(self):
		make_rule(
			"_Test proposal stage",
			document_type="Opportunity",
			trigger="On Field Change",
			field_name="sales_stage",
			to_value="Proposal/Price Quote",
			actions=[
				{
					"action_type": "Create Task",
					"subject": "Send the proposal to {{ doc.party_name }}",
					"assign_to": "opportunity_owner",
					"due_in_days": 2,
				},
				{
					"action_type": "Create Task",
					"subject": "Check pricing",
					"assign_to": MANAGER,
					"due_in_days": 5,
				},
			],
		)
		lead = make_lead("Stage Mover", lead_owner=SELLER)
		deal = frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": "Lead",
				"party_name": lead,
				"opportunity_owner": SELLER,
				"sales_stage": "Prospecting",
			}
		).insert()
		self.assertEqual(
			frappe.get_all("ToDo", filters={"reference_name": deal.name}), [], "no task on create"
		)
		deal.sales_stage = "Proposal/Price Quote"
		deal.save()
		self.assertTrue(logs("_Test proposal stage", document_name=deal.name), "the rule ran")
		tasks = frappe.get_all(
			"ToDo",
			filters={"reference_type": "Opportunity", "reference_name": deal.name},
			fields=["allocated_to", "date", "description"],
			order_by="date asc",
		)
		self.assertEqual(
			[(t.allocated_to, t.date, t.description) for t in tasks],
			[
				(SELLER, getdate(add_days(nowdate(), 2)), f"Send the proposal to {lead}"),
				(MANAGER, getdate(add_days(nowdate(), 5)), "Check pricing"),
			],
		)
		deal.reload()
		deal.sales_stage = "Negotiation/Review"
		deal.save()
		self.assertEqual(frappe.db.count("ToDo", {"reference_name": deal.name}), 2, "another stage adds none")

	def test_a_daily_schedule_acts_on_matching_records_once(self):
		make_rule(
			"_Test daily open leads",
			trigger="Scheduled",
			frequency="Daily",
			time_of_day="08:00:00",
			filters=json.dumps([["sa_test_priority", "=", "Medium"]]),
			actions=[{"action_type": "Update Field", "field_to_set": "sa_crm_status", "value": CONTACTED}],
		)
		medium = [make_lead(f"Daily {i}", sa_test_priority="Medium") for i in range(3)]
		other = make_lead("Daily other", sa_test_priority="Low")
		rule = frappe.get_doc("Automation Rule", "_Test daily open leads")
		self.assertGreater(rule.next_run_at, now_datetime())
		at = add_to_date(rule.next_run_at, minutes=1)
		self.assertEqual(schedule.run_due_rules(now=at, inline=True, commit=False), {rule.name: 3})
		self.assertEqual(
			{n: frappe.db.get_value("Lead", n, "sa_crm_status") for n in [*medium, other]},
			{**{n: CONTACTED for n in medium}, other: None},
		)
		self.assertEqual(schedule.run_due_rules(now=at, inline=True, commit=False), {}, "not twice")
		rule.reload()
		self.assertEqual(getdate(rule.next_run_at), getdate(add_days(at, 1)), "next run: tomorrow")

	def test_days_after_date_acts_on_records_whose_date_has_come(self):
		with self.freeze_time(WORKDAY_10):  # the Lead is made on the day the rule's window covers
			self._days_after_date()

	def _days_after_date(self):
		make_rule(
			"_Test day after creation",
			trigger="Days After Date",
			date_field="creation",
			days=0,
			time_of_day="23:59:00",
			filters=json.dumps([["sa_test_priority", "=", "Low"]]),
			actions=[{"action_type": "Add CRM Note", "subject": "Welcome call", "crm_action": "PHN"}],
		)
		lead = make_lead("Day after", sa_test_priority="Low")
		rule = frappe.get_doc("Automation Rule", "_Test day after creation")
		queued = schedule.run_due_rules(now=rule.next_run_at, inline=True, commit=False)
		self.assertIn(
			lead,
			frappe.get_all("CRM Action Note", {"note": ["like", "%Welcome call%"]}, pluck="reference_name"),
		)
		self.assertGreaterEqual(queued[rule.name], 1)


class TestRuleSafety(AutomationTestCase):
	def test_a_failing_action_never_breaks_the_save_and_is_logged_and_reported(self):
		make_rule(
			"_Test failing action",
			actions=[
				{"action_type": "Update Field", "field_to_set": "email_id", "value": "not an email"},
				{"action_type": "Create Task", "subject": "Still done", "assign_to": SELLER},
			],
		)
		frappe.clear_messages()
		lead = frappe.get_doc({"doctype": "Lead", "first_name": "Fails Softly"}).insert()
		self.assertFalse(lead.email_id, "the refused value is not left on the saved form")
		self.assertEqual(frappe.local.message_log, [], "the user who saved sees no error of the rule's")
		self.assertTrue(frappe.db.exists("Lead", lead.name))
		self.assertEqual(
			frappe.db.count("ToDo", {"reference_name": lead.name, "description": "Still done"}), 1
		)
		[log] = logs("_Test failing action", document_name=lead.name)
		self.assertEqual(log.status, "Partly Failed")
		self.assertIn("Action #1 (Update Field)", log.error)
		self.assertTrue(
			frappe.db.exists(
				"Notification Log",
				{
					"for_user": "Administrator",
					"document_type": "Automation Rule Log",
					"document_name": log.name,
				},
			)
		)

	def test_priority_and_stop_processing_further_rules(self):
		common = {"actions": [{"action_type": "Create Task", "subject": "x", "assign_to": SELLER}]}
		make_rule("_Test low", priority=1, filters='[["sa_test_priority", "=", "Medium"]]', **common)
		make_rule(
			"_Test high",
			priority=9,
			stop_further_rules=1,
			filters='[["sa_test_priority", "=", "Medium"]]',
			**common,
		)
		lead = make_lead("Stopper", sa_test_priority="Medium")
		self.assertEqual(len(logs("_Test high", document_name=lead)), 1)
		self.assertEqual(logs("_Test low", document_name=lead), [])

	def test_rules_updating_each_other_end_and_the_deepest_is_held_back(self):
		fields = ("job_title", "website", "industry", "city")
		for i, field in enumerate(fields):
			value = "Manufacturing" if field == "industry" else f"{field} {{{{ doc.modified }}}}"
			make_rule(
				f"_Test chain {i}",
				trigger="On Update",
				filters='[["sa_test_priority", "=", "Low"]]',
				actions=[{"action_type": "Update Field", "field_to_set": field, "value": value}],
			)
		lead = frappe.get_doc("Lead", make_lead("Ping Pong", sa_test_priority="Low"))
		lead.first_name = "Ping Pong 2"
		lead.save()  # returns: no endless recursion
		runs = [log for i in range(4) for log in logs(f"_Test chain {i}", document_name=lead.name)]
		self.assertTrue(runs)
		self.assertTrue(all(log.depth <= 3 for log in runs))
		held_back = [log for log in runs if log.status == "Skipped"]
		self.assertTrue(held_back and "loop guard" in held_back[0].error)

	def test_rules_skip_during_migrate(self):
		make_rule(
			"_Test migrate", actions=[{"action_type": "Create Task", "subject": "x", "assign_to": SELLER}]
		)
		frappe.flags.in_migrate = True
		try:
			lead = make_lead("During migrate")
		finally:
			frappe.flags.in_migrate = False
		self.assertEqual(logs("_Test migrate", document_name=lead), [])


class TestApproval(AutomationTestCase):
	def test_the_manager_approves_in_one_click_and_the_rule_goes_on(self):
		make_rule(
			"_Test approval",
			filters='[["sa_test_priority", "=", "High"]]',
			actions=[
				{"action_type": "Request Approval", "message": "Big lead {{ doc.lead_name }}"},
				{"action_type": "Update Field", "field_to_set": "sa_crm_status", "value": APPROVED},
			],
		)
		make_rule(
			"_Test on rejection",
			document_type="Automation Approval",
			trigger="On Field Change",
			field_name="status",
			to_value="Rejected",
			actions=[
				{
					"action_type": "Notify",
					"recipient_user": HELPER,
					"subject": "Rejected {{ doc.reference_name }}",
				}
			],
		)
		from sales_accelerator.api import decide_approval

		approved = make_lead("Needs Approval", lead_owner=SELLER, sa_test_priority="High")
		[approval] = frappe.get_all(
			"Automation Approval", {"reference_name": approved}, ["name", "approver", "status", "message"]
		)
		self.assertEqual(
			(approval.approver, approval.status, approval.message),
			(MANAGER, "Pending", "Big lead Needs Approval"),
		)
		self.assertEqual(
			frappe.db.get_value("Lead", approved, "sa_crm_status"), None, "waits for the decision"
		)
		self.assertEqual(logs("_Test approval", document_name=approved)[0].status, "Waiting for Approval")
		self.assertTrue(
			frappe.db.exists("Notification Log", {"for_user": MANAGER, "document_name": approval.name})
		)

		frappe.set_user(SELLER)
		with self.assertRaises(frappe.PermissionError):
			decide_approval(approval.name, "Approved")
		frappe.set_user(MANAGER)
		self.assertEqual(decide_approval(approval.name, "Approved")["status"], "Approved")
		self.assertEqual(
			frappe.db.get_value("Lead", approved, "sa_crm_status"),
			APPROVED,
			logs("_Test approval", document_name=approved),
		)
		with self.assertRaisesRegex(frappe.ValidationError, "already"):
			decide_approval(approval.name, "Rejected")

		frappe.set_user("Administrator")
		rejected = make_lead("Gets Rejected", lead_owner=SELLER, sa_test_priority="High")
		name = frappe.db.get_value("Automation Approval", {"reference_name": rejected})
		frappe.set_user(MANAGER)
		decide_approval(name, "Rejected", remark="Too small")
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Lead", rejected, "sa_crm_status"), None)
		self.assertTrue(
			frappe.db.exists("Notification Log", {"for_user": HELPER, "subject": f"Rejected {rejected}"})
		)


class _Receiver(BaseHTTPRequestHandler):
	status = 200
	bodies: list = []

	def do_POST(self):
		_Receiver.bodies.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
		self.send_response(_Receiver.status)
		self.end_headers()

	def log_message(self, *args):
		pass


class TestWebhooks(AutomationTestCase):
	def setUp(self):
		super().setUp()
		self.server = HTTPServer(("127.0.0.1", 0), _Receiver)
		threading.Thread(target=self.server.serve_forever, daemon=True).start()
		self.url = f"http://localhost:{self.server.server_port}/hook"
		_Receiver.bodies, _Receiver.status = [], 200

	def tearDown(self):
		super().tearDown()
		self.server.shutdown()
		frappe.db.set_single_value("Sales Accelerator Settings", "webhook_allowlist", "")

	def queued_row(self, lead_name, allowlist=""):
		frappe.db.set_single_value("Sales Accelerator Settings", "webhook_allowlist", "localhost:*")
		make_rule(
			"_Test webhook",
			filters='[["sa_test_priority", "=", "Medium"]]',
			actions=[
				{
					"action_type": "Webhook",
					"webhook_url": self.url,
					"webhook_body": '{"lead": "{{ doc.name }}", "who": "{{ doc.lead_name }}"}',
				}
			],
		)
		frappe.db.set_single_value("Sales Accelerator Settings", "webhook_allowlist", allowlist)
		lead = make_lead(lead_name, sa_test_priority="Medium")
		[log] = logs("_Test webhook", document_name=lead)
		return lead, frappe.get_all("Automation Rule Log Action", {"parent": log.name}, pluck="name")[0]

	def test_loopback_is_refused_unless_allowed_and_then_the_json_arrives(self):
		lead, row = self.queued_row("Hook Refused")  # allowed when the rule was saved, no longer
		webhooks.deliver(row, commit=False)
		refused = frappe.get_doc("Automation Rule Log Action", row)
		self.assertEqual(refused.outcome, "Failed")
		self.assertIn("loopback", refused.detail)
		self.assertEqual(_Receiver.bodies, [])

		lead, row = self.queued_row("Hook Allowed", allowlist="127.0.0.0/8:*\n[::1]:*")
		webhooks.deliver(row, commit=False)
		self.assertEqual(frappe.db.get_value("Automation Rule Log Action", row, "outcome"), "Done")
		self.assertEqual([json.loads(b) for b in _Receiver.bodies], [{"lead": lead, "who": "Hook Allowed"}])

	def test_a_failed_call_is_retried_later_then_given_up(self):
		_Receiver.status = 500
		_lead, row = self.queued_row("Hook Retried", allowlist="localhost:*")
		webhooks.deliver(row, commit=False)
		first = frappe.get_doc("Automation Rule Log Action", row)
		self.assertEqual((first.outcome, first.attempts), ("Queued", 1))
		self.assertGreater(first.retry_at, now_datetime())
		for _attempt in range(2):
			webhooks.deliver(row, commit=False)
		last = frappe.get_doc("Automation Rule Log Action", row)
		self.assertEqual((last.outcome, last.attempts), ("Failed", 3))
		self.assertEqual(len(_Receiver.bodies), 3)
		self.assertEqual(frappe.db.get_value("Automation Rule Log", last.parent, "status"), "Failed")
