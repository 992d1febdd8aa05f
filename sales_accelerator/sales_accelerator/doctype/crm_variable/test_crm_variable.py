# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import frappe

from sales_accelerator.tests import make_lead, make_note
from sales_accelerator.tests.variables import VariablesTestCase


class TestCRMVariable(VariablesTestCase):
	def test_each_variable_gives_crm_action_note_a_typed_field(self):
		meta = frappe.get_meta("CRM Action Note")
		expected = {
			"_Test Store Type": "Data",
			"_Test Budget": "Currency",
			"_Test Expected Close": "Date",
			"_Test Seats": "Float",
			"_Test Time Zone": "Select",
		}
		for name, fieldtype in expected.items():
			df = meta.get_field(self.fields[name])
			self.assertIsNotNone(df, name)
			self.assertEqual(df.fieldtype, fieldtype, name)
			self.assertEqual(df.label, name)
		self.assertEqual(meta.get_field(self.fields["_Test Time Zone"]).options, "\nEST\nPST")
		self.assertEqual(self.fields["_Test Time Zone"], "var_test_time_zone")

	def test_dropdown_needs_options_and_others_refuse_them(self):
		with self.assertRaises(frappe.MandatoryError) as error:
			frappe.get_doc(
				{"doctype": "CRM Variable", "variable_name": "_T1", "variable_type": "Dropdown"}
			).insert()
		self.assertIn("Options", str(error.exception))

		with self.assertRaises(frappe.ValidationError) as error:
			frappe.get_doc(
				{
					"doctype": "CRM Variable",
					"variable_name": "_T2",
					"variable_type": "Numeric",
					"options": [{"option_name": "A"}],
				}
			).insert()
		self.assertIn("Only Dropdown variables have options", str(error.exception))

	def test_option_rows_are_validated_by_row(self):
		with self.assertRaises(frappe.ValidationError) as error:
			dropdown("_T3", {"option_name": "EST"}, {"option_name": "est"}).insert()
		self.assertIn("Option", str(error.exception))
		self.assertIn("EST", str(error.exception))

		with self.assertRaises(frappe.ValidationError) as error:
			dropdown(
				"_T4", {"option_name": "A", "short_code": "X"}, {"option_name": "B", "short_code": "x"}
			).insert()
		self.assertIn("Short Code", str(error.exception))

		with self.assertRaises(frappe.ValidationError) as error:
			dropdown("_T5", {"option_name": "A"}, {"option_name": "B", "font_color": "purple"}).insert()
		self.assertIn("Options, row 2", str(error.exception))
		self.assertIn("purple", str(error.exception))
		self.assertFalse(frappe.db.exists("CRM Variable", "_T5"))

	def test_variable_in_use_keeps_its_type_options_and_existence(self):
		seats = self.fields["_Test Seats"]
		zone = self.fields["_Test Time Zone"]
		make_note(make_lead("_Test Variable In Use"), **{seats: 12, zone: "PST"})

		variable = frappe.get_doc("CRM Variable", "_Test Seats")
		variable.variable_type = "Text"
		with self.assertRaises(frappe.ValidationError) as error:
			variable.save()
		self.assertIn("Variable Type", str(error.exception))
		self.assertIn("1 CRM Action Notes", str(error.exception))

		with self.assertRaises(frappe.LinkExistsError) as error:
			frappe.delete_doc("CRM Variable", "_Test Seats")
		self.assertIn("Disable it instead", str(error.exception))

		variable = frappe.get_doc("CRM Variable", "_Test Time Zone")
		variable.options = [row for row in variable.options if row.option_name != "PST"]
		with self.assertRaises(frappe.ValidationError) as error:
			variable.save()
		self.assertIn("PST", str(error.exception))

	def test_disabling_hides_the_field_and_unused_variables_can_be_deleted(self):
		frappe.get_doc({"doctype": "CRM Variable", "variable_name": "_Test Unused", "mandatory": 1}).insert()
		fieldname = frappe.db.get_value("CRM Variable", "_Test Unused", "fieldname")
		self.assertEqual(frappe.get_meta("CRM Action Note").get_field(fieldname).reqd, 1)

		variable = frappe.get_doc("CRM Variable", "_Test Unused")
		variable.disabled = 1
		variable.save()
		df = frappe.get_meta("CRM Action Note").get_field(fieldname)
		self.assertEqual((df.hidden, df.reqd), (1, 0))

		frappe.delete_doc("CRM Variable", "_Test Unused")
		self.assertIsNone(frappe.get_meta("CRM Action Note").get_field(fieldname))
		self.assertFalse(frappe.db.exists("Custom Field", {"dt": "CRM Action Note", "fieldname": fieldname}))


def dropdown(name, *options):
	return frappe.get_doc(
		{
			"doctype": "CRM Variable",
			"variable_name": name,
			"variable_type": "Dropdown",
			"options": list(options),
		}
	)
