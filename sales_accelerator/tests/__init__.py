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


def make_contact(first_name: str, email: str | None = None) -> str:
	existing = frappe.db.get_value("Contact", {"first_name": first_name})
	if existing:
		return existing
	contact = frappe.get_doc({"doctype": "Contact", "first_name": first_name})
	if email:
		contact.append("email_ids", {"email_id": email, "is_primary": 1})
	return contact.insert(ignore_permissions=True).name


def make_outgoing_email_account():
	"""Automated emails need an outgoing account; nothing is really sent in tests."""
	if not frappe.db.exists("Email Account", {"email_id": "sa-outgoing@example.com"}):
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "_Test SA Outgoing",
				"email_id": "sa-outgoing@example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "127.0.0.1",
				"no_smtp_authentication": 1,
			}
		).insert(ignore_permissions=True)


def active_sequence_from_template(template: str, title: str | None = None, **changes) -> str:
	from sales_accelerator.api import create_sequence_from_template

	name = create_sequence_from_template(template, title or f"_Test {template}")
	sequence = frappe.get_doc("Sequence", name)
	sequence.update(changes)
	sequence.save()
	sequence.activate()
	return name


def make_sequence(title="_Test sequence", record_type="Lead", steps=(), **values):
	sequence = frappe.get_doc({"doctype": "Sequence", "title": title, "record_type": record_type, **values})
	for step in steps:
		sequence.append("steps", step)
	return sequence.insert()
