# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from sales_accelerator.api import create_sequence_from_template, sequence_flow
from sales_accelerator.tests import make_sequence, make_user

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
