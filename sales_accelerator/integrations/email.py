"""Sending an Email Template filled with a record's fields, as a Communication on the record."""

import frappe


def send_template_email(record, template: str, recipients: list[str], sender: str | None = None) -> str:
	"""Send ``template`` filled from ``record`` (a Document) to ``recipients``; the email shows in the
	record's timeline. Returns the Communication's name."""
	from frappe.core.doctype.communication.email import _make

	email = frappe.get_doc("Email Template", template).get_formatted_email(record.as_dict())
	communication = _make(
		doctype=record.doctype,
		name=record.name,
		subject=email["subject"],
		content=email["message"],
		recipients=recipients,
		sender=sender,
		send_email=True,
		email_template=template,
		communication_type="Automated Message",
	)
	return communication["name"]
