# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import frappe
import frappe.client
from frappe.tests.utils import FrappeTestCase

from sales_accelerator.api import connect, create_sequence_from_template, sequence_flow
from sales_accelerator.tests import make_employee, make_lead, make_sequence, make_user

SELLER = "sa.seller@example.com"
OTHER_SELLER = "sa.seller2@example.com"
MANAGER = "sa.manager@example.com"
SALES_MANAGER = "sa.sales.manager@example.com"


class TestSequence(FrappeTestCase):
	def test_new_sequence_starts_with_the_start_step_and_drafts_may_be_incomplete(self):
		sequence = make_sequence(steps=[{"step_id": "mail", "step_type": "Email"}])  # no subject yet
		self.assertEqual(sequence.status, "Draft")
		self.assertEqual([s.step_type for s in sequence.steps], ["Start", "Email"])
		self.assertEqual(sequence.steps[0].subject, "Sequence starts here")

	def test_drafts_refuse_broken_structure(self):
		with self.assertRaises(frappe.ValidationError) as error:
			make_sequence(steps=[task("a", next_step="nowhere")])
		self.assertIn("points to nowhere", frappe.utils.strip_html(str(error.exception)))
		with self.assertRaises(frappe.ValidationError) as error:
			make_sequence(steps=[task("a"), task("b", next_step="a")])
		self.assertIn("loops back", str(error.exception))

	def test_activation_refusals_name_the_step_and_keep_the_draft(self):
		cases = [
			([task("a"), wait("w")], "#3 Wait: a path cannot end with a wait"),
			([task("a", is_end=1), task("b")], "#3 b cannot be reached from the start"),
			(
				[{"step_id": "m", "step_type": "Automated Email", "subject": "Hi"}],
				"#2 Hi: an automated email needs an Email Template",
			),
			([{"step_id": "m", "step_type": "Email"}], "an email needs an Email Template or a subject"),
			(
				[
					task("a"),
					{
						"step_id": "c",
						"step_type": "Condition",
						"condition": "Email Replied",
						"yes_step": "y",
						"no_step": "n",
					},
					task("y", is_end=1),
					task("n"),
				],
				"#3 Email Replied: a condition needs a time-out",
			),
		]
		for steps, message in cases:
			sequence = make_sequence(steps=steps)
			with self.subTest(message=message), self.assertRaises(frappe.ValidationError) as error:
				sequence.activate()
			self.assertIn(message, frappe.utils.strip_html(str(error.exception)))
			self.assertEqual(frappe.db.get_value("Sequence", sequence.name, "status"), "Draft")

	def test_commands_and_updates_must_name_a_real_field(self):
		with self.assertRaises(frappe.ValidationError) as error:
			make_sequence(
				steps=[
					{"step_id": "u", "step_type": "Update Field", "field_name": "no_such_field", "value": "x"}
				]
			)
		self.assertIn("no_such_field", str(error.exception))
		make_sequence(
			steps=[{"step_id": "u", "step_type": "Update Field", "field_name": "status", "value": "Open"}]
		)

	def test_active_sequence_is_frozen_until_deactivated_and_duplicates_are_drafts(self):
		sequence = make_sequence(steps=[task("a")])
		sequence.activate()
		sequence.reload()
		sequence.steps[1].subject = "Changed"
		with self.assertRaises(frappe.ValidationError) as error:
			sequence.save()
		self.assertIn("Deactivate it to edit it", str(error.exception))

		copy = frappe.copy_doc(frappe.get_doc("Sequence", sequence.name))
		copy.title = "_Test copy"
		copy.insert()
		self.assertEqual(copy.status, "Draft")
		self.assertEqual(len(copy.steps), 2)

		sequence.reload()
		sequence.deactivate()
		sequence.reload()
		sequence.steps[1].subject = "Changed"
		sequence.save()
		self.assertEqual((sequence.status, sequence.steps[1].subject), ("Inactive", "Changed"))

	def test_active_sequences_are_limited_by_settings(self):
		frappe.db.set_single_value("Sales Accelerator Settings", "max_active_sequences", 0)
		active = frappe.db.count("Sequence", {"status": "Active"})
		frappe.db.set_single_value("Sales Accelerator Settings", "max_active_sequences", active + 1)
		try:
			make_sequence(steps=[task("a")]).activate()
			with self.assertRaises(frappe.ValidationError) as error:
				make_sequence(steps=[task("a")]).activate()
			self.assertIn("Maximum Active Sequences", str(error.exception))
		finally:
			frappe.db.set_single_value("Sales Accelerator Settings", "max_active_sequences", 250)

	def test_flow_api_returns_paths_with_durations(self):
		steps = make_sequence(
			steps=[
				{
					"step_id": "c",
					"step_type": "Condition",
					"condition": "Email Replied",
					"timeout_hours": 4,
					"yes_step": "y",
					"no_step": "w",
				},
				task("y", is_end=1),
				wait("w", wait_days=2),
				task("n"),
			]
		).steps
		flow = sequence_flow([s.as_dict() for s in steps])
		self.assertIsNone(flow["error"])
		self.assertEqual(flow["step_count"], 2)
		self.assertEqual([p["duration"] for p in flow["paths"]], ["4 hours", "2 days 4 hours"])
		self.assertEqual(flow["tree"]["children"][0]["step_id"], "c")
		broken = sequence_flow(
			[
				{"step_id": "start", "step_type": "Start"},
				{"step_id": "a", "step_type": "Task", "next_step": "zz"},
			]
		)
		self.assertIn("points to zz", broken["error"])


class TestSequenceSharing(FrappeTestCase):
	"""Sellers create their own sequences, and view, copy and connect everyone's; managers edit all."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(SELLER, "Sales User")
		make_user(OTHER_SELLER, "Sales User")
		make_user(MANAGER, "Sales User", "Sequence Manager")
		frappe.set_user(SELLER)
		try:
			cls.own = make_sequence(title="_Test seller's sequence", steps=[task("a")]).name
		finally:
			frappe.set_user("Administrator")

	def test_the_owner_edits_and_deletes_own_sequences(self):
		with self.set_user(SELLER):
			sequence = frappe.get_doc("Sequence", self.own)
			self.assertTrue(sequence.has_permission("write"))
			self.assertTrue(sequence.has_permission("delete"))

	def test_other_sellers_view_and_copy_but_cannot_edit_or_delete(self):
		with self.set_user(OTHER_SELLER):
			sequence = frappe.get_doc("Sequence", self.own)
			self.assertTrue(sequence.has_permission("read"))
			self.assertIn(self.own, frappe.get_list("Sequence", pluck="name"))
			self.assertFalse(sequence.has_permission("write"))
			self.assertFalse(sequence.has_permission("delete"))
			sequence.title = "hijacked"
			with self.assertRaises(frappe.PermissionError):
				sequence.save()
			with self.assertRaises(frappe.PermissionError):
				sequence.activate()
			copy = frappe.copy_doc(frappe.get_doc("Sequence", self.own))
			copy.insert()
			self.assertEqual(copy.owner, OTHER_SELLER)

	def test_sequence_manager_edits_and_deletes_everyones(self):
		with self.set_user(MANAGER):
			sequence = frappe.get_doc("Sequence", self.own)
			self.assertTrue(sequence.has_permission("write"))
			self.assertTrue(sequence.has_permission("delete"))
			sequence.activate()
		self.assertEqual(frappe.db.get_value("Sequence", self.own, "status"), "Active")

	def test_a_sales_manager_creates_sequences_from_templates_and_edits_their_own(self):
		make_user(SALES_MANAGER, "Sales Manager")  # without Sales User, as seed 002 allows
		with self.set_user(SALES_MANAGER):
			name = create_sequence_from_template("Post-webinar follow-up", "_Test sales manager's")
			sequence = frappe.get_doc("Sequence", name)
			self.assertEqual((sequence.owner, sequence.status), (SALES_MANAGER, "Draft"))
			self.assertTrue(sequence.has_permission("write"))
			sequence.activate()
			self.assertFalse(frappe.get_doc("Sequence", self.own).has_permission("write"))

	def test_settings_can_restrict_creating_sequences_to_roles(self):
		settings = frappe.get_single("Sales Accelerator Settings")
		settings.set("sequence_roles", [{"role": "Sales Manager"}])
		settings.save()
		try:
			with self.set_user(OTHER_SELLER):
				with self.assertRaises(frappe.PermissionError):
					make_sequence(steps=[task("a")])
				with self.assertRaises(frappe.PermissionError):
					create_sequence_from_template("Post-webinar follow-up", "_Test restricted")
			with self.set_user(MANAGER):  # Sequence Manager always may
				make_sequence(steps=[task("a")])
		finally:
			settings.set("sequence_roles", [])
			settings.save()
		with self.set_user(OTHER_SELLER):
			self.assertTrue(create_sequence_from_template("Post-webinar follow-up", "_Test open again"))


def task(step_id, **values):
	return {"step_id": step_id, "step_type": "Task", "subject": step_id, **values}


def wait(step_id, **values):
	return {"step_id": step_id, "step_type": "Wait", "wait_days": 1, **values}


class TestSequenceVisibility(FrappeTestCase):
	"""A sequence can be for everyone, for its owner's company or for its owner's sales team:
	viewing, copying and connecting follow it."""

	OWNER, COLLEAGUE, STRANGER = (
		"sa.vis.owner@example.com",
		"sa.vis.colleague@example.com",
		"sa.vis.stranger@example.com",
	)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for user in (cls.OWNER, cls.COLLEAGUE, cls.STRANGER):
			make_user(user, "Sales User")
		other = frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": "_Test SA Other Company",
				"abbr": "_TSAO",
				"default_currency": "USD",
				"country": "United States",
			}
		)
		other = (
			frappe.get_doc("Company", other.company_name)
			if frappe.db.exists("Company", other.company_name)
			else other.insert()
		)
		make_employee(cls.STRANGER, company=other.name)
		north = make_sales_team("_Test SA North")
		south = make_sales_team("_Test SA South")
		for user, team in ((cls.OWNER, north), (cls.COLLEAGUE, north), (cls.STRANGER, south)):
			make_sales_person(user, team)
		cls.north = north

	def shared(self, visibility, **values):
		with self.set_user(self.OWNER):
			sequence = make_sequence(
				title=f"_Test {visibility}", steps=[task("a")], visibility=visibility, **values
			)
			sequence.activate()
		return sequence

	def sees(self, user, sequence) -> bool:
		with self.set_user(user):
			listed = sequence.name in frappe.get_list(
				"Sequence", filters={"name": sequence.name}, pluck="name"
			)
			readable = frappe.has_permission("Sequence", "read", sequence.name)
			self.assertEqual(listed, readable, user)
			return readable

	def test_my_company_is_seen_by_the_companys_sellers_only(self):
		sequence = self.shared("My company")
		self.assertEqual(
			sequence.company, frappe.db.get_value("Employee", {"user_id": self.OWNER}, "company")
		)
		self.assertTrue(self.sees(self.COLLEAGUE, sequence))
		self.assertFalse(self.sees(self.STRANGER, sequence))
		self.assertTrue(self.sees("Administrator", sequence))
		lead = make_lead(f"_Test visibility {frappe.generate_hash(length=5)}")
		with self.set_user(self.STRANGER):
			with self.assertRaises(frappe.PermissionError):
				connect(sequence.name, "Lead", [lead])
			with self.assertRaises(frappe.PermissionError):
				frappe.client.get("Sequence", sequence.name)  # nor open it (to copy it) in the desk or REST
		with self.set_user(self.COLLEAGUE):
			self.assertEqual(len(connect(sequence.name, "Lead", [lead])["enrollments"]), 1)

	def test_my_sales_team_is_seen_by_the_team_down_the_sales_person_tree(self):
		sequence = self.shared("My sales team")
		self.assertEqual(sequence.sales_team, self.north)
		self.assertTrue(self.sees(self.COLLEAGUE, sequence))
		self.assertFalse(self.sees(self.STRANGER, sequence))
		# shared with the whole tree from its root: everyone in it sees it
		sequence.db_set("sales_team", frappe.db.get_value("Sales Person", self.north, "parent_sales_person"))
		self.assertTrue(self.sees(self.STRANGER, sequence))

	def test_everyone_is_the_default_and_a_team_needs_a_team(self):
		sequence = self.shared("Everyone")
		self.assertTrue(self.sees(self.STRANGER, sequence))
		make_user(OTHER_SELLER, "Sales User")
		with self.set_user(OTHER_SELLER), self.assertRaises(frappe.MandatoryError) as error:
			make_sequence(title="_Test no team", steps=[task("a")], visibility="My sales team")
		self.assertIn("Sales Team", str(error.exception))


def make_sales_team(name: str) -> str:
	if not frappe.db.exists("Sales Person", name):
		root = frappe.db.get_value("Sales Person", {"is_group": 1, "parent_sales_person": ["is", "not set"]})
		frappe.get_doc(
			{"doctype": "Sales Person", "sales_person_name": name, "is_group": 1, "parent_sales_person": root}
		).insert(ignore_permissions=True)
	return name


def make_sales_person(user: str, team: str) -> str:
	employee = make_employee(user)
	existing = frappe.db.get_value("Sales Person", {"employee": employee})
	if existing:
		frappe.db.set_value("Sales Person", existing, "parent_sales_person", team)
		return existing
	return (
		frappe.get_doc(
			{
				"doctype": "Sales Person",
				"sales_person_name": user,
				"employee": employee,
				"parent_sales_person": team,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)
