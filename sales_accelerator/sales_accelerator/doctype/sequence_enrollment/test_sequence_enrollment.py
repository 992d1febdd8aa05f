# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import datetime

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, get_datetime, now_datetime

from sales_accelerator.api import (
	complete_activity,
	connect,
	disconnect,
	skip_activity,
	snooze_activity,
	up_next,
)
from sales_accelerator.tasks import process_due_enrollments
from sales_accelerator.tests import (
	active_sequence_from_template,
	make_contact,
	make_lead,
	make_outgoing_email_account,
	make_sequence,
	make_user,
)

SELLER = "sa.seller@example.com"
OUTSIDER = "sa.outsider@example.com"


class SequenceRunTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_outgoing_email_account()
		make_user(SELLER, "Sales User")

	def lead(self, label="Lead", **values):
		return make_lead(
			f"_Test {label} {frappe.generate_hash(length=6)}",
			email_id=values.pop("email_id", None) or f"{frappe.generate_hash(length=8)}@example.com",
			**values,
		)

	def open_activity(self, record):
		activities = frappe.get_all(
			"Sequence Activity",
			filters={"record_name": record, "status": "Open"},
			fields=["name", "step_id", "step_type", "reference_doctype", "reference_name"],
		)
		self.assertLessEqual(len(activities), 1, activities)
		return activities[0] if activities else None

	def enrollment(self, record):
		return frappe.get_doc("Sequence Enrollment", {"record_name": record})

	def at(self, moment):
		"""Drive time to ``moment`` and run the scheduler tick there."""
		with self.freeze_time(moment):
			process_due_enrollments(inline=True, commit=False)


class TestOutboundSequence(SequenceRunTestCase):
	"""High-volume outbound prospecting, driven through its branches."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.sequence = active_sequence_from_template("High-volume outbound prospecting")

	def start(self):
		lead = self.lead("Outbound")
		result = connect(self.sequence, "Lead", [lead])
		self.assertEqual(len(result["enrollments"]), 1)
		return lead

	def test_connect_sends_the_introduction_and_opens_the_research_task(self):
		lead = self.start()
		sent = frappe.get_all(
			"Sequence Activity",
			filters={"record_name": lead, "step_id": "email_intro"},
			fields=["status", "reference_name"],
		)
		self.assertEqual(sent[0].status, "Completed")
		communication = frappe.get_doc("Communication", sent[0].reference_name)
		self.assertEqual((communication.reference_doctype, communication.reference_name), ("Lead", lead))
		self.assertIn("Hello", communication.content)
		self.assertTrue(frappe.db.exists("Email Queue", {"communication": communication.name}))

		research = self.open_activity(lead)
		self.assertEqual((research.step_id, research.reference_doctype), ("research", "ToDo"))
		todo = frappe.get_doc("ToDo", research.reference_name)
		self.assertEqual((todo.reference_type, todo.reference_name, todo.status), ("Lead", lead, "Open"))
		self.assertIn("linkedin.com", todo.description)

		panel = up_next("Lead", lead)
		self.assertEqual(panel["enrollment"]["sequence"], self.sequence)
		self.assertEqual(panel["activities"][0]["name"], research.name)
		self.assertFalse(panel["activities"][0]["overdue"])
		self.assertEqual(panel["enrollment"]["progress"], {"done": 1, "total": 7})

	def test_answered_call_books_a_meeting(self):
		lead = self.start()
		complete_activity(self.open_activity(lead).name)  # research
		call = self.open_activity(lead)
		self.assertEqual(call.step_type, "Phone Call")
		following = complete_activity(call.name, "Answered")
		self.assertEqual(following["step_type"], "LinkedIn Connect")
		self.assertEqual(frappe.db.get_value("ToDo", call.reference_name, "status"), "Closed")
		complete_activity(following["name"])
		meeting = self.open_activity(lead)
		self.assertEqual((meeting.step_type, meeting.reference_doctype), ("Meeting", "Event"))
		participants = frappe.get_doc("Event", meeting.reference_name).event_participants
		self.assertEqual(
			(participants[0].reference_doctype, participants[0].reference_docname), ("Lead", lead)
		)
		complete_activity(meeting.name)
		self.assertEqual(self.enrollment(lead).status, "Completed")

	def test_unanswered_calls_end_by_disqualifying_the_lead(self):
		start = now_datetime()
		with self.freeze_time(start):
			lead = self.start()
			complete_activity(self.open_activity(lead).name)
			complete_activity(self.open_activity(lead).name, "No Answer")
		self.assertIsNone(self.open_activity(lead))
		self.at(start + datetime.timedelta(hours=23))  # the time-out (1 day) is not over yet
		self.assertFalse(
			frappe.db.exists("Sequence Activity", {"record_name": lead, "step_id": "email_follow_up"})
		)

		self.at(start + datetime.timedelta(days=1, minutes=1))  # No branch: follow-up email, then wait 3 days
		self.assertEqual(
			frappe.db.get_value(
				"Sequence Activity", {"record_name": lead, "step_id": "email_follow_up"}, "status"
			),
			"Completed",
		)
		self.assertEqual(self.enrollment(lead).current_step, "wait_3d")
		self.at(start + datetime.timedelta(days=4, minutes=2))
		call = self.open_activity(lead)
		self.assertEqual(call.step_id, "call_2")
		with self.freeze_time(start + datetime.timedelta(days=4, minutes=3)):
			complete_activity(call.name, "Left Voicemail")
		self.at(start + datetime.timedelta(days=5, minutes=4))  # No branch, then wait 2 days
		self.at(start + datetime.timedelta(days=7, minutes=5))
		final = self.open_activity(lead)
		self.assertEqual(final.step_id, "call_3")
		with self.freeze_time(start + datetime.timedelta(days=7, minutes=6)):
			complete_activity(final.name, "Wrong Number")
		self.at(start + datetime.timedelta(days=9, minutes=7))

		enrollment = self.enrollment(lead)
		self.assertEqual(frappe.db.get_value("Lead", lead, "status"), "Do Not Contact")
		self.assertEqual((enrollment.status, enrollment.exit_reason), ("Completed", None))
		self.assertIn("answered_3:no", enrollment.path_taken)

	def test_conversion_exits_the_sequence_and_cancels_open_work(self):
		lead = self.start()
		research = self.open_activity(lead)
		doc = frappe.get_doc("Lead", lead)
		doc.status = "Converted"
		doc.flags.ignore_mandatory = True
		doc.save()
		enrollment = self.enrollment(lead)
		self.assertEqual((enrollment.status, enrollment.exit_reason), ("Exited", "Lead is Converted"))
		self.assertEqual(frappe.db.get_value("Sequence Activity", research.name, "status"), "Cancelled")
		self.assertEqual(frappe.db.get_value("ToDo", research.reference_name, "status"), "Cancelled")
		self.assertIsNone(up_next("Lead", lead)["enrollment"])

	def test_one_running_sequence_per_record_until_disconnected(self):
		lead = self.start()
		with self.assertRaises(frappe.DuplicateEntryError) as error:
			connect(self.sequence, "Lead", [lead])
		self.assertIn("Disconnect it first", str(error.exception))
		disconnect("Lead", lead, "Wrong person")
		enrollment = frappe.get_all(
			"Sequence Enrollment", filters={"record_name": lead}, fields=["status", "exit_reason"]
		)
		self.assertEqual([(e.status, e.exit_reason) for e in enrollment], [("Disconnected", "Wrong person")])
		self.assertEqual(len(connect(self.sequence, "Lead", [lead])["enrollments"]), 1)

	def test_skip_and_snooze(self):
		lead = self.start()
		research = self.open_activity(lead)
		later = add_to_date(now_datetime(), days=2)
		snooze_activity(research.name, str(later))
		self.assertEqual(get_datetime(frappe.db.get_value("Sequence Activity", research.name, "due")), later)
		self.assertEqual(str(frappe.db.get_value("ToDo", research.reference_name, "date")), str(later.date()))
		with self.assertRaises(frappe.ValidationError):
			snooze_activity(research.name, str(add_to_date(now_datetime(), hours=-1)))
		following = skip_activity(research.name)
		self.assertEqual(following["step_type"], "Phone Call")
		self.assertEqual(frappe.db.get_value("Sequence Activity", research.name, "status"), "Skipped")
		self.assertEqual(frappe.db.get_value("ToDo", research.reference_name, "status"), "Cancelled")

	def test_running_enrollments_keep_the_steps_they_started_with(self):
		name = active_sequence_from_template("High-volume outbound prospecting", "_Test edited while running")
		lead = self.lead("Edited")
		connect(name, "Lead", [lead])
		sequence = frappe.get_doc("Sequence", name)
		sequence.deactivate()
		sequence.reload()
		sequence.steps = [s for s in sequence.steps if s.step_id != "research"]
		sequence.save()
		sequence.activate()
		self.assertEqual(self.open_activity(lead).step_id, "research")
		complete_activity(self.open_activity(lead).name)
		self.assertEqual(self.open_activity(lead).step_id, "call_1")


class TestRepliesAndConditions(SequenceRunTestCase):
	def no_show(self, contact, **changes):
		sequence = active_sequence_from_template(
			"Follow-up for no-show contacts", f"_Test no-show {frappe.generate_hash(length=4)}", **changes
		)
		connect(sequence, "Contact", [contact])
		email = self.open_activity(contact)
		self.assertEqual(email.step_type, "Email")
		complete_activity(email.name)
		return sequence

	def reply(self, contact, sender):
		frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Received",
				"subject": "Re: Sorry we missed you",
				"content": "Tuesday works.",
				"sender": sender,
				"reference_doctype": "Contact",
				"reference_name": contact,
			}
		).insert(ignore_permissions=True)

	def test_a_reply_ends_the_sequence_by_default(self):
		contact = make_contact(f"_Test Replier {frappe.generate_hash(length=5)}", "replier@example.com")
		self.no_show(contact)
		self.reply(contact, "replier@example.com")
		enrollment = self.enrollment(contact)
		self.assertEqual((enrollment.status, enrollment.exit_reason), ("Exited", "The person replied"))

	def test_a_reply_takes_the_yes_branch_when_the_sequence_goes_on(self):
		contact = make_contact(f"_Test Replier {frappe.generate_hash(length=5)}", "replier2@example.com")
		self.no_show(contact, exit_on_reply=0)
		self.assertIsNone(self.open_activity(contact))  # waiting for a reply
		self.reply(contact, "Replier Two <replier2@example.com>")
		self.at(now_datetime())
		call = self.open_activity(contact)
		self.assertEqual(call.step_id, "call_share_1")

	def test_no_reply_times_out_into_the_no_branch(self):
		contact = make_contact(f"_Test Silent {frappe.generate_hash(length=5)}", "silent@example.com")
		start = now_datetime()
		with self.freeze_time(start):
			self.no_show(contact)
		self.at(start + datetime.timedelta(days=1, minutes=1))
		self.assertEqual(self.open_activity(contact).step_id, "call_1")


class TestBusinessDays(SequenceRunTestCase):
	def test_waits_skip_the_weekend_and_the_holiday_list(self):
		holiday_list = frappe.get_doc(
			{
				"doctype": "Holiday List",
				"holiday_list_name": f"_Test SA Holidays {frappe.generate_hash(length=4)}",
				"from_date": "2026-01-01",
				"to_date": "2026-12-31",
				"holidays": [{"holiday_date": "2026-11-23", "description": "Company day off"}],
			}
		).insert()
		sequence = make_sequence(
			steps=[
				{"step_id": "wait", "step_type": "Wait", "wait_days": 1},
				{"step_id": "call", "step_type": "Phone Call", "subject": "Call"},
			],
			business_days_only=1,
			holiday_list=holiday_list.name,
		)
		sequence.activate()
		friday = datetime.datetime(2026, 11, 20, 10, 0)
		lead = self.lead("Weekend")
		with self.freeze_time(friday):
			connect(sequence.name, "Lead", [lead])
		# Monday the 23rd is a holiday: one business day after Friday is Tuesday
		self.assertEqual(get_datetime(self.enrollment(lead).next_due), datetime.datetime(2026, 11, 24, 10, 0))
		self.at(datetime.datetime(2026, 11, 23, 12, 0))
		self.assertIsNone(self.open_activity(lead))
		self.at(datetime.datetime(2026, 11, 24, 10, 1))
		self.assertEqual(self.open_activity(lead).step_id, "call")


class TestRunPermissions(SequenceRunTestCase):
	def test_sellers_act_only_on_records_they_can_read(self):
		sequence = active_sequence_from_template("High-volume outbound prospecting", "_Test permissions")
		readable, hidden = self.lead("Readable"), self.lead("Hidden")
		make_user(OUTSIDER, "Sales User")
		frappe.get_doc(
			{"doctype": "User Permission", "user": OUTSIDER, "allow": "Lead", "for_value": readable}
		).insert(ignore_permissions=True)
		connect(sequence, "Lead", [hidden])
		activity = self.open_activity(hidden)
		with self.set_user(OUTSIDER):
			for call in (
				lambda: up_next("Lead", hidden),
				lambda: connect(sequence, "Lead", [hidden]),
				lambda: disconnect("Lead", hidden),
				lambda: complete_activity(activity.name),
				lambda: skip_activity(activity.name),
				lambda: snooze_activity(activity.name, str(add_to_date(now_datetime(), days=1))),
			):
				with self.assertRaises(frappe.PermissionError):
					call()
			self.assertNotIn(activity.name, frappe.get_list("Sequence Activity", pluck="name", limit=0))
			self.assertIsNone(up_next("Lead", readable)["enrollment"])
			self.assertEqual(len(connect(sequence, "Lead", [readable])["enrollments"]), 1)
			self.assertTrue(up_next("Lead", readable)["activities"])
