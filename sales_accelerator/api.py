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


@frappe.whitelist()
def create_sequence_from_template(template: str, title: str) -> str:
	"""A new Draft sequence with the template's steps and settings; returns its name."""
	from sales_accelerator.controllers.sequence import DEFINITION_FIELDS, STEP_FIELDS
	from sales_accelerator.permissions import check_may_use_sequences

	check_may_use_sequences()
	frappe.has_permission("Sequence", "create", throw=True)
	source = frappe.get_doc("Sequence Template", template)
	source.check_permission("read")
	if not (title or "").strip():
		frappe.throw(_("{0} is required.").format(frappe.bold(_("Sequence Name"))), frappe.MandatoryError)

	sequence = frappe.new_doc("Sequence")
	sequence.update({field: source.get(field) for field in DEFINITION_FIELDS})
	sequence.title = title.strip()
	sequence.from_template = source.name
	for row in source.steps:
		sequence.append("steps", {field: row.get(field) for field in STEP_FIELDS})
	sequence.insert()
	return sequence.name


@frappe.whitelist()
def sequence_flow(steps: str | list) -> dict:
	"""The flow the designer draws for the given steps (a Sequence's or Template's rows)."""
	from sales_accelerator.controllers.sequence import flow, step_dicts

	rows = frappe.parse_json(steps) or []
	if not isinstance(rows, list):
		frappe.throw(_("{0} must be a list of steps.").format(frappe.bold("steps")))
	return flow(step_dicts([frappe._dict(row) for row in rows]))
