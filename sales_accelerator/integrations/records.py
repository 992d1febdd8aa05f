"""Doc events that move running sequences: records closing, replies, meetings, failed emails."""

import frappe
from frappe import _
from frappe.utils import now_datetime

from sales_accelerator.engine.runner import CLOSED_WHEN, closed_reason
from sales_accelerator.sequences import enrollment


def skip() -> bool:
	flags = frappe.flags
	return bool(flags.in_install or flags.in_migrate or flags.in_patch or flags.in_uninstall)


def on_record_update(doc, method=None):
	"""A converted / lost / won / disabled / Do Not Contact record leaves its sequence."""
	if skip() or doc.doctype not in CLOSED_WHEN:
		return
	fields = [field for field, _values, _reason in CLOSED_WHEN[doc.doctype]]
	found = closed_reason(doc.doctype, {f: doc.get(f) for f in fields})
	if found:
		reason, value = found
		enrollment.stop(
			doc.doctype, doc.name, "Exited", _(reason).format(_(str(value))), only_if="exit_on_close"
		)


def stamp_disqualified(doc, method=None):
	"""A Lead marked Unqualified after it was made (new leads start Unqualified) keeps when, for the
	workspace's "Lead Outcomes" chart; a sequence's "disqualify" step marks it even when the value
	was already Unqualified. Qualified again, the mark goes. Only this sets it: a value sent with a
	save (the form shows it read-only, REST does not) is replaced by the one the Lead had."""
	from sales_accelerator.setup.install import DISQUALIFIED_FIELD

	if doc.doctype != "Lead" or not doc.meta.has_field(DISQUALIFIED_FIELD):
		return
	before = None if doc.is_new() else doc.get_doc_before_save()
	if doc.get("qualification_status") != "Unqualified" or not before:
		doc.set(DISQUALIFIED_FIELD, None)
	elif doc.has_value_changed("qualification_status") or "qualification_status" in (
		doc.flags.sa_set_fields or ()
	):
		doc.set(DISQUALIFIED_FIELD, now_datetime())
	else:
		doc.set(DISQUALIFIED_FIELD, before.get(DISQUALIFIED_FIELD))


def on_record_trash(doc, method=None):
	"""A deleted Lead, Contact, Opportunity, Customer or Prospect: its CRM Action Notes and score
	contributions go with it (as Frappe deletes its comments and ToDos); its running sequence ends.
	Its sequences' history (enrollments and activities) stays for the reports, as the record was."""
	if skip():
		return
	from sales_accelerator.scoring.score import delete_contributions

	delete_contributions(doc.doctype, doc.name)
	enrollment.stop(doc.doctype, doc.name, "Exited", _("The record was deleted"))
	for note in frappe.get_all(
		"CRM Action Note",
		filters={"reference_doctype": doc.doctype, "reference_name": doc.name},
		pluck="name",
	):
		frappe.delete_doc("CRM Action Note", note, ignore_permissions=True, force=True)


def on_any_trash(doc, method=None):
	"""Any deleted document: approvals still waiting for a decision on it are closed. The logs of
	the automation rules that ran on it stay, as the audit trail."""
	if skip():
		return
	frappe.db.sql(
		"""update `tabAutomation Approval` set status='Rejected', remark=%s, decided_at=%s
		where reference_doctype=%s and reference_name=%s and status='Pending'""",
		(_("The document was deleted"), now_datetime(), doc.doctype, doc.name),
	)


def on_communication(doc, method=None):
	"""An incoming email from a connected record: stop the sequence (if it says so) or let its
	"Email Replied" conditions look again now. An email a seller sends to it completes its open
	Email activity."""
	if skip() or doc.communication_type != "Communication" or doc.communication_medium != "Email":
		return
	if doc.sent_or_received == "Sent":
		if not frappe.flags.sa_sending_invitation:  # a meeting's invitation is not the step's email
			enrollment.complete_email_activity(doc)
		return
	if doc.sent_or_received != "Received":
		return
	for running in enrollments_for_communication(doc):
		enrollment.note_first(running.name, "replied_on")
		stopped = enrollment.stop(
			running.record_type,
			running.record_name,
			"Exited",
			_("The person replied"),
			only_if="exit_on_reply",
		)
		if not stopped:
			frappe.db.set_value(
				enrollment.ENROLLMENT, running.name, "next_due", now_datetime(), update_modified=False
			)


def enrollments_for_communication(doc) -> list:
	"""Running enrollments of the record the email is linked to, else of records with its sender's
	address."""
	from frappe.utils import parse_addr

	def running(record_type: str, names) -> list:
		return frappe.get_all(
			enrollment.ENROLLMENT,
			filters={"record_type": record_type, "record_name": ["in", names], "status": "Active"},
			fields=["name", "record_type", "record_name"],
		)

	if doc.reference_doctype and doc.reference_name:
		found = running(doc.reference_doctype, [doc.reference_name])
		if found:
			return found
	if not doc.sender:
		return []
	by_type = {}
	for record_type, name in records_with_address(parse_addr(doc.sender)[1]):
		by_type.setdefault(record_type, []).append(name)
	return [found for record_type, names in by_type.items() for found in running(record_type, names)]


def records_with_address(address: str, doctypes=None) -> list[tuple[str, str]]:
	"""(record type, name) of the records (of ``doctypes``, else of every type with an email field)
	whose email address is ``address``, at most 20 of each type."""
	found = []
	for record_type, field in enrollment.EMAIL_FIELDS.items():
		if field and address and (doctypes is None or record_type in doctypes):
			names = frappe.get_all(record_type, filters={field: address}, pluck="name", limit=20)
			found += [(record_type, name) for name in names]
	return found


def on_event(doc, method=None):
	"""A meeting booked with a connected record: its "Meeting Booked" conditions look again now."""
	if skip():
		return
	for participant in doc.get("event_participants") or []:
		running = enrollment.running_enrollment(participant.reference_doctype, participant.reference_docname)
		if running:
			enrollment.note_first(running.name, "meeting_booked_on")
			frappe.db.set_value(
				enrollment.ENROLLMENT, running.name, "next_due", now_datetime(), update_modified=False
			)


def on_email_queue_update(doc, method=None):
	"""An automated email that finally failed (after Frappe's retries) shows as a Failed activity.
	Frappe itself records the error with ``db.set_value``, which fires no hook: the scheduled
	``tasks.reconcile_failed_emails`` catches those; this catches a queue saved as a document."""
	if doc.status != "Error" or not doc.communication:
		return
	activity = frappe.db.get_value(
		enrollment.ACTIVITY,
		{
			"reference_doctype": "Communication",
			"reference_name": doc.communication,
			"step_type": "Automated Email",
			"status": "Completed",
		},
	)
	if activity:
		enrollment.fail_sent_email(activity, doc.error)
