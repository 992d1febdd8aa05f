"""Booking a sequence's meeting with the customer: an Event with the record as participant, and an
invitation email with an .ics that their calendar program adds."""

import datetime

import frappe
from frappe import _
from frappe.utils import add_to_date, get_datetime, get_fullname, get_system_timezone, now_datetime
from frappe.utils.data import escape_html, format_datetime

from sales_accelerator.engine.invite import ics_invite
from sales_accelerator.utils import bold

MEETING_MINUTES = (15, 30, 45, 60, 90, 120)
# Contacts on the accounts and deals: invited as participants beside the record itself
CONTACT_FIELDS = {"Opportunity": "contact_person", "Customer": "customer_primary_contact"}


def book(activity, starts_on, minutes: int = 30, location: str | None = None, message: str | None = None):
	"""Book (or move) the meeting of an open Meeting activity: the Event, the invitation, and the
	activity due when the meeting starts (its reminder with it). Returns the Event's name."""
	from sales_accelerator.sequences.enrollment import record_email

	if activity.step_type != "Meeting":
		frappe.throw(_("Activity {0} is not a meeting.").format(bold(activity.subject)))
	starts = get_datetime(starts_on)
	if not starts or starts <= now_datetime():
		frappe.throw(_("{0} must be in the future.").format(bold(_("Starts On"))), title=_("Book Meeting"))
	if int(minutes or 0) not in MEETING_MINUTES:
		frappe.throw(
			_("{0} must be one of {1} minutes.").format(
				bold(_("Duration")), ", ".join(str(m) for m in MEETING_MINUTES)
			),
			title=_("Book Meeting"),
		)
	invitee = (record_email(activity) or "").strip()
	if not invitee:
		frappe.throw(
			_("{0} {1} has no email address to send the invitation to. Add one, then book.").format(
				_(activity.record_type), bold(activity.record_name)
			),
			title=_("Book Meeting"),
		)
	ends = add_to_date(starts, minutes=int(minutes))
	record_title = (
		frappe.db.get_value("Sequence Enrollment", activity.enrollment, "record_title")
		or activity.record_name
	)
	event = frappe.get_doc("Event", activity.event) if activity.event else frappe.new_doc("Event")
	moved = not event.is_new()
	event.update(
		{
			"subject": f"{activity.subject}: {record_title}",
			"starts_on": starts,
			"ends_on": ends,
			"event_type": "Private",
			"event_category": "Meeting",
			"status": "Open",
			"description": escape_html("\n".join(filter(None, [location, message]))).replace("\n", "<br>"),
		}
	)
	if not moved:
		event.owner = activity.seller
		event.append(
			"event_participants",
			{"reference_doctype": activity.record_type, "reference_docname": activity.record_name},
		)
		contact = record_contact(activity.record_type, activity.record_name)
		if contact:
			event.append("event_participants", {"reference_doctype": "Contact", "reference_docname": contact})
	event.save(ignore_permissions=True)  # the seller's own meeting, on a record they may read

	send_invitation(activity, event, invitee, location, message, sequence=invitations_sent(event.name))
	activity.event = event.name
	activity.due = starts
	activity.save(ignore_permissions=True)  # due when the meeting starts; the reminder moves with it
	if activity.reference_doctype == "ToDo":
		frappe.db.set_value("ToDo", activity.reference_name, "date", starts.date())
	return event.name


def record_contact(doctype: str, name: str) -> str | None:
	field = CONTACT_FIELDS.get(doctype)
	return frappe.db.get_value(doctype, name, field) if field else None


def invitations_sent(event: str) -> int:
	"""How many invitations went out for the event before: the next one's iCalendar SEQUENCE. They
	are the emails linked to it (its own timeline entry is not an email)."""
	return frappe.db.sql(
		"""select count(*) from `tabCommunication Link` l join `tabCommunication` c on c.name = l.parent
		where l.parenttype='Communication' and l.link_doctype='Event' and l.link_name=%s
		and c.communication_medium='Email'""",
		event,
	)[0][0]


def send_invitation(activity, event, invitee: str, location, message, sequence: int):
	"""Email the invitation from the seller with the .ics attached, on the timelines of the record
	and of the Event (which counts the versions sent)."""
	from frappe.core.doctype.communication.email import _make

	seller = activity.seller
	seller_email = frappe.db.get_value("User", seller, "email") or seller
	zone = frappe.db.get_value("User", seller, "time_zone") or get_system_timezone()
	starts = get_datetime(event.starts_on)
	ics = ics_invite(
		uid=f"{event.name}@{frappe.local.site}",
		starts=aware(starts),
		ends=aware(get_datetime(event.ends_on)),
		summary=event.subject,
		organizer=(get_fullname(seller), seller_email),
		attendees=[
			(frappe.db.get_value("Sequence Enrollment", activity.enrollment, "record_title"), invitee)
		],
		description=message or "",
		location=location or "",
		sequence=sequence,
	)
	subject = (_("Updated invitation: {0}") if sequence else _("Invitation: {0}")).format(event.subject)
	when = format_datetime(starts, "EEEE, d MMMM y HH:mm")
	lines = [
		f"<p>{escape_html(message)}</p>".replace("\n", "<br>") if message else "",
		f"<p><b>{escape_html(_('When'))}:</b> {escape_html(when)} ({escape_html(zone)})</p>",
		f"<p><b>{escape_html(_('Where'))}:</b> {escape_html(location)}</p>" if location else "",
		f"<p>{escape_html(_('The attached invitation adds the meeting to your calendar.'))}</p>",
	]
	frappe.flags.sa_sending_invitation = True  # the seller's email, but not that of an Email step
	try:
		sent = _make(
			doctype=activity.record_type,
			name=activity.record_name,
			subject=subject,
			content="".join(lines),
			recipients=[invitee],
			sender=seller_email,
			send_email=True,
			attachments=[{"fname": "invite.ics", "fcontent": ics}],
		)
	finally:
		frappe.flags.sa_sending_invitation = False
	communication = frappe.get_doc("Communication", sent["name"])
	communication.add_link("Event", event.name)
	communication.save(ignore_permissions=True)


def aware(moment: datetime.datetime) -> datetime.datetime:
	"""A naive site-time moment with the site's time zone."""
	from zoneinfo import ZoneInfo

	return moment.replace(tzinfo=ZoneInfo(get_system_timezone()))
