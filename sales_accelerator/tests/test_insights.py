"""The reports, the workspace's numbers and who sees what (issue #14), on a small known history:
three sellers, a manager over two of them, one sequence with a branch, replies, exits and overdue
work."""

import datetime
import json

import frappe
from frappe.desk.doctype.number_card.number_card import get_result
from frappe.desk.listview import get_group_by_count
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, now_datetime

from sales_accelerator import visibility
from sales_accelerator.api import sequence_insights, work_queue
from sales_accelerator.sales_accelerator.report.overdue_activities import overdue_activities
from sales_accelerator.sales_accelerator.report.seller_activity import seller_activity
from sales_accelerator.sales_accelerator.report.sequence_performance import sequence_performance
from sales_accelerator.sales_accelerator.report.sequence_step_funnel import sequence_step_funnel
from sales_accelerator.tests import make_employee, make_lead, make_quiet_user, make_sequence

ANA = "sa.insight.ana@example.com"
BEN = "sa.insight.ben@example.com"
CAL = "sa.insight.cal@example.com"
MIA = "sa.insight.mia@example.com"  # Ana and Ben report to her; she has no work of her own
BOSS = "sa.insight.boss@example.com"  # a Sales Manager: everyone's work

STEPS = [
	{"step_id": "call", "step_type": "Phone Call", "subject": "Intro call", "next_step": "answered"},
	{
		"step_id": "answered",
		"step_type": "Condition",
		"condition": "Call Answered",
		"condition_step": "call",
		"yes_step": "meeting",
		"no_step": "email",
	},
	{"step_id": "meeting", "step_type": "Meeting", "subject": "Demo meeting", "is_end": 1},
	{"step_id": "email", "step_type": "Email", "subject": "Follow-up email", "is_end": 1},
]

# (key, seller, status, current step, path taken, days ago started, days it took, exit reason,
#  replied, meeting booked, lead converted)
ENROLLMENTS = [
	("e1", ANA, "Completed", "meeting", "start, call, answered:yes", 10, 4, None, True, True, True),
	("e2", ANA, "Exited", "email", "start, call, answered:no", 9, None, "The person replied", True, False, False),
	("e3", ANA, "Active", "call", "start", 1, None, None, False, False, False),
	("e4", BEN, "Completed", "email", "start, call, answered:no", 5, 2, None, False, False, False),
	("e5", BEN, "Disconnected", "call", "start", 4, None, "Wrong person", False, False, False),
	("e6", CAL, "Exited", "call", "start", 8, None, "Lead is Converted", False, False, True),
	("e7", CAL, "Completed", "meeting", "start, call, answered:yes", 20, 8, None, False, True, False),
]

# (key, enrollment, kind, status, outcome, completed days ago, due in days (negative: overdue))
ACTIVITIES = [
	("a1", "e1", "Phone Call", "Completed", "Answered", 0, None),
	("a2", "e1", "Email", "Completed", None, 1, None),
	("a3", "e2", "Task", "Skipped", None, 0, None),
	("a4", "e3", "Phone Call", "Open", None, None, -2),
	("a5", "e3", "Meeting", "Open", None, None, 2),
	("b1", "e4", "Phone Call", "Completed", "No Answer", 0, None),
	("b2", "e5", "LinkedIn Message", "Open", None, None, -1),
	("b3", "e4", "Automated Email", "Completed", None, 0, None),  # the system's, not Ben's
	("c1", "e6", "Email", "Open", None, None, -3),
	("c2", "e7", "Phone Call", "Completed", "Left Voicemail", 1, None),
]


class TestInsights(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for user in (ANA, BEN, CAL, MIA):
			make_quiet_user(user, "Sales User")
		make_quiet_user(BOSS, "Sales User", "Sales Manager")
		mia = make_employee(MIA)
		for user in (ANA, BEN):
			make_employee(user, reports_to=mia)
		make_employee(CAL)
		settings = frappe.get_single("Sales Accelerator Settings")
		settings.set("visibility_profiles", [])
		settings.append("visibility_profiles", {"role": "Sales User", "profile": "Own"})
		settings.append("visibility_profiles", {"role": "Sales Manager", "profile": "All"})
		settings.save()
		# earlier runs' history is gone (the class's transaction is rolled back): only ours is here
		frappe.db.delete("Sequence Activity")
		frappe.db.delete("Sequence Enrollment")
		cls.sequence = make_sequence("_Test insights", steps=STEPS).name
		cls.now = now_datetime()
		cls.names = {}
		for key, seller, status, step, path, ago, took, reason, replied, meeting, converted in ENROLLMENTS:
			lead = make_lead(f"_Test insight {key}")
			started = cls.now - datetime.timedelta(days=ago)
			doc = frappe.get_doc(
				{
					"doctype": "Sequence Enrollment",
					"sequence": cls.sequence,
					"record_type": "Lead",
					"record_name": lead,
					"record_title": f"Insight {key}",
					"seller": seller,
					"status": status,
					"current_step": step,
					"path_taken": path,
					"started_on": started,
					"ended_on": started + datetime.timedelta(days=took) if took else None,
					"exit_reason": reason,
					"replied_on": started + datetime.timedelta(hours=5) if replied else None,
					"meeting_booked_on": started + datetime.timedelta(hours=6) if meeting else None,
					"steps_snapshot": json.dumps({"steps": STEPS, "settings": {}}),
				}
			)
			doc.flags.ignore_links = True
			doc.db_insert()
			cls.names[key] = doc.name
			if converted:
				frappe.db.set_value("Lead", lead, "status", "Converted")
		for key, enrollment, kind, status, outcome, done_ago, due_in in ACTIVITIES:
			e = frappe.get_doc("Sequence Enrollment", cls.names[enrollment])
			doc = frappe.get_doc(
				{
					"doctype": "Sequence Activity",
					"subject": f"Insight {key}",
					"step_type": kind,
					"status": status,
					"outcome": outcome,
					"seller": e.seller,
					"enrollment": e.name,
					"sequence": cls.sequence,
					"record_type": "Lead",
					"record_name": e.record_name,
					"activity_key": f"insight-{key}",
					"completed_on": cls.now - datetime.timedelta(days=done_ago) if done_ago is not None else None,
					"due": cls.now + datetime.timedelta(days=due_in) if due_in is not None else cls.now,
				}
			)
			doc.db_insert()
			cls.names[key] = doc.name

	def tearDown(self):
		frappe.set_user("Administrator")

	def run_report(self, module, user, **filters):
		frappe.set_user(user)
		result = module.execute(frappe._dict(filters))
		frappe.set_user("Administrator")
		return result

	# -- Sequence Performance --------------------------------------------------------------------------
	def performance(self, user, **filters):
		rows = self.run_report(sequence_performance, user, **filters)[1]
		return {row["sequence"]: row for row in rows}.get(self.sequence)

	def test_performance_counts_for_everyone(self):
		row = self.performance(BOSS)
		self.assertEqual(
			{k: row[k] for k in ("enrolled", "active", "completed", "exited", "disconnected", "replied", "meetings", "converted")},
			{"enrolled": 7, "active": 1, "completed": 3, "exited": 2, "disconnected": 1, "replied": 2, "meetings": 2, "converted": 2},
		)
		self.assertEqual((row["reply_rate"], row["meeting_rate"], row["conversion_rate"]), (28.6, 28.6, 28.6))
		self.assertEqual(row["median_days"], 4.0)  # of 4, 2 and 8 days
		columns, rows, _message, chart = self.run_report(sequence_performance, BOSS)
		reasons = {c["label"]: rows[0][c["fieldname"]] for c in columns if c["fieldname"].startswith("exit_reason_")}
		self.assertEqual(reasons, {"Exited: The person replied": 1, "Exited: Lead is Converted": 1})
		self.assertEqual(chart["data"]["datasets"][0]["values"], [7])
		self.assertEqual(chart["data"]["labels"], ["_Test insights"])

	def test_performance_as_each_seller_and_the_manager_sees_it(self):
		ana = self.performance(ANA)
		self.assertEqual(
			(ana["enrolled"], ana["active"], ana["completed"], ana["exited"], ana["replied"], ana["converted"]),
			(3, 1, 1, 1, 2, 1),
		)
		self.assertEqual((ana["reply_rate"], ana["conversion_rate"], ana["median_days"]), (66.7, 33.3, 4.0))
		mia = self.performance(MIA)  # Ana's and Ben's
		self.assertEqual(
			(mia["enrolled"], mia["completed"], mia["disconnected"], mia["replied"], mia["meetings"]), (5, 2, 1, 2, 1)
		)
		self.assertEqual((mia["reply_rate"], mia["meeting_rate"], mia["median_days"]), (40.0, 20.0, 3.0))
		cal = self.performance(CAL)
		self.assertEqual((cal["enrolled"], cal["converted"], cal["conversion_rate"], cal["median_days"]), (2, 1, 50.0, 8.0))
		ben = self.performance(BEN)
		self.assertEqual((ben["enrolled"], ben["completed"], ben["disconnected"]), (2, 1, 1))
		# the switch narrows, never widens: Mia's own work is none; Ana cannot ask for everyone's
		self.assertIsNone(self.performance(MIA, scope="Me"))
		self.assertEqual(self.performance(ANA, scope="Everyone")["enrolled"], 3)
		self.assertEqual(self.performance(BOSS, scope="Me"), None)

	def test_performance_filters(self):
		self.assertEqual(self.performance(BOSS, seller=CAL)["enrolled"], 2)
		week_ago = add_days(getdate(self.now), -7)
		self.assertEqual(self.performance(BOSS, from_date=week_ago)["enrolled"], 3)  # e3, e4 and e5
		self.assertEqual(self.performance(BOSS, to_date=add_days(getdate(self.now), -9))["enrolled"], 3)
		self.assertIsNone(self.performance(BOSS, record_type="Opportunity"))

	# -- Sequence Step Funnel --------------------------------------------------------------------------
	def funnel(self, user, **filters):
		result = self.run_report(sequence_step_funnel, user, sequence=self.sequence, **filters)
		return {row["step_id"]: row for row in result[1]}, result[3]

	def test_funnel_for_everyone(self):
		rows, chart = self.funnel(BOSS)
		self.assertEqual(list(rows), ["start", "call", "answered", "meeting", "email"])
		self.assertEqual(
			{step: (r["reached"], r["yes"], r["no"], r["here"], r["dropped"]) for step, r in rows.items()},
			{
				"start": (7, 0, 0, 0, 0),
				"call": (7, 0, 0, 1, 2),
				"answered": (4, 2, 2, 0, 0),
				"meeting": (2, 0, 0, 0, 0),
				"email": (2, 0, 0, 0, 1),
			},
		)
		self.assertEqual(rows["call"]["why"], "Lead is Converted (1), Wrong person (1)")
		self.assertEqual(rows["email"]["why"], "The person replied (1)")
		self.assertEqual(rows["answered"]["share"], 57.1)
		self.assertEqual(chart["data"]["datasets"][0]["values"], [7, 7, 4, 2, 2])

	def test_funnel_as_sellers_see_it(self):
		rows, _chart = self.funnel(ANA)
		self.assertEqual([rows[s]["reached"] for s in ("start", "call", "answered", "meeting", "email")], [3, 3, 2, 1, 1])
		rows, _chart = self.funnel(MIA)
		self.assertEqual([rows[s]["reached"] for s in ("start", "call", "answered", "meeting", "email")], [5, 5, 3, 1, 2])
		self.assertEqual(rows["call"]["dropped"], 1)  # Ben's disconnection; Cal's exit is not hers
		rows, _chart = self.funnel(CAL)
		self.assertEqual([rows[s]["reached"] for s in ("start", "call", "answered", "meeting", "email")], [2, 2, 1, 1, 0])

	def test_the_sequence_form_shows_its_insights(self):
		frappe.set_user(MIA)
		insights = sequence_insights(self.sequence)
		self.assertEqual(insights["performance"]["enrolled"], 5)
		self.assertEqual([row["reached"] for row in insights["funnel"]], [5, 5, 3, 1, 2])

	# -- Seller Activity -------------------------------------------------------------------------------
	def days(self, user, **filters):
		today = getdate(self.now)
		filters = {"from_date": add_days(today, -7), "to_date": add_days(today, 7), **filters}
		rows = self.run_report(seller_activity, user, **filters)[1]
		return {((row["date"] - today).days, row["seller"]): row for row in rows}

	def test_seller_activity_per_seller_per_day(self):
		rows = self.days(BOSS)
		self.assertEqual(
			sorted(rows),
			sorted([(0, ANA), (-1, ANA), (-2, ANA), (2, ANA), (0, BEN), (-1, BEN), (-3, CAL), (-1, CAL)]),
		)
		count = lambda key, *fields: tuple(rows[key][f] for f in fields)  # noqa: E731
		self.assertEqual(count((0, ANA), "done", "skipped", "calls", "answered"), (1, 1, 1, 1))
		self.assertEqual(count((-1, ANA), "done", "emails", "calls"), (1, 1, 0))
		self.assertEqual(count((-2, ANA), "open", "overdue"), (1, 1))
		self.assertEqual(count((2, ANA), "open", "overdue", "done"), (1, 0, 0))
		# Ben's automated email is not his work
		self.assertEqual(count((0, BEN), "done", "calls", "no_answer", "emails"), (1, 1, 1, 0))
		self.assertEqual(count((-1, BEN), "open", "overdue"), (1, 1))
		self.assertEqual(count((-1, CAL), "done", "left_voicemail"), (1, 1))
		self.assertEqual(count((-3, CAL), "overdue"), (1,))

	def test_seller_activity_as_sellers_see_it(self):
		self.assertEqual({seller for _day, seller in self.days(ANA)}, {ANA})
		self.assertEqual({seller for _day, seller in self.days(MIA)}, {ANA, BEN})
		self.assertEqual({seller for _day, seller in self.days(CAL)}, {CAL})
		self.assertEqual(set(self.days(BOSS, step_type="Phone Call")), {(0, ANA), (-2, ANA), (0, BEN), (-1, CAL)})

	# -- Overdue Activities ----------------------------------------------------------------------------
	def overdue(self, user, **filters):
		columns, rows, message = self.run_report(overdue_activities, user, **filters)
		return [(row["subject"], row["seller"], row["days_overdue"], row["record_title"]) for row in rows]

	def test_overdue_activities(self):
		self.assertEqual(
			self.overdue(BOSS),
			[
				("Insight c1", CAL, 3.0, "Insight e6"),
				("Insight a4", ANA, 2.0, "Insight e3"),
				("Insight b2", BEN, 1.0, "Insight e5"),
			],
		)
		self.assertEqual([r[0] for r in self.overdue(ANA)], ["Insight a4"])
		self.assertEqual([r[0] for r in self.overdue(MIA)], ["Insight a4", "Insight b2"])
		self.assertEqual([r[0] for r in self.overdue(MIA, scope="Me")], [])
		self.assertEqual([r[0] for r in self.overdue(CAL)], ["Insight c1"])
		self.assertEqual([r[0] for r in self.overdue(BOSS, step_type="Email")], ["Insight c1"])

	def test_reports_follow_record_permissions(self):
		"""Visibility narrows; the record's own permissions still hold: a seller limited to one Lead sees
		only that Lead's work, even with the All profile."""
		lead = frappe.db.get_value("Sequence Enrollment", self.names["e3"], "record_name")
		frappe.get_doc({"doctype": "User Permission", "user": ANA, "allow": "Lead", "for_value": lead}).insert(
			ignore_permissions=True
		)
		self.set_profile("Sales User", "All")
		try:
			self.assertEqual(self.performance(ANA)["enrolled"], 1)
			self.assertEqual([r[0] for r in self.overdue(ANA)], ["Insight a4"])
		finally:
			self.set_profile("Sales User", "Own")
			frappe.db.delete("User Permission", {"user": ANA})

	# -- visibility profiles ---------------------------------------------------------------------------
	def set_profile(self, role, profile):
		settings = frappe.get_single("Sales Accelerator Settings")
		for row in settings.visibility_profiles:
			if row.role == role:
				row.profile = profile
		settings.save()

	def test_profiles_and_switches(self):
		self.assertEqual(
			{user: visibility.scopes(user) for user in (ANA, MIA, BOSS)},
			{ANA: ["Me"], MIA: ["Me", "My team"], BOSS: ["Me", "Everyone"]},
		)
		self.set_profile("Sales User", "All")
		try:
			self.assertEqual(self.performance(CAL)["enrolled"], 7)
			self.assertEqual(visibility.scopes(MIA), ["Me", "My team", "Everyone"])
		finally:
			self.set_profile("Sales User", "Own")
		self.set_profile("Sales Manager", "Own")
		try:
			self.assertIsNone(self.performance(BOSS))  # their own work is none
		finally:
			self.set_profile("Sales Manager", "All")

	def test_lists_and_group_by_follow_visibility(self):
		def group(user, field):
			frappe.set_user(user)
			try:
				return {row["name"]: row["count"] for row in get_group_by_count("Sequence Activity", "[]", field)}
			finally:
				frappe.set_user("Administrator")

		self.assertEqual(group(BOSS, "seller"), {ANA: 5, BEN: 3, CAL: 2})
		self.assertEqual(group(MIA, "seller"), {ANA: 5, BEN: 3})
		self.assertEqual(group(ANA, "seller"), {ANA: 5})
		self.assertEqual(group(ANA, "status"), {"Completed": 2, "Skipped": 1, "Open": 2})
		self.assertEqual(group(MIA, "step_type"), {"Phone Call": 3, "Email": 1, "Task": 1, "Meeting": 1, "LinkedIn Message": 1, "Automated Email": 1})
		frappe.set_user(BEN)
		self.assertEqual(
			sorted(frappe.get_list("Sequence Enrollment", pluck="name")), sorted([self.names["e4"], self.names["e5"]])
		)
		# the record's own history stays readable on the record: Ana may open Ben's enrollment
		self.assertTrue(frappe.has_permission("Sequence Enrollment", "read", self.names["e4"], user=ANA))

	def test_work_queue_switch(self):
		def queue(user, scope=None):
			frappe.set_user(user)
			try:
				return sorted(row["subject"] for row in work_queue(scope=scope))
			finally:
				frappe.set_user("Administrator")

		self.assertEqual(queue(ANA), ["Insight a4", "Insight a5"])
		self.assertEqual(queue(ANA, "Everyone"), ["Insight a4", "Insight a5"])
		self.assertEqual(queue(MIA), [])
		self.assertEqual(queue(MIA, "My team"), ["Insight a4", "Insight a5", "Insight b2"])
		self.assertEqual(queue(BOSS, "Everyone"), ["Insight a4", "Insight a5", "Insight b2", "Insight c1"])
		frappe.set_user(MIA)
		rows = work_queue(scope="My team")
		self.assertFalse(any(row["mine"] for row in rows))  # she sees them; their sellers act on them

	# -- the workspace's numbers -----------------------------------------------------------------------
	def card(self, user, name):
		card = frappe.get_doc("Number Card", name)
		filters = json.loads(card.filters_json or "[]")
		for doctype, field, operator, expression in json.loads(card.dynamic_filters_json or "[]"):
			value = {
				"frappe.session.user": user,
				"frappe.datetime.system_datetime()": str(now_datetime()),
				"frappe.datetime.add_days(frappe.datetime.system_datetime(), -30)": str(add_days(getdate(), -30)),
			}[expression]
			filters.append([doctype, field, operator, value])
		frappe.set_user(user)
		try:
			return get_result(card.as_json(), json.dumps(filters))
		finally:
			frappe.set_user("Administrator")

	def test_number_cards(self):
		cards = ("My Open Activities", "My Overdue Activities", "Active Enrollments", "Replies in the Last 30 Days")
		self.assertEqual([self.card(ANA, c) for c in cards], [2, 1, 1, 2])
		self.assertEqual([self.card(BEN, c) for c in cards], [1, 1, 0, 0])
		self.assertEqual([self.card(MIA, c) for c in cards], [0, 0, 1, 2])
		self.assertEqual([self.card(BOSS, c) for c in cards], [0, 0, 1, 2])
		self.assertEqual([self.card(CAL, c) for c in cards], [1, 1, 0, 0])

	def test_charts(self):
		from frappe.desk.doctype.dashboard_chart.dashboard_chart import get

		frappe.set_user(ANA)  # a seller's workspace shows every card and chart
		shipped = {"module": "Sales Accelerator"}
		self.assertEqual(len(frappe.get_list("Number Card", filters=shipped)), 4)
		self.assertEqual(len(frappe.get_list("Dashboard Chart", filters=shipped)), 4)
		frappe.set_user(MIA)
		chart = get(chart_name="Enrollments by Status", refresh=1)
		self.assertEqual(
			dict(zip(chart["labels"], chart["datasets"][0]["values"])),
			{"Completed": 2, "Exited": 1, "Active": 1, "Disconnected": 1},
		)
		chart = get(chart_name="Activities Done per Day", refresh=1)
		self.assertEqual(sum(chart["datasets"][0]["values"]), 3)  # a1, a2 and b1: not the automated email
		frappe.set_user("Administrator")

	def test_lead_outcomes_and_pipeline_charts(self):
		from sales_accelerator.sales_accelerator.report.lead_outcomes import lead_outcomes
		from sales_accelerator.sales_accelerator.report.pipeline_by_sales_stage import pipeline_by_sales_stage

		def outcomes():  # the workspace's chart is the report's
			chart = lead_outcomes.execute({})[3]
			return dict(zip(chart["data"]["labels"], chart["data"]["datasets"][0]["values"]))

		def pipeline():
			chart = pipeline_by_sales_stage.execute({})[3]
			return dict(zip(chart["data"]["labels"], chart["data"]["datasets"][0]["values"]))

		frappe.set_user(BOSS)
		before, pipeline_before = outcomes(), pipeline()
		frappe.set_user("Administrator")
		make_lead("_Test insight lost", status="Do Not Contact")
		for i in range(3):  # new leads start Unqualified: two are marked so later, one qualified again
			lead = frappe.get_doc("Lead", make_lead(f"_Test insight unqualified {i}"))
			lead.qualification_status = "In Process"
			lead.save()
			lead.qualification_status = "Unqualified"
			lead.save()
			self.assertTrue(lead.sa_disqualified_on)
		lead.qualification_status = "Qualified"
		lead.save()
		self.assertIsNone(lead.sa_disqualified_on)
		make_lead("_Test insight won", status="Converted")
		opportunity = frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": "Lead",
				"party_name": make_lead("_Test insight opportunity"),
				"sales_stage": "Prospecting",
				"opportunity_amount": 1200,
			}
		).insert(ignore_permissions=True)
		frappe.set_user(BOSS)
		after = outcomes()
		self.assertEqual({k: after[k] - before[k] for k in after}, {"Won": 1, "Lost": 1, "Unqualified": 2})
		grown = pipeline()["Prospecting"] - pipeline_before.get("Prospecting", 0)
		self.assertEqual(grown, 1200 * opportunity.conversion_rate)
		frappe.set_user("Administrator")

		# the mark is the app's: a seller sending one over REST, on a new lead or a saved one, is ignored
		frappe.set_user(ANA)
		forged = frappe.get_doc(
			{"doctype": "Lead", "first_name": "_Test insight forged", "sa_disqualified_on": "2026-11-01 10:00:00"}
		).insert()
		self.assertIsNone(forged.sa_disqualified_on)
		forged.qualification_status = "In Process"
		forged.save()
		forged.qualification_status = "Unqualified"
		forged.save()
		marked = forged.sa_disqualified_on
		forged.sa_disqualified_on = "2026-11-01 10:00:00"
		forged.save()
		self.assertEqual(forged.sa_disqualified_on, marked)
		frappe.set_user("Administrator")
