"""Connections on the stock customer-facing forms: their CRM Action Notes."""

from frappe import _


def _add_crm_action_notes(doctype: str):
	def add_crm_action_notes(data):
		data = data or {}
		data.setdefault("fieldname", doctype.lower())
		data.setdefault("transactions", [])
		data.setdefault("non_standard_fieldnames", {})["CRM Action Note"] = "reference_name"
		data.setdefault("dynamic_links", {})["reference_name"] = [doctype, "reference_doctype"]
		data["transactions"].append({"label": _("Sales Accelerator"), "items": ["CRM Action Note"]})
		return data

	return add_crm_action_notes


lead = _add_crm_action_notes("Lead")
contact = _add_crm_action_notes("Contact")
opportunity = _add_crm_action_notes("Opportunity")
customer = _add_crm_action_notes("Customer")
prospect = _add_crm_action_notes("Prospect")
