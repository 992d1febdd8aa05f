# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document


class SequenceEnrollment(Document):
	pass


def on_doctype_update():
	# the scheduler tick's query: active enrollments due now, oldest first
	frappe.db.add_index("Sequence Enrollment", ["status", "next_due"])
	frappe.db.add_index("Sequence Enrollment", ["record_type", "record_name"])
