import frappe
from frappe.tests.utils import FrappeTestCase

from sales_accelerator.setup import install

RECORD_TYPES = ("Lead", "Contact", "Opportunity", "Customer", "Prospect")


class TestInstall(FrappeTestCase):
	def test_install_created_role_custom_fields_and_workspace(self):
		self.assertTrue(frappe.db.exists("Role", "Sequence Manager"))
		for doctype in RECORD_TYPES:
			df = frappe.get_meta(doctype).get_field(install.STATUS_FIELD)
			self.assertIsNotNone(df, doctype)
			self.assertEqual((df.fieldtype, df.options, df.read_only), ("Link", "CRM Status", 1))
			score = frappe.get_meta(doctype).get_field(install.SCORE_FIELD)
			self.assertEqual(
				(score.fieldtype, score.label, score.read_only, score.in_list_view, score.in_standard_filter),
				("Int", "Score", 1, 1, 1),
				doctype,
			)
		for example in install.EXAMPLE_RULES:
			self.assertEqual(frappe.db.get_value("Automation Rule", example["title"], "enabled"), 0)
		self.assertTrue(frappe.db.exists("Workspace", "Sales Accelerator"))
		self.assertEqual(frappe.db.count("Sequence Template", {"is_standard": 1}), 6)
		self.assertEqual(frappe.db.count("Email Template", {"name": ["like", "SA %"]}), 20)
		self.assertEqual(
			frappe.db.get_single_value("Sales Accelerator Settings", "show_status_on_records"), 1
		)

	def test_uninstall_hook_removes_what_the_app_added_and_migrate_restores_it(self):
		threshold, stalled = (example["title"] for example in install.EXAMPLE_RULES)
		frappe.db.set_value("Automation Rule", stalled, "description", "Ours now")  # an admin's change
		try:
			install.before_uninstall()
			self.assertFalse(frappe.db.exists("Role", "Sequence Manager"))
			self.assertFalse(frappe.db.exists("Custom Field", {"fieldname": install.STATUS_FIELD}))
			self.assertFalse(frappe.db.exists("Custom Field", {"fieldname": install.SCORE_FIELD}))
			self.assertFalse(frappe.db.exists("Email Template", "SA Event: Invitation"))
			self.assertFalse(
				frappe.db.exists("Scheduled Job Type", {"method": ["like", "sales_accelerator.%"]})
			)
			for doctype in RECORD_TYPES:
				for field in (install.STATUS_FIELD, install.SCORE_FIELD):
					self.assertFalse(frappe.db.has_column(doctype, field), doctype)
					self.assertIsNone(frappe.get_meta(doctype).get_field(field), doctype)
			self.assertFalse(frappe.db.exists("Automation Rule", threshold))
			self.assertTrue(frappe.db.exists("Automation Rule", stalled), "changed: the admin's")
		finally:
			from frappe.core.doctype.scheduled_job_type.scheduled_job_type import sync_jobs

			install.after_migrate()
			sync_jobs()  # what migrate does besides the app's hook
			frappe.db.sql(
				"update `tabAutomation Rule` set description=%s, modified=creation where name=%s",
				(next(e["description"] for e in install.EXAMPLE_RULES if e["title"] == stalled), stalled),
			)
			frappe.db.commit()
		self.assertTrue(frappe.db.exists("Role", "Sequence Manager"))
		self.assertTrue(frappe.db.has_column("Lead", install.STATUS_FIELD))
		self.assertTrue(frappe.db.has_column("Lead", install.SCORE_FIELD))
		self.assertEqual(frappe.db.get_value("Automation Rule", threshold, "enabled"), 0)
		# the role keeps its rights on the app's own DocTypes
		self.assertTrue(
			frappe.db.exists("DocPerm", {"parent": "Sequence", "role": "Sequence Manager", "write": 1})
		)

	def test_migrate_refreshes_the_shipped_email_texts_nobody_edited(self):
		shipped = {t["name"]: t for t in install.shipped_email_templates()}
		untouched, edited = "SA Event: Confirmation", "SA Event: Invitation"
		frappe.db.set_value(  # as an earlier version of the app shipped it
			"Email Template", untouched, "response_html", "<p>Earlier text</p>", update_modified=False
		)
		doc = frappe.get_doc("Email Template", edited)
		doc.response_html = "<p>Our own text</p>"
		doc.save()
		install.sync_sequence_templates()
		self.assertEqual(
			frappe.db.get_value("Email Template", untouched, "response_html"),
			shipped[untouched]["response_html"],
		)
		self.assertEqual(
			frappe.db.get_value("Email Template", edited, "response_html"), "<p>Our own text</p>"
		)
		# as shipped again: an edited template outlives the test (uninstall keeps it), and a later
		# commit in this class would keep the edit
		frappe.db.sql(
			"update `tabEmail Template` set response_html=%s, modified=creation where name=%s",
			(shipped[edited]["response_html"], edited),
		)

	def test_install_refuses_to_take_over_another_apps_doctype(self):
		self.assertIn("CRM Action Note", install.own_doctype_names())
		install.check_doctype_names_are_free()  # our own DocTypes are ours
		frappe.db.set_value("DocType", "CRM Variable Option", "module", "CRM")
		try:
			with self.assertRaises(frappe.ValidationError) as error:
				install.check_doctype_names_are_free()
		finally:
			frappe.db.set_value("DocType", "CRM Variable Option", "module", install.MODULE)
		self.assertIn("CRM Variable Option", str(error.exception))
		self.assertIn("module", str(error.exception))
