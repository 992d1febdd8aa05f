# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import csv
import io

import frappe
from frappe.core.doctype.data_import.data_import import import_file
from frappe.tests.utils import FrappeTestCase

from sales_accelerator.tests import make_quiet_user

ASSIGNEE = "sa.import.assignee@example.com"
COUNT = 2500


class TestDataImport(FrappeTestCase):
	"""Seed 003: 2,500 imported leads are all assigned to one user by a rule (Data Import commits
	each record, so this test cleans up what it made)."""

	def setUp(self):
		self.forget_earlier_imports()
		make_quiet_user(ASSIGNEE, "Sales User")
		if frappe.db.exists("Automation Rule", "_Test assign imported leads"):
			frappe.delete_doc("Automation Rule", "_Test assign imported leads", force=True)
		rule = frappe.get_doc(
			{
				"doctype": "Automation Rule",
				"title": "_Test assign imported leads",
				"document_type": "Lead",
				"trigger": "On Create",
				"filters": '[["source", "=", "Mass Mailing"]]',
			}
		)
		rule.append("actions", {"action_type": "Assign", "assign_to": ASSIGNEE, "subject": "Imported lead"})
		rule.insert()
		frappe.db.commit()

	def tearDown(self):
		leads = frappe.get_all("Lead", {"lead_name": ["like", "Imported %"]}, pluck="name")
		for doctype, field in (("ToDo", "reference_name"), ("Automation Rule Log", "document_name")):
			frappe.db.delete(doctype, {field: ["in", leads]})
		frappe.db.delete("DocShare", {"share_doctype": "Lead", "share_name": ["in", leads]})
		frappe.db.delete("Notification Log", {"document_type": "Lead", "document_name": ["in", leads]})
		frappe.db.delete("Lead", {"name": ["in", leads]})
		frappe.delete_doc("Automation Rule", "_Test assign imported leads", force=True)
		self.forget_earlier_imports()
		frappe.db.commit()

	@staticmethod
	def forget_earlier_imports():
		"""``import_file`` logs its rows without a Data Import; Frappe skips the rows such logs call
		imported, so an earlier run's logs would make this run import nothing."""
		frappe.db.delete("Data Import Log", {"data_import": ["is", "not set"]})

	def test_every_imported_lead_is_assigned(self):
		content = io.StringIO()
		writer = csv.writer(content)
		writer.writerow(["First Name", "Source"])
		writer.writerows([f"Imported {i:04d}", "Mass Mailing"] for i in range(COUNT))
		upload = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "_test_sa_leads.csv",
				"is_private": 1,
				"content": content.getvalue(),
			}
		).insert()
		self.addCleanup(lambda: frappe.delete_doc("File", upload.name, force=True) or frappe.db.commit())
		import_file("Lead", upload.file_url, "Insert")
		leads = frappe.get_all("Lead", {"lead_name": ["like", "Imported %"]}, ["name", "_assign"])
		self.assertEqual(len(leads), COUNT)
		self.assertEqual(
			sum(1 for lead in leads if frappe.parse_json(lead._assign or "[]") == [ASSIGNEE]), COUNT
		)
		self.assertEqual(
			frappe.db.count(
				"ToDo",
				{
					"allocated_to": ASSIGNEE,
					"reference_type": "Lead",
					"status": "Open",
					"reference_name": ["in", [lead.name for lead in leads]],
				},
			),
			COUNT,
		)
		self.assertEqual(
			frappe.db.count(
				"Automation Rule Log", {"rule": "_Test assign imported leads", "status": "Success"}
			),
			COUNT,
		)
