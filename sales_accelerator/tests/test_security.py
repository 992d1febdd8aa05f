"""Attacks on the app that must be refused, and records that must stay deletable (issue #10: stored
markup, the flow designer's cost, deletion, uninstall)."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from sales_accelerator.api import connect, disconnect, sequence_flow
from sales_accelerator.engine import sequence as engine
from sales_accelerator.tests import (
	active_sequence_from_template,
	make_lead,
	make_note,
	make_outgoing_email_account,
	make_sequence,
	make_user,
)

SELLER = "sa.security.seller@example.com"
MANAGER = "sa.security.manager@example.com"
WEBSITE_USER = "sa.security.website@example.com"
# valid JSON, quotes included: Frappe's sanitizer leaves such a value as it is
MARKUP = '"<img src=x onerror=alert(1)>"'


def message_of(context) -> str:
	return str(context.exception)


class TestMarkupIsEscapedInMessages(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_outgoing_email_account()
		make_user(SELLER, "Sales User")

	def setUp(self):
		frappe.set_user(SELLER)

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_a_sequence_title_with_markup_is_stored_as_typed_and_shown_as_text(self):
		sequence = active_sequence_from_template("High-volume outbound prospecting", MARKUP)
		self.assertEqual(frappe.db.get_value("Sequence", sequence, "title"), MARKUP)
		lead = make_lead(f"_Test markup {frappe.generate_hash(length=6)}")
		connect(sequence, "Lead", [lead])
		with self.assertRaises(frappe.DuplicateEntryError) as refused:
			connect(sequence, "Lead", [lead])
		self.assertIn("&lt;img src=x onerror=alert(1)&gt;", message_of(refused))
		self.assertNotIn("<img", message_of(refused))

	def test_an_activation_error_names_the_step_as_text(self):
		draft = make_sequence(
			steps=[{"step_id": "mail", "step_type": "Automated Email", "subject": MARKUP}],
		)
		with self.assertRaises(frappe.ValidationError) as refused:
			draft.activate()
		self.assertIn("&lt;img", message_of(refused))
		self.assertNotIn("<img", message_of(refused))


def diamonds(count: int, tail: int) -> list[dict]:
	rows = []
	for n in range(count):
		rows += [
			{
				"step_id": f"c{n}",
				"step_type": "Condition",
				"condition": "Email Replied",
				"timeout_days": 1,
				"yes_step": f"y{n}",
				"no_step": f"n{n}",
			},
			{"step_id": f"y{n}", "step_type": "Task", "subject": "Yes", "next_step": f"j{n}"},
			{"step_id": f"n{n}", "step_type": "Task", "subject": "No"},
			{"step_id": f"j{n}", "step_type": "Wait", "wait_days": 1},
		]
	rows += [{"step_id": f"t{n}", "step_type": "Task", "subject": f"Task {n}"} for n in range(tail)]
	return [{"step_id": "start", "step_type": "Start"}, *rows]


class TestSequenceFlow(FrappeTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")

	def test_only_users_who_may_read_sequences_can_ask_for_a_flow(self):
		if not frappe.db.exists("User", WEBSITE_USER):
			frappe.get_doc(
				{"doctype": "User", "email": WEBSITE_USER, "first_name": "Web", "user_type": "Website User"}
			).insert(ignore_permissions=True)
		frappe.set_user(WEBSITE_USER)
		with self.assertRaises(frappe.PermissionError):
			sequence_flow(json.dumps(diamonds(1, 1)))

	def test_many_branches_are_counted_and_a_long_sequence_is_refused(self):
		make_user(SELLER, "Sales User")
		frappe.set_user(SELLER)
		flow = sequence_flow(json.dumps(diamonds(13, 100)))
		self.assertIsNone(flow["error"])
		self.assertEqual(flow["path_count"], 2**13)
		self.assertEqual(len(flow["paths"]), engine.MAX_LISTED_PATHS)

		flow = sequence_flow(json.dumps(diamonds(13, 3000)))
		self.assertIn(f"at most {engine.MAX_STEPS} steps", flow["error"])
		# saving such a sequence is refused the same way, naming the limit
		with self.assertRaises(frappe.ValidationError) as refused:
			make_sequence(steps=diamonds(13, 3000)[1:])
		self.assertIn(str(engine.MAX_STEPS), message_of(refused))


class TestDeletingRecords(FrappeTestCase):
	"""A record with notes, a sequence's history, rule logs and a pending approval can be deleted."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_outgoing_email_account()
		make_user(SELLER, "Sales User")
		make_user(MANAGER, "Sales User", "Sequence Manager")
		cls.sequence = active_sequence_from_template("High-volume outbound prospecting")

	def tearDown(self):
		frappe.set_user("Administrator")

	def lead(self):
		return make_lead(
			f"_Test deleted {frappe.generate_hash(length=6)}",
			email_id=f"{frappe.generate_hash(length=8)}@example.com",
		)

	def test_a_lead_with_notes_a_past_and_a_running_sequence_can_be_deleted(self):
		lead = self.lead()
		note = make_note(lead, crm_action="PHN").name
		connect(self.sequence, "Lead", [lead])
		disconnect("Lead", lead, "first try")
		connect(self.sequence, "Lead", [lead])
		enrollments = frappe.get_all("Sequence Enrollment", {"record_name": lead}, pluck="name")
		self.assertEqual(len(enrollments), 2)

		frappe.delete_doc("Lead", lead)

		self.assertFalse(frappe.db.exists("Lead", lead))
		self.assertFalse(frappe.db.exists("CRM Action Note", note))
		# the sequences' history stays, the running one ended
		statuses = frappe.get_all("Sequence Enrollment", {"record_name": lead}, pluck="status")
		self.assertEqual(sorted(statuses), ["Disconnected", "Exited"])
		self.assertFalse(
			frappe.db.exists("Sequence Activity", {"record_name": lead, "status": "Open"}),
			"no open activity is left on a deleted record",
		)
		# that history is the managers'; a seller no longer sees it
		running = frappe.get_doc("Sequence Enrollment", {"record_name": lead, "status": "Exited"})
		self.assertFalse(frappe.has_permission("Sequence Enrollment", "read", running, user=SELLER))
		self.assertTrue(frappe.has_permission("Sequence Enrollment", "read", running, user=MANAGER))

	def test_a_document_a_rule_ran_on_can_be_deleted_and_its_approval_closes(self):
		lead = self.lead()
		rule = frappe.get_doc(
			{
				"doctype": "Automation Rule",
				"title": f"_Test delete {frappe.generate_hash(length=6)}",
				"document_type": "Lead",
				"trigger": "On Update",
			}
		)
		rule.append(
			"actions",
			{"action_type": "Request Approval", "message": "Check {{ doc.lead_name }}", "approver": MANAGER},
		)
		rule.insert()
		frappe.get_doc("Lead", lead).save()
		approval = frappe.db.get_value("Automation Approval", {"reference_name": lead})
		self.assertTrue(approval)
		self.assertTrue(frappe.db.exists("Automation Rule Log", {"document_name": lead}))

		frappe.delete_doc("Lead", lead)

		self.assertFalse(frappe.db.exists("Lead", lead))
		self.assertEqual(frappe.db.get_value("Automation Approval", approval, "status"), "Rejected")
		self.assertTrue(
			frappe.db.exists("Automation Rule Log", {"document_name": lead}), "the audit trail stays"
		)

	def test_a_sequence_still_running_on_records_cannot_be_deleted(self):
		sequence = active_sequence_from_template(
			"High-volume outbound prospecting", f"_Test running {frappe.generate_hash(length=6)}"
		)
		connect(sequence, "Lead", [self.lead()])
		with self.assertRaises(frappe.LinkExistsError):
			frappe.delete_doc("Sequence", sequence)


class TestUninstallKeepsAdminsTemplates(FrappeTestCase):
	def test_edited_or_used_email_templates_stay_and_unchanged_ones_go(self):
		from unittest.mock import patch

		from sales_accelerator.setup import install

		shipped = [
			{
				"name": f"_Test SA shipped {n}",
				"subject": f"Subject {n}",
				"use_html": 1,
				"response_html": "<p>Hi</p>",
			}
			for n in range(3)
		]
		for template in shipped:
			if not frappe.db.exists("Email Template", template["name"]):
				frappe.get_doc({"doctype": "Email Template", **template}).insert()
		frappe.db.set_value("Email Template", shipped[0]["name"], "subject", "Our own subject")  # edited
		frappe.get_doc(  # used by something outside the app: a Campaign's email schedule
			{
				"doctype": "Campaign",
				"campaign_name": f"_Test SA campaign {frappe.generate_hash(length=6)}",
				"campaign_schedules": [{"send_after_days": 1, "email_template": shipped[1]["name"]}],
			}
		).insert()

		with patch.object(install, "shipped_email_templates", return_value=shipped):
			kept = install.delete_email_templates()

		self.assertEqual(kept, [shipped[0]["name"], shipped[1]["name"]])
		self.assertEqual(
			frappe.db.get_value("Email Template", shipped[0]["name"], "subject"), "Our own subject"
		)
		self.assertTrue(frappe.db.exists("Email Template", shipped[1]["name"]))
		self.assertFalse(frappe.db.exists("Email Template", shipped[2]["name"]))
