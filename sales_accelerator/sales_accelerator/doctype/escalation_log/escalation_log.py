# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

from frappe.model.document import Document


class EscalationLog(Document):
	"""Made by the escalation runner only (see ``sales_accelerator.escalation``): every role may only
	read it."""

	pass
