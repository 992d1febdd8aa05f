"""Whitelisted methods of the app. Each checks the caller's permission on every record it touches."""

import frappe
from frappe import _

from sales_accelerator.engine.records import CUSTOMER_FACING_DOCTYPES


@frappe.whitelist()
def get_crm_action_notes(doctype: str, name: str, limit: int = 5) -> dict:
	"""The latest CRM Action Notes on a record and how many there are, for the panel on its form."""
	if doctype not in CUSTOMER_FACING_DOCTYPES:
		frappe.throw(_("CRM Action Notes are not kept on {0}.").format(frappe.bold(doctype)))
	frappe.has_permission(doctype, "read", name, throw=True)
	filters = {"reference_doctype": doctype, "reference_name": name}
	limit = min(max(int(limit), 1), 50)
	return {
		"total": frappe.db.count("CRM Action Note", filters),
		"notes": frappe.get_all(
			"CRM Action Note",
			filters=filters,
			fields=["name", "crm_action", "crm_status", "assignee", "due_date", "note", "owner", "creation"],
			order_by="creation desc",
			limit=limit,
		),
	}
