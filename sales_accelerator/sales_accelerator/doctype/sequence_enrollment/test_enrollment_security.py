# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt
"""The sequence-side findings of the security review (issue #10), each performed as the attacker
would over REST, and refused; the legitimate path next to it still works."""

import datetime
import json

import frappe
import frappe.client
from frappe.utils import add_to_date, now_datetime

from sales_accelerator.api import (
	complete_activity,
	connect,
	disconnect,
	skip_activity,
	snooze_activity,
	up_next,
)
from sales_accelerator.sales_accelerator.doctype.sequence_enrollment.test_sequence_enrollment import (
	SequenceRunTestCase,
)
from sales_accelerator.sequences import enrollment
from sales_accelerator.tasks import process_due_enrollments, reconcile_failed_emails
from sales_accelerator.tests import WORKDAY_10, make_sequence, make_user, wait_then_call

SELLER = "sa.sec.seller@example.com"
OTHER_SELLER = "sa.sec.other@example.com"
SEQUENCE_MANAGER = "sa.sec.manager@example.com"
REVOKED = "sa.sec.revoked@example.com"
INTRO_TEMPLATE = "SA Outbound: Introduction"
PROMOTION = {
	"step_id": "promote",
	"step_type": "Update Field",
	"subject": "Promote",
	"field_name": "roles",
	"value": json.dumps([{"role": "System Manager"}]),
}


def forged_snapshot(*steps) -> str:
	return json.dumps(
		{"steps": [{"step_id": "start", "step_type": "Start"}, *steps], "settings": {"exit_on_close": 0}}
	)


def sellers_mail_sent(lead) -> int:
	return frappe.db.count(
		"Communication", {"reference_doctype": "Lead", "reference_name": lead, "sent_or_received": "Sent"}
	)


class SecurityTestCase(SequenceRunTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(SELLER, "Sales User")
		make_user(OTHER_SELLER, "Sales User")
		make_user(SEQUENCE_MANAGER, "Sales User", "Sequence Manager")

	def call_sequence(self, **values):
		sequence = make_sequence(
			title=f"_Test call {frappe.generate_hash(length=5)}",
			steps=[{"step_id": "call", "step_type": "Phone Call", "subject": "Call"}],
			**values,
		)
		sequence.activate()
		return sequence.name

	def connected_call(self, seller=SELLER):
		lead = self.lead("Security")
		with self.set_user(seller):
			connect(self.call_sequence(), "Lead", [lead])
		return lead, frappe.get_doc("Sequence Activity", self.open_activity(lead).name)


class TestEnrollmentsAreMadeOnlyByTheApp(SecurityTestCase):
	"""Finding 1: a Sales User made themselves System Manager through a Sequence Enrollment."""

	def forged_enrollment(self, sequence, record_type="User", record_name=SELLER, **values):
		return {
			"doctype": "Sequence Enrollment",
			"sequence": sequence,
			"record_type": record_type,
			"record_name": record_name,
			"seller": SELLER,
			"status": "Active",
			"current_step": "start",
			"next_due": str(now_datetime()),
			"steps_snapshot": forged_snapshot(PROMOTION),
			**values,
		}

	def test_a_seller_cannot_create_or_change_enrollments_and_activities_over_rest(self):
		sequence = self.call_sequence()
		lead, activity = self.connected_call()
		mine = self.enrollment(lead).name
		with self.set_user(SELLER):
			for attack in (
				lambda: frappe.client.insert(self.forged_enrollment(sequence)),
				lambda: frappe.client.insert(self.forged_enrollment(sequence, "Lead", self.lead("Forged"))),
				lambda: frappe.client.set_value(
					"Sequence Enrollment", mine, "steps_snapshot", forged_snapshot(PROMOTION)
				),
				lambda: frappe.client.set_value("Sequence Enrollment", mine, "seller", OTHER_SELLER),
				lambda: frappe.client.set_value("Sequence Enrollment", mine, "status", "Completed"),
				lambda: frappe.client.insert(
					{
						"doctype": "Sequence Activity",
						"subject": "Forged",
						"step_type": "Task",
						"record_type": "Lead",
						"record_name": lead,
						"seller": SELLER,
					}
				),
				lambda: frappe.client.set_value("Sequence Activity", activity.name, "status", "Completed"),
				lambda: frappe.client.delete("Sequence Enrollment", mine),
			):
				with self.assertRaises(frappe.PermissionError):
					attack()
			# reading stays as it was
			self.assertEqual(frappe.client.get("Sequence Enrollment", mine)["record_name"], lead)
		self.assertEqual(frappe.db.get_value("Sequence Enrollment", mine, "status"), "Active")
		self.assertNotIn("System Manager", frappe.get_roles(SELLER))

	def test_no_role_may_write_them_whatever_the_role_permissions(self):
		for doctype in ("Sequence Enrollment", "Sequence Activity"):
			for perm in frappe.get_meta(doctype).permissions:
				self.assertFalse(perm.create or perm.write or perm.share, (doctype, perm.role))
		lead, activity = self.connected_call()
		with self.set_user(SEQUENCE_MANAGER):
			self.assertFalse(frappe.has_permission("Sequence Activity", "write", activity.name))
			self.assertFalse(
				frappe.has_permission("Sequence Enrollment", "write", self.enrollment(lead).name)
			)
			self.assertTrue(frappe.has_permission("Sequence Activity", "read", activity.name))

	def test_only_the_supported_record_types_and_the_sequences_own_steps(self):
		sequence = self.call_sequence()
		# even the app's own paths (which insert with ignore_permissions) refuse a User enrollment
		with self.assertRaises(frappe.ValidationError) as refused:
			frappe.get_doc(self.forged_enrollment(sequence)).insert(ignore_permissions=True)
		self.assertIn("Record Type", str(refused.exception))
		with self.assertRaises(frappe.ValidationError) as refused:
			frappe.get_doc(self.forged_enrollment(sequence, "Lead", self.lead("Forged"))).insert(
				ignore_permissions=True
			)
		self.assertIn("Steps Snapshot", str(refused.exception))

		lead, _activity = self.connected_call()
		doc = self.enrollment(lead)
		doc.steps_snapshot = forged_snapshot(PROMOTION)
		with self.assertRaises(frappe.ValidationError):
			doc.save(ignore_permissions=True)
		# the sequence may change later: the running enrollment keeps its snapshot and still saves
		sequence_doc = frappe.get_doc("Sequence", self.enrollment(lead).sequence)
		sequence_doc.deactivate()
		sequence_doc.reload()
		sequence_doc.append("steps", {"step_id": "task", "step_type": "Task", "subject": "Task"})
		sequence_doc.save()
		disconnect("Lead", lead, "Done")
		self.assertEqual(self.enrollment(lead).status, "Disconnected")

	def test_the_runner_never_grants_a_role(self):
		"""An enrollment forged before the fix (straight into the table) runs, and changes nothing."""
		sequence = self.call_sequence()
		forged = frappe.get_doc(self.forged_enrollment(sequence))
		forged.name = f"_Test forged {frappe.generate_hash(length=6)}"
		forged.next_due = add_to_date(now_datetime(), minutes=-1)
		forged.db_insert()
		process_due_enrollments(inline=True, commit=False)
		self.assertNotIn("System Manager", frappe.get_roles(SELLER))
		self.assertFalse(frappe.db.exists("Has Role", {"parent": SELLER, "role": "System Manager"}))
		self.assertFalse(frappe.db.exists("Sequence Activity", {"enrollment": forged.name}))
		ended = frappe.db.get_value("Sequence Enrollment", forged.name, ["status", "exit_reason"])
		self.assertEqual(ended[0], "Failed")
		self.assertIn("User", ended[1])


class TestFieldUpdatesKeepToTheSellersRights(SecurityTestCase):
	"""Finding 2 (medium #4): a seller who may only read a Prospect changed its website."""

	def prospect(self):
		company = frappe.db.get_single_value("Global Defaults", "default_company") or frappe.get_all(
			"Company", pluck="name", limit=1
		)
		return (
			frappe.get_doc(
				{
					"doctype": "Prospect",
					"company_name": f"_Test Prospect {frappe.generate_hash(length=6)}",
					"company": company[0] if isinstance(company, list) else company,
					"website": "https://before.example.com",
				}
			)
			.insert(ignore_permissions=True)
			.name
		)

	def website_sequence(self, record_type, wait_days=0):
		steps = [{"step_id": "wait", "step_type": "Wait", "wait_days": wait_days}] if wait_days else []
		sequence = make_sequence(
			title=f"_Test website {frappe.generate_hash(length=5)}",
			record_type=record_type,
			steps=[
				*steps,
				{
					"step_id": "website",
					"step_type": "Update Field",
					"subject": "Website",
					"field_name": "website",
					"value": "https://after.example.com",
				},
			],
		)
		sequence.activate()
		return sequence.name

	def test_a_seller_who_only_reads_a_prospect_cannot_connect_a_sequence_that_updates_it(self):
		prospect = self.prospect()
		sequence = self.website_sequence("Prospect")
		with self.set_user(SELLER):
			self.assertTrue(frappe.has_permission("Prospect", "read", prospect))
			self.assertFalse(frappe.has_permission("Prospect", "write", prospect))
			with self.assertRaises(frappe.PermissionError):
				connect(sequence, "Prospect", [prospect])
			with self.assertRaises(frappe.PermissionError):  # the bulk path checks in the job too
				enrollment.connect(sequence, "Prospect", [prospect], seller=SELLER)
		self.assertFalse(frappe.db.exists("Sequence Enrollment", {"record_name": prospect}))
		self.assertEqual(frappe.db.get_value("Prospect", prospect, "website"), "https://before.example.com")
		# a Sales Manager may edit prospects: the same sequence runs for them
		manager = make_user("sa.sec.sales.manager@example.com", "Sales Manager")
		with self.set_user(manager):
			connect(sequence, "Prospect", [prospect])
		self.assertEqual(frappe.db.get_value("Prospect", prospect, "website"), "https://after.example.com")

	def test_the_runner_refuses_an_update_the_seller_may_no_longer_make(self):
		make_user(REVOKED, "Sales User")
		sequence = self.website_sequence("Lead", wait_days=1)
		lead = self.lead("Revoked", website="https://before.example.com")
		start = WORKDAY_10
		with self.freeze_time(start), self.set_user(REVOKED):
			connect(sequence, "Lead", [lead])
		make_user(REVOKED)  # no roles any more: may not edit leads
		self.at(start + datetime.timedelta(days=1, minutes=1))
		update = frappe.db.get_value(
			"Sequence Activity",
			{"record_name": lead, "step_id": "website"},
			["status", "error"],
			as_dict=True,
		)
		self.assertEqual(update.status, "Failed")
		self.assertIn(REVOKED, update.error)
		self.assertEqual(frappe.db.get_value("Lead", lead, "website"), "https://before.example.com")

	def test_the_runner_updates_what_the_seller_may_edit(self):
		sequence = self.website_sequence("Lead")
		lead = self.lead("Editable", website="https://before.example.com")
		with self.set_user(SELLER):
			connect(sequence, "Lead", [lead])
		self.assertEqual(frappe.db.get_value("Lead", lead, "website"), "https://after.example.com")
		self.assertEqual(
			frappe.db.get_value("Sequence Activity", {"record_name": lead, "step_id": "website"}, "status"),
			"Completed",
		)

	def test_a_sequence_may_not_update_tables_or_standard_fields(self):
		for field in ("notes", "owner", "name"):
			with self.assertRaises(frappe.ValidationError) as refused:
				make_sequence(
					title=f"_Test field {field}",
					steps=[{**PROMOTION, "field_name": field, "value": "x"}],
				)
			self.assertIn(field, str(refused.exception))


class TestActivitiesChangeOnlyThroughTheApi(SecurityTestCase):
	"""Finding 3 (#5): any seller could point someone's activity at another user's Event or ToDo."""

	def test_repointing_or_faking_an_activity_over_rest_is_refused(self):
		_lead, activity = self.connected_call(SELLER)
		victim_todo = frappe.get_doc(
			{"doctype": "ToDo", "allocated_to": OTHER_SELLER, "description": "Private"}
		).insert(ignore_permissions=True)
		with self.set_user(SELLER):
			for field, value in (
				("reference_name", victim_todo.name),
				("reference_doctype", "Event"),
				("seller", OTHER_SELLER),
				("outcome", "Answered"),
				("status", "Completed"),
			):
				with self.assertRaises(frappe.PermissionError):
					frappe.client.set_value("Sequence Activity", activity.name, field, value)
		self.assertEqual(frappe.db.get_value("Sequence Activity", activity.name, "status"), "Open")
		self.assertEqual(frappe.db.get_value("ToDo", victim_todo.name, "status"), "Open")

	def test_only_the_assigned_seller_or_a_manager_finishes_an_activity(self):
		lead, activity = self.connected_call(SELLER)
		tomorrow = str(add_to_date(now_datetime(), days=1))
		with self.set_user(OTHER_SELLER):
			self.assertTrue(frappe.has_permission("Lead", "read", lead))  # can read the record...
			for attack in (
				lambda: skip_activity(activity.name),
				lambda: snooze_activity(activity.name, tomorrow),
				lambda: complete_activity(activity.name, "Answered"),
			):
				with self.assertRaises(frappe.PermissionError):  # ...but the activity is not theirs
					attack()
		self.assertEqual(frappe.db.get_value("Sequence Activity", activity.name, "status"), "Open")
		with self.set_user(SELLER):
			snooze_activity(activity.name, tomorrow)
			complete_activity(activity.name, "Answered")
		self.assertEqual(
			frappe.db.get_value("Sequence Activity", activity.name, ["status", "outcome"]),
			("Completed", "Answered"),
		)
		_lead, other = self.connected_call(SELLER)
		with self.set_user(SEQUENCE_MANAGER):
			skip_activity(other.name)
		self.assertEqual(frappe.db.get_value("Sequence Activity", other.name, "status"), "Skipped")

	def test_only_web_links_on_activities(self):
		_lead, activity = self.connected_call(SELLER)
		for link in ("javascript:alert(document.cookie)", " JavaScript:alert(1)", "data:text/html,x"):
			activity.reload()
			activity.link = link
			with self.assertRaises(frappe.ValidationError):
				activity.save(ignore_permissions=True)
		activity.reload()
		activity.link = "https://www.linkedin.com/in/someone"
		activity.save(ignore_permissions=True)


class TestErpnextExits(SecurityTestCase):
	"""Finding 4 (#9): ERPNext closes records with db.set_value / db_set, which fire no hook."""

	def test_a_lead_converted_without_a_hook_exits_before_the_next_email(self):
		sequence = make_sequence(
			title=f"_Test exit {frappe.generate_hash(length=5)}",
			steps=[
				{"step_id": "wait", "step_type": "Wait", "wait_days": 1},
				{
					"step_id": "mail",
					"step_type": "Automated Email",
					"subject": "Intro",
					"email_template": INTRO_TEMPLATE,
				},
			],
		)
		sequence.activate()
		lead = self.lead("Converted quietly")
		start = WORKDAY_10
		with self.freeze_time(start):
			connect(sequence.name, "Lead", [lead])
		frappe.db.set_value("Lead", lead, "status", "Converted")  # as ERPNext's make_customer does
		self.at(start + datetime.timedelta(days=1, minutes=1))
		doc = self.enrollment(lead)
		self.assertEqual((doc.status, doc.exit_reason), ("Exited", "Lead is Converted"))
		self.assertIsNone(doc.active_record_key)
		self.assertFalse(frappe.db.exists("Sequence Activity", {"enrollment": doc.name, "step_id": "mail"}))
		self.assertEqual(sellers_mail_sent(lead), 0)

	def test_an_opportunity_lost_through_db_set_exits(self):
		sequence = wait_then_call(
			f"_Test opp exit {frappe.generate_hash(length=5)}", wait_days=1, record_type="Opportunity"
		)
		lead = self.lead("Opportunity")
		opportunity = frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": "Lead",
				"party_name": lead,
				"company": frappe.db.get_single_value("Global Defaults", "default_company")
				or frappe.get_all("Company", pluck="name", limit=1)[0],
			}
		).insert(ignore_permissions=True)
		start = WORKDAY_10
		with self.freeze_time(start):
			connect(sequence.name, "Opportunity", [opportunity.name])
		opportunity.db_set("status", "Lost")  # as Opportunity.set_status does
		self.at(start + datetime.timedelta(days=1, minutes=1))
		doc = frappe.get_doc("Sequence Enrollment", {"record_name": opportunity.name})
		self.assertEqual((doc.status, doc.exit_reason), ("Exited", "Opportunity is Lost"))
		self.assertIsNone(self.open_activity(opportunity.name))

	def test_without_exit_on_close_the_sequence_goes_on(self):
		sequence = wait_then_call(
			f"_Test no exit {frappe.generate_hash(length=5)}", wait_days=1, exit_on_close=0
		)
		lead = self.lead("Kept")
		start = WORKDAY_10
		with self.freeze_time(start):
			connect(sequence.name, "Lead", [lead])
		frappe.db.set_value("Lead", lead, "status", "Converted")
		self.at(start + datetime.timedelta(days=1, minutes=1))
		self.assertEqual(self.open_activity(lead).step_id, "call")


class TestFailedEmailsShow(SecurityTestCase):
	"""Finding 5 (#12): Frappe records a final send error with db.set_value on the Email Queue."""

	def test_an_email_queue_error_set_without_a_hook_fails_the_activity(self):
		sequence = make_sequence(
			title=f"_Test bounce {frappe.generate_hash(length=5)}",
			steps=[
				{
					"step_id": "mail",
					"step_type": "Automated Email",
					"subject": "Intro",
					"email_template": INTRO_TEMPLATE,
				},
				{"step_id": "call", "step_type": "Phone Call", "subject": "Call"},
			],
		)
		sequence.activate()
		lead = self.lead("Bounced")
		connect(sequence.name, "Lead", [lead])
		mail = frappe.get_doc("Sequence Activity", {"record_name": lead, "step_id": "mail"})
		self.assertEqual(mail.status, "Completed")
		queue = frappe.db.get_value("Email Queue", {"communication": mail.reference_name})
		frappe.db.set_value(  # as EmailQueue's SendMailContext records the last retry's error
			"Email Queue",
			queue,
			{
				"status": "Error",
				"error": "Traceback (most recent call last):\n  ...\nSMTPRecipientsRefused: 550 no such user\n",
			},
		)
		self.assertGreaterEqual(reconcile_failed_emails(), 1)
		mail.reload()
		self.assertEqual((mail.status, mail.error), ("Failed", "SMTPRecipientsRefused: 550 no such user"))
		reconcile_failed_emails()  # once: a failed activity stays as it is
		self.assertEqual(frappe.db.get_value("Sequence Activity", mail.name, "status"), "Failed")
		panel = up_next("Lead", lead)
		# the failed email is passed; an automated email is not one of the steps counted
		self.assertEqual(panel["enrollment"]["progress"], {"done": 0, "total": 1})
		self.assertEqual(panel["activities"][0]["step_type"], "Phone Call")


class TestSmallerFindings(SecurityTestCase):
	"""Finding 6 (#13): exact reply matching, a stop that reads the row it ends."""

	def reply_sequence(self):
		sequence = make_sequence(
			title=f"_Test reply {frappe.generate_hash(length=5)}",
			exit_on_reply=0,
			steps=[
				{
					"step_id": "replied",
					"step_type": "Condition",
					"condition": "Email Replied",
					"timeout_days": 3,
					"yes_step": "yes",
					"no_step": "no",
				},
				{"step_id": "yes", "step_type": "Phone Call", "subject": "Replied", "is_end": 1},
				{"step_id": "no", "step_type": "Task", "subject": "Silent", "is_end": 1},
			],
		)
		sequence.activate()
		return sequence.name

	def received(self, sender, stored_as=None):
		communication = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Received",
				"subject": "Hello",
				"content": "Hi",
				"sender": sender,
			}
		).insert(ignore_permissions=True)
		if stored_as:
			frappe.db.set_value("Communication", communication.name, "sender", stored_as)

	def test_a_reply_counts_only_from_the_exact_address(self):
		domain = f"sa{frappe.generate_hash(length=6)}.example.com"
		address = f"a_b@{domain}"
		lead = self.lead("Replies", email_id=address)
		start = add_to_date(now_datetime(), minutes=-5)
		with self.freeze_time(start):
			connect(self.reply_sequence(), "Lead", [lead])
		name = self.enrollment(lead).name
		self.received(f"ana_b@{domain}")  # contains the address
		self.received(f"axb@{domain}", stored_as=f"Axb <axb@{domain}>")  # matches a_b as a LIKE pattern
		self.received(f"b@{domain}", stored_as=f"A <a_b@{domain}.evil.example>")
		enrollment.process_enrollment(name)
		self.assertIsNone(self.open_activity(lead))  # still waiting for a reply
		self.received(address, stored_as=f"Ana B <{address}>")
		enrollment.process_enrollment(name)
		self.assertEqual(self.open_activity(lead).step_id, "yes")

		lead_2 = self.lead("Bare reply", email_id=f"c@{domain}")
		with self.freeze_time(start):
			connect(self.reply_sequence(), "Lead", [lead_2])
		self.received(f"C@{domain}")  # stored bare; addresses compare case-insensitively
		enrollment.process_enrollment(self.enrollment(lead_2).name)
		self.assertEqual(self.open_activity(lead_2).step_id, "yes")

	def test_stop_after_a_runner_pass_keeps_what_the_runner_did(self):
		sequence = wait_then_call(f"_Test stop {frappe.generate_hash(length=5)}", wait_minutes=5)
		lead = self.lead("Stopped")
		start = WORKDAY_10
		with self.freeze_time(start):
			connect(sequence.name, "Lead", [lead])
		self.at(start + datetime.timedelta(minutes=6))
		call = self.open_activity(lead)
		disconnect("Lead", lead, "Not now")
		doc = self.enrollment(lead)
		self.assertEqual((doc.status, doc.exit_reason, doc.current_step), ("Disconnected", "Not now", "call"))
		self.assertIn("wait", doc.path_taken)
		self.assertEqual(frappe.db.get_value("Sequence Activity", call.name, "status"), "Cancelled")
		self.assertEqual(frappe.db.get_value("ToDo", call.reference_name, "status"), "Cancelled")
		self.at(start + datetime.timedelta(days=1))
		self.assertEqual(self.enrollment(lead).status, "Disconnected")
		self.assertIsNone(self.open_activity(lead))

	def test_stop_does_not_resurrect_an_enrollment_a_worker_ended(self):
		lead, _activity = self.connected_call(SELLER)
		name = self.enrollment(lead).name
		# a worker completed it between the lookup and the stop (its key not yet cleared)
		frappe.db.set_value("Sequence Enrollment", name, "status", "Completed", update_modified=False)
		self.assertEqual(enrollment.stop("Lead", lead, "Exited", "Lead is Converted"), [])
		self.assertEqual(
			frappe.db.get_value("Sequence Enrollment", name, ["status", "exit_reason"]), ("Completed", None)
		)
