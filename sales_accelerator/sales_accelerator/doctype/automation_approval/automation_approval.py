# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from sales_accelerator.utils import bold

# What was asked and of whom: fixed once requested, or a pending request could be pointed at another
# record or rule and run there, with the rule author's rights, on approval.
FIXED_FIELDS = ("reference_doctype", "reference_name", "approver", "rule", "resume_from", "snapshot")


class AutomationApproval(Document):
	def validate(self):
		if self.is_new():
			return
		for fieldname in FIXED_FIELDS:
			if self.has_value_changed(fieldname):
				frappe.throw(
					_("{0} cannot be changed once approval was requested.").format(
						bold(_(self.meta.get_label(fieldname)))
					),
					title=_("Not Allowed"),
				)
