"""A completed call activity logged where ERPNext keeps calls: a Call Log linked to the record, so
the record's timeline holds its whole call history."""

import frappe
from frappe import _

# outcome of the call activity -> Call Log status
CALL_STATUS = {
	"Answered": "Completed",
	"No Answer": "No Answer",
	"Left Voicemail": "No Answer",
	"Wrong Number": "Failed",
}
PHONE_FIELDS = ("mobile_no", "contact_mobile", "phone", "contact_phone")


def log_call(activity) -> str | None:
	"""Make the Call Log of a call completed with an outcome; None where the site has no Call Log
	(ERPNext's telephony) or the activity is not such a call. Returns the Call Log's name."""
	if (
		activity.step_type != "Phone Call"
		or not activity.outcome
		or not frappe.db.exists("DocType", "Call Log")
	):
		return None
	call_id = call_log_id(activity.name)
	if frappe.db.exists("Call Log", call_id):
		return call_id
	seller = (
		frappe.db.get_value("User", activity.seller, ["mobile_no", "phone", "email"], as_dict=True) or {}
	)
	log = frappe.get_doc(
		{
			"doctype": "Call Log",
			"id": call_id,
			"type": "Outgoing",
			"status": CALL_STATUS.get(activity.outcome, "Completed"),
			"from": seller.get("mobile_no") or seller.get("phone") or seller.get("email"),
			"to": record_phone(activity.record_type, activity.record_name),
			"medium": _("Sequence"),
			"employee_user_id": activity.seller,
			"start_time": activity.completed_on,
			"end_time": activity.completed_on,
			"summary": _("{0}: {1} (sequence activity {2})").format(
				activity.subject, _(activity.outcome), activity.name
			),
			"links": [{"link_doctype": activity.record_type, "link_name": activity.record_name}],
		}
	)
	log.insert(ignore_permissions=True)  # the app's record of the seller's call, as the activity is
	return log.name


def call_log_id(activity: str) -> str:
	"""The id of the Call Log the app makes of a completed call activity."""
	return f"SA-{activity}"


def record_phone(doctype: str, name: str) -> str | None:
	meta = frappe.get_meta(doctype)
	fields = [f for f in PHONE_FIELDS if meta.has_field(f)]
	values = frappe.db.get_value(doctype, name, fields, as_dict=True) if fields else None
	return next((values[f] for f in fields if values and values[f]), None)
