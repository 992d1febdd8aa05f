# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

from frappe.model.document import Document


class SalesAcceleratorVisibility(Document):
	pass
