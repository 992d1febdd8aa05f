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
	wait_then_call,
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
		# the introduction is the system's work: research, then at most four more steps on any path
		self.assertEqual(panel["enrollment"]["progress"], {"done": 0, "total": 5})

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
			frappe.db.set_value("Lead", lead, "qualification_status", "In Process")
			complete_activity(self.open_activity(lead).name)
			# a call logged as not answered takes the No branch at once: the follow-up email goes out
			complete_activity(self.open_activity(lead).name, "No Answer")
		self.assertIsNone(self.open_activity(lead))
		self.assertEqual(
			frappe.db.get_value(
				"Sequence Activity", {"record_name": lead, "step_id": "email_follow_up"}, "status"
			),
			"Completed",
		)
		self.assertEqual(self.enrollment(lead).current_step, "wait_3d")

		self.at(start + datetime.timedelta(days=2))  # still waiting
		self.assertIsNone(self.open_activity(lead))
		self.at(start + datetime.timedelta(days=3, minutes=1))
		call = self.open_activity(lead)
		self.assertEqual(call.step_id, "call_2")
		with self.freeze_time(start + datetime.timedelta(days=3, minutes=2)):
			complete_activity(call.name, "Left Voicemail")
		self.at(start + datetime.timedelta(days=5, minutes=3))
		final = self.open_activity(lead)
		self.assertEqual(final.step_id, "call_3")
		with self.freeze_time(start + datetime.timedelta(days=5, minutes=4)):
			complete_activity(final.name, "Wrong Number")
		# four days to reply or call back before the lead is disqualified
		self.assertEqual(self.enrollment(lead).current_step, "wait_4d")
		self.at(start + datetime.timedelta(days=9, minutes=3))
		self.assertEqual(frappe.db.get_value("Lead", lead, "qualification_status"), "In Process")
		self.at(start + datetime.timedelta(days=9, minutes=5))

		enrollment = self.enrollment(lead)
		# disqualified, which is not an opt-out: the lead may still be contacted
		self.assertEqual(frappe.db.get_value("Lead", lead, "qualification_status"), "Unqualified")
		self.assertNotEqual(frappe.db.get_value("Lead", lead, "status"), "Do Not Contact")
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

	def test_a_reply_ends_a_sequence_that_stops_on_replies(self):
		contact = make_contact(f"_Test Replier {frappe.generate_hash(length=5)}", "replier@example.com")
		self.no_show(contact, exit_on_reply=1)
		self.reply(contact, "replier@example.com")
		enrollment = self.enrollment(contact)
		self.assertEqual((enrollment.status, enrollment.exit_reason), ("Exited", "The person replied"))

	def test_a_no_show_contact_who_replies_takes_the_templates_replied_branch(self):
		# the template branches on a reply, so it ships without "Stop When the Person Replies"
		contact = make_contact(f"_Test Replier {frappe.generate_hash(length=5)}", "replier2@example.com")
		sequence = self.no_show(contact)
		self.assertFalse(frappe.db.get_value("Sequence", sequence, "exit_on_reply"))
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
		sequence = wait_then_call(
			"_Test sequence", wait_days=1, business_days_only=1, holiday_list=holiday_list.name
		)
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


class TestFailuresStayVisible(SequenceRunTestCase):
	def test_an_email_that_cannot_be_sent_is_a_failed_activity_and_the_sequence_goes_on(self):
		sequence = active_sequence_from_template("High-volume outbound prospecting", "_Test no address")
		lead = make_lead(f"_Test No Email {frappe.generate_hash(length=5)}")
		connect(sequence, "Lead", [lead])
		intro = frappe.get_all(
			"Sequence Activity",
			filters={"record_name": lead, "step_id": "email_intro"},
			fields=["status", "error"],
		)
		self.assertEqual(intro[0].status, "Failed")
		self.assertIn("has no email address", intro[0].error)
		self.assertEqual(self.open_activity(lead).step_id, "research")
		self.assertEqual(up_next("Lead", lead)["enrollment"]["progress"], {"done": 0, "total": 5})

	def test_an_email_that_finally_bounces_marks_its_activity_failed(self):
		sequence = active_sequence_from_template("High-volume outbound prospecting", "_Test bounce")
		lead = self.lead("Bounce")
		connect(sequence, "Lead", [lead])
		intro = frappe.get_doc("Sequence Activity", {"record_name": lead, "step_id": "email_intro"})
		queue = frappe.get_doc("Email Queue", {"communication": intro.reference_name})
		queue.status = "Error"
		queue.error = "550 mailbox unavailable"
		queue.save(ignore_permissions=True)
		intro.reload()
		self.assertEqual((intro.status, intro.error), ("Failed", "550 mailbox unavailable"))

	def test_a_field_update_the_record_refuses_is_a_failed_activity(self):
		sequence = make_sequence(
			steps=[
				{
					"step_id": "bad",
					"step_type": "Update Field",
					"subject": "Bad",
					"field_name": "status",
					"value": "Nonsense",
				}
			]
		)
		sequence.activate()
		lead = self.lead("Refuses")
		connect(sequence.name, "Lead", [lead])
		update = frappe.get_doc("Sequence Activity", {"record_name": lead, "step_id": "bad"})
		self.assertEqual(update.status, "Failed")
		self.assertIn("Nonsense", update.error)
		self.assertNotEqual(frappe.db.get_value("Lead", lead, "status"), "Nonsense")
		self.assertEqual(self.enrollment(lead).status, "Completed")

	def test_one_broken_enrollment_does_not_stop_the_batch(self):
		sequence = wait_then_call("_Test sequence", wait_minutes=5)
		start = now_datetime()
		with self.freeze_time(start):
			good, broken = self.lead("Good"), self.lead("Broken")
			connect(sequence.name, "Lead", [good, broken])
		frappe.db.set_value("Sequence Enrollment", {"record_name": broken}, "steps_snapshot", "{not json")
		self.at(start + datetime.timedelta(minutes=6))
		self.assertEqual(self.open_activity(good).step_id, "call")
		broken_enrollment = self.enrollment(broken)
		self.assertTrue(broken_enrollment.last_error)
		self.assertIsNone(broken_enrollment.claimed_by)
		self.assertGreater(get_datetime(broken_enrollment.next_due), start + datetime.timedelta(minutes=6))


class TestBulkConnect(SequenceRunTestCase):
	def test_more_than_a_hundred_records_connect_in_a_background_job(self):
		from sales_accelerator.api import connect_in_background

		sequence = make_sequence(steps=[{"step_id": "call", "step_type": "Phone Call", "subject": "Call"}])
		sequence.activate()
		leads = [self.lead(f"Bulk {i}") for i in range(101)]
		result = connect(sequence.name, "Lead", leads)
		self.assertIn("job_id", result)
		self.assertNotIn("enrollments", result)
		already = leads[0]
		connect(sequence.name, "Lead", [already])  # one of them is connected meanwhile
		# a seller without notifications: sending their emails would commit the test's transaction
		seller = make_user("sa.bulk.seller@example.com", "Sales User")
		settings = frappe.get_doc("Notification Settings", seller)
		settings.enabled = 0
		settings.save(ignore_permissions=True)
		outcome = connect_in_background(sequence.name, "Lead", leads, seller=seller, commit=False)
		self.assertEqual(outcome["connected"], 100)
		self.assertEqual(len(outcome["failed"]), 1)
		self.assertIn(already, outcome["failed"][0])
		self.assertEqual(
			frappe.db.count(
				"Sequence Activity", {"sequence": sequence.name, "status": "Open", "assigned_to": seller}
			),
			100,
		)


class TestConcurrentWorkers(SequenceRunTestCase):
	"""Two worker processes over the same due enrollments: every step runs exactly once."""

	def test_two_processes_never_run_a_step_twice(self):
		import subprocess

		count = 60
		sequence = wait_then_call("_Test concurrency", wait_minutes=1)
		leads = [self.lead(f"Concurrent {i}") for i in range(count)]
		connect(sequence.name, "Lead", leads)
		frappe.db.set_value(
			"Sequence Enrollment",
			{"sequence": sequence.name},
			"next_due",
			add_to_date(now_datetime(), minutes=-5),
		)
		frappe.db.sql(
			"update `tabSequence Enrollment` set step_started=%s where sequence=%s",
			(add_to_date(now_datetime(), minutes=-5), sequence.name),
		)
		frappe.db.commit()  # the workers are other processes: they see only what is committed
		try:
			bench = frappe.utils.get_bench_path()
			command = [
				f"{bench}/env/bin/python",
				"-m",
				"frappe.utils.bench_helper",
				"frappe",
				"--site",
				frappe.local.site,
				"execute",
				"sales_accelerator.tasks.process_due_enrollments",
				"--kwargs",
				repr({"inline": True, "batch_size": 5}),  # bench execute reads Python literals
			]
			workers = [
				subprocess.Popen(
					command, cwd=f"{bench}/sites", stdout=subprocess.PIPE, stderr=subprocess.STDOUT
				)
				for _ in range(2)
			]
			outputs = [worker.communicate(timeout=300)[0].decode() for worker in workers]
			self.assertEqual([w.returncode for w in workers], [0, 0], outputs)
			claimed = [int(out.strip().splitlines()[-1]) for out in outputs]
			self.assertGreaterEqual(sum(claimed), count, outputs)  # the site may have other due work

			per_enrollment = frappe.db.sql(
				"""select enrollment, count(*) from `tabSequence Activity`
				where sequence=%s and step_id='call' group by enrollment""",
				sequence.name,
			)
			self.assertEqual(len(per_enrollment), count)
			self.assertEqual({n for _e, n in per_enrollment}, {1})
			self.assertEqual(
				frappe.db.count(
					"ToDo", {"reference_type": "Lead", "reference_name": ["in", leads], "status": "Open"}
				),
				count,
			)
		finally:
			cleanup_committed(sequence.name, leads)


def cleanup_committed(sequence: str, leads: list[str]):
	frappe.db.rollback()
	frappe.db.delete("ToDo", {"reference_type": "Lead", "reference_name": ["in", leads]})
	frappe.db.delete("Sequence Activity", {"sequence": sequence})
	frappe.db.delete("Sequence Enrollment", {"sequence": sequence})
	frappe.db.delete("Sequence Step", {"parent": sequence})
	frappe.db.delete("Sequence", {"name": sequence})
	frappe.db.delete("Lead", {"name": ["in", leads]})
	frappe.db.commit()


class TestRemindersAndNotifications(SequenceRunTestCase):
	def connect_as_seller(self, label):
		sequence = make_sequence(
			steps=[{"step_id": "call", "step_type": "Phone Call", "subject": "Call back"}]
		)
		sequence.activate()
		lead = self.lead(label)
		with self.set_user(SELLER):
			connect(sequence.name, "Lead", [lead])
		return frappe.get_doc("Sequence Activity", self.open_activity(lead).name)

	def notifications(self, activity, kind):
		return frappe.get_all(
			"Notification Log",
			filters={
				"for_user": SELLER,
				"document_type": "Sequence Activity",
				"document_name": activity,
				"type": kind,
			},
			pluck="subject",
		)

	def test_a_new_activity_notifies_its_seller_unless_they_caused_it(self):
		sequence = make_sequence(
			steps=[
				{"step_id": "call", "step_type": "Phone Call", "subject": "First call"},
				{"step_id": "wait", "step_type": "Wait", "wait_days": 1},
				{"step_id": "call_2", "step_type": "Phone Call", "subject": "Second call"},
			]
		)
		sequence.activate()
		lead = self.lead("Notified")
		start = now_datetime()
		with self.freeze_time(start), self.set_user(SELLER):
			connect(sequence.name, "Lead", [lead])
			first = self.open_activity(lead).name
			complete_activity(first)
		self.assertEqual(self.notifications(first, "Assignment"), [])  # the seller did it themselves
		self.at(start + datetime.timedelta(days=1, minutes=1))  # the scheduler opens the next one
		second = self.open_activity(lead).name
		subjects = self.notifications(second, "Assignment")
		self.assertEqual(len(subjects), 1)
		self.assertIn("Second call", subjects[0])

	def test_reminders_follow_the_site_default_the_sellers_choice_and_the_activity(self):
		frappe.db.set_single_value("Sales Accelerator Settings", "default_reminder", "15 minutes before")
		activity = self.connect_as_seller("Default reminder")
		self.assertEqual(activity.reminder, "15 minutes before")
		self.assertEqual(
			get_datetime(activity.remind_at), get_datetime(activity.due) - datetime.timedelta(minutes=15)
		)

		frappe.db.set_value("User", SELLER, "sa_activity_reminder", "1 hour before")
		frappe.clear_document_cache("User", SELLER)
		try:
			activity = self.connect_as_seller("Own reminder")
			self.assertEqual(activity.reminder, "1 hour before")
		finally:
			frappe.db.set_value("User", SELLER, "sa_activity_reminder", None)

		activity.reminder = "At due time"
		activity.save()
		self.assertEqual(get_datetime(activity.remind_at), get_datetime(activity.due))

	def test_a_reminder_is_sent_once_when_its_time_comes_and_moves_with_a_snooze(self):
		from sales_accelerator.tasks import send_activity_reminders

		frappe.db.set_single_value("Sales Accelerator Settings", "default_reminder", "30 minutes before")
		activity = self.connect_as_seller("Reminded")
		remind = get_datetime(activity.remind_at)
		with self.freeze_time(remind - datetime.timedelta(minutes=1)):
			send_activity_reminders()
		self.assertEqual(self.notifications(activity.name, "Alert"), [])
		with self.freeze_time(remind + datetime.timedelta(seconds=30)):
			send_activity_reminders()
			send_activity_reminders()
		alerts = self.notifications(activity.name, "Alert")
		self.assertEqual(len(alerts), 1)
		self.assertIn("Reminder: <strong>Call back</strong>", alerts[0])

		later = add_to_date(get_datetime(activity.due), days=1)
		with self.set_user(SELLER):
			snooze_activity(activity.name, str(later))
		activity.reload()
		self.assertEqual(
			(get_datetime(activity.remind_at), activity.reminded), (later - datetime.timedelta(minutes=30), 0)
		)
