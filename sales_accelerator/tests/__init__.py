"""Helpers of the integration tier (run in a bench with `bench run-tests --app sales_accelerator`)."""

import frappe


def make_user(email: str, *roles: str) -> str:
	"""A desk user with exactly ``roles``; created once, reused by later runs."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": email.split("@")[0].replace(".", " ").title(),
				"send_welcome_email": 0,
				"user_type": "System User",
			}
		).insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.enabled = 1
	user.set("roles", [])
	user.add_roles(*roles)
	return email


def make_lead(name: str, **values) -> str:
	existing = frappe.db.get_value("Lead", {"lead_name": name})
	if existing:
		return existing
	return (
		frappe.get_doc({"doctype": "Lead", "first_name": name, "lead_name": name, **values})
		.insert(ignore_permissions=True)
		.name
	)


def make_note(reference_name: str, reference_doctype: str = "Lead", **values):
	return frappe.get_doc(
		{
			"doctype": "CRM Action Note",
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"crm_action": values.pop("crm_action", "PHN"),
			**values,
		}
	).insert()
