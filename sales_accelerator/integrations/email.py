"""Sending an Email Template filled with a record's fields, as a Communication on the record."""

import frappe
from frappe.utils import format_datetime, is_html
from frappe.utils.html_utils import sanitize_html
from markupsafe import Markup, escape

SEQUENCE_FIELDS = ("title", "description", "event_name", "event_start", "event_location")


def send_template_email(
	record, template: str, recipients: list[str], sender: str | None = None, context: dict | None = None
) -> str:
	"""Send ``template`` filled from ``record`` (a Document) and ``context`` (e.g. :func:`email_context`)
	to ``recipients``; the email shows in the record's timeline. Returns the Communication's name."""
	from frappe.core.doctype.communication.email import _make

	email = render_template_email(record, template, context)
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


def render_template_email(record, template: str, context: dict | None = None) -> dict:
	"""``{"subject", "message"}`` of ``template`` filled from ``record`` and ``context``. The values are
	people's text: the HTML message gets them escaped (the seller's signature is their own HTML,
	sanitized); the subject is plain text and gets them as they are."""
	values = {**record.as_dict(), **(context or {})}
	email = frappe.get_doc("Email Template", template)
	return {
		"subject": email.get_formatted_subject(values),
		"message": email.get_formatted_response(escaped(values)),
	}


def email_context(seller: str | None, sequence: str | None) -> dict:
	"""What a sequence's emails may say besides the record's fields: ``seller`` (``full_name``,
	``designation`` from their Employee, ``email``, ``signature``) and ``sequence`` (``title``,
	``description``, ``event_name``, ``event_start``, ``event_location``). Missing values are empty."""
	user = (
		frappe.db.get_value("User", seller, ["full_name", "email", "email_signature"], as_dict=True)
		if seller
		else None
	) or {}
	designation = (
		frappe.db.get_value("Employee", {"user_id": seller, "status": "Active"}, "designation")
		if seller
		else None
	)
	found = (
		frappe.db.get_value("Sequence", sequence, list(SEQUENCE_FIELDS), as_dict=True) if sequence else None
	) or {}
	event_start = found.get("event_start")
	return {
		"seller": frappe._dict(
			full_name=user.get("full_name") or "",
			designation=designation or "",
			email=user.get("email") or "",
			signature=signature_html(user.get("email_signature")),
		),
		"sequence": frappe._dict(
			{field: found.get(field) or "" for field in SEQUENCE_FIELDS},
			event_start=format_datetime(event_start, "d MMMM yyyy, HH:mm") if event_start else "",
		),
	}


def signature_html(signature: str | None) -> Markup:
	"""A User's email signature as HTML: theirs sanitized, or their plain text with its line breaks."""
	if not signature:
		return Markup("")
	if is_html(signature):
		return Markup(sanitize_html(signature))
	return Markup("<br>").join(signature.strip().splitlines())


def escaped(value):
	"""``value`` with every text in it HTML-escaped (Markup, already HTML, stays as it is)."""
	if isinstance(value, str):
		return escape(value)
	if isinstance(value, dict):
		return frappe._dict({key: escaped(item) for key, item in value.items()})
	if isinstance(value, list | tuple):
		return [escaped(item) for item in value]
	return value
