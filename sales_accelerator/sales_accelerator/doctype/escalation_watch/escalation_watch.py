# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document


class EscalationWatch(Document):
	"""Kept by the escalation runner only (see ``sales_accelerator.escalation.watch``)."""

	pass


def on_doctype_update():
	# the tick: the watched items whose time has come
	frappe.db.add_index("Escalation Watch", ["status", "next_at"])
