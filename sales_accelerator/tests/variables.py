"""Test CRM Variables. Creating one alters the CRM Action Note table, which commits, so tests create them
once per class and remove them (and the notes holding their values) when the class ends."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

TEST_VARIABLES = {
	"_Test Store Type": {"variable_type": "Text"},
	"_Test Budget": {"variable_type": "Currency"},
	"_Test Expected Close": {"variable_type": "Date"},
	"_Test Seats": {"variable_type": "Numeric"},
	"_Test Time Zone": {
		"variable_type": "Dropdown",
		"options": [
			{"option_name": "EST", "short_code": "E", "font_color": "#ffffff", "background_color": "#1e40af"},
			{"option_name": "PST", "short_code": "P", "font_color": "#000000", "background_color": "#fde68a"},
		],
	},
}


def create_test_variables() -> dict[str, str]:
	"""Create the test variables; return {variable name: CRM Action Note fieldname}."""
	fieldnames = {}
	for name, values in TEST_VARIABLES.items():
		if not frappe.db.exists("CRM Variable", name):
			frappe.get_doc({"doctype": "CRM Variable", "variable_name": name, **values}).insert()
		fieldnames[name] = frappe.db.get_value("CRM Variable", name, "fieldname")
	frappe.db.commit()
	return fieldnames


def delete_test_variables(since):
	"""Delete the notes made since ``since`` and every ``_Test`` variable."""
	frappe.db.rollback()
	for note in frappe.get_all("CRM Action Note", filters={"creation": [">=", since]}, pluck="name"):
		frappe.delete_doc("CRM Action Note", note, force=True, ignore_permissions=True)
	for variable in frappe.get_all("CRM Variable", filters={"name": ["like", "_Test%"]}, pluck="name"):
		frappe.delete_doc("CRM Variable", variable, force=True, ignore_permissions=True)
	frappe.db.commit()


class VariablesTestCase(FrappeTestCase):
	"""A test case whose class has the test variables; ``cls.fields`` maps their names to fieldnames."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.started = now_datetime()
		cls.fields = create_test_variables()

	@classmethod
	def tearDownClass(cls):
		delete_test_variables(cls.started)
		super().tearDownClass()
