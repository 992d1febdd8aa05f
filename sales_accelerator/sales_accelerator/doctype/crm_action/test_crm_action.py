# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from sales_accelerator.setup.defaults import CRM_ACTIONS, CRM_STATUSES


class TestCRMAction(FrappeTestCase):
	def test_install_creates_the_default_actions_and_statuses(self):
		actions = frappe.get_all(
			"CRM Action", fields=["name", "action_name", "category", "font_color", "background_color"]
		)
		by_code = {a.name: a for a in actions}
		for label, code, category, font, background in CRM_ACTIONS:
			self.assertEqual(by_code[code].action_name, label)
			self.assertEqual(by_code[code].category, category)
			self.assertEqual((by_code[code].font_color, by_code[code].background_color), (font, background))
		internal = {a.action_name for a in actions if a.category == "Internal"}
		sales = {a.action_name for a in actions if a.category == "Sales"}
		self.assertTrue({"Shipping", "Order handling", "Email"} <= internal)
		self.assertTrue({"Phone", "Fax", "Email", "Sample shipping"} <= sales)

		statuses = {s.status_name: s for s in frappe.get_all("CRM Status", fields=["*"])}
		for label, code, category, _font, _background, closes in CRM_STATUSES:
			self.assertEqual(statuses[label].name, code)
			self.assertEqual(statuses[label].category, category)
			self.assertEqual(statuses[label].closes_note, closes)
		self.assertEqual(next(s for s in statuses.values() if s.closes_note).status_name, "Done")

	def test_colours_are_normalised_hex(self):
		action = make_action("TST1", font_color="#ABC", background_color="ffffff")
		self.assertEqual(action.font_color, "#aabbcc")
		self.assertEqual(action.background_color, "#ffffff")

	def test_bad_colour_is_refused_naming_the_field(self):
		with self.assertRaises(frappe.ValidationError) as error:
			make_action("TST2", font_color="blue")
		self.assertIn("Font Colour", str(error.exception))
		self.assertIn("blue", str(error.exception))
		self.assertFalse(frappe.db.exists("CRM Action", "TST2"))

		with self.assertRaises(frappe.ValidationError) as error:
			make_status("TST2", background_color="#12345")
		self.assertIn("Background Colour", str(error.exception))

	def test_unreadable_colours_are_refused(self):
		with self.assertRaises(frappe.ValidationError) as error:
			make_action("TST3", font_color="#ffffff", background_color="#fefefe")
		self.assertIn("cannot be read", str(error.exception))

	def test_short_codes_are_unique_whatever_the_case(self):
		for code in ("PHN", "phn", " PHN "):
			with self.assertRaises(frappe.DuplicateEntryError) as error:
				make_action(code)
			self.assertIn("Short Code", str(error.exception))
			self.assertIn("Phone", str(error.exception))
		with self.assertRaises(frappe.DuplicateEntryError):
			make_status("DON")

	def test_action_in_use_cannot_be_deleted(self):
		from sales_accelerator.tests import make_lead, make_note

		make_action("TST4")
		make_note(make_lead("_Test Action In Use"), crm_action="TST4")
		with self.assertRaises(frappe.LinkExistsError):
			frappe.delete_doc("CRM Action", "TST4")


def make_action(short_code, **values):
	return frappe.get_doc(
		{"doctype": "CRM Action", "action_name": "Test action", "short_code": short_code, **values}
	).insert()


def make_status(short_code, **values):
	return frappe.get_doc(
		{"doctype": "CRM Status", "status_name": "Test status", "short_code": short_code, **values}
	).insert()
