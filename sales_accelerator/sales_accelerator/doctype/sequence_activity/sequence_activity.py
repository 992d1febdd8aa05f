# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document


class SequenceActivity(Document):
	pass


def on_doctype_update():
	# the seller's work queue: my open activities by due time
	frappe.db.add_index("Sequence Activity", ["assigned_to", "status", "due"])
