# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt
"""Escalation Rules at work (issue #13): activities, ToDos and records go up the managers, level by
level, once each; warnings, working hours, completion and changes stop or move them."""

import datetime
import json
from unittest.mock import patch

import frappe
from frappe.desk.form import assign_to
from frappe.tests.utils import FrappeTestCase

from sales_accelerator.api import complete_activity, work_queue
from sales_accelerator.escalation.watch import WATCH, watch_name
from sales_accelerator.sequences.enrollment import connect
from sales_accelerator.tasks import run_escalations
from sales_accelerator.tests import WORKDAY_10, make_employee, make_lead, make_quiet_user, make_sequence

SELLER = "sa.esc.seller@example.com"
MANAGER = "sa.esc.manager@example.com"
DIRECTOR = "sa.esc.director@example.com"
LONER = "sa.esc.loner@example.com"
FALLBACK = "sa.esc.fallback@example.com"
DUE = WORKDAY_10.replace(hour=17)  # an activity opened at WORKDAY_10 is due at the end of that day


def at(day_offset=0, hour=17, minute=0):
	"""A moment counted from the activities' due day (Wednesday 18 November 2026)."""
	return datetime.datetime.combine(
		DUE.date() + datetime.timedelta(days=day_offset), datetime.time(hour, minute)
	)


def reset_user(user):
	frappe.db.set_value("User", user, {"sa_work_start": None, "sa_work_end": None, "time_zone": None})
	frappe.clear_document_cache("User", user)


def make_escalation_rule(title="_Test escalation", **values):
	if frappe.db.exists("Escalation Rule", title):
		frappe.delete_doc("Escalation Rule", title, force=True, ignore_permissions=True)
	return frappe.get_doc(
		{
			"doctype": "Escalation Rule",
			"title": title,
			"document_type": "Sequence Activity",
			"overdue_hours": 2,
			"levels": 1,
			"action": "Notify",
			**values,
		}
	).insert()


class EscalationTestCase(FrappeTestCase):
	def setUp(self):
		for rule in frappe.get_all(
			"Escalation Rule", filters={"title": ["like", "_Test escalation%"]}, pluck="name"
		):
			frappe.delete_doc("Escalation Rule", rule, force=True, ignore_permissions=True)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# notification emails would commit the tests' data: these users get Notification Logs only
		for user, roles in (
			(SELLER, ("Sales User",)),
			(MANAGER, ("Sales User", "Sales Manager")),
			(DIRECTOR, ("Sales Manager",)),
			(LONER, ("Sales User",)),
			(FALLBACK, ("Sales Manager",)),
		):
			make_quiet_user(user, *roles)
			reset_user(user)
		director = make_employee(DIRECTOR)
		manager = make_employee(MANAGER, reports_to=director)
		make_employee(SELLER, reports_to=manager)
		for user in (LONER, FALLBACK):
			employee = frappe.db.get_value("Employee", {"user_id": user})
			if employee:
				frappe.db.set_value("Employee", employee, "reports_to", None)

	def tick(self, moment):
		"""The scheduler's minute at ``moment``, its batches run here."""
		with self.freeze_time(moment):
			return run_escalations(inline=True, commit=False)

	def call_activity(self, seller=SELLER):
		"""A phone call of ``seller`` on a new Lead, opened at WORKDAY_10 and due at 17:00."""
		sequence = make_sequence(
			title=f"_Test esc {frappe.generate_hash(length=6)}",
			steps=[{"step_id": "call", "step_type": "Phone Call", "subject": "Call back"}],
		)
		sequence.activate()
		with self.freeze_time(WORKDAY_10):
			lead = make_lead(f"_Test Esc {frappe.generate_hash(length=6)}")
			connect(sequence.name, "Lead", [lead], seller=seller)
		activity = frappe.get_doc("Sequence Activity", {"record_name": lead, "status": "Open"})
		self.assertEqual(activity.due, DUE)
		return activity

	def activity_rule(self, activity, **values):
		return make_escalation_rule(filters=json.dumps([["sequence", "=", activity.sequence]]), **values)

	def logs(self, name, **filters):
		return frappe.get_all(
			"Escalation Log",
			filters={"document_name": name, **filters},
			fields=["level", "action", "from_user", "to_user", "reason", "reference_name"],
			order_by="level asc",
		)

	def notifications(self, user, name, containing="%"):
		return frappe.get_all(
			"Notification Log",
			filters={"for_user": user, "document_name": name, "subject": ["like", f"%{containing}%"]},
			pluck="subject",
		)

	def comments(self, doctype, name):
		return frappe.get_all(
			"Comment",
			filters={"reference_doctype": doctype, "reference_name": name, "content": ["like", "Escalated%"]},
			pluck="content",
		)

	def watch_of(self, rule, doctype, name):
		return frappe.db.get_value(
			WATCH, watch_name(rule, doctype, name), ["status", "level", "note"], as_dict=True
		)


class TestEscalatingActivities(EscalationTestCase):
	def test_an_overdue_activity_goes_to_the_manager_then_up_and_to_nobody_twice(self):
		activity = self.call_activity()
		rule = self.activity_rule(activity, levels=3, every_hours=4, action="Notify and Reassign")
		lead = activity.record_name

		self.tick(at(hour=18, minute=59))  # 1 h 59 overdue: not yet
		self.assertEqual(self.logs(activity.name), [])

		self.tick(at(hour=19, minute=0))  # the first minute after 2 hours overdue
		activity.reload()
		self.assertEqual(activity.seller, MANAGER)
		[first] = self.logs(activity.name)
		self.assertEqual(
			(first.level, first.action, first.from_user, first.to_user, first.reference_name),
			(1, "Notify and Reassign", SELLER, MANAGER, lead),
		)
		self.assertIn("overdue by 2 hours", first.reason)
		# the ToDo moved through Frappe's assignment: the seller's is cancelled, the manager's open
		todos = frappe.get_all(
			"ToDo",
			filters={"reference_type": "Lead", "reference_name": lead},
			fields=["name", "allocated_to", "status"],
		)
		self.assertEqual(
			sorted((t.allocated_to, t.status) for t in todos), [(MANAGER, "Open"), (SELLER, "Cancelled")]
		)
		self.assertEqual(activity.reference_name, next(t.name for t in todos if t.allocated_to == MANAGER))
		self.assertEqual(json.loads(frappe.db.get_value("Lead", lead, "_assign")), [MANAGER])
		# the manager is told and has it in the work queue; the seller is told where it went and why
		self.assertTrue(any("Escalated to you" in s for s in self.notifications(MANAGER, activity.name)))
		self.assertTrue(any("moved to" in s for s in self.notifications(SELLER, activity.name)))
		with self.set_user(MANAGER):
			self.assertIn(activity.name, [row.name for row in work_queue()])
		with self.set_user(SELLER):
			self.assertNotIn(activity.name, [row.name for row in work_queue()])
		# the timelines of the activity and of the lead say who it moved to and why
		for doctype, name in (("Sequence Activity", activity.name), ("Lead", lead)):
			[text] = self.comments(doctype, name)
			self.assertIn("level 1 of 3", text)
			self.assertIn("overdue by 2 hours", text)

		self.tick(at(hour=19, minute=1))  # a minute later: nothing new
		self.tick(at(hour=22, minute=59))  # not yet 4 hours after the first level
		self.assertEqual(len(self.logs(activity.name)), 1)

		self.tick(at(hour=23, minute=0))
		self.assertEqual(frappe.db.get_value("Sequence Activity", activity.name, "seller"), DIRECTOR)
		second = self.logs(activity.name)[1]
		self.assertEqual((second.level, second.from_user, second.to_user), (2, MANAGER, DIRECTOR))
		self.assertIn("still open 4 hours after level 1", second.reason)

		# the director has no manager and the rule no fallback user: the third level finds nobody
		self.tick(at(day_offset=1, hour=3, minute=1))
		third = self.logs(activity.name)[2]
		self.assertEqual((third.level, third.to_user), (3, None))
		self.assertEqual(frappe.db.get_value("Sequence Activity", activity.name, "seller"), DIRECTOR)
		self.assertEqual(self.watch_of(rule.name, "Sequence Activity", activity.name).status, "Done")
		for day in (1, 2, 5):
			self.tick(at(day_offset=day, hour=12))
		logs = self.logs(activity.name)
		self.assertEqual([log.level for log in logs], [1, 2, 3])
		self.assertEqual(len({log.to_user for log in logs if log.to_user}), 2)  # nobody twice

	def test_a_seller_without_a_manager_goes_to_the_fallback_user(self):
		activity = self.call_activity(seller=LONER)
		self.activity_rule(activity, fallback_user=FALLBACK, levels=2, every_hours=1)
		self.tick(at(hour=19))
		[log] = self.logs(activity.name)
		self.assertEqual((log.from_user, log.to_user, log.action), (LONER, FALLBACK, "Notify"))
		# Notify: the fallback user is told, the activity stays the seller's
		self.assertTrue(any("Escalated to you" in s for s in self.notifications(FALLBACK, activity.name)))
		self.assertEqual(frappe.db.get_value("Sequence Activity", activity.name, "seller"), LONER)
		self.assertTrue(any("was escalated to" in s for s in self.notifications(LONER, activity.name)))
		# the fallback user has nobody above: the second level goes to nobody, and ends it
		self.tick(at(hour=20, minute=1))
		self.assertEqual(
			[(log.level, log.to_user) for log in self.logs(activity.name)], [(1, FALLBACK), (2, None)]
		)

	def test_completing_the_activity_stops_its_escalation(self):
		activity = self.call_activity()
		rule = self.activity_rule(activity, levels=2, every_hours=1, action="Reassign")
		self.tick(at(hour=19))
		self.assertEqual(frappe.db.get_value("Sequence Activity", activity.name, "seller"), MANAGER)
		with self.set_user(MANAGER):  # the activity is the manager's now
			complete_activity(activity.name, "Answered")
		self.tick(at(hour=20, minute=1))
		self.tick(at(day_offset=1, hour=12))
		self.assertEqual(len(self.logs(activity.name)), 1)
		watch = self.watch_of(rule.name, "Sequence Activity", activity.name)
		self.assertEqual(watch.status, "Stopped")
		self.assertIn("Completed", watch.note)

		# an activity completed before it falls due is never escalated
		other = self.call_activity()
		self.activity_rule(other, title="_Test escalation 2")
		with self.freeze_time(at(hour=16)), self.set_user(SELLER):
			complete_activity(other.name, "Answered")
		self.tick(at(hour=19, minute=1))
		self.assertEqual(self.logs(other.name), [])

	def test_the_assignee_is_warned_once_before_the_deadline(self):
		activity = self.call_activity()
		self.activity_rule(activity, warn_hours_before=1.5)
		self.tick(at(hour=17, minute=29))
		self.assertEqual(self.logs(activity.name), [])
		self.tick(at(hour=17, minute=30))  # 1.5 hours before the escalation at 19:00
		[warning] = self.logs(activity.name)
		self.assertEqual((warning.level, warning.action, warning.to_user), (0, "Warn", SELLER))
		self.assertEqual(len(self.notifications(SELLER, activity.name, "is escalated at")), 1)
		self.tick(at(hour=17, minute=31))
		self.tick(at(hour=18, minute=30))
		self.assertEqual(len(self.notifications(SELLER, activity.name, "is escalated at")), 1)  # once
		self.tick(at(hour=19))
		self.assertEqual(
			[(log.level, log.to_user) for log in self.logs(activity.name)], [(0, SELLER), (1, MANAGER)]
		)

	def test_overdue_time_can_count_the_sellers_working_hours_only(self):
		holidays = frappe.get_doc(
			{
				"doctype": "Holiday List",
				"holiday_list_name": f"_Test esc {frappe.generate_hash(length=6)}",
				"from_date": "2026-01-01",
				"to_date": "2026-12-31",
				"holidays": [{"holiday_date": "2026-11-19", "description": "Thursday off"}],
			}
		).insert()
		activity = self.call_activity()
		self.activity_rule(activity, overdue_hours=3, working_hours_only=1, holiday_list=holidays.name)
		# due Wednesday 17:00; Thursday is a holiday: 3 working hours end Friday 12:00 (09:00 to 17:00)
		self.tick(at(hour=20))  # 3 clock hours: not working ones
		self.tick(at(day_offset=1, hour=12))  # the holiday
		self.tick(at(day_offset=2, hour=11, minute=59))
		self.assertEqual(self.logs(activity.name), [])
		self.tick(at(day_offset=2, hour=12))
		[log] = self.logs(activity.name)
		self.assertIn("overdue by 3 working hours", log.reason)

		# the seller's own hours count: working from 06:00, the same 3 hours end at Friday 09:00
		other = self.call_activity()
		frappe.db.set_value("User", SELLER, {"sa_work_start": "06:00:00", "sa_work_end": "17:00:00"})
		frappe.clear_document_cache("User", SELLER)
		try:
			self.activity_rule(
				other,
				title="_Test escalation 2",
				overdue_hours=3,
				working_hours_only=1,
				holiday_list=holidays.name,
			)
			self.tick(at(day_offset=2, hour=8, minute=59))
			self.assertEqual(self.logs(other.name), [])
			self.tick(at(day_offset=2, hour=9))
			self.assertEqual(len(self.logs(other.name)), 1)
		finally:
			reset_user(SELLER)

	def test_many_overdue_items_go_to_background_jobs_in_batches(self):
		activities = [self.call_activity() for _i in range(5)]
		rule = make_escalation_rule(
			filters=json.dumps([["sequence", "in", [a.sequence for a in activities]]]), action="Reassign"
		)
		jobs = []
		with patch("frappe.enqueue", side_effect=lambda method, **kwargs: jobs.append(kwargs)):
			with self.freeze_time(at(hour=19)):
				counts = run_escalations(batch_size=2, commit=False)
		self.assertEqual(counts, {"watched": 5, "claimed": 5})
		self.assertEqual([len(job["names"]) for job in jobs], [2, 2, 1])
		self.assertEqual([log for a in activities for log in self.logs(a.name)], [])  # not here: in the jobs
		from sales_accelerator.escalation.watch import process_batch

		with self.freeze_time(at(hour=19)):
			for job in jobs:
				process_batch(job["names"], job["token"], commit=False)
			for job in jobs:  # a job run twice does nothing more
				process_batch(job["names"], job["token"], commit=False)
		self.assertEqual(
			frappe.db.count(
				"Escalation Log",
				{
					"rule": rule.name,
					"document_name": ["in", [a.name for a in activities]],
					"to_user": MANAGER,
				},
			),
			5,
		)


class TestEscalatingToDosAndRecords(EscalationTestCase):
	def todo(self, description, date="2026-11-17", **values):
		return frappe.get_doc(
			{
				"doctype": "ToDo",
				"description": description,
				"allocated_to": SELLER,
				"assigned_by": "Administrator",
				"date": date,
				**values,
			}
		).insert(ignore_permissions=True)

	def test_an_overdue_todo_moves_to_the_manager_and_closing_it_stops(self):
		with self.freeze_time(WORKDAY_10.replace(day=16)):
			lead = make_lead(f"_Test Esc {frappe.generate_hash(length=6)}")
			todo = self.todo("_Test esc: send the quote", reference_type="Lead", reference_name=lead)
		self.assertEqual(json.loads(frappe.db.get_value("Lead", lead, "_assign")), [SELLER])
		make_escalation_rule(
			document_type="ToDo",
			filters=json.dumps([["description", "like", "_Test esc%"]]),
			overdue_hours=24,
			levels=2,
			every_hours=24,
			action="Reassign",
		)
		# due on the 17th: at the end of that day; 24 hours later is the 19th at midnight
		self.tick(datetime.datetime(2026, 11, 18, 23, 59))
		self.assertEqual(self.logs(todo.name), [])
		self.tick(datetime.datetime(2026, 11, 19, 0, 0))
		todo.reload()
		self.assertEqual(todo.allocated_to, MANAGER)
		self.assertEqual(json.loads(frappe.db.get_value("Lead", lead, "_assign")), [MANAGER])
		[log] = self.logs(todo.name)
		self.assertEqual((log.from_user, log.to_user, log.reference_name), (SELLER, MANAGER, lead))
		self.assertTrue(self.notifications(MANAGER, lead))  # Frappe's assignment notification
		self.assertTrue(self.comments("Lead", lead))
		# the manager closes it: no second level
		with self.set_user(MANAGER):
			assign_to.close("Lead", lead, MANAGER)
		self.tick(datetime.datetime(2026, 11, 20, 0, 1))
		self.assertEqual(len(self.logs(todo.name)), 1)

	def test_a_lead_rule_reassigns_its_owner_and_its_assignment(self):
		with self.freeze_time(WORKDAY_10):
			lead = make_lead(f"_Test Esc {frappe.generate_hash(length=6)}", lead_owner=SELLER)
			assign_to.add({"assign_to": [SELLER], "doctype": "Lead", "name": lead}, ignore_permissions=True)
		make_escalation_rule(
			document_type="Lead",
			filters=json.dumps([["lead_name", "like", "_Test Esc%"], ["status", "=", "Lead"]]),
			measure_from="Creation",
			overdue_hours=4,
			assignee_field="lead_owner",
			action="Notify and Reassign",
		)
		self.tick(WORKDAY_10.replace(hour=13, minute=59))
		self.assertEqual(self.logs(lead), [])
		self.tick(WORKDAY_10.replace(hour=14))
		self.assertEqual(frappe.db.get_value("Lead", lead, "lead_owner"), MANAGER)
		self.assertEqual(json.loads(frappe.db.get_value("Lead", lead, "_assign")), [MANAGER])
		todos = frappe.get_all(
			"ToDo",
			filters={"reference_type": "Lead", "reference_name": lead},
			fields=["allocated_to", "status"],
		)
		self.assertEqual(
			sorted((t.allocated_to, t.status) for t in todos), [(MANAGER, "Open"), (SELLER, "Cancelled")]
		)
		[log] = self.logs(lead)
		self.assertIn("after it was created", log.reason)

	def test_last_change_counts_from_the_latest_change_and_filters_stop_it(self):
		with self.freeze_time(WORKDAY_10):
			lead = make_lead(f"_Test Esc {frappe.generate_hash(length=6)}")
			assign_to.add({"assign_to": [SELLER], "doctype": "Lead", "name": lead}, ignore_permissions=True)
			idle = make_lead(f"_Test Esc {frappe.generate_hash(length=6)}")
			assign_to.add({"assign_to": [SELLER], "doctype": "Lead", "name": idle}, ignore_permissions=True)
		rule = make_escalation_rule(
			document_type="Lead",
			filters=json.dumps([["lead_name", "like", "_Test Esc%"], ["status", "=", "Lead"]]),
			condition="doc.job_title != 'Partner'",
			measure_from="Last Change",
			overdue_hours=4,
			action="Notify",
		)
		self.tick(WORKDAY_10.replace(hour=11))
		with self.freeze_time(WORKDAY_10.replace(hour=13)):  # a change: the four hours start again
			doc = frappe.get_doc("Lead", lead)
			doc.job_title = "Buyer"
			doc.save()
		self.tick(WORKDAY_10.replace(hour=14))  # nobody touched the idle one: acted on
		self.assertEqual([log.to_user for log in self.logs(idle)], [MANAGER])
		self.assertEqual(self.logs(lead), [])
		self.tick(WORKDAY_10.replace(hour=17))
		self.assertEqual([log.to_user for log in self.logs(lead)], [MANAGER])
		self.assertIn("unchanged for 4 hours", self.logs(lead)[0].reason)

		# a record that no longer matches the filters, or the condition, is not escalated
		with self.freeze_time(WORKDAY_10.replace(hour=17, minute=30)):
			converted = make_lead(f"_Test Esc {frappe.generate_hash(length=6)}")
			partner = make_lead(f"_Test Esc {frappe.generate_hash(length=6)}")
		self.tick(WORKDAY_10.replace(hour=18))
		# changed behind the records' backs: only the tick's look at them finds out
		frappe.db.set_value("Lead", converted, "status", "Converted", update_modified=False)
		frappe.db.set_value("Lead", partner, "job_title", "Partner", update_modified=False)
		self.tick(WORKDAY_10.replace(hour=22))
		for lead, why in ((converted, "no longer matches"), (partner, "condition no longer holds")):
			self.assertEqual(self.logs(lead), [])
			watch = self.watch_of(rule.name, "Lead", lead)
			self.assertEqual(watch.status, "Stopped")
			self.assertIn(why, watch.note)
