# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import datetime

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, today

from sales_accelerator.api import get_crm_action_notes
from sales_accelerator.setup.install import STATUS_FIELD
from sales_accelerator.tests import make_lead, make_note, make_user
from sales_accelerator.tests.variables import VariablesTestCase

SELLER = "sa.seller@example.com"
OTHER_SELLER = "sa.seller2@example.com"


class TestCRMActionNote(VariablesTestCase):
	def setUp(self):
		self.lead = make_lead("_Test Note Lead")

	def test_variable_values_round_trip_typed(self):
		f = self.fields
		note = make_note(
			self.lead,
			crm_status="ACT",
			note="<p>Call after the trade fair</p>",
			**{
				f["_Test Store Type"]: "  Grocery ",
				f["_Test Budget"]: "1999.50",
				f["_Test Expected Close"]: "2026-12-31",
				f["_Test Seats"]: 12,
				f["_Test Time Zone"]: "p",  # short code, any case
			},
		)
		saved = frappe.get_doc("CRM Action Note", note.name)
		self.assertEqual(saved.get(f["_Test Store Type"]), "Grocery")
		self.assertEqual(saved.get(f["_Test Budget"]), 1999.5)
		self.assertEqual(saved.get(f["_Test Expected Close"]), datetime.date(2026, 12, 31))
		self.assertEqual(saved.get(f["_Test Seats"]), 12)
		self.assertEqual(saved.get(f["_Test Time Zone"]), "PST")
		self.assertEqual(saved.title, "Phone: _Test Note Lead")
		self.assertEqual(saved.reference_title, "_Test Note Lead")

		# report builder: notes filter and sort on variable values like on any field
		found = frappe.get_all("CRM Action Note", filters={f["_Test Time Zone"]: "PST"}, pluck="name")
		self.assertIn(note.name, found)

	def test_mistyped_values_are_refused_naming_the_variable_and_nothing_is_saved(self):
		f = self.fields
		before = frappe.db.count("CRM Action Note")
		cases = [
			(f["_Test Seats"], "twelve", "_Test Seats must be a number"),
			(f["_Test Budget"], "12,50", "_Test Budget must be a number"),
			(f["_Test Expected Close"], "next week", "_Test Expected Close must be a date"),
			(f["_Test Time Zone"], "CET", "_Test Time Zone must be one of EST, PST"),
			(f["_Test Store Type"], "x" * 200, "at most 140 characters"),
		]
		for fieldname, value, message in cases:
			with self.subTest(fieldname=fieldname), self.assertRaises(frappe.ValidationError) as error:
				make_note(self.lead, **{fieldname: value})
			self.assertIn(message, frappe.utils.strip_html(str(error.exception)))
		self.assertEqual(frappe.db.count("CRM Action Note"), before)

	def test_only_customer_facing_records_take_notes(self):
		with self.assertRaises(frappe.ValidationError) as error:
			make_note("Administrator", reference_doctype="User")
		self.assertIn("Record Type", str(error.exception))
		with self.assertRaises(frappe.ValidationError):
			make_note("CRM-LEAD-DOES-NOT-EXIST")

	def test_assignee_gets_a_todo_and_a_notification_that_follow_the_note(self):
		make_user(SELLER, "Sales User")
		make_user(OTHER_SELLER, "Sales User")
		due = add_days(today(), 3)
		note = make_note(
			self.lead, assignee=SELLER, due_date=due, crm_status="ACT", note="Send the price list"
		)

		todo = frappe.get_all(
			"ToDo",
			filters={"reference_type": "CRM Action Note", "reference_name": note.name},
			fields=["allocated_to", "status", "date", "description"],
		)
		self.assertEqual(len(todo), 1)
		self.assertEqual((todo[0].allocated_to, todo[0].status, str(todo[0].date)), (SELLER, "Open", due))
		self.assertIn("Send the price list", todo[0].description)
		self.assertTrue(
			frappe.db.exists(
				"Notification Log",
				{
					"for_user": SELLER,
					"document_type": "CRM Action Note",
					"document_name": note.name,
					"type": "Assignment",
				},
			)
		)

		# reassigning moves the ToDo; the due date follows
		note.assignee = OTHER_SELLER
		note.due_date = add_days(today(), 5)
		note.save()
		statuses = dict(
			frappe.get_all(
				"ToDo",
				filters={"reference_type": "CRM Action Note", "reference_name": note.name},
				fields=["allocated_to", "status"],
				as_list=True,
			)
		)
		self.assertEqual(statuses, {SELLER: "Cancelled", OTHER_SELLER: "Open"})
		self.assertEqual(
			str(frappe.db.get_value("ToDo", {"reference_name": note.name, "status": "Open"}, "date")),
			add_days(today(), 5),
		)

		# a closing status (Done) closes the assignment
		note.crm_status = "DON"
		note.save()
		self.assertFalse(frappe.db.exists("ToDo", {"reference_name": note.name, "status": "Open"}))
		self.assertEqual(
			frappe.db.get_value(
				"ToDo", {"reference_name": note.name, "allocated_to": OTHER_SELLER}, "status"
			),
			"Closed",
		)

	def test_disabled_user_cannot_be_assigned(self):
		user = make_user("sa.gone@example.com", "Sales User")
		frappe.db.set_value("User", user, "enabled", 0)
		with self.assertRaises(frappe.ValidationError) as error:
			make_note(self.lead, assignee=user)
		self.assertIn("Assigned To", str(error.exception))

	def test_record_shows_the_status_of_its_latest_note(self):
		lead = make_lead("_Test Status Lead " + frappe.generate_hash(length=6))
		first = make_note(lead, crm_status="ACT")
		self.assertEqual(frappe.db.get_value("Lead", lead, STATUS_FIELD), "ACT")
		second = make_note(lead, crm_status="HLD")
		self.assertEqual(frappe.db.get_value("Lead", lead, STATUS_FIELD), "HLD")
		make_note(lead)  # a note without status leaves the record's status alone
		self.assertEqual(frappe.db.get_value("Lead", lead, STATUS_FIELD), "HLD")
		second.delete()
		self.assertEqual(frappe.db.get_value("Lead", lead, STATUS_FIELD), "ACT")
		first.delete()
		self.assertIsNone(frappe.db.get_value("Lead", lead, STATUS_FIELD))

	def test_default_status_comes_from_settings(self):
		frappe.db.set_single_value("Sales Accelerator Settings", "default_crm_status", "NRS")
		try:
			self.assertEqual(make_note(self.lead).crm_status, "NRS")
			self.assertEqual(make_note(self.lead, crm_status="ACT").crm_status, "ACT")
		finally:
			frappe.db.set_single_value("Sales Accelerator Settings", "default_crm_status", None)

	def test_connections_on_stock_forms_list_crm_action_notes(self):
		for doctype in ("Lead", "Contact", "Opportunity", "Customer", "Prospect"):
			data = frappe.get_meta(doctype).get_dashboard_data()
			items = [item for group in data.transactions for item in group["items"]]
			self.assertIn("CRM Action Note", items, doctype)
			self.assertEqual(data.non_standard_fieldnames["CRM Action Note"], "reference_name")
			self.assertEqual(data.dynamic_links["reference_name"], [doctype, "reference_doctype"])
		# Lead keeps its own connections
		self.assertIn(
			"Opportunity",
			[i for g in frappe.get_meta("Lead").get_dashboard_data().transactions for i in g["items"]],
		)


class TestCRMActionNotePermissions(FrappeTestCase):
	"""A seller sees and adds notes on the records they can read, and on no others."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.readable = make_lead("_Test Readable Lead")
		cls.hidden = make_lead("_Test Hidden Lead")
		make_user(SELLER, "Sales User")
		frappe.get_doc(
			{"doctype": "User Permission", "user": SELLER, "allow": "Lead", "for_value": cls.readable}
		).insert(ignore_permissions=True)
		cls.readable_note = make_note(cls.readable, note="visible").name
		cls.hidden_note = make_note(cls.hidden, note="confidential").name

	def test_seller_adds_notes_only_on_readable_records(self):
		with self.set_user(SELLER):
			note = make_note(self.readable, note="Called, no answer", crm_status="NRS")
			self.assertEqual(note.owner, SELLER)
			with self.assertRaises(frappe.PermissionError):
				make_note(self.hidden, note="sneaky")
		self.assertFalse(frappe.db.exists("CRM Action Note", {"note": "sneaky"}))

	def test_seller_sees_only_notes_on_readable_records(self):
		with self.set_user(SELLER):
			visible = frappe.get_list("CRM Action Note", pluck="name", limit=0)
			self.assertIn(self.readable_note, visible)
			self.assertNotIn(self.hidden_note, visible)
			self.assertTrue(frappe.has_permission("CRM Action Note", "read", self.readable_note))
			self.assertFalse(frappe.has_permission("CRM Action Note", "read", self.hidden_note))
			with self.assertRaises(frappe.PermissionError):
				frappe.get_doc("CRM Action Note", self.hidden_note).check_permission("read")

	def test_team_sees_each_others_notes(self):
		make_user(OTHER_SELLER, "Sales User")
		with self.set_user(OTHER_SELLER):
			visible = frappe.get_list("CRM Action Note", pluck="name", limit=0)
			self.assertIn(self.readable_note, visible)
			self.assertIn(self.hidden_note, visible)

	def test_seller_can_delete_own_notes_only(self):
		with self.set_user(SELLER):
			own = make_note(self.readable, note="mine")
			self.assertTrue(frappe.has_permission("CRM Action Note", "delete", own.name))
			self.assertFalse(frappe.has_permission("CRM Action Note", "delete", self.readable_note))

	def test_notes_panel_api_checks_the_record(self):
		with self.set_user(SELLER):
			result = get_crm_action_notes("Lead", self.readable)
			self.assertIn(self.readable_note, [n.name for n in result["notes"]])
			self.assertGreaterEqual(result["total"], 1)
			with self.assertRaises(frappe.PermissionError):
				get_crm_action_notes("Lead", self.hidden)
			with self.assertRaises(frappe.ValidationError):
				get_crm_action_notes("User", "Administrator")
