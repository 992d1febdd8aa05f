# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_datetime

from sales_accelerator.engine.records import is_web_link
from sales_accelerator.engine.reminders import remind_at
from sales_accelerator.utils import bold, check_record_type


class SequenceActivity(Document):
	"""Made by the runner and finished through the API (``complete_activity`` and the like): every
	role may only read it."""

	def validate(self):
		check_record_type(self.record_type)
		self.validate_link()
		self.set_remind_at()

	def validate_link(self):
		"""Only web addresses: the link is rendered as a link on the Up next panel and the work queue."""
		self.link = (self.link or "").strip() or None
		if self.link and not is_web_link(self.link):
			frappe.throw(
				_("{0} must be a web address starting with http:// or https://.").format(bold(_("Link")))
			)

	def set_remind_at(self):
		"""A changed reminder or due time sets the reminder anew (and lets it be sent again)."""
		before = self.get_doc_before_save()
		if before and (before.reminder, before.due) == (self.reminder, self.due):
			return
		self.remind_at = remind_at(get_datetime(self.due) if self.due else None, self.reminder)
		self.reminded = 0


def on_doctype_update():
	# the seller's work queue: my open activities by due time
	frappe.db.add_index("Sequence Activity", ["seller", "status", "due"])
	# a failed email finds its activity by the Communication it made
	frappe.db.add_index("Sequence Activity", ["reference_doctype", "reference_name"])
	# the reports, read from their indexes alone (a million activities do not fit in memory): done in
	# a period, open by due time, and counts per seller; each holds the record, which the user's
	# permissions are checked on
	record = ["record_type", "record_name"]
	frappe.db.add_index(
		"Sequence Activity", ["completed_on", "seller", "status", "step_type", "outcome", *record], "sa_done_index"
	)
	frappe.db.add_index("Sequence Activity", ["status", "due", "seller", "step_type", *record], "sa_open_index")
	frappe.db.add_index("Sequence Activity", ["seller", *record], "sa_seller_record_index")
	# the minute's notifications: the few activities whose seller has not been told yet
	frappe.db.add_index("Sequence Activity", ["notify_seller", "seller", "sequence"], "sa_notify_index")
