# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import datetime

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, get_datetime, now_datetime

from sales_accelerator.api import (
	book_meeting,
	complete_activity,
	connect,
	disconnect,
	skip_activity,
	snooze_activity,
	up_next,
)
from sales_accelerator.tasks import process_due_enrollments, send_activity_notices
from sales_accelerator.tests import (
	WORKDAY_10,
	active_sequence_from_template,
	make_contact,
	make_lead,
	make_outgoing_email_account,
	make_quiet_user,
	make_sequence,
	make_user,
	wait_then_call,
	working_round_the_clock,
)

SELLER = "sa.seller@example.com"
OUTSIDER = "sa.outsider@example.com"


def reset_working_hours(user):
	"""The site's working hours (09:00 to 17:00) in the site's time zone."""
	frappe.db.set_value("User", user, {"sa_work_start": None, "sa_work_end": None, "time_zone": None})
	frappe.clear_document_cache("User", user)


class SequenceRunTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_outgoing_email_account()
		make_quiet_user(SELLER, "Sales User")  # a notification email would commit the test
		reset_working_hours(SELLER)

	@classmethod
	def tearDownClass(cls):
		super().tearDownClass()
		# settings a test changed are rolled back; their cached copy must go too
		frappe.clear_document_cache("Sales Accelerator Settings", "Sales Accelerator Settings")

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
		# the seller books it with the lead (see TestMeetings); nothing is booked in their name before
		self.assertEqual((meeting.step_type, meeting.reference_doctype), ("Meeting", "ToDo"))
		self.assertFalse(frappe.db.exists("Event Participants", {"reference_docname": lead}))
		complete_activity(meeting.name)
		self.assertEqual(self.enrollment(lead).status, "Completed")

	def test_unanswered_calls_end_by_disqualifying_the_lead(self):
		start = WORKDAY_10
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
		self.assertEqual(  # the workspace counts it among the leads disqualified lately
			frappe.db.get_value("Lead", lead, "sa_disqualified_on"),
			start + datetime.timedelta(days=9, minutes=5),
		)
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
	def no_show(self, contact, at=None, **changes):
		sequence = active_sequence_from_template(
			"Follow-up for no-show contacts", f"_Test no-show {frappe.generate_hash(length=4)}", **changes
		)
		with self.freeze_time(at or now_datetime()):
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
		self.assertTrue(enrollment.replied_on)  # the reports count it as a reply

	def test_a_no_show_contact_who_replies_takes_the_templates_replied_branch(self):
		# the template branches on a reply, so it ships without "Stop When the Person Replies"
		contact = make_contact(f"_Test Replier {frappe.generate_hash(length=5)}", "replier2@example.com")
		sequence = self.no_show(contact)
		self.assertFalse(frappe.db.get_value("Sequence", sequence, "exit_on_reply"))
		self.assertIsNone(self.open_activity(contact))  # waiting for a reply
		self.reply(contact, "Replier Two <replier2@example.com>")
		first_reply = self.enrollment(contact).replied_on
		self.assertTrue(first_reply)
		self.at(now_datetime())
		call = self.open_activity(contact)
		self.assertEqual(call.step_id, "call_share_1")
		self.reply(contact, "Replier Two <replier2@example.com>")
		self.assertEqual(self.enrollment(contact).replied_on, first_reply)  # the first reply is kept

	def test_no_reply_times_out_into_the_no_branch(self):
		contact = make_contact(f"_Test Silent {frappe.generate_hash(length=5)}", "silent@example.com")
		self.no_show(contact, at=WORKDAY_10)
		self.at(WORKDAY_10 + datetime.timedelta(days=1, minutes=1))
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
		start = WORKDAY_10
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
	def setUp(self):
		self.sequence = make_sequence(
			steps=[{"step_id": "call", "step_type": "Phone Call", "subject": "Call"}]
		)
		self.sequence.activate()
		# a seller without notifications: sending their emails would commit the test's transaction
		self.seller = make_user("sa.bulk.seller@example.com", "Sales User")
		settings = frappe.get_doc("Notification Settings", self.seller)
		settings.enabled = 0
		settings.save(ignore_permissions=True)

	def open_activities(self):
		return frappe.db.count(
			"Sequence Activity", {"sequence": self.sequence.name, "status": "Open", "seller": self.seller}
		)

	def test_more_than_a_hundred_records_connect_in_a_background_job(self):
		from sales_accelerator.api import connect_in_background

		leads = [self.lead(f"Bulk {i}") for i in range(101)]
		result = connect(self.sequence.name, "Lead", leads)
		self.assertIn("job_id", result)
		self.assertNotIn("enrollments", result)
		already = leads[0]
		connect(self.sequence.name, "Lead", [already])  # one of them is connected meanwhile
		with self.set_user(self.seller):
			outcome = connect_in_background(
				self.sequence.name, "Lead", leads, seller=self.seller, commit=False, inline=True
			)
		self.assertEqual(outcome["connected"], 100)
		self.assertEqual(len(outcome["refused"]), 1)
		self.assertIn(already, outcome["refused"][0])
		self.assertIn("already in sequence", outcome["refused"][0])
		self.assertEqual(self.open_activities(), 100, "each first step ran")
		self.assertEqual(
			frappe.db.get_value("Sequence Enrollment", {"record_name": leads[5]}, ["seller", "record_title"]),
			(self.seller, frappe.db.get_value("Lead", leads[5], "lead_name")),
		)

	def test_a_list_filter_connects_every_matching_record_the_seller_may_read(self):
		from sales_accelerator.api import connect_in_background

		company = f"_Test SA filter {frappe.generate_hash(length=6)}"
		leads = [self.lead(f"Filtered {i}", company_name=company) for i in range(4)]
		other = self.lead("Not matching")
		hidden = leads[3]
		for lead in [*leads[:3], other]:
			frappe.get_doc(
				{"doctype": "User Permission", "user": self.seller, "allow": "Lead", "for_value": lead}
			).insert(ignore_permissions=True)
		filters = [["Lead", "company_name", "=", company]]
		try:
			with self.set_user(self.seller):
				self.assertIn("job_id", connect(self.sequence.name, "Lead", filters=frappe.as_json(filters)))
				outcome = connect_in_background(
					self.sequence.name, "Lead", filters=filters, seller=self.seller, commit=False, inline=True
				)
				self.assertEqual((outcome["connected"], outcome["refused"]), (3, []))
				# the names of records the seller may not read are refused and counted, never connected
				outcome = connect_in_background(
					self.sequence.name, "Lead", [hidden, other], seller=self.seller, commit=False, inline=True
				)
		finally:
			frappe.db.delete("User Permission", {"user": self.seller})
			frappe.clear_cache(user=self.seller)
		self.assertEqual(outcome["connected"], 1)
		self.assertEqual(len(outcome["refused"]), 1)
		self.assertIn(hidden, outcome["refused"][0])
		connected = frappe.get_all(
			"Sequence Enrollment", {"sequence": self.sequence.name}, pluck="record_name"
		)
		self.assertEqual(sorted(connected), sorted([*leads[:3], other]))
		self.assertEqual(self.open_activities(), 4)

	def test_bad_filters_are_refused_before_any_job(self):
		with self.assertRaisesRegex(frappe.ValidationError, "no_such_field"):
			connect(self.sequence.name, "Lead", filters=frappe.as_json([["Lead", "no_such_field", "=", 1]]))
		for broken in ("not json", '"a string"', "42"):
			with self.assertRaisesRegex(frappe.ValidationError, "a list or a dictionary"):
				connect(self.sequence.name, "Lead", filters=broken)


class TestConcurrentWorkers(SequenceRunTestCase):
	"""Two worker processes over the same due enrollments: every step runs exactly once."""

	def test_two_processes_never_run_a_step_twice(self):
		with working_round_the_clock():
			self.two_processes_run_each_step_once()

	def two_processes_run_each_step_once(self):
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
		start = WORKDAY_10
		with self.freeze_time(start), self.set_user(SELLER):
			connect(sequence.name, "Lead", [lead])
			first = self.open_activity(lead).name
			complete_activity(first)
		self.assertEqual(self.notifications(first, "Assignment"), [])  # the seller did it themselves
		self.at(start + datetime.timedelta(days=1, minutes=1))  # the scheduler opens the next one
		second = self.open_activity(lead).name
		self.assertEqual(self.notifications(second, "Assignment"), [], "told within the minute, not at once")
		send_activity_notices()
		subjects = self.notifications(second, "Assignment")
		self.assertEqual(len(subjects), 1)
		self.assertIn("Second call", subjects[0])
		send_activity_notices()
		self.assertEqual(len(self.notifications(second, "Assignment")), 1, "told once")

	def test_many_new_activities_make_one_notification_per_sequence(self):
		sequence = wait_then_call("_Test summary", wait_minutes=5)
		leads = [self.lead(f"Summary {i}") for i in range(3)]
		with self.freeze_time(WORKDAY_10):
			connect(sequence.name, "Lead", leads)  # by Administrator, for the seller below
		frappe.db.set_value("Sequence Enrollment", {"sequence": sequence.name}, "seller", SELLER)
		self.at(WORKDAY_10 + datetime.timedelta(minutes=6))
		self.assertEqual(
			frappe.db.count(
				"Sequence Activity", {"sequence": sequence.name, "status": "Open", "seller": SELLER}
			),
			3,
		)
		send_activity_notices()
		notices = frappe.get_all(
			"Notification Log",
			filters={"for_user": SELLER, "document_type": "Sequence", "document_name": sequence.name},
			fields=["subject", "link", "type"],
		)
		self.assertEqual(len(notices), 1)
		self.assertIn("3 new activities in sequence", notices[0].subject)
		self.assertEqual((notices[0].link, notices[0].type), ("/app/sequence-work-queue", "Assignment"))
		activities = frappe.get_all("Sequence Activity", {"sequence": sequence.name}, pluck="name")
		self.assertFalse(frappe.db.exists("Notification Log", {"document_name": ["in", activities]}))

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


class TestWorkingHours(SequenceRunTestCase):
	"""Activities are due, and waits end, inside the seller's working hours, in their time zone."""

	def tearDown(self):
		reset_working_hours(SELLER)

	def connect_as_seller(self, moment, **sequence_values):
		sequence = wait_then_call("_Test working hours", **sequence_values)
		lead = self.lead("Hours")
		with self.freeze_time(moment), self.set_user(SELLER):
			connect(sequence.name, "Lead", [lead])
		return lead

	def test_an_activity_is_due_by_the_end_of_the_working_day_and_a_wait_keeps_the_time_of_day(self):
		lead = self.connect_as_seller(WORKDAY_10, wait_days=2)
		self.assertEqual(
			get_datetime(self.enrollment(lead).next_due), WORKDAY_10 + datetime.timedelta(days=2)
		)
		self.at(WORKDAY_10 + datetime.timedelta(days=2, minutes=1))
		call = frappe.get_doc("Sequence Activity", self.open_activity(lead).name)
		self.assertEqual(get_datetime(call.due), datetime.datetime(2026, 11, 20, 17, 0))
		# the site's default reminder: 15 minutes before a real due time, not before midnight
		self.assertEqual(get_datetime(call.remind_at), datetime.datetime(2026, 11, 20, 16, 45))
		self.assertEqual(str(frappe.db.get_value("ToDo", call.reference_name, "date")), "2026-11-20")

	def test_a_wait_that_ends_after_hours_lands_at_the_start_of_the_next_working_day(self):
		evening = WORKDAY_10.replace(hour=15)
		lead = self.connect_as_seller(evening, wait_hours=4)  # 19:00: after hours
		self.assertEqual(get_datetime(self.enrollment(lead).next_due), datetime.datetime(2026, 11, 19, 9, 0))
		self.at(datetime.datetime(2026, 11, 19, 8, 59))
		self.assertIsNone(self.open_activity(lead))
		self.at(datetime.datetime(2026, 11, 19, 9, 0))
		self.assertEqual(self.open_activity(lead).step_id, "call")

	def test_the_sellers_own_hours_in_their_time_zone_win_over_the_sites(self):
		user = frappe.get_doc("User", SELLER)
		user.update({"sa_work_start": "08:00:00", "sa_work_end": "12:00:00", "time_zone": "Europe/London"})
		user.save(ignore_permissions=True)
		# 10:00 in New York is 15:00 in London: past the seller's noon, so 08:00 London tomorrow
		lead = self.connect_as_seller(WORKDAY_10, wait_minutes=5)
		self.assertEqual(get_datetime(self.enrollment(lead).next_due), datetime.datetime(2026, 11, 19, 3, 0))
		self.at(datetime.datetime(2026, 11, 19, 3, 1))
		due = frappe.db.get_value("Sequence Activity", self.open_activity(lead).name, "due")
		self.assertEqual(get_datetime(due), datetime.datetime(2026, 11, 19, 7, 0))  # noon in London

	def test_working_hours_must_end_after_they_start(self):
		user = frappe.get_doc("User", SELLER)
		user.update({"sa_work_start": "17:00:00", "sa_work_end": "09:00:00"})
		with self.assertRaises(frappe.ValidationError) as error:
			user.save(ignore_permissions=True)
		self.assertIn("Working Hours End", str(error.exception))
		settings = frappe.get_single("Sales Accelerator Settings")
		settings.work_day_start = "18:00:00"
		with self.assertRaises(frappe.ValidationError):
			settings.save()
		# midnight is a start like any other, also when read back from the database
		user = frappe.get_doc("User", SELLER)
		user.update({"sa_work_start": "00:00:00", "sa_work_end": "23:59:59"})
		user.save(ignore_permissions=True)
		frappe.get_doc("User", SELLER).save(ignore_permissions=True)


class TestMeetings(SequenceRunTestCase):
	"""A meeting step is booked with the customer: an Event, an invitation with an .ics, a due time."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		sequence = make_sequence(
			"_Test meeting",
			steps=[
				{"step_id": "meet", "step_type": "Meeting", "subject": "Product demo"},
				{
					"step_id": "booked",
					"step_type": "Condition",
					"condition": "Meeting Booked",
					"timeout_days": 2,
					"yes_step": "prepare",
					"no_step": "chase",
				},
				{"step_id": "prepare", "step_type": "Task", "subject": "Prepare the demo", "is_end": 1},
				{"step_id": "chase", "step_type": "Task", "subject": "Chase the customer", "is_end": 1},
			],
		)
		sequence.activate()
		cls.sequence = sequence.name

	def start(self):
		lead = self.lead("Meeting")
		with self.freeze_time(WORKDAY_10), self.set_user(SELLER):
			connect(self.sequence, "Lead", [lead])
		return lead, frappe.get_doc("Sequence Activity", self.open_activity(lead).name)

	def book(self, activity, starts_on, at=None, **values):
		with self.freeze_time(at or WORKDAY_10 + datetime.timedelta(minutes=5)), self.set_user(SELLER):
			return book_meeting(activity.name, str(starts_on), **values)

	def invitations(self, lead):
		return frappe.get_all(
			"Communication",
			filters={"reference_doctype": "Lead", "reference_name": lead, "subject": ["like", "%nvitation%"]},
			fields=["name", "recipients", "sender", "content", "subject"],
			order_by="creation asc",
		)

	def test_a_booked_meeting_invites_the_contact_and_is_due_when_it_starts(self):
		lead, meeting = self.start()
		self.assertEqual(meeting.reference_doctype, "ToDo")  # no placeholder Event
		tomorrow_10 = WORKDAY_10 + datetime.timedelta(days=1)
		event = self.book(meeting, tomorrow_10, duration=45, location="https://meet.example.com/demo")

		event = frappe.get_doc("Event", event)
		self.assertEqual(
			(get_datetime(event.starts_on), get_datetime(event.ends_on)),
			(tomorrow_10, tomorrow_10 + datetime.timedelta(minutes=45)),
		)
		self.assertEqual(event.owner, SELLER)
		self.assertIn(
			("Lead", lead), [(p.reference_doctype, p.reference_docname) for p in event.event_participants]
		)

		[invitation] = self.invitations(lead)
		self.assertEqual(invitation.recipients, frappe.db.get_value("Lead", lead, "email_id"))
		self.assertIn("meet.example.com/demo", invitation.content)
		[ics] = frappe.get_all(
			"File",
			filters={"attached_to_doctype": "Communication", "attached_to_name": invitation.name},
			pluck="name",
		)
		content = frappe.get_doc("File", ics).get_content()
		content = content.decode() if isinstance(content, bytes) else content
		self.assertIn("METHOD:REQUEST", content)
		self.assertIn("SEQUENCE:0", content)  # the first version: the Event's own timeline entry is no email
		self.assertTrue(invitation.subject.startswith("Invitation:"))
		self.assertIn("DTSTART:20261119T150000Z", content)  # 10:00 in New York
		self.assertIn(f"mailto:{invitation.recipients}", content)
		self.assertTrue(frappe.db.exists("Email Queue", {"communication": invitation.name}))

		meeting.reload()
		self.assertEqual((meeting.event, get_datetime(meeting.due)), (event.name, tomorrow_10))
		self.assertEqual(get_datetime(meeting.remind_at), tomorrow_10 - datetime.timedelta(minutes=15))

	def test_a_reminder_fires_15_minutes_before_a_10_oclock_meeting(self):
		from sales_accelerator.tasks import send_activity_reminders

		frappe.db.set_single_value("Sales Accelerator Settings", "default_reminder", "15 minutes before")
		_lead, meeting = self.start()
		tomorrow_10 = WORKDAY_10 + datetime.timedelta(days=1)
		self.book(meeting, tomorrow_10)
		alerts = lambda: frappe.get_all(  # noqa: E731
			"Notification Log",
			filters={"for_user": SELLER, "document_name": meeting.name, "type": "Alert"},
			pluck="subject",
		)
		with self.freeze_time(tomorrow_10 - datetime.timedelta(minutes=16)):
			send_activity_reminders()
		self.assertEqual(alerts(), [])
		with self.freeze_time(tomorrow_10 - datetime.timedelta(minutes=15)):
			send_activity_reminders()
		self.assertEqual(len(alerts()), 1)

	def test_meeting_booked_is_true_only_once_the_meeting_is_booked(self):
		lead, meeting = self.start()
		with self.freeze_time(WORKDAY_10), self.set_user(SELLER):
			complete_activity(meeting.name)  # "held" without booking: nothing was booked
		self.at(WORKDAY_10 + datetime.timedelta(days=2, minutes=1))
		self.assertEqual(self.open_activity(lead).step_id, "chase")
		self.assertIsNone(self.enrollment(lead).meeting_booked_on)

		lead, meeting = self.start()
		self.book(meeting, WORKDAY_10 + datetime.timedelta(days=1))
		self.assertTrue(self.enrollment(lead).meeting_booked_on)  # the reports count the meeting
		with self.freeze_time(WORKDAY_10 + datetime.timedelta(minutes=10)), self.set_user(SELLER):
			complete_activity(meeting.name)
		self.assertEqual(self.open_activity(lead).step_id, "prepare")

	def test_moving_a_booked_meeting_sends_an_update_and_snoozing_it_is_refused(self):
		lead, meeting = self.start()
		self.book(meeting, WORKDAY_10 + datetime.timedelta(days=1))
		meeting.reload()
		with self.set_user(SELLER), self.assertRaises(frappe.ValidationError) as error:
			snooze_activity(meeting.name, str(WORKDAY_10 + datetime.timedelta(days=3)))
		self.assertIn("book it again", str(error.exception))
		later = WORKDAY_10 + datetime.timedelta(days=2, hours=4)
		moved_at = WORKDAY_10 + datetime.timedelta(minutes=30)
		self.assertEqual(self.book(meeting, later, at=moved_at), meeting.event)
		invitations = self.invitations(lead)
		self.assertEqual(len(invitations), 2)
		self.assertIn("Updated invitation", invitations[1].subject)
		self.assertEqual(get_datetime(frappe.db.get_value("Event", meeting.event, "starts_on")), later)

	def test_booking_needs_an_address_a_future_time_and_the_activitys_seller(self):
		lead, meeting = self.start()
		frappe.db.set_value("Lead", lead, "email_id", None)
		with self.assertRaises(frappe.ValidationError) as error:
			self.book(meeting, WORKDAY_10 + datetime.timedelta(days=1))
		self.assertIn("no email address", str(error.exception))
		with self.assertRaises(frappe.ValidationError) as error:
			self.book(meeting, WORKDAY_10 - datetime.timedelta(days=1))
		self.assertIn("Starts On", str(error.exception))
		make_user(OUTSIDER, "Sales User")
		with self.set_user(OUTSIDER), self.assertRaises(frappe.PermissionError):
			book_meeting(meeting.name, str(WORKDAY_10 + datetime.timedelta(days=1)))
		self.assertFalse(frappe.db.exists("Event Participants", {"reference_docname": lead}))


class TestManualEmailsAndCalls(SequenceRunTestCase):
	def test_an_email_the_seller_sends_completes_the_email_step_and_is_tracked(self):
		from frappe.core.doctype.communication.email import make

		contact = make_contact(f"_Test Written {frappe.generate_hash(length=5)}", "written@example.com")
		sequence = active_sequence_from_template("Follow-up for no-show contacts", "_Test written email")
		with self.set_user(SELLER):
			connect(sequence, "Contact", [contact])
			email = self.open_activity(contact)
			self.assertEqual(email.step_type, "Email")
			sent = make(
				doctype="Contact",
				name=contact,
				subject="Sorry we missed you",
				content="Shall we find another time?",
				recipients="written@example.com",
				send_email=True,
			)["name"]
		activity = frappe.get_doc("Sequence Activity", email.name)
		self.assertEqual(activity.status, "Completed")
		self.assertEqual((activity.reference_doctype, activity.reference_name), ("Communication", sent))
		self.assertEqual(frappe.db.get_value("ToDo", email.reference_name, "status"), "Closed")
		self.assertEqual(self.enrollment(contact).current_step, "replied_1")  # waiting for the reply

	def test_a_completed_call_is_an_erpnext_call_log_on_the_record(self):
		sequence = make_sequence("_Test call log", steps=[{"step_id": "call", "step_type": "Phone Call"}])
		sequence.activate()
		lead = self.lead("Called", mobile_no="+15550100")
		with self.freeze_time(WORKDAY_10):
			connect(sequence.name, "Lead", [lead])
			call = self.open_activity(lead)
			complete_activity(call.name, "Left Voicemail")
		log = frappe.get_doc("Call Log", f"SA-{call.name}")
		self.assertEqual((log.type, log.status, log.to), ("Outgoing", "No Answer", "+15550100"))
		self.assertIn(("Lead", lead), [(link.link_doctype, link.link_name) for link in log.links])
		self.assertIn("Left Voicemail", log.summary)
