# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document
from frappe.utils import get_datetime

from sales_accelerator.engine.reminders import remind_at


class SequenceActivity(Document):
	def validate(self):
		self.set_remind_at()

	def set_remind_at(self):
		"""A changed reminder or due time sets the reminder anew (and lets it be sent again)."""
		before = self.get_doc_before_save()
		if before and (before.reminder, before.due) == (self.reminder, self.due):
			return
		self.remind_at = remind_at(get_datetime(self.due) if self.due else None, self.reminder)
		self.reminded = 0


def on_doctype_update():
	# the seller's work queue: my open activities by due time
	frappe.db.add_index("Sequence Activity", ["assigned_to", "status", "due"])
