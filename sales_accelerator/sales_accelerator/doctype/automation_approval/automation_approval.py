# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

from frappe import _
from frappe.model.document import Document

from sales_accelerator.utils import check_unchanged

# What was asked and of whom: fixed once requested, or a pending request could be pointed at another
# record or rule and run there, with the rule author's rights, on approval.
FIXED_FIELDS = ("reference_doctype", "reference_name", "approver", "rule", "resume_from", "snapshot")


class AutomationApproval(Document):
	def validate(self):
		if not self.is_new():
			check_unchanged(self, FIXED_FIELDS, _("{0} cannot be changed once approval was requested."))
